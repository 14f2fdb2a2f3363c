"""The gateway bench's ceiling: a bare nameko @http route answering from memory, run exactly as the gateway is
(`nameko run --config <yaml with WEB_SERVER_ADDRESS> bench.bare_http`), no auth, no RPC, no database.

It answers GET /bare/<id> with the JSON body in the file BENCH_BARE_BODY (the bench puts there what the real
gateway answered for an applicant, so both serve the same bytes), or {"ok": true}.
"""
import os

from nameko.web.handlers import http
from werkzeug.wrappers import Response

_PATH = os.environ.get("BENCH_BARE_BODY")
BODY = open(_PATH, "rb").read() if _PATH else b'{"ok": true}'


class BareHttpService:
    name = "bench_bare_http"

    @http("GET", "/bare/<id>")
    def get(self, request, id):
        return Response(BODY, status=200, content_type="application/json")
