"""Payments' use cases, as plain functions over the Kernel: each checks the caller, turns the body into a command,
decides and appends through the kernel, and answers from the read models. No nameko here (service.py and worker.py
wire these functions to RPC and to the work queue).

    rates.py         publish_rates, rates
    reports.py       report, pending_reports, approve_report
    runs.py          prepare_run, approve_run, run_status, runs
    exports.py       payroll_csv, agi_csv, summary_csv
    decisions.py     decide_arvode_level, approve_omkostnad_excess, decisions
    volunteers.py    my_payments
    tax_details.py   set_tax_details, tax_details
    health.py        health

A run's work, shared by the worker processes:

    phases.py        a phase as a batch of jobs: started (items split into jobs), ended, swept, its progress
    jobs.py          one job, in one transaction: process_job, record_failure
    calculating.py   one approved month calculated (CompensationCalculated)
    issuing.py       one compensation paid (PaymentIssued)
    plan.py          the genomförandeplan's terms read as payments' Terms
"""
from . import (decisions, exports, health, rates, reports, runs, tax_details,  # noqa: F401 (app.rates...)
               volunteers)
