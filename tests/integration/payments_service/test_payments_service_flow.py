"""The payments service in-process under nameko, with a payments worker in-process too: assignment events in
(through RabbitMQ, as the assignments relay publishes them), the case worker's approval, a run prepared by one
finance person and approved by another, payments issued by the worker, the payroll file; then a meeting corrected
after payment and its adjustment in the next run.
"""
from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime

import eventlet
import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from services.common import config
from services.common.adapters import ServiceProblem
from services.common.db import make_pool
from services.common.kernel import Kernel
from services.common.sweden import SWEDEN
from services.common.topology import declare, events_exchange
from services.payments.service import PaymentsService
from services.payments.spec import SPEC
from services.payments.worker import Worker
from tests.conftest import prepare_database
from tests.infrastructure import signed_caller
from tests.kernel.helpers import publish_as_relay, running_service, wait_until

from payments_feeding import AssignmentFeed, a_personnummer, feed

STOCKHOLM, GOTEBORG, LINKOPING = "0180", "1480", "0580"
# An approved applicant as the gateway names a volunteer in a token (the bare id); their events say "applicant-<id>".
CECILIA = "3f0c2a9e-6b1d-4c55-9a7e-1d2b3c4d5e6f"


def person(sub: str, *roles: str, municipalities=(STOCKHOLM, GOTEBORG, LINKOPING)) -> dict:
    return {"sub": sub, "name": sub, "roles": {m: list(roles) for m in municipalities}, "system": False}


CALLERS = {
    "admin": person("admin-1", "admin"),
    "finance": person("ekonom-1", "finance"),
    "finance2": person("ekonom-2", "finance"),
    "case_worker": person("socialsekreterare-1", "case_worker"),
    "other_case_worker": person("socialsekreterare-2", "case_worker"),
    "volunteer": person("v-anna", "volunteer", municipalities=(STOCKHOLM,)),
    "volunteer_gbg": person("v-bo", "volunteer", municipalities=(GOTEBORG,)),
    "volunteer_by_bare_id": person(CECILIA, "volunteer", municipalities=(STOCKHOLM,)),
    # Cecilia's sub in a volunteer's token for Göteborg, where she has nothing
    "volunteer_by_bare_id_in_goteborg": person(CECILIA, "volunteer", municipalities=(GOTEBORG,)),
    "goteborg_only": person("ekonom-9", "finance", municipalities=(GOTEBORG,)),
}


@pytest.fixture(scope="module")
def payments(test_environment):
    """One RPC proxy per caller to one in-process payments service; one worker greenthread doing the jobs; and
    the service's kernel, to feed it the assignments' events directly."""
    prepare_database(SPEC)
    amqp_uri = config.amqp_uri()
    declare(amqp_uri, ["assignments", "payments"], SPEC.subscriptions)
    pool = make_pool(config.database_url(SPEC.name), max_size=3)
    kernel = Kernel(SPEC, pool)
    worker = Worker(kernel, amqp_uri, name="test-worker", idle_interval=0.5)
    thread = eventlet.spawn(worker.run)
    proxies = []
    try:
        with running_service(PaymentsService, amqp_uri):
            services = {}
            for name, caller in CALLERS.items():
                proxy = ClusterRpcProxy({"AMQP_URI": amqp_uri}, context_data=signed_caller(caller))
                proxies.append(proxy)
                services[name] = proxy.start().payments
            services["kernel"] = kernel
            yield services
    finally:
        for proxy in proxies:
            proxy.stop()
        worker.stop()
        thread.wait()
        pool.close()


def publish_as_assignments(*bodies: dict) -> None:
    """What the assignments relay does: each envelope to assignments.events, routed by its event type."""
    publish_as_relay(config.amqp_uri(), "assignments", *bodies)


def refusal(call, *args) -> ServiceProblem:
    with pytest.raises(ServiceProblem) as problem:
        call(*args)
    return problem.value


def paid_run(payments, municipality: str, period: str) -> dict:
    """Finance prepares the run, the other finance person approves it, and the worker pays it."""
    run_id = f"paymentrun-{municipality}-{period}"
    payments["finance"].prepare_run(municipality, period)
    status = wait_until(lambda: (s := payments["finance"].run_status(run_id))["run"] and s, timeout=20,
                        message="the run prepared")
    payments["finance2"].approve_run(municipality, period, {"preparation": status["run"]["preparation"]})
    return wait_until(lambda: (s := payments["finance"].run_status(run_id))["run"]["complete"] and s, timeout=20,
                      message="the run paid")


def issued(payments, assignment_id: str) -> list[dict]:
    with payments["kernel"].connection() as conn:
        return [row[0] for row in conn.execute(
            "SELECT data FROM events WHERE event_type = 'PaymentIssued' AND data->>'assignment_id' = %s "
            "ORDER BY position", (assignment_id,))]


def test_a_month_from_meetings_to_the_payroll_file(payments):
    # given Anna's kontaktperson assignment (category 1 at 20 %, omkostnad level 1) and two meetings in March
    # 2025, published by the assignments service; and her tax details, recorded by finance
    feeder = AssignmentFeed(STOCKHOLM)
    assignment_id, started = feeder.started("v-anna", category=1, percent=20, level=1)
    _, first = feeder.meeting(assignment_id, "v-anna", "2025-03-04")
    _, second = feeder.meeting(assignment_id, "v-anna", "2025-03-11")
    publish_as_assignments(started, first, second)
    payments["finance"].set_tax_details("v-anna", {
        "municipality": STOCKHOLM, "personnummer": a_personnummer(born=date(1980, 5, 1)),
        "withholding_basis": "default", "reason": "blankett från uppdragstagaren"})

    # when Anna looks, the month waits for the case worker
    # (both meetings: they arrive as separate events)
    pending = wait_until(lambda: [p for p in payments["volunteer"].my_payments()["pending_reports"]
                                  if p["meetings"] == 2], timeout=20, message="March pending with both meetings")
    assert [(p["assignment_id"], p["month"], p["meetings"]) for p in pending] == [(assignment_id, "2025-03", 2)]

    # and another case worker than the responsible one cannot approve it
    report = payments["case_worker"].report(assignment_id, "2025-03")
    shown = [m["meeting_id"] for m in report["meetings"]]
    problem = refusal(payments["other_case_worker"].approve_report, assignment_id,
                      {"month": "2025-03", "meeting_ids": shown})
    assert problem.kind == "refused" and problem.problems[0]["field"] == "by"

    # when the responsible case worker approves what she was shown
    approved = payments["case_worker"].approve_report(assignment_id, {"month": "2025-03", "meeting_ids": shown})
    assert approved["status"] == "approved"
    assert payments["volunteer"].my_payments()["pending_reports"] == []

    # and finance prepares April's run
    run_id = f"paymentrun-{STOCKHOLM}-2025-04"
    payments["finance"].prepare_run(STOCKHOLM, "2025-04")
    status = wait_until(lambda: (s := payments["finance"].run_status(run_id))["run"] and s, timeout=20,
                        message="the run prepared")
    assert (status["run"]["status"], status["run"]["item_count"]) == ("prepared", 1)

    # then the preparer cannot approve it (four eyes), and nothing is paid
    problem = refusal(payments["finance"].approve_run, STOCKHOLM, "2025-04", None)
    assert problem.problems[0]["code"] == "four_eyes"
    assert issued(payments, assignment_id) == []

    # when another finance person approves it, the worker pays it
    payments["finance2"].approve_run(STOCKHOLM, "2025-04", {"preparation": status["run"]["preparation"]})
    status = wait_until(lambda: (s := payments["finance"].run_status(run_id))["run"]["complete"] and s,
                        timeout=20, message="the run paid")

    # then March was paid once: 980 kr arvode less 30 % tax, 490 kr omkostnad without tax
    payments_issued = issued(payments, assignment_id)
    assert len(payments_issued) == 1
    assert payments_issued[0]["payout_ore"] == 98_000 - 29_400 + 49_000
    assert status["run"]["paid_payout_ore"] == 117_600

    # and the payroll file has Anna's arvode and omkostnad apart, with her personnummer
    export = payments["finance"].payroll_csv(run_id)
    rows = list(csv.DictReader(io.StringIO(export["content"])))
    assert [(r["person_id"], r["pay_type_code"], r["amount_kr"], r["tax_withheld_kr"]) for r in rows] == [
        ("v-anna", "ARV", "980.00", "294.00"), ("v-anna", "OMK", "490.00", "0.00")]
    assert rows[0]["personnummer"].startswith("19800501-")
    summary = list(csv.DictReader(io.StringIO(payments["finance"].summary_csv(run_id)["content"])))
    assert summary[0]["assignment_id"] == assignment_id and summary[0]["payout_ore"] == "117600"

    # and Anna sees what she was paid and why
    mine = payments["volunteer"].my_payments()
    assert [(p["month"], p["status"], p["totals"]["payout_ore"]) for p in mine["payments"]] == [
        ("2025-03", "paid", 117_600)]
    assert mine["payments"][0]["basis"]["category"] == 1 and mine["paid_total_ore"] == 117_600

    # and a finance person of another municipality does not see the run at all
    assert refusal(payments["goteborg_only"].run_status, run_id).kind == "not_found"


def test_a_volunteer_named_by_the_bare_applicant_id_sees_their_own_months(payments):
    # given Cecilia's assignment and a meeting, as the assignments' events name her: "applicant-<id>"
    feeder = AssignmentFeed(STOCKHOLM)
    assignment_id, started = feeder.started(f"applicant-{CECILIA}")
    _, meeting = feeder.meeting(assignment_id, f"applicant-{CECILIA}", "2025-02-05")
    publish_as_assignments(started, meeting)

    # when she looks with a token whose sub is her bare applicant id
    pending = wait_until(lambda: payments["volunteer_by_bare_id"].my_payments()["pending_reports"], timeout=20,
                         message="February pending for Cecilia")

    # then the month waits for the case worker, and it is named as hers
    assert [(p["assignment_id"], p["month"], p["meetings"]) for p in pending] == [(assignment_id, "2025-02", 1)]
    assert payments["volunteer_by_bare_id"].my_payments()["volunteer_id"] == f"applicant-{CECILIA}"
    # and another volunteer does not see it
    assert assignment_id not in str(payments["volunteer"].my_payments())


def test_a_volunteer_token_of_another_municipality_lists_none_of_the_volunteers_payments(payments):
    # given Cecilia's month in Stockholm, waiting for the case worker
    feeder = AssignmentFeed(STOCKHOLM)
    assignment_id, started = feeder.started(f"applicant-{CECILIA}")
    _, meeting = feeder.meeting(assignment_id, f"applicant-{CECILIA}", "2025-01-15")
    publish_as_assignments(started, meeting)
    wait_until(lambda: assignment_id in str(payments["volunteer_by_bare_id"].my_payments()), timeout=20,
               message="January pending for Cecilia")
    # when a volunteer's token for Göteborg carrying her sub asks for her payments
    mine = payments["volunteer_by_bare_id_in_goteborg"].my_payments()
    # then nothing of Stockholm's is listed, as a single item of Stockholm's would not be shown
    assert (mine["payments"], mine["pending_reports"], mine["paid_total_ore"]) == ([], [], 0)


def test_a_meeting_corrected_after_payment_is_adjusted_in_the_next_run(payments):
    # given Bo's March in Göteborg, paid in April's run (the plan reimburses expenses against receipts)
    feeder = AssignmentFeed(GOTEBORG)
    assignment_id, started = feeder.started("v-bo", category=2, percent=30, level=2, receipts_allowed=True)
    meeting_id, logged = feeder.meeting(assignment_id, "v-bo", "2025-03-20")
    feed(payments["kernel"], [started, logged])
    payments["finance"].set_tax_details("v-bo", {
        "municipality": GOTEBORG, "personnummer": a_personnummer(born=date(1975, 2, 2)), "withholding_basis": "default",
        "reason": "blankett"})
    shown = [m["meeting_id"] for m in payments["case_worker"].report(assignment_id, "2025-03")["meetings"]]
    payments["case_worker"].approve_report(assignment_id, {"month": "2025-03", "meeting_ids": shown})
    paid_run(payments, GOTEBORG, "2025-04")
    [first] = issued(payments, assignment_id)

    # when Bo corrects the meeting afterwards, adding a 250 kr cinema ticket with its receipt
    _, corrected = feeder.meeting(assignment_id, "v-bo", "2025-03-20", meeting_id=meeting_id, corrects=True,
                                  expenses=[{"amount_ore": 25_000, "description": "bio", "receipt": True}])
    feed(payments["kernel"], [corrected])

    # then the month is pending again, and the old approval no longer matches what is shown
    report = payments["case_worker"].report(assignment_id, "2025-03")
    assert (report["status"], report["changed_since_approval"]) == ("pending", True)
    problem = refusal(payments["case_worker"].approve_report, assignment_id, {"month": "2025-03", "meeting_ids": shown})
    assert problem.kind == "conflict"

    # when the case worker approves the corrected report and May's run is paid
    shown = [m["meeting_id"] for m in report["meetings"]]
    payments["case_worker"].approve_report(assignment_id, {"month": "2025-03", "meeting_ids": shown})
    paid_run(payments, GOTEBORG, "2025-05")

    # then May's run paid an adjustment of exactly the expense, and March's first payment stands unchanged
    first_again, adjustment = issued(payments, assignment_id)
    assert first_again == first
    assert adjustment["run_id"] == f"paymentrun-{GOTEBORG}-2025-05"
    assert adjustment["compensation_id"].endswith("/2") and adjustment["payout_ore"] == 25_000
    rows = list(csv.DictReader(io.StringIO(payments["finance"].payroll_csv(f"paymentrun-{GOTEBORG}-2025-05")["content"])))
    assert [(r["pay_type_code"], r["amount_ore"], r["months"]) for r in rows] == [("UTL", "25000", "2025-03")]


def test_rates_and_tax_details_are_changed_with_who_and_why_and_stay_private(payments):
    # when the admin raises category 1's maximum from 2026 and finance records a jämkning
    rates = payments["admin"].publish_rates(STOCKHOLM, {
        "effective_from": "2026-01-01", "rates": [{"key": "kontaktperson.arvode.category_1.max", "value": "40"}],
        "reason": "Socialnämndens beslut 2025-11-20 § 12"})
    details = payments["finance"].set_tax_details("v-cecilia", {
        "municipality": STOCKHOLM, "personnummer": a_personnummer(born=date(1950, 6, 1)),
        "withholding_basis": "jamkning", "withholding_percent": "12.5", "reason": "beslut om jämkning",
        "bank_account": {"clearing": "8327", "account": "9412345678"}})
    # then both say who and why, the personnummer and account are masked, and neither leaves the service
    assert rates["changes"][-1]["published_by"] == "admin-1"
    assert {r["key"]: r["value"] for r in rates["rates"]}["kontaktperson.arvode.category_1.max"] == "40"
    assert details["personnummer"].endswith("-****") and details["bank_account"]["account"] == "******5678"
    assert details["changes"][0]["changed_by"] == "ekonom-1"
    with payments["kernel"].connection() as conn:
        published = conn.execute("SELECT body FROM outbox WHERE routing_key = 'TaxDetailsChanged'").fetchall()
    assert published and all("personnummer" not in row[0]["data"] and "bank_account" not in row[0]["data"]
                              for row in published)
    # and a case worker may not publish rates
    assert refusal(payments["case_worker"].publish_rates, STOCKHOLM, {}).kind == "forbidden"


def test_a_syskonpar_stay_logged_weekly_across_a_month_end_is_paid_with_its_warnings_and_declared(payments):
    # given Eva's kontaktfamilj assignment in Linköping for a syskonpar (9 and 14 in April 2026), as the
    # assignments service publishes it, and one stay logged weekly from Monday 23 March 10:00 to Sunday 12 April
    # 17:00, with handovers Mondays 10:00
    def at(*args):
        return datetime(*args, tzinfo=SWEDEN)
    feeder = AssignmentFeed(LINKOPING)
    assignment_id, started = feeder.started("v-eva", kind="kontaktfamilj", start_date="2026-03-01",
                                            client_birth_dates=["2016-09-01", "2012-02-01"])
    weeks = [(at(2026, 3, 23, 10), at(2026, 3, 30, 10)), (at(2026, 3, 30, 10), at(2026, 4, 6, 10)),
             (at(2026, 4, 6, 10), at(2026, 4, 12, 17))]
    feed(payments["kernel"], [started] + [feeder.meeting(assignment_id, "v-eva", start.date().isoformat(),
                                                         kind="kontaktfamilj", stay=(start, end))[1]
                                          for start, end in weeks])
    payments["finance"].set_tax_details("v-eva", {
        "municipality": LINKOPING, "personnummer": a_personnummer(born=date(1975, 3, 1)),
        "withholding_basis": "default", "reason": "blankett"})
    payments["admin"].publish_rates(LINKOPING, {"effective_from": "2026-01-01", "reason": "kommunens uppgifter",
                                                "rates": [{"key": "agi.organisationsnummer", "value": "2120002411"}]})
    # and a förhöjt arvode decided from May, with its underlag (April is paid by the table)
    decided = payments["case_worker"].decide_arvode_level(assignment_id, {
        "from_month": "2026-05", "amount_ore": 50_500, "reason": "syskonpar", "underlag_reference": "Dnr SN 2026/12"})
    assert [(d["type"], d["decided_by"], d["underlag_reference"]) for d in decided["decisions"]] == [
        ("ArvodeLevelDecided", "socialsekreterare-1", "Dnr SN 2026/12")]

    # when the case worker approves April (w2 and w3 touch it; w1 is March's) and finance prepares May's run
    report = payments["case_worker"].report(assignment_id, "2026-04")
    assert len(report["meetings"]) == 2
    shown = [m["meeting_id"] for m in report["meetings"]]
    payments["case_worker"].approve_report(assignment_id, {"month": "2026-04", "meeting_ids": shown})
    run_id = f"paymentrun-{LINKOPING}-2026-05"
    payments["finance"].prepare_run(LINKOPING, "2026-05")
    status = wait_until(lambda: (s := payments["finance"].run_status(run_id))["run"] and s, timeout=20,
                        message="the run prepared")

    # then the approver sees that the arvode rests on SKR's 2023 figure
    assert {"warning": "kontaktfamilj.arvode.youth: no figure published for 2026, the one from 2023-01-01 is used",
            "items": 1} in status["run"]["warnings"]

    # when it is approved and paid
    payments["finance2"].approve_run(LINKOPING, "2026-05", {"preparation": status["run"]["preparation"]})
    wait_until(lambda: payments["finance"].run_status(run_id)["run"]["complete"], timeout=20, message="paid")

    # then April is 12 dygn counted from 23 March: 3-5 April (days 12-14) doubled, 6 April (day 15) not; one
    # arvode at the elder's band, 292 kr: (12 + 3) x 292 = 4,380 kr; omkostnad per child, 59,200 x 105 % / 365
    # = 170 kr and 59,200 x 120 % / 365 = 194.63 -> 195 kr: 12 x 365 = 4,380 kr
    [paid] = issued(payments, assignment_id)
    assert paid["payout_ore"] == 4380_00 - 1314_00 + 4380_00  # tax 30 % of the arvode
    # and the AGI file declares it: 011 4,380, 020 4,380, 001 1,314; 487 = 4,380 x 31.42 % = 1,376.196 -> 1,376
    export = payments["finance"].agi_csv(run_id)
    rows = list(csv.DictReader(line for line in export["content"].splitlines() if not line.startswith("#")))
    hu, iu = rows
    assert (hu["fk201_AgRegistreradId"], hu["fk006_RedovisningsPeriod"], hu["fk487_SummaArbAvgSlf"],
            hu["fk497_SummaSkatteavdr"]) == ("162120002411", "202605", "1376", "1314")
    assert (iu["fk011_KontantErsattningUlagAG"], iu["fk020_AndraKostnadsers"], iu["fk001_AvdrPrelSkatt"],
            iu["fk131_KontantErsattningEjUlagSA"]) == ("4380", "4380", "1314", "")
    assert "EJ validerad" in export["note"] and export["reconciliation"]["employer_contributions"] == {
        "agi_487_kr": 1376, "booked_ore": 1376_20, "difference_ore": -20}
    # and only finance of the municipality gets it
    assert refusal(payments["case_worker"].agi_csv, run_id).kind == "forbidden"
