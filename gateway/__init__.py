"""The HTTP gateway: one API over the services, with auth, tenancy, audit, idempotency and OpenAPI.

Start reading at service.py's route table (who may call what, and which handler answers), then web.py (how one
route is served: token, role, rate limit, idempotency, audit, problem+json) and handlers/ (what each route does,
one module per service it talks to). The gateway knows the services only by their contract modules
(services/<name>/contract.py) and the shared vocabulary of services/common; see docs/architecture.md.
"""
