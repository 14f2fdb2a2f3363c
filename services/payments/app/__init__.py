"""Payments' use cases, as plain functions over the Kernel: each checks the caller, turns the body into a command,
decides and appends through the kernel, and answers from the read models. No nameko here (service.py and worker.py
wire these functions to RPC and to the work queue).

    rates.py         publish_rates, rates
    reports.py       report, pending_reports, approve_report
    runs.py          prepare_run, approve_run, run_status, runs
    exports.py       payroll_csv, summary_csv
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
from . import exports, health, rates, reports, runs, tax_details, volunteers  # noqa: F401 (the use cases: app.rates...)
