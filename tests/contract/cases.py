"""What the contract suite feeds the four services, and, per service, what it asks of them.

`live_a_season(town)` is one volunteer's way through every service, by RPC only (the events between the services
are the ones they publish): the public form, the register checks, assessment and approval, a client need, the
offer, the start and a meeting, the month's report and the volunteer's tax details. Then CASES says, per service,
which of its answers show people (each must mask their personnummer), what a caller of another municipality
tries (each must be refused), and which columns of its read tables a rebuild may renumber.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Callable

from services.common.identity import personnummer_for
from services.common.roles import ROLES
from services.common.sweden import today

from .town import Town

STOCKHOLM, GOTEBORG = "0180", "1480"


def staff(sub: str, *roles: str, municipality: str = STOCKHOLM) -> dict:
    return {"sub": sub, "name": sub, "roles": {municipality: list(roles)}, "system": False}


WEB_FORM = {"sub": None, "roles": {}, "system": True}
RECRUITER = staff("rekryterare-kontrakt", "recruiter")
APPROVER = staff("beslutsfattare-kontrakt", "recruiter")  # four eyes: not the recruiter who keyed in the extracts
CASE_WORKER = staff("handlaggare-kontrakt", "case_worker")
FINANCE = staff("ekonom-kontrakt", "finance")
ADMIN = staff("admin-kontrakt", "admin")
FOREIGN = staff("goteborg-kontrakt", *ROLES, municipality=GOTEBORG)  # every role, in Göteborg only


def days_ago(days: int) -> str:
    return (today() - timedelta(days=days)).isoformat()


@dataclass
class Season:
    """What the story left behind: the ids the cases name, and the people whose numbers must stay masked."""

    volunteer_number: str = personnummer_for(date(1984, 5, 17), 416)
    child_number: str = personnummer_for(date(2014, 9, 2), 321).replace("-", "")
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def numbers(self) -> tuple[str, ...]:
        return self.volunteer_number, self.child_number


def registration(personnummer: str, municipality: str = STOCKHOLM) -> dict:
    return {"municipality": municipality, "channel": "web", "roles": ["kontaktperson"], "given_name": "Kim",
            "family_name": "Kontraktsson", "personnummer": personnummer,
            "contact": {"email": "kim@example.se", "phone": "070-111 22 33",
                        "address": {"street": "Provgatan 1", "postnummer": "111 22", "city": "Stockholm"}},
            "availability": {"weekends": True, "evenings": True}, "languages": ["svenska"], "interests": ["fotboll"],
            "consents": {"personal_data": True, "regional_pool": False}}


def need(child_number: str) -> dict:
    return {"insats": "kontaktperson", "legal_basis": "SoL", "decision_date": days_ago(20),
            "period_from": days_ago(20), "clients": [{"personnummer": child_number, "name": "Alva Exempel"}],
            "needs": "Bryta isolering", "goals": ["Fler fritidsaktiviteter"], "interests": ["fotboll"],
            "languages": ["svenska"], "postnummer": "111 22", "frequency_per_month": 4,
            "case_worker_id": CASE_WORKER["sub"]}


def tax_details(personnummer: str, municipality: str = STOCKHOLM) -> dict:
    return {"municipality": municipality, "personnummer": personnummer, "withholding_basis": "jamkning",
            "withholding_percent": "12.5", "reason": "beslut om jämkning",
            "bank_account": {"clearing": "8327", "account": "9412345678"}}


MANUAL_RESULT = {"outcome": "clear", "completed_on": days_ago(1), "register_reference": "KONTRAKT-1"}
INTERVIEW = {"interviewed_on": days_ago(1), "interviewer": "Rut Rekryterare", "home_visit": True}


def live_a_season(town: Town) -> Season:
    season = Season()
    # an intresseanmälan through the public form
    applicant_id = town.as_("applicants", WEB_FORM).register(registration(season.volunteer_number))["applicant_id"]
    volunteer_id = f"applicant-{applicant_id}"
    # and the same form sent again, with a new phone number: recorded on the registration (RegistrationRepeated)
    town.as_("applicants", WEB_FORM).register({**registration(season.volunteer_number),
                                               "contact": {"phone": "070-999 00 11"}})
    town.deliver()
    # registry_checks asked the registers; a recruiter keys in each clear paper extract
    checks = town.as_("registry_checks", RECRUITER)
    check_ids = [check["check_id"] for check in checks.checks_for_applicant(applicant_id)]
    for check_id in check_ids:
        checks.record_manual_result(check_id, MANUAL_RESULT)
    town.deliver()
    # the recruiter assesses and approves
    recruiter = town.as_("applicants", RECRUITER)
    recruiter.record_interview(applicant_id, INTERVIEW)
    for kind, name in (("work_or_studies", "Chef Chefsson"), ("private", "Vän Vänsson")):
        recruiter.record_reference(applicant_id, {"kind": kind, "name": name, "contact": "08-000 00 01",
                                                  "outcome": "positive"})
    town.as_("applicants", APPROVER).approve(applicant_id, {"roles": ["kontaktperson"],
                                                            "valid_until": (today() + timedelta(365)).isoformat()})
    town.deliver()
    # a case worker registers a need, offers it to the volunteer, who accepts; it starts, and they meet once
    case_worker = town.as_("assignments", CASE_WORKER)
    need_id = case_worker.register_need(STOCKHOLM, need(season.child_number))["need_id"]
    assignment_id = case_worker.offer({"need_id": need_id, "volunteer_id": volunteer_id})["assignment_id"]
    volunteer = town.as_("assignments", {"sub": volunteer_id, "name": None, "roles": {STOCKHOLM: ["volunteer"]},
                                         "system": False})
    volunteer.accept_offer(assignment_id)
    case_worker.start_assignment(assignment_id, {
        "start_date": days_ago(10), "case_worker_id": CASE_WORKER["sub"],
        "plan": {"goals": ["Fler fritidsaktiviteter"], "frequency_per_month": 4, "scope": "En träff i veckan",
                 "arvode": {"basis": "category", "category": 1, "percent": 20},
                 "omkostnad": {"level": 1, "receipts_allowed": True}}})
    met_on = days_ago(7)
    volunteer.log_meeting(assignment_id, {"meeting_id": "kontrakt-m1", "on": met_on, "status": "held", "hours": "1.5",
                                          "activity": "Fotboll", "note": "Alva var glad"})
    town.deliver()
    # the case worker approves the month's report; finance records the volunteer's tax details; the admin a rate
    month = met_on[:7]
    reports = town.as_("payments", CASE_WORKER)
    shown = [meeting["meeting_id"] for meeting in reports.report(assignment_id, month)["meetings"]]
    reports.approve_report(assignment_id, {"month": month, "meeting_ids": shown})
    town.as_("payments", FINANCE).set_tax_details(volunteer_id, tax_details(season.volunteer_number))
    town.as_("payments", ADMIN).publish_rates(STOCKHOLM, {
        "effective_from": f"{today().year + 1}-01-01",
        "rates": [{"key": "kontaktperson.arvode.category_1.max", "value": "40"}], "reason": "Nämndens beslut"})
    town.deliver()
    season.ids.update(applicant_id=applicant_id, volunteer_id=volunteer_id, check_id=check_ids[0], need_id=need_id,
                      assignment_id=assignment_id, month=month)
    return season


Calls = Callable[[Town, Season], list[tuple[str, Callable[[], Any]]]]


@dataclass(frozen=True)
class Case:
    # (name, answer) of every answer staff of the municipality get that lists people
    lists: Calls
    # (name, call) of what a caller of another municipality tries, with every role
    foreign_calls: Calls
    # the lists that show a personnummer (masked): a service that holds none shows none
    masked_in: tuple[str, ...] = ()
    # table -> columns a rebuild writes anew (a row version from a sequence that a rebuild does not reset)
    renumbered: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _applicants_lists(town: Town, season: Season):
    recruiter = town.as_("applicants", RECRUITER)
    return [("list_applicants", lambda: recruiter.list_applicants(municipality=STOCKHOLM))]


def _applicants_foreign(town: Town, season: Season):
    other, applicant_id = town.as_("applicants", FOREIGN), season.ids["applicant_id"]
    return [("list_applicants", lambda: other.list_applicants(municipality=STOCKHOLM)),
            ("get_applicant", lambda: other.get_applicant(applicant_id)),
            ("record_interview", lambda: other.record_interview(applicant_id, INTERVIEW)),
            ("register", lambda: other.register(registration(personnummer_for(date(1990, 1, 1), 17))))]


def _checks_lists(town: Town, season: Season):
    recruiter = town.as_("registry_checks", RECRUITER)
    return [("worklist", lambda: recruiter.worklist(municipality=STOCKHOLM)),
            ("checks_for_applicant", lambda: recruiter.checks_for_applicant(season.ids["applicant_id"]))]


def _checks_foreign(town: Town, season: Season):
    other, check_id = town.as_("registry_checks", FOREIGN), season.ids["check_id"]
    return [("worklist", lambda: other.worklist(municipality=STOCKHOLM)),
            ("checks_for_applicant", lambda: other.checks_for_applicant(season.ids["applicant_id"])),
            ("record_manual_result", lambda: other.record_manual_result(check_id, MANUAL_RESULT)),
            ("renew_check", lambda: other.renew_check(check_id))]


def _assignments_lists(town: Town, season: Season):
    case_worker = town.as_("assignments", CASE_WORKER)
    return [("list_needs", lambda: case_worker.list_needs(STOCKHOLM)),
            ("candidates", lambda: case_worker.candidates(season.ids["need_id"], limit=100)),
            ("list_assignments", lambda: case_worker.list_assignments(STOCKHOLM)),
            ("worklist", lambda: case_worker.worklist(STOCKHOLM))]


def _assignments_foreign(town: Town, season: Season):
    other, need_id, assignment_id = town.as_("assignments", FOREIGN), season.ids["need_id"], season.ids["assignment_id"]
    return [("list_needs", lambda: other.list_needs(STOCKHOLM)),
            ("get_need", lambda: other.get_need(need_id)),
            ("candidates", lambda: other.candidates(need_id)),
            ("close_need", lambda: other.close_need(need_id, {"closed_on": days_ago(0), "reason": "need_met"})),
            ("register_need", lambda: other.register_need(STOCKHOLM, need(season.child_number))),
            ("list_assignments", lambda: other.list_assignments(STOCKHOLM)),
            ("get_assignment", lambda: other.get_assignment(assignment_id)),
            ("worklist", lambda: other.worklist(STOCKHOLM)),
            ("pool_status", lambda: other.pool_status(season.ids["applicant_id"]))]


def _payments_lists(town: Town, season: Season):
    case_worker, finance = town.as_("payments", CASE_WORKER), town.as_("payments", FINANCE)
    return [("pending_reports", lambda: case_worker.pending_reports(STOCKHOLM)),
            ("runs", lambda: finance.runs(STOCKHOLM)),
            ("tax_details", lambda: finance.tax_details(STOCKHOLM, season.ids["volunteer_id"]))]


def _payments_foreign(town: Town, season: Season):
    other, assignment_id, month = town.as_("payments", FOREIGN), season.ids["assignment_id"], season.ids["month"]
    volunteer_id = season.ids["volunteer_id"]
    return [("rates", lambda: other.rates(STOCKHOLM)),
            ("pending_reports", lambda: other.pending_reports(STOCKHOLM)),
            ("report", lambda: other.report(assignment_id, month)),
            ("approve_report", lambda: other.approve_report(assignment_id, {"month": month, "meeting_ids": []})),
            ("runs", lambda: other.runs(STOCKHOLM)),
            ("tax_details", lambda: other.tax_details(STOCKHOLM, volunteer_id)),
            ("set_tax_details", lambda: other.set_tax_details(volunteer_id, tax_details(season.volunteer_number)))]


CASES = {
    "applicants": Case(_applicants_lists, _applicants_foreign, masked_in=("list_applicants",)),
    "registry_checks": Case(_checks_lists, _checks_foreign),
    "assignments": Case(_assignments_lists, _assignments_foreign, masked_in=("list_needs",),
                        renumbered={"pool_volunteers": ("version",)}),
    "payments": Case(_payments_lists, _payments_foreign, masked_in=("tax_details",)),
}
