"""What operators and client developers ask the gateway itself: whether it can serve, its metrics, and the API's
documentation."""
from __future__ import annotations

from kombu import Connection
from werkzeug.wrappers import Response

from services.common import config

from .. import metrics, openapi
from ..problems import Problem, problem
from ..web import Call


def health(call: Call):
    """200 when the database and the broker answer; 503 (problem+json) naming what does not. Both say the mode
    the gateway runs in: "development" (KONTAKT_ENV=development: development keys allowed) or "production"."""
    checks = {"database": "ok", "broker": "ok"}
    try:
        with call.db.connection() as conn:
            conn.execute("SELECT 1")
    except Exception:  # noqa: BLE001 (any failure means unavailable)
        checks["database"] = "unavailable"
    try:
        with Connection(call.service.config["AMQP_URI"], connect_timeout=2) as connection:
            connection.ensure_connection(max_retries=1)
    except Exception:  # noqa: BLE001
        checks["broker"] = "unavailable"
    if "unavailable" in checks.values():
        down = ", ".join(name for name, state in checks.items() if state != "ok")
        return problem(503, "service-unavailable", "The gateway cannot serve requests", f"Unavailable: {down}.",
                       call.request.path, extra={"checks": checks, "mode": config.mode()})
    return 200, {"status": "ok", **checks, "mode": config.mode()}


def prometheus_metrics(call: Call):
    data, content_type = metrics.exposition()
    return Response(data, status=200, content_type=content_type)


def openapi_document(call: Call):
    return 200, openapi.document(call.service.routes)


def docs_page(call: Call):
    return Response(openapi.html_page(), status=200, content_type="text/html; charset=utf-8")


def docs_asset(call: Call, asset: str):
    """A file of the viewer /docs shows, from the installed package: the same version on every gateway."""
    found = openapi.viewer_file(asset)
    if found is None:
        raise Problem("not_found", "No such resource.")
    content, content_type = found
    return Response(content, status=200, content_type=content_type, headers={"Cache-Control": "public, max-age=3600"})
