"""The applicants service: intresseanmälan, lämplighetsbedömning (interview, references, register checks) and
the decision, as events on the "applicant" stream.

Open domain.py first (the rules), then checks.py (how register checks gate an approval), identity.py
(personnummer), events.py (the published contract) and schemas.py (request bodies).
"""
