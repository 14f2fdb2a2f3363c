"""The applicants' rules, pure Python: no I/O, no clock (the day comes in the command).

- applicant.py: the APPLICANT decider of the "applicant" stream, from intresseanmälan to a decision. Start here.
- checks.py: what is known of a register check, and when checks stand in the way of an approval.
"""
