"""registry_checks: register checks (registerkontroll) of applicants, one stream per applicant and register.

Read domain.py first (the rules), then registers.py (which registers, how long a result is valid),
inbound.py and signing.py (results from external register services), events.py (what is published).
"""
