"""Assignments: client needs (beslut), matching, offers, the running assignment and its meetings.

Start with domain/ (the rules, pure: domain/__init__.py names the two deciders, NEED and ASSIGNMENT, and the rule
modules beside them), then events.py (what the service publishes), app/ (the use cases), read/ (the read models
and their queries) and schemas.py (request bodies); service.py only wires app/ to nameko, spec.py is what the
kernel runs, contract.py what the gateway may import. See docs/architecture.md and docs/domain.md ("Matching",
"Assignments and meetings").
"""
