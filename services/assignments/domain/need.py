"""The client need: the municipality's decision (beslut) that a client gets an insats. Stream "need-<uuid>".

It holds the only full personal data of the client in the system (personnummer, name, postnummer); it is
visible only inside its municipality, and what a volunteer may see is derived from it in assignment.py
(`client_view`). See docs/domain.md, "Assignments and meetings".
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from services.common.decider import CommandRefused, Decider, NewEvent, NotFound, Problem
from services.common.identity import InvalidIdentityNumber, parse_identity_number
from services.common.ids import stream_key
from services.common.places import is_municipality, municipality_of_postnummer, normalise_postnummer
from services.common.sweden import age_on, local_date

STREAM_TYPE = "need"
INSATSER = ("kontaktperson", "kontaktfamilj", "skkp")
LEGAL_BASES = ("SoL", "LSS")
CLOSE_REASONS = ("withdrawn", "need_met", "decision_period_ended", "other")
NEED_STATUSES = ("open", "closed")
# kontaktfamilj is counted in dygn per month, the others in meetings per month
MAX_FREQUENCY = {"kontaktperson": 31, "kontaktfamilj": 31, "skkp": 62}


def stream_id(need_id) -> str | None:
    """The need's stream id, "need-<uuid>", from any spelling of its id or the bare uuid; None if it names none."""
    return stream_key(STREAM_TYPE, need_id)


def frequency_unit(insats: str) -> str:
    return "dygn" if insats == "kontaktfamilj" else "meetings"


def normalise_words(words) -> tuple[str, ...]:
    """Interests and languages compare case-blind, once each, order kept: ('Fotboll ', 'fotboll') -> ('fotboll',)."""
    seen: dict[str, None] = {}
    for word in words:
        word = word.strip().lower()
        if word:
            seen.setdefault(word, None)
    return tuple(seen)


# ---- commands ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ClientInput:
    personnummer: str
    name: str


@dataclass(frozen=True)
class RegisterClientNeed:
    municipality: str
    by: str  # the case worker registering the decision
    at: datetime  # when the command is made (aware); its Swedish date is "today"
    insats: str  # kontaktperson | kontaktfamilj | skkp
    legal_basis: str  # SoL | LSS
    decision_date: date
    period_from: date
    period_to: date | None
    clients: tuple[ClientInput, ...]  # one; for kontaktfamilj one or a pair of siblings (syskonpar)
    needs: str
    goals: tuple[str, ...]
    frequency_per_month: int  # meetings, or dygn for kontaktfamilj
    case_worker_id: str  # the responsible socialsekreterare
    interests: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    postnummer: str | None = None
    protected_identity: bool = False  # skyddad identitet: no location leaves the case worker


@dataclass(frozen=True)
class CloseClientNeed:
    municipality: str
    by: str
    at: datetime
    closed_on: date
    reason: str  # one of CLOSE_REASONS


# ---- state ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Client:
    personnummer: str  # 12 digits
    name: str
    birth_date: date


@dataclass(frozen=True)
class ClientNeed:
    municipality: str
    insats: str
    legal_basis: str
    decision_date: date
    period_from: date
    period_to: date | None
    clients: tuple[Client, ...]
    needs: str
    goals: tuple[str, ...]
    interests: tuple[str, ...]
    languages: tuple[str, ...]
    postnummer: str | None
    protected_identity: bool
    frequency_per_month: int
    case_worker_id: str
    status: str = "open"  # open | closed
    closed_on: date | None = None
    close_reason: str | None = None

    @property
    def frequency_unit(self) -> str:
        return frequency_unit(self.insats)

    def ages_on(self, day: date) -> tuple[int, ...]:
        return tuple(age_on(c.birth_date, day) for c in self.clients)

    def location(self) -> tuple[str | None, str | None]:
        """Where the client lives, as far as matching and the offered volunteer may know it: the postnummer area
        (its first three digits) and the kommunkod. (None, None) for skyddad identitet: no location leaves the
        case worker."""
        if self.protected_identity:
            return None, None
        if not self.postnummer:
            return None, self.municipality
        return self.postnummer[:3], municipality_of_postnummer(self.postnummer) or self.municipality


def initial() -> ClientNeed | None:
    return None  # no need before its decision is registered


# ---- decide -----------------------------------------------------------------------------------------------

def decide(state: ClientNeed | None, command) -> list[NewEvent]:
    if isinstance(command, RegisterClientNeed):
        return _register(state, command)
    if state is None or state.municipality != command.municipality:
        raise NotFound("no such need")  # another municipality's need does not exist for the caller
    if isinstance(command, CloseClientNeed):
        return _close(state, command)
    raise TypeError(f"not a need command: {type(command).__name__}")


def _register(state: ClientNeed | None, c: RegisterClientNeed) -> list[NewEvent]:
    if state is not None:
        raise CommandRefused(Problem("this need is already registered", code="already_registered"))
    today = local_date(c.at)
    problems: list[Problem] = []
    if not is_municipality(c.municipality):
        problems.append(Problem("unknown kommunkod", "municipality"))
    if c.insats not in INSATSER:
        problems.append(Problem(f"insats must be one of {', '.join(INSATSER)}", "insats"))
    if c.legal_basis not in LEGAL_BASES:
        problems.append(Problem("legal basis must be SoL or LSS", "legal_basis"))
    if c.decision_date > today:
        problems.append(Problem("decision date is in the future", "decision_date"))
    if c.period_to is not None and c.period_to < c.period_from:
        problems.append(Problem("period ends before it starts", "period_to"))
    if not c.needs.strip():
        problems.append(Problem("needs are required", "needs"))
    if not any(g.strip() for g in c.goals):
        problems.append(Problem("at least one goal is required", "goals"))
    if not c.case_worker_id.strip():
        problems.append(Problem("a responsible case worker is required", "case_worker_id"))
    limit = MAX_FREQUENCY.get(c.insats, 31)
    if not 1 <= c.frequency_per_month <= limit:
        problems.append(Problem(f"frequency per month must be 1 to {limit}", "frequency_per_month"))
    postnummer = None
    if c.postnummer is not None:
        postnummer = normalise_postnummer(c.postnummer)
        if not (len(postnummer) == 5 and postnummer.isdigit()):
            problems.append(Problem("postnummer must be 5 digits", "postnummer"))

    most = 2 if c.insats == "kontaktfamilj" else 1
    if not 1 <= len(c.clients) <= most:
        problems.append(Problem(
            "a kontaktfamilj need has one client or a pair of siblings" if most == 2
            else "this insats has exactly one client", "clients"))
    clients: list[Client] = []
    for i, client in enumerate(c.clients):
        try:
            identity = parse_identity_number(client.personnummer, c.decision_date)
        except InvalidIdentityNumber:
            identity = None
        if identity is None or identity.birth_date > c.decision_date:  # no one is decided for before birth
            problems.append(Problem("invalid personnummer", f"clients.{i}.personnummer"))
            continue
        if not client.name.strip():
            problems.append(Problem("name is required", f"clients.{i}.name"))
        if c.insats == "kontaktfamilj" and age_on(identity.birth_date, c.decision_date) >= 18:
            problems.append(Problem("kontaktfamilj is for children: the client is 18 or older",
                                    f"clients.{i}.personnummer"))
        clients.append(Client(identity.digits, client.name.strip(), identity.birth_date))
    if len({cl.personnummer for cl in clients}) < len(clients):
        problems.append(Problem("the same client is listed twice", "clients"))
    if problems:
        raise CommandRefused(*problems)

    return [NewEvent("ClientNeedRegistered", {
        "municipality": c.municipality,
        "insats": c.insats,
        "legal_basis": c.legal_basis,
        "decision_date": c.decision_date.isoformat(),
        "period_from": c.period_from.isoformat(),
        "period_to": c.period_to.isoformat() if c.period_to else None,
        "clients": [{"personnummer": cl.personnummer, "name": cl.name,
                     "birth_date": cl.birth_date.isoformat()} for cl in clients],
        "needs": c.needs.strip(),
        "goals": [g.strip() for g in c.goals if g.strip()],
        "interests": list(normalise_words(c.interests)),
        "languages": list(normalise_words(c.languages)),
        "postnummer": postnummer,
        "protected_identity": c.protected_identity,
        "frequency_per_month": c.frequency_per_month,
        "frequency_unit": frequency_unit(c.insats),
        "case_worker_id": c.case_worker_id,
    })]


def _close(state: ClientNeed, c: CloseClientNeed) -> list[NewEvent]:
    if state.status == "closed":
        raise CommandRefused(Problem("the need is already closed", code="closed"))
    problems = []
    if c.reason not in CLOSE_REASONS:
        problems.append(Problem(f"reason must be one of {', '.join(CLOSE_REASONS)}", "reason"))
    if c.closed_on > local_date(c.at):
        problems.append(Problem("closing date is in the future", "closed_on"))
    if c.closed_on < state.decision_date:
        problems.append(Problem("closing date is before the decision", "closed_on"))
    if problems:
        raise CommandRefused(*problems)
    return [NewEvent("ClientNeedClosed", {"closed_on": c.closed_on.isoformat(), "reason": c.reason})]


# ---- evolve -----------------------------------------------------------------------------------------------

def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def evolve(state: ClientNeed | None, event) -> ClientNeed | None:
    d = event.data
    if event.type == "ClientNeedRegistered":
        return ClientNeed(
            municipality=d["municipality"],
            insats=d["insats"], legal_basis=d["legal_basis"],
            decision_date=_date(d["decision_date"]), period_from=_date(d["period_from"]),
            period_to=_date(d["period_to"]),
            clients=tuple(Client(cl["personnummer"], cl["name"], _date(cl["birth_date"])) for cl in d["clients"]),
            needs=d["needs"], goals=tuple(d["goals"]), interests=tuple(d["interests"]),
            languages=tuple(d["languages"]), postnummer=d["postnummer"],
            protected_identity=d["protected_identity"], frequency_per_month=d["frequency_per_month"],
            case_worker_id=d["case_worker_id"])
    if event.type == "ClientNeedClosed":
        return replace(state, status="closed", closed_on=_date(d["closed_on"]), close_reason=d["reason"])
    return state


NEED = Decider(stream_type=STREAM_TYPE, initial=initial, decide=decide, evolve=evolve)
