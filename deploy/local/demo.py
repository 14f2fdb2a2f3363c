"""Fill a running Kontakt with sample data, through its HTTP API, so that a new user has something to look at.

    make run                 # in one terminal
    make demo                # in another: python -m deploy.local.demo [--gateway URL]

GATEWAY_URL (default http://localhost:8000) is where the gateway answers; tokens are signed the way the local
gateway checks them (GATEWAY_JWT_SECRET, or the development default). Three municipalities (Stockholm, Göteborg,
Pajala) each get applicants at every stage: registered, interviewed, references taken, approved, rejected and
withdrawn; some came through the public form, others were keyed in by a recruiter from a call, an e-mail or a
letter. The approved ones are approved only once the register simulator has answered their register checks.
Run it again for more: every run makes new applicants.

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


def a_personnummer(rng: random.Random) -> str:
    """A random personnummer of an adult (born 1955-2000) with a valid check digit: YYYYMMDD-NNNC."""
    return personnummer_for(date(1955, 1, 1) + timedelta(days=rng.randrange(45 * 365)), rng.randrange(1, 1000))


class Gateway:
    """The gateway's HTTP API, as one caller; a refusal raises DemoError with the problem's text."""

    def __init__(self, base: str, token: str | None = None):
        self.base = base.rstrip("/")
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, body=None, params=None, expect=(200, 201, 202)) -> dict:
        headers = {"Idempotency-Key": str(uuid.uuid4())} if method == "POST" else {}
        answer = self.session.request(method, self.base + path, json=body, params=params, headers=headers,
                                      timeout=30)
        if answer.status_code not in expect:
            raise DemoError(f"{method} {path} answered {answer.status_code}: {_problem_text(answer)}")
        return answer.json()

    def get(self, path: str, **params) -> dict:
        return self.call("GET", path, params=params or None)

    def post(self, path: str, body: dict) -> dict:
        return self.call("POST", path, body)


def _problem_text(answer: requests.Response) -> str:
    try:
        problem = answer.json()
        errors = "; ".join(f"{e.get('field')}: {e.get('message')}" for e in problem.get("errors", []))
        return problem.get("detail", "") + (f" ({errors})" if errors else "")
    except ValueError:
        return answer.text[:200]


def intresseanmalan(rng: random.Random, place: Municipality, channel: str) -> dict:
    given, family = rng.choice(GIVEN_NAMES), rng.choice(FAMILY_NAMES)
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
             anonymous: Gateway) -> Made:
    body = intresseanmalan(rng, place, "web" if public else rng.choice(CHANNELS))
    made = Made(place, stage, f"{body['given_name']} {body['family_name']}", body["channel"])
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
    """Take the applicant to its stage, all but the approval (which waits for the register checks)."""
    if made.stage in ("interviewed", "references", "approved", "rejected"):
        interview(rng, made, recruiter)
    if made.stage in ("references", "approved"):
        reference(made, recruiter, "work_or_studies")
        reference(made, recruiter, "private")
    if made.stage == "rejected":
        reference(made, recruiter, "work_or_studies")
        reference(made, recruiter, "private", outcome="negative")
        recruiter.post(f"/api/v1/applicants/{made.applicant_id}/rejection",
                       {"reason": "Negativ referens; bedöms inte lämplig för uppdraget just nu."})
    if made.stage == "withdrawn":
        recruiter.post(f"/api/v1/applicants/{made.applicant_id}/withdrawal",
                       {"withdrawn_by": "applicant", "reason": "Har fått nytt arbete med obekväma tider."})


def approve_when_checked(pending: list[tuple[Made, Gateway]], timeout: float = CHECKS_TIMEOUT) -> None:
    """Approve each applicant as soon as its register checks are clear; refused only as pending until then."""
    deadline = time.monotonic() + timeout
    waiting = list(pending)
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
    rng = random.Random()
    anonymous = Gateway(base)
    wait_for_gateway(anonymous)
    recruiters = {place.code: Gateway(base, mint(f"demo-rekryterare-{place.code}", ["recruiter"], [place.code],
                                                 name=f"Demo Rekryterare {place.name}"))
                  for place in MUNICIPALITIES}
    made: list[Made] = []
    for place in MUNICIPALITIES:
        recruiter = recruiters[place.code]
        for index, stage in enumerate(STAGES):
            # The first of each municipality came through the public form (rate limited: a few per address).
            made.append(register(rng, place, stage, index == 0, recruiter, anonymous))
        # ... and a second approved one, so that each municipality's pool has more than one volunteer.
        made.append(register(rng, place, "approved", False, recruiter, anonymous))
    print(f"registered {len(made)} applicants; recording interviews, references and decisions ...", file=out)
    for applicant in made:
        advance(rng, applicant, recruiters[applicant.municipality.code])
    to_approve = [(m, recruiters[m.municipality.code]) for m in made if m.stage == "approved"]
    print(f"waiting for the register simulator's answers to approve {len(to_approve)} ...", file=out)
    approve_when_checked(to_approve)
    for applicant in made:
        detail = recruiters[applicant.municipality.code].get(f"/api/v1/applicants/{applicant.applicant_id}")
        applicant.status = detail["status"]
        checks = detail.get("checks", [])
        applicant.checks = f"{sum(1 for c in checks if c.get('outcome') == 'clear')}/{len(checks)}"
    return made


def report(made: list[Made], base: str, out=sys.stdout) -> None:
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
    except (DemoError, requests.RequestException) as error:
        print(f"demo: {error}", file=sys.stderr)
        return 1
    report(made, args.gateway.rstrip("/"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
