"""The applicants service: intresseanmälan, lämplighetsbedömning (interview, references, register checks) and
the decision, as events on the "applicant" stream. See docs/domain.md, "Recruitment".

Start reading at the domain, then follow a request in:
- domain/applicant.py: the APPLICANT decider (the rules); domain/checks.py: when register checks stand in the way
  of an approval.
- events.py: the published events; schemas.py: the request bodies.
- app.py: the use cases (who may do what, body to command, load/decide/append, the answer).
- projection.py: the read model (list and detail) and its queries.
- service.py: the nameko wiring; spec.py: the service as the kernel sees it; contract.py: what others may import.
"""
