"""What each route does, one module per service the route talks to:

    applicants        intresseanmälan, the applicant, the recruiters' steps towards a decision
    registry_checks   register checks (registerkontroller): an applicant's, a paper result, the worklist
    assignments       client needs, matching, offers, assignments; a volunteer's own under /api/v1/me/
    payments          rates, närvarorapporter, payment runs and their exports, tax details, a volunteer's pay
    audit_log         the gateway's own audit log, for auditors
    operations        health, metrics and the API's documentation

common.py holds what several of them use. A handler checks what only the gateway can check, calls the owning
service (acting as the caller), notes whose personal data was read or changed, and says what to answer. The
route table in service.py says who may call each.

Tenancy is checked twice: the services refuse a municipality the caller lacks (nameko context data), and the
gateway checks the municipality of what comes back before showing it. Subjects in the audit are the ids the API
shows, in one spelling whatever the caller typed (the path's ids are respelt before a handler runs, web.PATH_IDS):
an applicant's (a volunteer's) bare uuid, "need-<uuid>", "assignment-<uuid>", "paymentrun-<kommunkod>-<YYYY-MM>"
and "rates-<kommunkod>", so that an auditor's `subject=<applicant id>` finds every route's accesses to that person.
Each access names the municipality whose auditors see it: the subject's.
"""
