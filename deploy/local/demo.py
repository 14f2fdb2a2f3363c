"""Fill a running Kontakt with sample data, through its HTTP API, so that a new user has something to look at.

    make run                 # in one terminal
    make demo                # in another: python -m deploy.local.demo [--gateway URL]

GATEWAY_URL (default http://localhost:8000) is where the gateway answers; tokens are signed the way the local
gateway checks them (GATEWAY_JWT_SECRET, or the development default). Three municipalities (Stockholm, Göteborg,
Pajala) each get applicants at every stage: registered, interviewed, references taken, approved, rejected and
withdrawn; some came through the public form, others were keyed in by a recruiter from a call, an e-mail or a
letter. The approved ones are approved only once the register simulator has answered their register checks.
Stockholm is filled whole: two client needs (beslut), each offered to one of its approved volunteers, who accepts;
the assignments started last month under a genomförandeplan, with last month's meetings logged, the volunteers'
tax details set, last month's närvarorapporter approved by the responsible case worker, and this month's payment
run prepared by finance (approving it is left to a second finance person, as four eyes require).

Run it again at any time: the sample people are the same every run (their names and numbers follow from a fixed
seed), so it finds what it made before and does only what is missing. A busy public form (429) or a service not
yet up (503) is waited for as its Retry-After says.

Everyone here is made up: the names say so (Exempelsson, Testberg, ...), and the personnummer are random numbers
with a valid check digit, not taken from anyone.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
import warnings
from dataclasses import dataclass
from datetime import date, timedelta

import requests

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")  # imported by way of gateway.auth


from gateway.auth import mint  # noqa: E402
from services.common.identity import personnummer_for  # noqa: E402
from services.common.sweden import today  # noqa: E402

CHECKS_TIMEOUT = 60.0  # seconds to wait for the register simulator (SIMULATOR_DELAY is 2 s under make run)
EVENTS_TIMEOUT = 60.0  # seconds to wait for one service to learn of another's events (the pool, the reports)
RETRIES = 8  # times a 429 or 503 is waited out (as its Retry-After says) before the demo gives up
SEED = "kontakt-demo-1"  # the same sample people every run


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    postnummer: str  # a first three digits of the town's postnummer
    city: str
    phone_prefix: str


MUNICIPALITIES = (
    Municipality("0180", "Stockholm", "11", "Stockholm", "08"),
    Municipality("1480", "Göteborg", "41", "Göteborg", "031"),
    Municipality("2521", "Pajala", "98", "Pajala", "0978"),
)
WHOLE = MUNICIPALITIES[0]  # the municipality filled whole: needs, assignments, meetings, reports, a payment run
STAGES = ("registered", "interviewed", "references", "approved", "rejected", "withdrawn")
GIVEN_NAMES = ("Anna", "Erik", "Maria", "Lars", "Fatima", "Johan", "Aino", "Mohammed", "Karin", "Nils", "Sara",
               "Ahmed", "Elin", "Oskar", "Leila", "Per", "Ingrid", "Mikael")
FAMILY_NAMES = ("Exempelsson", "Testberg", "Provström", "Demoqvist", "Låtsasson", "Påhittad", "Fiktivsson",
                "Testlund", "Exempelholm", "Provkvist")
STREETS = ("Exempelgatan", "Provvägen", "Testgränd", "Demostigen", "Påhittargatan")
LANGUAGES = (("svenska",), ("svenska", "engelska"), ("svenska", "arabiska"), ("svenska", "finska", "meänkieli"),
             ("svenska", "somaliska"), ("svenska", "persiska"))
INTERESTS = ("friluftsliv", "fotboll", "matlagning", "musik", "skidåkning", "fiske", "brädspel", "slöjd",
             "simning", "museer", "ridning", "läsning")
CHANNELS = ("phone", "email", "letter")  # keyed in by a recruiter; the public form's are "web"


class DemoError(Exception):
    pass


@dataclass
class Made:
    municipality: Municipality
    stage: str
    name: str
    channel: str
    applicant_id: str = ""
    reference: str = ""
    status: str = ""
    checks: str = ""  # "4/4": clear of all requested
    personnummer: str = ""
    existed: bool = False  # made by an earlier run


def a_personnummer(rng: random.Random) -> str:
    """A random personnummer of an adult (born 1955-2000) with a valid check digit: YYYYMMDD-NNNC."""
    return personnummer_for(date(1955, 1, 1) + timedelta(days=rng.randrange(45 * 365)), rng.randrange(1, 1000))


class Gateway:
    """The gateway's HTTP API, as one caller; a refusal raises DemoError with the problem's text."""

    def __init__(self, base: str, token: str | None = None, sleep=time.sleep):
        self.base = base.rstrip("/")
        self.session = requests.Session()
        self.sleep = sleep
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, body=None, params=None, expect=(200, 201, 202)) -> dict:
        return self.answer(method, path, body, params, expect).json()

    def answer(self, method: str, path: str, body=None, params=None, expect=(200, 201, 202)) -> requests.Response:
        """The answer, once it is one of `expect`. A 429 or 503 is asked again after its Retry-After (with the
        same Idempotency-Key, so a write acts once however often it is sent)."""
        headers = {"Idempotency-Key": str(uuid.uuid4())} if method in ("POST", "PUT") else {}
        for attempt in range(RETRIES + 1):
            answer = self.session.request(method, self.base + path, json=body, params=params, headers=headers,
                                          timeout=30)
            if answer.status_code not in (429, 503) or answer.status_code in expect or attempt == RETRIES:
                break
            self.sleep(_retry_after(answer))
        if answer.status_code not in expect:
            raise DemoError(f"{method} {path} answered {answer.status_code}: {_problem_text(answer)}")
        return answer

    def get(self, path: str, **params) -> dict:
        return self.call("GET", path, params=params or None)

    def post(self, path: str, body: dict) -> dict:
        return self.call("POST", path, body)


def _retry_after(answer: requests.Response) -> float:
    """The seconds Retry-After asks for (1 when it says nothing useful; at most a minute)."""
    try:
        return min(max(float(answer.headers.get("Retry-After", "1")), 0.1), 60.0)
    except ValueError:
        return 1.0


def _problem_text(answer: requests.Response) -> str:
    try:
        problem = answer.json()
        errors = "; ".join(f"{e.get('field')}: {e.get('message')}" for e in problem.get("errors", []))
        return problem.get("detail", "") + (f" ({errors})" if errors else "")
    except ValueError:
        return answer.text[:200]


def intresseanmalan(rng: random.Random, place: Municipality, channel: str, slot: int) -> dict:
    """The slot's applicant: the same one every run (`rng` seeded), named so the demo finds them again."""
    given, family = GIVEN_NAMES[(slot * 5 + len(place.name)) % len(GIVEN_NAMES)], FAMILY_NAMES[slot]
    family_home = rng.random() < 0.4
    born = rng.randrange(1975, 1995)
    body = {
        "municipality": place.code,
        "channel": channel,
        "roles": ["kontaktfamilj", "kontaktperson"] if family_home else ["kontaktperson"],
        "given_name": given,
        "family_name": family,
        "personnummer": a_personnummer(rng),
        "contact": {
            "email": f"{given}.{family}.{rng.randrange(100, 999)}@example.se".lower()
                     .translate(str.maketrans("åäö", "aao")),
            "phone": f"{place.phone_prefix}-{rng.randrange(100, 999)} {rng.randrange(10, 99)} {rng.randrange(10, 99)}",
            "address": {"street": f"{rng.choice(STREETS)} {rng.randrange(1, 60)}",
                        "postnummer": f"{place.postnummer}{rng.randrange(1, 10)} {rng.randrange(10, 99)}",
                        "city": place.city},
        },
        "household": ([{"birth_year": born, "relation": "partner"},
                       {"birth_year": rng.randrange(2010, 2020), "relation": "child"}] if family_home else []),
        "languages": list(rng.choice(LANGUAGES)),
        "interests": rng.sample(INTERESTS, 3),
        "availability": {"weekdays": rng.random() < 0.3, "evenings": rng.random() < 0.6,
                         "weekends": rng.random() < 0.8, "holidays": rng.random() < 0.4},
        "preferences": {"client_age_min": 6, "client_age_max": 17, "max_assignments": rng.choice((1, 1, 2))},
        "experience": rng.choice(("Fritidsledare i tio år.", "Har varit kontaktperson tidigare.",
                                  "Arbetar som lärare.", "Tränar ett juniorlag i innebandy.", None)),
        "free_text": None,
        "consents": {"personal_data": True, "regional_pool": rng.random() < 0.5},
    }
    return body


def register(rng: random.Random, place: Municipality, stage: str, public: bool, recruiter: Gateway,
             anonymous: Gateway, slot: int) -> Made:
    """The slot's applicant: found where an earlier run registered them, else registered now."""
    body = intresseanmalan(rng, place, "web" if public else rng.choice(CHANNELS), slot)
    made = Made(place, stage, f"{body['given_name']} {body['family_name']}", body["channel"],
                personnummer=body["personnummer"])
    page = recruiter.get("/api/v1/applicants", q=made.name, municipality=place.code, page_size=200)
    earlier = [item for item in page["items"]
               if (item["given_name"], item["family_name"]) == (body["given_name"], body["family_name"])]
    if earlier:
        made.applicant_id, made.reference, made.existed = earlier[0]["applicant_id"], earlier[0]["reference"], True
        return made
    if public:
        made.reference = anonymous.post("/api/v1/interest", body)["reference"]
        page = recruiter.get("/api/v1/applicants", q=made.reference, municipality=place.code)
        found = [item for item in page["items"] if item["reference"] == made.reference]
        if len(found) != 1:
            raise DemoError(f"the public registration {made.reference} was not found in the list")
        made.applicant_id = found[0]["applicant_id"]
    else:
        answer = recruiter.post("/api/v1/applicants", body)
        made.applicant_id, made.reference = answer["applicant_id"], answer["reference"]
    return made


def interview(rng: random.Random, made: Made, recruiter: Gateway) -> None:
    recruiter.post(f"/api/v1/applicants/{made.applicant_id}/interviews", {
        "interviewed_on": (today() - timedelta(days=rng.randrange(3, 30))).isoformat(),
        "interviewer": f"Rekryterare {made.municipality.name}",
        "home_visit": rng.random() < 0.7,
        "notes": "Motiverad, god förmåga att skapa relationer. (Exempeldata.)"})


def reference(made: Made, recruiter: Gateway, kind: str, outcome: str = "positive") -> None:
    who = {"work_or_studies": ("Chef Exempelsson", "Känner sökande från arbetet i sex år."),
           "private": ("Granne Testberg", "Granne sedan länge, mycket pålitlig.")}[kind]
    notes = who[1] if outcome == "positive" else "Referensen avråder bestämt. (Exempeldata.)"
    recruiter.post(f"/api/v1/applicants/{made.applicant_id}/references", {
        "kind": kind, "name": who[0], "contact": f"{made.municipality.phone_prefix}-000 00 00", "outcome": outcome,
        "notes": notes})


def advance(rng: random.Random, made: Made, recruiter: Gateway) -> None:
    """Take the applicant to its stage, all but the approval (which waits for the register checks); a step an
    earlier run took is not taken again."""
    detail = recruiter.get(f"/api/v1/applicants/{made.applicant_id}")
    if detail["status"] != "registered":
        return  # decided (approved, rejected, withdrawn) by an earlier run
    taken = {r["kind"] for r in detail.get("references") or []}
    if made.stage in ("interviewed", "references", "approved", "rejected") and not detail.get("interviews"):
        interview(rng, made, recruiter)
    if made.stage in ("references", "approved", "rejected") and "work_or_studies" not in taken:
        reference(made, recruiter, "work_or_studies")
    if made.stage in ("references", "approved") and "private" not in taken:
        reference(made, recruiter, "private")
    if made.stage == "rejected":
        if "private" not in taken:
            reference(made, recruiter, "private", outcome="negative")
        recruiter.post(f"/api/v1/applicants/{made.applicant_id}/rejection",
                       {"reason": "Negativ referens; bedöms inte lämplig för uppdraget just nu."})
    if made.stage == "withdrawn":
        recruiter.post(f"/api/v1/applicants/{made.applicant_id}/withdrawal",
                       {"withdrawn_by": "applicant", "reason": "Har fått nytt arbete med obekväma tider."})


def approve_when_checked(pending: list[tuple[Made, Gateway]], timeout: float = CHECKS_TIMEOUT) -> None:
    """Approve each applicant as soon as its register checks are clear; refused only as pending until then."""
    deadline = time.monotonic() + timeout
    waiting = [(made, recruiter) for made, recruiter in pending
               if recruiter.get(f"/api/v1/applicants/{made.applicant_id}")["status"] != "approved"]
    while waiting:
        still = []
        for made, recruiter in waiting:
            approval = {"roles": ["kontaktperson"], "valid_until": (today() + timedelta(days=2 * 365)).isoformat()}
            answer = recruiter.call("POST", f"/api/v1/applicants/{made.applicant_id}/approval", approval,
                                    expect=(200, 422))
            codes = {error.get("code") for error in answer.get("errors", [])}
            if answer.get("status") == "approved":
                continue
            if codes <= {"check_pending", "check_missing"}:
                still.append((made, recruiter))
            else:
                raise DemoError(f"the approval of {made.reference} was refused: {answer.get('detail')} "
                                f"({', '.join(sorted(c for c in codes if c))})")
        waiting = still
        if waiting:
            if time.monotonic() > deadline:
                raise DemoError(f"{len(waiting)} applicant(s) still wait for their register checks after "
                                f"{timeout:.0f} s: is the register simulator running (make run starts it)?")
            time.sleep(0.5)


def wait_for_gateway(gateway: Gateway, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if gateway.session.get(gateway.base + "/health", timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            raise DemoError(f"no gateway answers at {gateway.base}/health: start the system with `make run` first "
                            f"(or set GATEWAY_URL)")
        time.sleep(0.5)


def fill(base: str, out=sys.stdout) -> list[Made]:
    """Make the sample applicants through the gateway at `base`; returns what was made, with its final status."""
    anonymous = Gateway(base)
    wait_for_gateway(anonymous)
    recruiters = {place.code: Gateway(base, mint(f"demo-rekryterare-{place.code}", ["recruiter"], [place.code],
                                                 name=f"Demo Rekryterare {place.name}"))
                  for place in MUNICIPALITIES}
    made: list[Made] = []
    for place in MUNICIPALITIES:
        rng = random.Random(f"{SEED}-{place.code}")  # the same people, in the same order, every run
        recruiter = recruiters[place.code]
        # The first of each municipality came through the public form (rate limited: a few per address), and a
        # second approved one makes each municipality's pool more than one volunteer.
        for slot, stage in enumerate((*STAGES, "approved")):
            made.append(register(rng, place, stage, slot == 0, recruiter, anonymous, slot))
    new = sum(1 for m in made if not m.existed)
    print(f"registered {new} applicants ({len(made) - new} were there from an earlier run); recording interviews, "
          "references and decisions ...", file=out)
    for applicant in made:
        advance(random.Random(f"{SEED}-{applicant.applicant_id}"), applicant, recruiters[applicant.municipality.code])
    to_approve = [(m, recruiters[m.municipality.code]) for m in made if m.stage == "approved"]
    print(f"waiting for the register simulator's answers to approve {len(to_approve)} ...", file=out)
    approve_when_checked(to_approve)
    for applicant in made:
        detail = recruiters[applicant.municipality.code].get(f"/api/v1/applicants/{applicant.applicant_id}")
        applicant.status = detail["status"]
        checks = detail.get("checks", [])
        applicant.checks = f"{sum(1 for c in checks if c.get('outcome') == 'clear')}/{len(checks)}"
    return made


# --- a whole municipality: needs, assignments, meetings, reports and a payment run --------------------------------

@dataclass
class Filled:
    """What fill_municipality made (or found made), for the report."""

    municipality: Municipality
    needs: list[str]
    assignments: list[str]
    meetings: int
    reports_approved: list[str]
    run: dict


def case_worker_id(place: Municipality) -> str:
    return f"demo-handlaggare-{place.code}"


def _month_start(day: date) -> date:
    return day.replace(day=1)


def fill_municipality(base: str, place: Municipality, made: list[Made], out=sys.stdout) -> Filled:
    """Two needs of `place`, each offered to one of its approved sample volunteers and accepted, started on the
    first of last month, last month's meetings logged, tax details set, last month's report approved, and this
    month's payment run prepared. Each step looks first at what is there."""
    case_worker = Gateway(base, mint(case_worker_id(place), ["case_worker"], [place.code],
                                     name=f"Demo Handläggare {place.name}"))
    finance = Gateway(base, mint(f"demo-ekonom-{place.code}", ["finance"], [place.code],
                                 name=f"Demo Ekonom {place.name}"))
    volunteers = [m for m in made if m.municipality == place and m.stage == "approved"]
    this_month = _month_start(today())
    started = _month_start(this_month - timedelta(days=1))  # the first of last month
    decided = started - timedelta(days=30)
    last_month = f"{started:%Y-%m}"
    filled = Filled(place, [], [], 0, [], {})
    for index, volunteer in enumerate(volunteers):
        rng = random.Random(f"{SEED}-{place.code}-need-{index}")
        need_id = _need(case_worker, place, index, decided, rng)
        assignment_id = _assignment(base, case_worker, place, need_id, volunteer)
        me = Gateway(base, mint(volunteer.applicant_id, ["volunteer"], [place.code], name=volunteer.name))
        mine = me.get(f"/api/v1/me/assignments/{assignment_id}")
        if mine["status"] == "offered":
            mine = me.post(f"/api/v1/me/offers/{assignment_id}/accept", {})
        if mine["status"] == "accepted":
            case_worker.post(f"/api/v1/assignments/{assignment_id}/start", {
                "start_date": started.isoformat(), "plan": {
                    "goals": ["Fler fritidsaktiviteter", "En vuxen att prata med"], "frequency_per_month": 4,
                    "scope": "En träff i veckan, 2-3 timmar. (Exempeldata.)",
                    "arvode": {"basis": "category", "category": 1, "percent": 20},
                    "omkostnad": {"level": 1, "receipts_allowed": True}}})
        filled.meetings += _meetings(me, assignment_id, started)
        _tax_details(finance, place, volunteer)
        if _approve_report(case_worker, assignment_id, last_month):
            filled.reports_approved.append(assignment_id)
        filled.needs.append(need_id)
        filled.assignments.append(assignment_id)
    print(f"{place.name}: {len(filled.needs)} needs with started assignments and {filled.meetings} meetings; "
          f"preparing the payment run for {this_month:%Y-%m} ...", file=out)
    filled.run = _prepared_run(finance, place, f"{this_month:%Y-%m}")
    return filled


def _need(case_worker: Gateway, place: Municipality, index: int, decided: date, rng: random.Random) -> str:
    client = f"Demobarn{index + 1} Exempel"
    listed = case_worker.get(f"/api/v1/municipalities/{place.code}/needs", page_size=200)["items"]
    for need in listed:
        if need["status"] == "open" and any(c["name"] == client for c in need["clients"]):
            return need["need_id"]
    child = personnummer_for(date(today().year - 12, 1 + rng.randrange(12), 1 + rng.randrange(28)),
                             rng.randrange(1, 1000))
    return case_worker.post(f"/api/v1/municipalities/{place.code}/needs", {
        "insats": "kontaktperson", "legal_basis": "SoL", "decision_date": decided.isoformat(),
        "period_from": decided.isoformat(), "period_to": None,
        "clients": [{"personnummer": child, "name": client}],
        "needs": "Behöver en vuxen förebild och en meningsfull fritid. (Exempeldata.)",
        "goals": ["Fler fritidsaktiviteter"], "interests": ["fotboll", "friluftsliv"], "languages": ["svenska"],
        "postnummer": f"{place.postnummer}1 23", "protected_identity": False, "frequency_per_month": 4,
        "case_worker_id": case_worker_id(place)})["need_id"]


def _assignment(base: str, case_worker: Gateway, place: Municipality, need_id: str, volunteer: Made) -> str:
    """The need's assignment with the volunteer: an earlier run's, else offered now (once the matching pool has
    the volunteer: it learns of the approval from the applicants' events)."""
    for item in case_worker.get(f"/api/v1/municipalities/{place.code}/assignments", need_id=need_id)["items"]:
        if item["volunteer_id"].endswith(volunteer.applicant_id) and item["status"] not in ("declined", "ended"):
            return item["assignment_id"]
    deadline = time.monotonic() + EVENTS_TIMEOUT
    while True:
        answer = case_worker.answer("POST", "/api/v1/offers", {"need_id": need_id,
                                                                "volunteer_id": volunteer.applicant_id},
                                    expect=(201, 422))
        if answer.status_code == 201:
            return answer.json()["assignment_id"]
        codes = {e.get("code") for e in answer.json().get("errors", [])}
        if codes != {"not_eligible"} or time.monotonic() > deadline:
            raise DemoError(f"the offer to {volunteer.name} was refused: {_problem_text(answer)}")
        time.sleep(0.5)  # not in the pool yet


MEETINGS = ((3, "Fotboll i parken"), (10, "Bibliotek och fika"), (17, "Skridskor"))


def _meetings(me: Gateway, assignment_id: str, started: date) -> int:
    """Last month's meetings, each under an id of its own: one logged before is not logged again."""
    logged = {m["meeting_id"] for m in me.get(f"/api/v1/me/assignments/{assignment_id}")["meetings"]}
    for number, (day, activity) in enumerate(MEETINGS, start=1):
        meeting_id = f"demo-{assignment_id.removeprefix('assignment-')[:8]}-{number}"
        if meeting_id in logged:
            continue
        me.post(f"/api/v1/me/assignments/{assignment_id}/meetings", {
            "meeting_id": meeting_id, "on": (started + timedelta(days=day)).isoformat(), "status": "held",
            "hours": "2.5", "activity": activity,
            "expenses": [{"amount_ore": 8_500, "description": "Fika", "receipt": True}] if number == 2 else []})
    return len(MEETINGS)


def _tax_details(finance: Gateway, place: Municipality, volunteer: Made) -> None:
    path = f"/api/v1/volunteers/{volunteer.applicant_id}/tax-details"
    if finance.answer("GET", path, params={"municipality": place.code}, expect=(200, 404)).status_code == 200:
        return
    finance.call("PUT", path, {"municipality": place.code, "personnummer": volunteer.personnummer,
                               "withholding_basis": "default", "reason": "Blankett från uppdragstagaren (exempel)"})


def _approve_report(case_worker: Gateway, assignment_id: str, month: str) -> bool:
    """The month's närvarorapport approved as shown, once payments has every meeting of it."""
    deadline = time.monotonic() + EVENTS_TIMEOUT
    while True:
        report = case_worker.get(f"/api/v1/assignments/{assignment_id}/reports/{month}")
        if report["status"] == "approved" and not report.get("changed_since_approval"):
            return True
        if len(report["meetings"]) >= len(MEETINGS):
            break
        if time.monotonic() > deadline:
            raise DemoError(f"payments has not seen the meetings of {assignment_id} in {month}")
        time.sleep(0.5)
    case_worker.post(f"/api/v1/assignments/{assignment_id}/reports",
                     {"month": month, "version_ids": [m["version_id"] for m in report["meetings"]]})
    return True


def _prepared_run(finance: Gateway, place: Municipality, period: str) -> dict:
    """This month's payment run, prepared (by an earlier run, or now: 202, then followed until it is)."""
    path = f"/api/v1/municipalities/{place.code}/payment-runs/{period}"
    status = finance.get(path)
    if status.get("run") is None:
        finance.answer("POST", path + "/prepare", {}, expect=(202, 409))  # 409: a phase is under way already
    deadline = time.monotonic() + EVENTS_TIMEOUT
    while (status := finance.get(path)).get("run") is None:
        if time.monotonic() > deadline:
            raise DemoError(f"the payment run {period} of {place.name} was not prepared in time")
        time.sleep(0.5)
    return status


def report(made: list[Made], base: str, out=sys.stdout, filled: Filled | None = None) -> None:
    print("", file=out)
    print(f"{'kommun':<10} {'stage':<11} {'status':<10} {'channel':<7} {'clear':<5} {'reference':<11} "
          f"{'name':<24} applicant_id", file=out)
    for m in made:
        print(f"{m.municipality.name:<10} {m.stage:<11} {m.status:<10} {m.channel:<7} {m.checks:<5} "
              f"{m.reference:<11} {m.name:<24} {m.applicant_id}", file=out)
    print("", file=out)
    print("Tokens (8 hours) to look at it:", file=out)
    for place in MUNICIPALITIES:
        token = mint(f"demo-rekryterare-{place.code}", ["recruiter"], [place.code],
                     name=f"Demo Rekryterare {place.name}")
        print(f"  recruiter, {place.name} ({place.code}):\n    {token}", file=out)
    auditor = mint("demo-granskare", ["auditor"], [p.code for p in MUNICIPALITIES], name="Demo Granskare")
    print(f"  auditor, all three:\n    {auditor}", file=out)
    if filled is not None:
        place = filled.municipality
        run = filled.run.get("run") or {}
        print(f"  case worker, {place.name} ({place.code}):\n    "
              f"{mint(case_worker_id(place), ['case_worker'], [place.code], name='Demo Handläggare')}", file=out)
        print(f"  finance, {place.name} ({place.code}) (a second finance person approves the run):\n    "
              f"{mint(f'demo-ekonom-2-{place.code}', ['finance'], [place.code], name='Demo Ekonom 2')}", file=out)
        print("", file=out)
        print(f"{place.name} whole: needs {', '.join(filled.needs)}; assignments {', '.join(filled.assignments)}; "
              f"{filled.meetings} meetings; {len(filled.reports_approved)} reports approved; payment run "
              f"{filled.run.get('run_id')} {run.get('status')} with {run.get('item_count')} payments.", file=out)
    print("", file=out)
    print("For example:", file=out)
    print("  TOKEN=<a recruiter token above>", file=out)
    print(f"  curl -H \"Authorization: Bearer $TOKEN\" '{base}/api/v1/applicants?status=approved'", file=out)
    print(f"  curl -H \"Authorization: Bearer $TOKEN\" {base}/api/v1/applicants/{made[0].applicant_id}", file=out)
    print(f"  API documentation: {base}/docs", file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.local.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--gateway", default=os.environ.get("GATEWAY_URL", "http://localhost:8000"),
                        help="the gateway's base URL (default: GATEWAY_URL or http://localhost:8000)")
    args = parser.parse_args(argv)
    try:
        made = fill(args.gateway)
        filled = fill_municipality(args.gateway, WHOLE, made)
    except (DemoError, requests.RequestException) as error:
        print(f"demo: {error}", file=sys.stderr)
        return 1
    report(made, args.gateway.rstrip("/"), filled=filled)
    return 0


if __name__ == "__main__":
    sys.exit(main())
