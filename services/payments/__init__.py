"""Payments: arvode and omkostnadsersättning from SKR-based rates, monthly reports and payment runs.

It owns the rates of each municipality, the monthly compensation of each assignment, the payment runs and the
volunteers' tax details; it follows the assignments service for plans and meetings.

Start reading with domain/ (the rules, pure: one module per stream), then app/ (the use cases), read/ (the read
models), and service.py and worker.py (how they run). See docs/domain.md, "Compensation".
"""
