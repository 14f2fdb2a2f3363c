"""The refusal a service reports to its caller over RPC. Pure: nameko learns to carry it in adapters.py."""
from __future__ import annotations


class ServiceProblem(Exception):
    """A refusal a service reports to its caller; re-raised as this same class in the caller (the gateway), which
    maps `kind` to an HTTP status in one table. `problems` are [{"message", "field", "code"}]; no personal data.

    kinds: invalid (400), unauthenticated (401: no caller the gateway signed), forbidden (403), not_found (404),
    conflict (409), refused (422), unavailable (503: the service's database did not answer in time).

    Every problem has a code ("invalid" where the raiser named none), and a problem about no one field leaves
    `field` out: nameko carries an exception's arguments as text, so a None would arrive as the string "None".

    `municipality`: on a not_found that is a resource of a municipality the caller lacks, that municipality. The
    caller is told only "not found"; the gateway writes the attempt to that municipality's audit log.
    """

    def __init__(self, kind: str, detail: str, problems: list | None = None, municipality: str | None = None):
        self.kind, self.detail, self.problems = kind, detail, [_carried(p) for p in problems or []]
        self.municipality = municipality
        super().__init__(kind, detail, self.problems, municipality)  # nameko rebuilds it from these args


def _carried(problem: dict) -> dict:
    out = {key: value for key, value in problem.items() if value is not None and value != "None"}
    out["code"] = out.get("code") or "invalid"
    return out
