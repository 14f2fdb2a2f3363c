"""Payments' read models: one module per read model, each with its projection (the tables it owns) and the
queries that read them.

    assignments.py    pay_assignments            from the assignments service: volunteer, case worker, plan
    meetings.py       pay_meetings               from the assignments service: each meeting's latest version
    reports.py        pay_reports                the monthly reports approved
    compensations.py  pay_compensations          what is calculated and paid
    runs.py           pay_runs, pay_run_items    the payment runs
    rates.py          pay_rates                  the rates published, with who and why
    decisions.py      pay_decisions              individual decisions on an assignment's arvode and omkostnad
    tax_details.py    pay_tax_details(_changes)  the volunteers' tax details (personal data: masked in answers)

The run's work tables (pay_batches, pay_jobs) are not read models: app/phases.py owns them.
"""
from .assignments import AssignmentPlans
from .compensations import Compensations
from .decisions import Decisions
from .meetings import Meetings
from .rates import Rates
from .reports import Reports
from .runs import Runs
from .tax_details import TaxDetails

PROJECTIONS = (AssignmentPlans(), Meetings(), Reports(), Compensations(), Runs(), Rates(), TaxDetails(),
               Decisions())
