"""A volunteer's tax and payment details as one municipality's payroll holds them: stream
"taxdetails-<kommunkod>-<volunteer_id>".

    SetTaxDetails -> TaxDetailsChanged   (finance; who, when and why are in the event: the audit trail)

A calculation needs the volunteer's birth date (employer contributions by age) and preliminary tax basis; the
payroll file needs the personnummer; the payment needs the bank account. All of it is personal data: it stays in
this service's database (events.published_data removes it from what goes on the bus), it is masked in every
answer, and it never goes into a log or an error text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from services.common.decider import CommandRefused, Decider, EventLike, NewEvent, Problem
from services.common.identity import IdentityNumber, InvalidIdentityNumber, parse_identity_number
from services.common.places import is_municipality

from .tax import LEGACY_BASES, TAX_TABLES_NOT_SUPPORTED, WITHHOLDING_BASES

PRIVATE_FIELDS = ("personnummer", "birth_date", "bank_account")
TAX_DETAILS_CHANGED_VERSION = 2  # 2: withholding_basis may be sink; tax_table is no longer recorded
_TWELVE_DIGITS = re.compile(r"^[0-9]{8}-?[0-9]{4}$")


def stream_id(municipality: str, volunteer_id: str) -> str:
    return f"taxdetails-{municipality}-{volunteer_id}"


def mask_account(account: dict | None) -> dict | None:
    if not account:
        return None
    digits = account.get("account", "")
    return {"clearing": account.get("clearing"), "account": "*" * max(len(digits) - 4, 0) + digits[-4:]}


def parse_personnummer(value: str, on: date) -> IdentityNumber:
    """The volunteer's personnummer or samordningsnummer, in a twelve-digit form only ("YYYYMMDD-NNNN" or
    "YYYYMMDDNNNN"): the payroll file reports the whole number, so payments does not guess a century.
    Raises InvalidIdentityNumber, whose text names no digits. See docs/domain.md, "Identity numbers"."""
    if not isinstance(value, str) or not _TWELVE_DIGITS.match(value.strip()):
        raise InvalidIdentityNumber("not in the form YYYYMMDD-NNNN")
    return parse_identity_number(value, on)


# --- command, state, decider -----------------------------------------------------------------------------

@dataclass(frozen=True)
class SetTaxDetails:
    municipality: str
    volunteer_id: str
    by: str
    on: date
    reason: str
    withholding_basis: str
    withholding_percent: Decimal | None = None
    personnummer: str | None = None  # None: keep the one recorded
    bank_account: dict | None = None  # None: keep the one recorded


@dataclass(frozen=True)
class TaxDetailsState:
    municipality: str | None = None
    volunteer_id: str | None = None
    personnummer: str | None = None
    birth_date: date | None = None
    withholding_basis: str = "default"
    withholding_percent: Decimal | None = None
    bank_account: dict | None = None


def initial() -> TaxDetailsState:
    return TaxDetailsState()


def decide(state: TaxDetailsState, command: SetTaxDetails) -> list[NewEvent]:
    if not isinstance(command, SetTaxDetails):
        raise TypeError(f"not a tax details command: {type(command).__name__}")
    problems = []
    if not is_municipality(command.municipality):
        problems.append(Problem("unknown kommunkod", "municipality", "municipality_unknown"))
    if not command.by:
        problems.append(Problem("who changes the details is required", "by", "required"))
    if not command.reason.strip():
        problems.append(Problem("a reason is required for every change", "reason", "required"))
    if command.withholding_basis in LEGACY_BASES:
        problems.append(Problem(f"{TAX_TABLES_NOT_SUPPORTED}: record a jämkning decision's percentage instead",
                                "withholding_basis", "not_supported"))
    elif command.withholding_basis not in WITHHOLDING_BASES:
        problems.append(Problem(f"withholding basis must be one of {', '.join(WITHHOLDING_BASES)}",
                                "withholding_basis", "invalid"))
    elif command.withholding_basis == "jamkning" and command.withholding_percent is None:
        problems.append(Problem("a jämkning decision needs its percentage", "withholding_percent", "required"))
    personnummer, birth_date = state.personnummer, state.birth_date
    if command.personnummer is not None:
        try:
            parsed = parse_personnummer(command.personnummer, command.on)
        except InvalidIdentityNumber as error:
            problems.append(Problem(f"the personnummer is invalid: {error}", "personnummer", "invalid"))
        else:
            personnummer, birth_date = parsed.number, parsed.birth_date
    elif personnummer is None:
        problems.append(Problem("the personnummer is required the first time", "personnummer", "required"))
    if problems:
        raise CommandRefused(*problems)
    # The 30 % and SINK come from the law's dated rows on the day of payment (tax_rules.csv), not from here.
    percent = command.withholding_percent if command.withholding_basis == "jamkning" else None
    bank_account = command.bank_account if command.bank_account is not None else state.bank_account
    after = {"personnummer": personnummer, "withholding_basis": command.withholding_basis,
             "withholding_percent": None if percent is None else str(percent), "bank_account": bank_account}
    before = {"personnummer": state.personnummer, "withholding_basis": state.withholding_basis,
              "withholding_percent": None if state.withholding_percent is None else str(state.withholding_percent),
              "bank_account": state.bank_account}
    changed = sorted(name for name in after if after[name] != before[name])
    if state.municipality is not None and not changed:
        return []  # the same details again: nothing to audit
    return [NewEvent("TaxDetailsChanged", {
        "municipality": command.municipality,
        "volunteer_id": command.volunteer_id,
        **after,
        "birth_date": birth_date.isoformat(),
        "changed_fields": changed,
        "reason": command.reason.strip(),
        "changed_by": command.by,
        "changed_on": command.on.isoformat(),
    }, TAX_DETAILS_CHANGED_VERSION)]


def evolve(state: TaxDetailsState, event: EventLike) -> TaxDetailsState:
    if event.type != "TaxDetailsChanged":
        return state
    d = event.data
    return replace(state, municipality=d["municipality"], volunteer_id=d["volunteer_id"],
                   personnummer=d["personnummer"], birth_date=date.fromisoformat(d["birth_date"]),
                   withholding_basis=d["withholding_basis"],
                   withholding_percent=None if d["withholding_percent"] is None else Decimal(d["withholding_percent"]),
                   bank_account=d.get("bank_account"))


TAX_DETAILS: Decider[TaxDetailsState] = Decider("taxdetails", initial, decide, evolve)

