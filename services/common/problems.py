"""The refusal a service reports to its caller over RPC. Pure: nameko learns to carry it in adapters.py."""
from __future__ import annotations


class ServiceProblem(Exception):
    """A refusal a service reports to its caller; re-raised as this same class in the caller (the gateway), which
    maps `kind` to an HTTP status in one table. `problems` are [{"message", "field", "code"}]; no personal data.

    kinds: invalid (400), unauthenticated (401: no caller the gateway signed), forbidden (403), not_found (404),
    conflict (409), refused (422).
    """

    def __init__(self, kind: str, detail: str, problems: list | None = None):
        self.kind, self.detail, self.problems = kind, detail, list(problems or [])
        super().__init__(kind, detail, self.problems)
