"""Payments: arvode and omkostnadsersättning from SKR-based rates, monthly reports and payment runs.

Start with domain.py.
"""
