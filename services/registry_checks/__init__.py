"""registry_checks: register checks (registerkontroll) of applicants, one stream per applicant and register.

Start with domain.py (the CHECK decider: request, result, expiry, cancellation), then registers.py (which
registers, how long a result is valid) and inbound.py with signing.py (how a register's signed result is judged).
app/ holds what the service does (reactions to the applicants' events, results, renewals, expiry, operations);
events.py what it publishes; projection.py the checks table and its queries; service.py the nameko wiring.
settings.py reads the deployment's keys and configuration, topology.py declares the inbound exchange, and
contract.py is what other parts may import. See docs/domain.md, "Register checks".
"""
