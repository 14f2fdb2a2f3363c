"""Payments: the rules, read first. Three kinds of stream, each a decider over pure functions:

    rates-<kommunkod>                     rate_decider.py          PublishRates -> RatesPublished
    compensation-<assignment>-<YYYY-MM>   compensation_decider.py  ApproveReport -> ReportApproved
                                                                   CalculateCompensation -> CompensationCalculated
                                                                   IssuePayment -> PaymentIssued
    paymentrun-<kommunkod>-<YYYY-MM>      payment_run_decider.py   PreparePaymentRun -> PaymentRunPrepared
                                                                   ApprovePaymentRun -> PaymentRunApproved

The arithmetic lives in calculation.py (arvode, omkostnad, expenses; dygn counting in stays.py; tax and
employer contributions in tax.py), the SKR figures in rates/skr.csv, the exports in exports.py.

A month is paid like this: the case worker approves the month's report; finance prepares the month's run, which
first calculates every approved and not yet calculated (or changed) month, then lists the unpaid compensations;
another person approves the run; then each listed compensation is paid, once.
"""
from .calculation import (Gross, KontaktfamiljTerms, KontaktpersonTerms, Meeting, SetAmountTerms, Terms,
                          gross_for_month, taxed)
from .compensation_decider import (ApproveReport, CalculateCompensation, CompensationState, IssuePayment,
                                   compensation_decider)
from .payment_run_decider import (ApprovePaymentRun, PaymentRunState, PreparePaymentRun, RunItem,
                                  payment_run_decider)
from .rate_decider import PublishRates, RateChange, RatesState, rates_decider, table
from .rate_table import RateTable, skr_defaults
from .tax import TaxProfile, YearToDate

DECIDERS = {d.stream_type: d for d in (rates_decider, compensation_decider, payment_run_decider)}

__all__ = [
    "ApprovePaymentRun", "ApproveReport", "CalculateCompensation", "CompensationState", "DECIDERS", "Gross",
    "IssuePayment", "KontaktfamiljTerms", "KontaktpersonTerms", "Meeting", "PaymentRunState", "PreparePaymentRun",
    "PublishRates", "RateChange", "RateTable", "RatesState", "RunItem", "SetAmountTerms", "TaxProfile", "Terms",
    "YearToDate", "compensation_decider", "gross_for_month", "payment_run_decider", "rates_decider",
    "skr_defaults", "table", "taxed",
]
