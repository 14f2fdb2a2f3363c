"""The assignments and payments routes of the gateway, alone: the gateway in-process over stand-ins for the
`assignments` and `payments` services (and gateway_testing's for `applicants`), which answer from dicts, note
every call with the caller the gateway sent, and sometimes (as a faulty service might) answer with another
municipality's or another volunteer's data, which the gateway must not show.

Who may call what (role 403, another municipality 404 before any service is asked), problem+json on refusals,
CSV exports, the audit rows, and the applicant view's assignments.
"""
from __future__ import annotations

import json
import re
import uuid

import pytest
from nameko.containers import ServiceContainer
from nameko.rpc import rpc

from gateway import openapi
from gateway.service import ROUTES
from gateway.spec import SPEC
from services.common import config
from services.common.adapters import ServiceProblem
from services.common.db import connect
from services.common.roles import ROLES

from gateway_testing import (ELSEWHERE, HOME, Client, ContextData, a_sub, asked_by, assert_problem, forget_service,
                             signed_caller_of, token)

NEW_MODULES = ("gateway.handlers.assignments", "gateway.handlers.payments")
NEW_ROUTES = [route for route in ROUTES if route.handler.__module__ in NEW_MODULES]
CALLS: list[tuple[str, tuple, dict]] = []  # (method, args, caller) as the stand-ins were asked
NEEDS: dict[str, dict] = {}
ASSIGNMENTS: dict[str, dict] = {}
PAID_VOLUNTEER = f"applicant-{uuid.uuid4()}"  # the one person in the stand-in's payroll file


def _note(service, method: str, *args) -> dict:
    caller = signed_caller_of(service.caller_data)
    CALLS.append((method, args, caller))
    return caller


def called(method: str) -> list[tuple[tuple, dict]]:
    return [(args, caller) for name, args, caller in CALLS if name == method]


def a_need(municipality: str = HOME) -> str:
    need_id = f"need-{uuid.uuid4()}"
    NEEDS[need_id] = {"need_id": need_id, "municipality": municipality, "insats": "kontaktperson",
                      "clients": [{"name": "Klient Klientsson", "personnummer": "20120101-XXXX", "age": 13}],
                      "status": "open"}
    return need_id


def an_assignment(municipality: str = HOME, volunteer: str | None = None, status: str = "started") -> str:
    assignment_id = f"assignment-{uuid.uuid4()}"
    ASSIGNMENTS[assignment_id] = {"assignment_id": assignment_id, "need_id": a_need(municipality),
                                  "municipality": municipality, "volunteer_id": f"applicant-{volunteer or uuid.uuid4()}",
                                  "volunteer_municipality": municipality, "status": status, "meetings": []}
    return assignment_id


def _assignment(assignment_id: str) -> dict:
    if assignment_id not in ASSIGNMENTS:
        raise ServiceProblem("not_found", "no such assignment")
    return ASSIGNMENTS[assignment_id]


def _need(need_id: str) -> dict:
    if need_id not in NEEDS:
        raise ServiceProblem("not_found", "no such need")
    return NEEDS[need_id]


class StandInAssignments:
    """Answers whatever it has, whoever asks: the gateway's own checks are what is tested."""
    name = "assignments"
    caller_data = ContextData()

    @rpc
    def register_need(self, municipality, body):
        _note(self, "register_need", municipality, body)
        if body.get("needs") == "refuse":
            raise ServiceProblem("refused", "the command was refused", [
                {"message": "the decision date cannot be in the future", "field": "decision_date", "code": "invalid"}])
        need_id = a_need(municipality)
        return NEEDS[need_id]

    @rpc
    def list_needs(self, municipality, status=None, page=1, page_size=50):
        _note(self, "list_needs", municipality)
        items = list(NEEDS.values())  # every municipality's: the gateway must filter
        return {"items": items, "total": len(items), "page": page, "page_size": page_size}

    @rpc
    def get_need(self, need_id):
        _note(self, "get_need", need_id)
        return _need(need_id)

    @rpc
    def close_need(self, need_id, body):
        _note(self, "close_need", need_id, body)
        return {**_need(need_id), "status": "closed"}

    @rpc
    def candidates(self, need_id, limit=20):
        _note(self, "candidates", need_id, limit)
        need = _need(need_id)
        return {"need_id": need_id, "municipality": need["municipality"], "as_of": "2026-01-10", "eligible": 1,
                "candidates": [
            {"volunteer_id": "applicant-11111111-1111-1111-1111-111111111111", "name": "Vera Volontär",
             "municipality": HOME, "score": 70, "reasons": []}]}

    @rpc
    def offer(self, body):
        _note(self, "offer", body)
        if body.get("volunteer_id") == "busy":
            raise ServiceProblem("conflict", "the volunteer's place was taken meanwhile")
        need = _need(body["need_id"])
        assignment_id = an_assignment(need["municipality"], status="offered")
        return _assignment(assignment_id)

    @rpc
    def list_assignments(self, municipality, status=None, need_id=None, volunteer_id=None):
        _note(self, "list_assignments", municipality)
        return list(ASSIGNMENTS.values())

    @rpc
    def get_assignment(self, assignment_id):
        _note(self, "get_assignment", assignment_id)
        return _assignment(assignment_id)

    def _command(self, method, assignment_id, body=None):
        _note(self, method, assignment_id, body)
        return _assignment(assignment_id)

    @rpc
    def start_assignment(self, assignment_id, body):
        return self._command("start_assignment", assignment_id, body)

    @rpc
    def record_supervision(self, assignment_id, body):
        return self._command("record_supervision", assignment_id, body)

    @rpc
    def interrupt_assignment(self, assignment_id, body):
        return self._command("interrupt_assignment", assignment_id, body)

    @rpc
    def resume_assignment(self, assignment_id, body):
        return self._command("resume_assignment", assignment_id, body)

    @rpc
    def end_assignment(self, assignment_id, body):
        return self._command("end_assignment", assignment_id, body)

    @rpc
    def report_deviation(self, assignment_id, body):
        return self._command("report_deviation", assignment_id, body)

    @rpc
    def worklist(self, municipality, case_worker_id=None, notice_days=30):
        _note(self, "worklist", municipality, case_worker_id, notice_days)
        return [{"kind": "deviation", "assignment_id": a["assignment_id"], "need_id": a["need_id"]}
                for a in ASSIGNMENTS.values() if a["municipality"] == municipality][:3]

    @rpc
    def ivo_report(self, municipality):
        _note(self, "ivo_report", municipality)
        return [{"municipality": n["municipality"], "need_id": n["need_id"], "kind": "not_started"}
                for n in NEEDS.values()][:3]

    @rpc
    def ivo_csv(self, municipality):
        _note(self, "ivo_csv", municipality)
        need_ids = [n["need_id"] for n in NEEDS.values() if n["municipality"] == municipality][:2]
        return {"filename": f"ivo-{municipality}.csv", "content_type": "text/csv; charset=utf-8",
                "content": "Kommun;Beslut\r\n" + "".join(f"{municipality};{need_id}\r\n" for need_id in need_ids),
                "rows": len(need_ids), "need_ids": need_ids}

    @rpc
    def my_offers(self):
        """The caller's offers, whatever the token's municipalities (as the service once did)."""
        caller = _note(self, "my_offers")
        return [a for a in ASSIGNMENTS.values() if a["status"] == "offered"
                and a["volunteer_id"].removeprefix("applicant-") == caller["sub"].removeprefix("applicant-")]

    @rpc
    def my_assignments(self):
        _note(self, "my_assignments")
        return list(ASSIGNMENTS.values())  # wrongly, anyone's: the gateway must filter

    @rpc
    def accept_offer(self, assignment_id):
        return self._command("accept_offer", assignment_id)

    @rpc
    def decline_offer(self, assignment_id, body=None):
        return self._command("decline_offer", assignment_id, body)

    @rpc
    def log_meeting(self, assignment_id, body):
        return self._command("log_meeting", assignment_id, body)

    @rpc
    def correct_meeting(self, assignment_id, meeting_id, body):
        _note(self, "correct_meeting", assignment_id, meeting_id, body)
        return _assignment(assignment_id)

    @rpc
    def request_end(self, assignment_id, body=None):
        return self._command("request_end", assignment_id, body)

    @rpc
    def assignments_for_volunteer(self, applicant_id):
        _note(self, "assignments_for_volunteer", applicant_id)
        return [{"assignment_id": a["assignment_id"], "municipality": a["municipality"], "status": a["status"]}
                for a in ASSIGNMENTS.values() if a["volunteer_id"] == f"applicant-{applicant_id}"]


class StandInPayments:
    name = "payments"
    caller_data = ContextData()

    @rpc
    def rates(self, municipality):
        _note(self, "rates", municipality)
        return {"municipality": municipality, "on": "2026-01-10", "rates": [], "changes": []}

    @rpc
    def publish_rates(self, municipality, body):
        _note(self, "publish_rates", municipality, body)
        return {"municipality": municipality, "on": "2026-01-10", "rates": [], "changes": [body]}

    @rpc
    def report(self, assignment_id, month):
        _note(self, "report", assignment_id, month)
        assignment = _assignment(assignment_id)
        return {"assignment_id": assignment_id.removeprefix("assignment-"), "municipality": assignment["municipality"],
                "month": month, "status": "pending", "meetings": []}  # payments' spelling: the bare uuid

    @rpc
    def approve_report(self, assignment_id, body):
        _note(self, "approve_report", assignment_id, body)
        if body.get("meeting_ids") == ["stale"]:
            raise ServiceProblem("conflict", "the month's meetings have changed: show the report again", [
                {"message": "the meetings are no longer the ones shown", "field": "meeting_ids",
                 "code": "report_changed"}])
        return {"assignment_id": assignment_id, "municipality": _assignment(assignment_id)["municipality"],
                "month": body.get("month"), "status": "approved", "meetings": []}

    @rpc
    def pending_reports(self, municipality):
        _note(self, "pending_reports", municipality)
        return [{"assignment_id": a["assignment_id"], "municipality": a["municipality"], "month": "2026-01"}
                for a in ASSIGNMENTS.values()]  # every municipality's: the gateway must filter

    @rpc
    def runs(self, municipality):
        _note(self, "runs", municipality)
        return []

    @rpc
    def run_status(self, run_id):
        _note(self, "run_status", run_id)
        return {"run_id": run_id, "run": None, "phases": []}

    @rpc
    def prepare_run(self, municipality, period):
        _note(self, "prepare_run", municipality, period)
        return {"run_id": f"paymentrun-{municipality}-{period}", "run": None, "phases": [{"phase": "calculate"}]}

    @rpc
    def approve_run(self, municipality, period, body=None):
        _note(self, "approve_run", municipality, period, body)
        return {"run_id": f"paymentrun-{municipality}-{period}", "run": {"status": "approved"}, "phases": []}

    @rpc
    def payroll_csv(self, run_id):
        _note(self, "payroll_csv", run_id)
        return {"filename": f"lon-{run_id}.csv", "content_type": "text/csv; charset=utf-8",
                "content": "personnummer;löneart;belopp\r\n19800101-1234;arvode;98000\r\n", "rows": 1,
                "people": [PAID_VOLUNTEER]}

    @rpc
    def agi_csv(self, run_id):
        _note(self, "agi_csv", run_id)
        return {"filename": f"agi-{run_id}.csv", "content_type": "text/csv; charset=utf-8",
                "content": "personnummer;ruta;belopp\r\n19800101-1234;011;980\r\n", "rows": 1,
                "people": [PAID_VOLUNTEER]}

    @rpc
    def decisions(self, assignment_id):
        _note(self, "decisions", assignment_id)
        return {"assignment_id": assignment_id, "municipality": _assignment(assignment_id)["municipality"],
                "decisions": []}

    @rpc
    def decide_arvode_level(self, assignment_id, body):
        _note(self, "decide_arvode_level", assignment_id, body)
        return {"assignment_id": assignment_id, "municipality": _assignment(assignment_id)["municipality"],
                "decisions": [{"type": "ArvodeLevelDecided", **body}]}

    @rpc
    def summary_csv(self, run_id):
        _note(self, "summary_csv", run_id)
        return {"filename": f"sammanstallning-{run_id}.csv", "content_type": "text/csv; charset=utf-8",
                "content": "uppdrag;summa\r\n", "rows": 0}

    @rpc
    def set_tax_details(self, volunteer_id, body):
        _note(self, "set_tax_details", volunteer_id, body)
        return {"volunteer_id": volunteer_id, "municipality": body["municipality"], "personnummer": "19800101-XXXX"}

    @rpc
    def tax_details(self, municipality, volunteer_id):
        _note(self, "tax_details", municipality, volunteer_id)
        return {"volunteer_id": volunteer_id, "municipality": municipality, "personnummer": "19800101-XXXX"}

    @rpc
    def my_payments(self):
        """The caller's months, whatever the token's municipalities (as the service once did)."""
        caller = _note(self, "my_payments")
        mine = [a for a in ASSIGNMENTS.values() if a["volunteer_id"] == f"applicant-{caller['sub']}"]
        return {"volunteer_id": caller["sub"], "paid_total_ore": 0,
                "payments": [{"compensation_id": f"compensation-{a['assignment_id']}-2026-01",
                              "assignment_id": a["assignment_id"], "municipality": a["municipality"],
                              "month": "2026-01", "status": "paid"} for a in mine],
                "pending_reports": [{"assignment_id": a["assignment_id"], "municipality": a["municipality"],
                                     "month": "2026-02"} for a in mine]}


@pytest.fixture(scope="module")
def behind(test_environment, stand_ins):
    """The stand-ins for assignments and payments (and gateway_testing's for applicants and registry_checks)."""
    containers = [ServiceContainer(cls, config={"AMQP_URI": config.amqp_uri()})
                  for cls in (StandInAssignments, StandInPayments)]
    for container in containers:
        container.start()
    try:
        yield stand_ins
    finally:
        for container in containers:
            container.stop()
        for name in ("assignments", "payments"):  # later modules' gateways must not wait on a queue nobody reads
            forget_service(name)


def concrete(route, municipality: str = HOME) -> str:
    """The route's path naming, for each of its parameters, a resource of `municipality`."""
    assignment_id = an_assignment(municipality)
    assignment = ASSIGNMENTS[assignment_id]
    values = {"municipality": municipality, "period": "2026-01", "month": "2026-01", "meeting_id": "meeting-1",
              "assignment_id": assignment_id, "need_id": assignment["need_id"],
              "volunteer_id": assignment["volunteer_id"].removeprefix("applicant-")}
    return re.sub(r"{(\w+)}", lambda match: values[match.group(1)], route.path)


def audit_rows(request_route: str, actor: str) -> list[tuple]:
    with connect(config.database_url(SPEC.name)) as conn:
        return conn.execute("SELECT action, subject, municipality FROM audit_log WHERE route = %s AND actor = %s"
                            " ORDER BY id", (request_route, actor)).fetchall()


def found_by_auditor(gateway: str, subject: str, municipalities=(HOME,)) -> list[tuple]:
    """(action, route, actor) of what an auditor of `municipalities` finds searching for `subject`, newest first
    (without the auditors' own looks)."""
    found = Client(gateway, token("auditor", municipalities=list(municipalities))).get(
        "/api/v1/audit", params={"subject": subject})
    assert found.status_code == 200, found.text
    return [(e["action"], e["route"], e["actor"]) for e in found.json()["items"] if e["roles"] != ["auditor"]]


def spellings(kind: str, key: str) -> list[str]:
    """The spellings of one id the services accept (docs/contracts.md, "Ids")."""
    return [key.upper(), key.replace("-", ""), "{" + key + "}", f"urn:uuid:{key}", f"{kind}-{key}",
            f"{kind.upper()}-{key.upper()}"]


# --- who may call what -----------------------------------------------------------------------------------------

ROLE_CASES = [(route, role) for route in NEW_ROUTES for role in ROLES if role not in route.roles]


@pytest.mark.parametrize("route,role", ROLE_CASES, ids=[f"{r.template} as {role}" for r, role in ROLE_CASES])
def test_a_role_the_route_does_not_allow_is_403_before_any_service_is_asked(gateway, behind, route, role):
    # given a token of the right municipality but a role the route does not list (a volunteer on a case worker's
    # route, a case worker on the volunteer's own, a recruiter on a payment run, ...)
    sub = a_sub()
    client = Client(gateway, token(role, sub=sub))
    path = concrete(route)
    # when it calls the route
    response = client.session.request(route.method, gateway + path, json={}, timeout=30)
    # then 403 as problem+json, and neither assignments nor payments was asked anything
    assert_problem(response, 403, "forbidden")
    assert asked_by(CALLS, sub) == []


MUNICIPALITY_ROUTES = [route for route in NEW_ROUTES if "{municipality}" in route.path]


@pytest.mark.parametrize("route", MUNICIPALITY_ROUTES, ids=lambda r: r.template)
def test_another_municipality_in_the_path_is_404_before_any_service_is_asked(gateway, behind, route):
    # given a token of Boden with every role the route allows
    sub = a_sub()
    client = Client(gateway, token(*route.roles, municipalities=[HOME], sub=sub))
    # when it names Stockholm in the path
    response = client.session.request(route.method, gateway + concrete(route, ELSEWHERE), json={}, timeout=30)
    # then 404, exactly as for something that does not exist, and no service was asked
    assert_problem(response, 404, "not-found")
    assert asked_by(CALLS, sub) == []


def test_another_municipalitys_need_and_assignment_are_not_shown_nor_read(gateway, behind):
    # given a need and an assignment of Stockholm, and services that (wrongly) answer anyone
    need_id, assignment_id = a_need(ELSEWHERE), an_assignment(ELSEWHERE)
    client = Client(gateway, token("case_worker", municipalities=[HOME], sub="handlaggare-grans"))
    # when a case worker of Boden asks for them, or changes the assignment
    for response in (client.get(f"/api/v1/needs/{need_id}"), client.get(f"/api/v1/assignments/{assignment_id}"),
                     client.post(f"/api/v1/assignments/{assignment_id}/end",
                                 {"ended_on": "2026-01-10", "reason": "goal_met"})):
        # then each is 404
        assert_problem(response, 404, "not-found")
    # and nothing of theirs was written to the audit as read or changed by them: each is an attempt refused, in
    # Stockholm's audit log, naming what was tried
    for route, subject in (("GET /api/v1/needs/{need_id}", need_id),
                           ("GET /api/v1/assignments/{assignment_id}", assignment_id),
                           ("POST /api/v1/assignments/{assignment_id}/end", assignment_id)):
        assert audit_rows(route, "handlaggare-grans") == [("refused", subject, ELSEWHERE)]


def test_lists_show_only_the_callers_municipality(gateway, behind):
    # given needs and assignments in both municipalities, and services that answer with both
    ours, theirs = an_assignment(HOME), an_assignment(ELSEWHERE)
    client = Client(gateway, token("case_worker", "finance", municipalities=[HOME]))
    # when the case worker lists needs, assignments, the IVO report and pending närvarorapporter
    needs = client.get(f"/api/v1/municipalities/{HOME}/needs").json()["items"]
    assignments = client.get(f"/api/v1/municipalities/{HOME}/assignments").json()["items"]
    ivo = client.get(f"/api/v1/municipalities/{HOME}/ivo").json()["items"]
    pending = client.get(f"/api/v1/municipalities/{HOME}/reports", params={"status": "pending"}).json()["items"]
    # then only Boden's are shown
    assert {item["municipality"] for item in needs + assignments + ivo + pending} == {HOME}
    assert ours in {a["assignment_id"] for a in assignments} and theirs not in {a["assignment_id"] for a in assignments}


def test_a_volunteer_sees_only_their_own_assignments(gateway, behind):
    # given two volunteers' assignments, and a service that (wrongly) answers with someone else's
    me, other = str(uuid.uuid4()), str(uuid.uuid4())
    mine, theirs = an_assignment(volunteer=me), an_assignment(volunteer=other)
    client = Client(gateway, token("volunteer", sub=me))
    # when I read my assignments, and theirs by its id, and try to log a meeting on theirs
    listed = client.get("/api/v1/me/assignments").json()["items"]
    # then only mine are shown; theirs is not found, and nothing was logged on it
    assert [a["assignment_id"] for a in listed] == [mine]
    assert client.get(f"/api/v1/me/assignments/{mine}").status_code == 200
    assert_problem(client.get(f"/api/v1/me/assignments/{theirs}"), 404, "not-found")
    assert_problem(client.post(f"/api/v1/me/assignments/{theirs}/meetings", {"status": "held"}), 404)


def test_the_volunteer_reaches_the_services_as_themselves(gateway, behind):
    # given a volunteer whose token's sub is their applicant id
    me = str(uuid.uuid4())
    offer = an_assignment(volunteer=me, status="offered")
    client = Client(gateway, token("volunteer", sub=me, name="Vera V"))
    # when they read their offers, accept one (no body) and decline another (no body either)
    assert [o["assignment_id"] for o in client.get("/api/v1/me/offers").json()["items"]] == [offer]
    assert client.post(f"/api/v1/me/offers/{offer}/accept").status_code == 200
    assert client.session.post(gateway + f"/api/v1/me/offers/{offer}/decline", timeout=30).status_code == 200
    # then assignments was asked as that volunteer
    args, caller = called("accept_offer")[-1]
    assert args == (offer, None)
    assert caller == {"sub": me, "name": "Vera V", "roles": {HOME: ["volunteer"]},
                      "system": False}
    assert called("decline_offer")[-1][0] == (offer, {})


def test_a_volunteer_token_of_another_municipality_lists_none_of_the_volunteers_items(gateway, behind):
    # given a Boden volunteer's offer and running assignment, and services that list a volunteer's items whatever
    # the token's municipalities (as they once did)
    me = str(uuid.uuid4())
    offer, running = an_assignment(volunteer=me, status="offered"), an_assignment(volunteer=me)
    # when a volunteer's token for Stockholm carrying their sub lists offers, assignments and payments
    elsewhere = Client(gateway, token("volunteer", municipalities=[ELSEWHERE], sub=me))
    offers = elsewhere.get("/api/v1/me/offers").json()["items"]
    assignments = elsewhere.get("/api/v1/me/assignments").json()["items"]
    paid = elsewhere.get("/api/v1/me/payments").json()
    # then nothing of Boden's is shown, as no single one of them would be, and nothing was read
    assert (offers, assignments, paid["payments"], paid["pending_reports"]) == ([], [], [], [])
    for route in ("GET /api/v1/me/offers", "GET /api/v1/me/assignments", "GET /api/v1/me/payments"):
        assert audit_rows(route, me) == []
    # while their token for Boden lists them, each read in Boden
    home = Client(gateway, token("volunteer", municipalities=[HOME], sub=me))
    assert [o["assignment_id"] for o in home.get("/api/v1/me/offers").json()["items"]] == [offer]
    assert running in {a["assignment_id"] for a in home.get("/api/v1/me/assignments").json()["items"]}
    assert len(home.get("/api/v1/me/payments").json()["payments"]) == 2
    assert audit_rows("GET /api/v1/me/payments", me) == [("read", me, HOME)]


def test_every_spelling_of_an_id_is_audited_as_the_one_id(gateway, behind):
    # given a need, an assignment and its volunteer of Boden
    volunteer = str(uuid.uuid4())
    assignment_id = an_assignment(volunteer=volunteer)
    need_id = ASSIGNMENTS[assignment_id]["need_id"]
    case_worker = Client(gateway, token("case_worker", "finance", sub="handlaggare-stavning"))
    reads = [  # (the id as the API names it, its kind, the path, its route)
        (need_id, "need", "/api/v1/needs/{}", "GET /api/v1/needs/{need_id}"),
        (assignment_id, "assignment", "/api/v1/assignments/{}", "GET /api/v1/assignments/{assignment_id}"),
        (assignment_id, "assignment", "/api/v1/assignments/{}/reports/2026-01",
         "GET /api/v1/assignments/{assignment_id}/reports/{month}"),
        (volunteer, "applicant", "/api/v1/volunteers/{}/tax-details",
         "GET /api/v1/volunteers/{volunteer_id}/tax-details")]
    for canonical, kind, path, route in reads:
        every = spellings(kind, canonical.removeprefix(f"{kind}-"))
        # when the case worker reads it under every spelling the services accept
        for spelling in every:
            answer = case_worker.get(path.format(spelling), params={"municipality": HOME})
            # then each is found
            assert answer.status_code == 200, (spelling, answer.text)
        # and the auditor's search by the canonical id finds every read, as does a search by another spelling
        assert [entry[1] for entry in found_by_auditor(gateway, canonical)].count(route) == len(every), route
        assert found_by_auditor(gateway, every[-1]) == found_by_auditor(gateway, canonical)
    # and the services were asked for the one id each time
    assert {args[0] for args, _ in called("get_need")[-6:]} == {need_id}
    assert {args[0] for args, _ in called("report")[-6:]} == {assignment_id}
    assert {args[1] for args, _ in called("tax_details")[-6:]} == {f"applicant-{volunteer}"}
    # and an id that names nothing of its kind is not found
    assert_problem(case_worker.get(f"/api/v1/needs/assignment-{uuid.uuid4()}"), 404, "not-found")


def test_a_candidates_and_a_reports_read_are_audited_in_the_needs_municipality_only(gateway, behind):
    # given a case worker (and finance person) of both Boden and Stockholm, and an assignment of Boden's
    assignment_id = an_assignment(HOME)
    need_id = ASSIGNMENTS[assignment_id]["need_id"]
    both = Client(gateway, token("case_worker", "finance", municipalities=[HOME, ELSEWHERE], sub="handlaggare-bada"))
    # when they read the need's candidates and the assignment's närvarorapport
    assert both.get(f"/api/v1/needs/{need_id}/candidates").status_code == 200
    assert both.get(f"/api/v1/assignments/{assignment_id}/reports/2026-01").status_code == 200
    # then each is in Boden's audit log, the report under the assignment's id as the API names it
    assert audit_rows("GET /api/v1/needs/{need_id}/candidates", "handlaggare-bada")[0] == ("read", need_id, HOME)
    candidates = ("read", "GET /api/v1/needs/{need_id}/candidates", "handlaggare-bada")
    assert candidates in found_by_auditor(gateway, need_id)
    report = ("read", "GET /api/v1/assignments/{assignment_id}/reports/{month}", "handlaggare-bada")
    assert found_by_auditor(gateway, assignment_id) == [report]
    # and Stockholm's auditors, though the reader may act there too, see neither
    assert found_by_auditor(gateway, need_id, [ELSEWHERE]) == []
    assert found_by_auditor(gateway, assignment_id, [ELSEWHERE]) == []


def test_an_export_is_a_read_of_every_person_it_carries(gateway, behind):
    # given Boden's decisions not carried out (the IVO report)
    for _ in range(2):
        a_need(HOME)
    case_worker = Client(gateway, token("case_worker", sub="handlaggare-ivo"))
    # when a case worker downloads the IVO file
    answer = case_worker.get(f"/api/v1/municipalities/{HOME}/ivo.csv")
    assert answer.status_code == 200, answer.text
    # then each decision it names (whose client's data it carries) is a read, in Boden
    rows = audit_rows("GET /api/v1/municipalities/{municipality}/ivo.csv", "handlaggare-ivo")
    named = [line.split(";")[1] for line in answer.text.splitlines()[1:]]
    assert len(named) == 2 and rows == [("read", need_id, HOME) for need_id in named]


def test_an_attempt_on_another_municipalitys_data_is_audited_there(gateway, behind):
    # given a case worker of Boden
    client = Client(gateway, token("case_worker", municipalities=[HOME], sub="handlaggare-forsok"))
    assignment_id = an_assignment(ELSEWHERE)
    # when they name Stockholm in a path, and Stockholm's assignment by its id (the service answers it, wrongly)
    assert_problem(client.get(f"/api/v1/municipalities/{ELSEWHERE}/needs"), 404, "not-found")
    assert_problem(client.get(f"/api/v1/assignments/{assignment_id.upper()}"), 404, "not-found")
    # then Stockholm's auditors see who tried what, under the one id, and nothing of the assignment's data
    entries = Client(gateway, token("auditor", municipalities=[ELSEWHERE])).get(
        "/api/v1/audit", params={"actor": "handlaggare-forsok"}).json()["items"]
    assert [(e["action"], e["route"], e["subject"], e["municipality"], e["caller_municipalities"])
            for e in entries] == [
        ("refused", "GET /api/v1/assignments/{assignment_id}", assignment_id, ELSEWHERE, [HOME]),
        ("refused", "GET /api/v1/municipalities/{municipality}/needs", None, ELSEWHERE, [HOME])]
    # and Boden's see none of it
    assert Client(gateway, token("auditor", municipalities=[HOME])).get(
        "/api/v1/audit", params={"actor": "handlaggare-forsok"}).json()["items"] == []


# --- problems ----------------------------------------------------------------------------------------------------

def test_refusals_and_conflicts_are_problem_json_with_their_fields(gateway, behind):
    client = Client(gateway, token("case_worker"))
    refused = assert_problem(client.post(f"/api/v1/municipalities/{HOME}/needs", {"needs": "refuse"}), 422,
                             "command-refused")
    assert refused["errors"] == [{"field": "decision_date", "message": "the decision date cannot be in the future",
                                  "code": "invalid"}]
    assert_problem(client.post("/api/v1/offers", {"need_id": a_need(), "volunteer_id": "busy"}), 409, "conflict")
    stale = assert_problem(client.post(f"/api/v1/assignments/{an_assignment()}/reports",
                                       {"month": "2026-01", "version_ids": ["stale"]}), 409, "conflict")
    assert [e["code"] for e in stale["errors"]] == ["report_changed"]
    assert_problem(client.get("/api/v1/needs/need-does-not-exist"), 404, "not-found")
    bad_query = assert_problem(client.get(f"/api/v1/municipalities/{HOME}/needs", params={"status": "x"}), 400)
    assert [e["field"] for e in bad_query["errors"]] == ["status"]
    assert_problem(client.get(f"/api/v1/needs/{a_need()}/candidates", params={"limit": "0"}), 400)


def test_a_period_that_is_no_month_names_no_run(gateway, behind):
    sub = a_sub()
    client = Client(gateway, token("finance", sub=sub))
    assert_problem(client.get(f"/api/v1/municipalities/{HOME}/payment-runs/2026-13"), 404)
    assert asked_by(CALLS, sub) == []


# --- exports -----------------------------------------------------------------------------------------------------

def test_the_exports_are_csv(gateway, behind):
    finance = Client(gateway, token("finance", sub="ekonom-csv"))
    case_worker = Client(gateway, token("case_worker"))
    for client, path in ((case_worker, f"/api/v1/municipalities/{HOME}/ivo.csv"),
                         (finance, f"/api/v1/municipalities/{HOME}/payment-runs/2026-01/payroll.csv"),
                         (finance, f"/api/v1/municipalities/{HOME}/payment-runs/2026-01/summary.csv"),
                         (finance, f"/api/v1/municipalities/{HOME}/payment-runs/2026-01/agi.csv")):
        response = client.get(path)
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert response.headers["Content-Disposition"].startswith("attachment; filename=")
        assert response.text.count("\r\n") >= 1 and ";" in response.text
    # and the payroll file, with personnummer, was a read of the run's data, and of each person in it, by that person
    assert audit_rows("GET /api/v1/municipalities/{municipality}/payment-runs/{period}/payroll.csv", "ekonom-csv") == [
        ("read", f"paymentrun-{HOME}-2026-01", HOME), ("read", PAID_VOLUNTEER.removeprefix("applicant-"), HOME)]
    # and so was the AGI file, which carries the same personnummer
    assert audit_rows("GET /api/v1/municipalities/{municipality}/payment-runs/{period}/agi.csv", "ekonom-csv") == [
        ("read", f"paymentrun-{HOME}-2026-01", HOME), ("read", PAID_VOLUNTEER.removeprefix("applicant-"), HOME)]


def test_a_payment_run_is_prepared_with_202_and_approved(gateway, behind):
    client = Client(gateway, token("finance", sub="ekonom-1"))
    prepared = client.post(f"/api/v1/municipalities/{HOME}/payment-runs/2026-01/prepare")
    assert prepared.status_code == 202, prepared.text
    assert called("prepare_run")[-1][0] == (HOME, "2026-01")
    approved = client.post(f"/api/v1/municipalities/{HOME}/payment-runs/2026-01/approve", {"preparation": 1})
    assert approved.status_code == 200 and called("approve_run")[-1][0] == (HOME, "2026-01", {"preparation": 1})
    status = client.get(f"/api/v1/municipalities/{HOME}/payment-runs/2026-01").json()
    assert status["run_id"] == f"paymentrun-{HOME}-2026-01"


# --- the audit ---------------------------------------------------------------------------------------------------

def test_reads_and_changes_of_personal_data_are_audited(gateway, behind):
    # given a case worker, a volunteer with an assignment, and a finance person
    volunteer_id = str(uuid.uuid4())
    assignment_id = an_assignment(volunteer=volunteer_id)
    need_id = ASSIGNMENTS[assignment_id]["need_id"]
    case_worker = Client(gateway, token("case_worker", sub="handlaggare-audit"))
    volunteer = Client(gateway, token("volunteer", sub=volunteer_id))
    finance = Client(gateway, token("finance", sub="ekonom-audit"))
    # when the case worker reads the need and the candidates and starts the assignment
    assert case_worker.get(f"/api/v1/needs/{need_id}").status_code == 200
    assert case_worker.get(f"/api/v1/needs/{need_id}/candidates").status_code == 200
    assert case_worker.post(f"/api/v1/assignments/{assignment_id}/start", {"start_date": "2026-01-10"}).ok
    # and the volunteer logs a meeting and corrects it
    assert volunteer.post(f"/api/v1/me/assignments/{assignment_id}/meetings", {"status": "held"}).ok
    assert volunteer.session.put(gateway + f"/api/v1/me/assignments/{assignment_id}/meetings/meeting-1",
                                 json={"status": "held", "reason": "fel datum"}, timeout=30).ok
    # and finance sets the volunteer's tax details (a change of payment details) and reads them back
    tax = {"municipality": HOME, "withholding_basis": "default", "reason": "blankett"}
    assert finance.session.put(gateway + f"/api/v1/volunteers/{volunteer_id}/tax-details", json=tax,
                               timeout=30).status_code == 200
    assert finance.get(f"/api/v1/volunteers/{volunteer_id}/tax-details", params={"municipality": HOME}).ok

    # then every one is in the audit log: who, read or change, whose data
    assert audit_rows("GET /api/v1/needs/{need_id}", "handlaggare-audit")[-1] == ("read", need_id, HOME)
    assert ("read", "11111111-1111-1111-1111-111111111111", HOME) in audit_rows(
        "GET /api/v1/needs/{need_id}/candidates", "handlaggare-audit")
    assert audit_rows("POST /api/v1/assignments/{assignment_id}/start", "handlaggare-audit")[-2:] == [
        ("change", assignment_id, HOME), ("change", volunteer_id, HOME)]
    assert audit_rows("POST /api/v1/me/assignments/{assignment_id}/meetings", volunteer_id) == [
        ("change", assignment_id, HOME)]
    assert audit_rows("PUT /api/v1/me/assignments/{assignment_id}/meetings/{meeting_id}", volunteer_id) == [
        ("change", assignment_id, HOME)]
    assert audit_rows("PUT /api/v1/volunteers/{volunteer_id}/tax-details", "ekonom-audit") == [
        ("change", volunteer_id, HOME)]
    assert audit_rows("GET /api/v1/volunteers/{volunteer_id}/tax-details", "ekonom-audit") == [
        ("read", volunteer_id, HOME)]
    # and payments knows the volunteer by the id the assignments' events carry
    assert called("set_tax_details")[-1][0][0] == f"applicant-{volunteer_id}"
    # and an auditor finds the volunteer's trail by their applicant id
    trail = Client(gateway, token("auditor")).get("/api/v1/audit", params={"subject": volunteer_id}).json()["items"]
    assert {e["route"] for e in trail} >= {"POST /api/v1/assignments/{assignment_id}/start",
                                           "PUT /api/v1/volunteers/{volunteer_id}/tax-details"}


def test_a_change_of_the_rates_is_audited(gateway, behind):
    admin = Client(gateway, token("admin", sub="admin-rates"))
    body = {"effective_from": "2026-02-01", "rates": [{"key": "kp_arvode_cat1_min", "value": 12}],
            "reason": "Socialnämndens beslut"}
    assert admin.post(f"/api/v1/municipalities/{HOME}/rates", body).status_code == 201
    assert audit_rows("POST /api/v1/municipalities/{municipality}/rates", "admin-rates") == [
        ("change", f"rates-{HOME}", HOME)]
    # reading the rates is no one's personal data
    assert Client(gateway, token("case_worker", sub="handlaggare-rates")).get(
        f"/api/v1/municipalities/{HOME}/rates").status_code == 200
    assert audit_rows("GET /api/v1/municipalities/{municipality}/rates", "handlaggare-rates") == []


# --- the applicant view ------------------------------------------------------------------------------------------

def test_an_approved_applicant_comes_with_their_assignments(gateway, behind):
    # given an approved applicant with an assignment, and one never approved
    approved = behind.add(HOME, status="approved", approved_on="2026-01-02")
    never = behind.add(HOME)
    assignment_id = an_assignment(volunteer=approved)
    recruiter = Client(gateway, token("recruiter"))
    asked_before = len(called("assignments_for_volunteer"))
    # when a recruiter reads each
    with_assignments = recruiter.get(f"/api/v1/applicants/{approved}").json()
    without = recruiter.get(f"/api/v1/applicants/{never}").json()
    # then the approved one lists the assignment, the other none; assignments was asked only for the first
    assert [a["assignment_id"] for a in with_assignments["assignments"]] == [assignment_id]
    assert without["assignments"] == []
    assert [args for args, _ in called("assignments_for_volunteer")[asked_before:]] == [(approved,)]


# --- the document ------------------------------------------------------------------------------------------------

def test_every_new_route_is_documented_in_swedish(gateway):
    document = Client(gateway).get("/openapi.json").json()
    for route in NEW_ROUTES:
        operation = document["paths"][route.path][route.method.lower()]
        assert operation["summary"] == route.summary and operation["security"] == [{"bearer": []}]
    summaries = " ".join(route.summary.lower() for route in NEW_ROUTES)
    for word in ("arvode", "omkostnadsersättning", "närvarorapport", "utbetalning"):
        assert word in summaries
    runs = "/api/v1/municipalities/{municipality}/payment-runs/{period}"
    for path in ("/api/v1/municipalities/{municipality}/ivo.csv", f"{runs}/payroll.csv"):
        assert list(document["paths"][path]["get"]["responses"]["200"]["content"]) == ["text/csv"]
    assert "202" in document["paths"][f"{runs}/prepare"]["post"]["responses"]
    assert document == json.loads(json.dumps(openapi.document(ROUTES)))


# --- individual decisions ----------------------------------------------------------------------------------------

def test_a_case_worker_records_a_raised_arvode_and_finance_reads_it_but_may_not_decide(gateway, behind):
    # given a running assignment of the case worker's municipality
    assignment_id = an_assignment()
    decision = {"from_month": "2026-05", "to_month": "2026-12", "amount_ore": 42600, "reason": "två barn med stora behov",
                "underlag_reference": "Dnr 2026/123"}
    # when the case worker records förhöjt arvode
    made = Client(gateway, token("case_worker", sub="handlaggare-beslut")).post(
        f"/api/v1/assignments/{assignment_id}/decisions/arvode-level", decision)
    # then payments is asked with the body as sent, and the change is audited on the assignment
    assert made.status_code == 201, made.text
    assert called("decide_arvode_level")[-1][0] == (assignment_id, decision)
    assert audit_rows("POST /api/v1/assignments/{assignment_id}/decisions/arvode-level", "handlaggare-beslut") == [
        ("change", assignment_id, HOME)]
    # and finance may read the decisions but not make one
    finance = Client(gateway, token("finance"))
    assert finance.get(f"/api/v1/assignments/{assignment_id}/decisions").status_code == 200
    assert_problem(finance.post(f"/api/v1/assignments/{assignment_id}/decisions/arvode-level", decision), 403)
