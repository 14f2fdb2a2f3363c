"""The HTTP gateway: one API over the services, with auth, tenancy, audit, idempotency and OpenAPI."""
