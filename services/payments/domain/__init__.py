"""Payments' rules, pure Python: read these first. Five kinds of stream, one module and one decider each:

    rates-<kommunkod>                    rates.py         RATES         PublishRates -> RatesPublished
    compensation-<assignment>-<YYYY-MM>  compensation.py  COMPENSATION  ApproveReport -> ReportApproved
                                                                        CalculateCompensation -> CompensationCalculated
                                                                        IssuePayment -> PaymentIssued
    paymentrun-<kommunkod>-<YYYY-MM>     payment_run.py   PAYMENT_RUN   PreparePaymentRun -> PaymentRunPrepared
                                                                        ApprovePaymentRun -> PaymentRunApproved
    taxdetails-<kommunkod>-<volunteer>   tax_details.py   TAX_DETAILS   SetTaxDetails -> TaxDetailsChanged
    decisions-<assignment>               decisions.py     DECISIONS     DecideArvodeLevel -> ArvodeLevelDecided
                                                                        ApproveOmkostnadExcess
                                                                          -> OmkostnadExcessApproved

The rules that are not a stream: the arithmetic in calculation.py (arvode, omkostnad, expenses), dygn counting in
stays.py, tax and employer contributions in tax.py on the law's dated rows in tax_rules.py (../rates/tax_rules.csv
and ../rates/employer_contributions.csv), öre and rounding in money.py, the municipality's dated rates in
rate_table.py (the SKR figures are in ../rates/skr.csv), the payroll and summary files in exports.py and the
arbetsgivardeklaration (AGI) file in agi.py.
See docs/domain.md, "Compensation".

A month is paid like this: the case worker approves the month's report; finance prepares the month's run, which
first calculates every approved and not yet calculated (or changed) month, then lists the unpaid compensations;
another person approves the run; then each listed compensation is paid, once.
"""
