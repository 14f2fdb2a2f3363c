"""Examples for payments tests: SKR's own figures in, events out. The one place tests build commands and
histories from."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from services.common.decider import NewEvent
from services.common.sweden import SWEDEN
from services.payments.domain.calculation import KontaktfamiljTerms, KontaktpersonTerms, Meeting, month_end
from services.payments.domain.compensation import COMPENSATION, ApproveReport, CalculateCompensation, IssuePayment
from services.payments.domain.payment_run import PAYMENT_RUN, ApprovePaymentRun, PreparePaymentRun, RunItem
from services.payments.domain.rate_table import skr_defaults
from services.payments.domain.tax import TaxProfile, YearToDate
from services.payments.domain.tax_details import SetTaxDetails
from services.payments.events import EVENT_SCHEMAS, published_data

KOMMUN = "0180"
ASSIGNMENT = "a-1"
VOLUNTEER = "v-1"
CASE_WORKER = "socialsekreterare-1"


def at(y, m, d, hh=0, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SWEDEN)


def stay(meeting_id: str, start: datetime, end: datetime, **kw) -> Meeting:
    return Meeting(meeting_id, start.date(), "held", start, end, **kw)


def meeting(meeting_id: str, day: date, status: str = "held", **kw) -> Meeting:
    return Meeting(meeting_id, day, status, **kw)


def kp_terms(category=1, arvode="20", omkostnad="10", **kw) -> KontaktpersonTerms:
    return KontaktpersonTerms(category, Decimal(arvode), Decimal(omkostnad), **kw)


def kf_terms(birth: date, *siblings: date, **kw) -> KontaktfamiljTerms:
    return KontaktfamiljTerms((birth, *siblings), **kw)


def profile(birth=date(1980, 5, 1), person=VOLUNTEER, **kw) -> TaxProfile:
    return TaxProfile(person, birth, **kw)


def tax_details(personnummer: str | None, basis="default", percent=None, reason="blankett från uppdragstagaren",
                **kw) -> SetTaxDetails:
    return SetTaxDetails(KOMMUN, VOLUNTEER, "ekonom-1", date(2025, 1, 2), reason, basis, percent, personnummer, **kw)


def approve(month: str, *meetings: Meeting, kind="kontaktperson", by=CASE_WORKER, on: date | None = None,
            assignment=ASSIGNMENT, preceding=(), volunteer=VOLUNTEER) -> ApproveReport:
    return ApproveReport(KOMMUN, assignment, month, by, CASE_WORKER, volunteer, kind, tuple(meetings),
                         on or month_end(month), tuple(preceding))


def calculate(month: str, terms, paid_in: str | None = None, tax=None, ytd: YearToDate | None = None,
              rates=None, assignment=ASSIGNMENT, paid_on: date | None = None,
              further_pay_expected: bool = True) -> CalculateCompensation:
    paid_in = paid_in or month
    return CalculateCompensation(KOMMUN, assignment, month, paid_in, terms, tax or profile(),
                                 ytd or YearToDate(int(paid_in[:4]), 10_000_00),
                                 rates or skr_defaults(), paid_on=paid_on, further_pay_expected=further_pay_expected)


def decide_all(decider, *commands) -> list[NewEvent]:
    """Run commands one after another on one stream; the events, in order (a history for `given`)."""
    events: list[NewEvent] = []
    for command in commands:
        events += decider.decide(decider.fold(events), command)
    return events


def history(*commands) -> list[NewEvent]:
    return decide_all(COMPENSATION, *commands)


def approved_run(period: str, *items: RunItem, preparer="ekonom-1", approver="ekonom-2"):
    events = decide_all(PAYMENT_RUN,
                        PreparePaymentRun(KOMMUN, period, preparer, items, date.fromisoformat(period + "-25")),
                        ApprovePaymentRun(KOMMUN, period, approver, date.fromisoformat(period + "-26")))
    return PAYMENT_RUN.fold(events)


def item_of(event: NewEvent) -> RunItem:
    d = event.data
    return RunItem(d["compensation_id"], d["assignment_id"], d["volunteer_id"], d["month"], d["totals"]["payout_ore"])


def pay(event: NewEvent, run) -> IssuePayment:
    d = event.data
    return IssuePayment(KOMMUN, d["assignment_id"], d["month"], d["compensation_id"], run,
                        date.fromisoformat(run.period + "-27"))


def assert_published_contract(*events: NewEvent) -> None:
    """What is published of every event a test produced loads with its published schema, unchanged."""
    for event in events:
        version, schema = EVENT_SCHEMAS[event.type]
        published = published_data(event.type, event.data)
        assert event.schema_version == version
        assert schema().load(published) == published, event.type
