"""Matching: in what order to ask the volunteers who may take a need (eligibility.py says who may), and why.

Municipalities match "efter förutsättningar, intressen och ålder". The score is a plain sum of points per
factor (POINTS below), so a case worker can read why a candidate ranks where it does; equal scores are
ordered by volunteer id so the same pool always gives the same list.

A client with skyddad identitet (protected identity): nearness is not scored at all and no reason mentions
where the client lives, so neither the list nor its order gives the location away. See docs/domain.md, "Matching".
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import date

from .eligibility import eligible
from .need import ClientNeed
from .volunteer import PoolEntry

POINTS = {
    "role": 10,  # approved for this insats (every candidate has it; it states the basis)
    "age_within": 20,  # every client's age inside the volunteer's preferred range
    "age_no_preference": 10,
    "age_near": 5,  # outside, but by at most AGE_SLACK years
    "interest_each": 5,
    "interest_max": 25,
    "language": 15,
    "same_area": 15,  # same postnummer area (first three digits)
    "same_municipality": 10,
    "availability": 15,  # full points when the volunteer's free times cover the requested frequency
    "availability_holidays": 5,  # kontaktfamilj: also free on school holidays
    "household": 10,  # kontaktfamilj: a child at home near the client's age
}
AGE_SLACK = 2
HOUSEHOLD_AGE_GAP = 3
_AVAILABILITY_SV = {"weekdays": "vardagar", "evenings": "kvällar", "weekends": "helger", "holidays": "lov"}


@dataclass(frozen=True)
class Reason:
    factor: str  # role | age | interests | languages | nearness | availability | household
    points: int
    sv: str
    en: str


@dataclass(frozen=True)
class Candidate:
    volunteer_id: str
    municipality: str
    score: int
    reasons: tuple[Reason, ...]


# ---- ranking ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Need:
    """What ranking needs of a need, computed once per call rather than once per volunteer."""

    source: ClientNeed
    ages: tuple[int, ...]
    youngest: int
    oldest: int
    interests: frozenset[str]
    languages: frozenset[str]
    area: str | None  # None for protected identity
    home_municipality: str | None  # None for protected identity
    today: date


def _prepare(need: ClientNeed, today: date) -> _Need:
    area, home = need.location()
    ages = need.ages_on(today)
    return _Need(need, ages, min(ages), max(ages), frozenset(need.interests), frozenset(need.languages),
                 area, home, today)


def rank(need: ClientNeed, entries, today: date, limit: int | None = 100) -> list[Candidate]:
    """Eligible volunteers for a need, best first (score descending, then volunteer id); at most `limit`.

    limit=None returns every eligible volunteer, with reasons for each: slow for a large pool.
    """
    n = _prepare(need, today)
    score = _scorer(n)
    scored = [(-score(entry), entry.volunteer_id, entry) for entry in entries if eligible(entry, need, today)]
    # volunteer ids are unique, so tuples never compare the entries themselves
    scored = sorted(scored) if limit is None else heapq.nsmallest(limit, scored)
    # Reasons are written only for the candidates returned: texts cost far more than sums.
    return [Candidate(e.volunteer_id, e.municipality, -negative, tuple(_explain(e, n)))
            for negative, _, e in scored]


def _scorer(n: _Need):
    """A function entry -> points: the same sum as _explain's, without texts. It runs once per volunteer in the
    pool, so what depends only on the need is computed here once, and the age and availability points (a handful
    of distinct preferences across a whole pool) are remembered. A test checks score == sum of reason points.
    """
    need_interests, need_languages, area, home = n.interests, n.languages, n.area, n.home_municipality
    family = n.source.insats == "kontaktfamilj"
    age_points: dict[tuple, int] = {}
    free_points: dict[frozenset, int] = {}

    def score(entry: PoolEntry) -> int:
        preference = (entry.age_min, entry.age_max)
        age = age_points.get(preference)
        if age is None:
            age = age_points[preference] = _age_points(preference, n)
        free = free_points.get(entry.availability)
        if free is None:
            free = free_points[entry.availability] = _availability_points(entry.availability, n.source)
        points = POINTS["role"] + age + free
        if need_interests:
            points += min(POINTS["interest_each"] * len(need_interests & entry.interests), POINTS["interest_max"])
        if need_languages and not need_languages.isdisjoint(entry.languages):
            points += POINTS["language"]
        if area is not None and entry.area == area:
            points += POINTS["same_area"]
        if home is not None and entry.municipality == home:
            points += POINTS["same_municipality"]
        if family and entry.household_birth_years and _similar_child(entry, n):
            points += POINTS["household"]
        return points

    return score


def _age_points(preference: tuple[int | None, int | None], n: _Need) -> int:
    low, high = preference
    if low is None and high is None:
        return POINTS["age_no_preference"]
    low = 0 if low is None else low
    high = 200 if high is None else high
    if low <= n.youngest and n.oldest <= high:
        return POINTS["age_within"]
    if low - AGE_SLACK <= n.youngest and n.oldest <= high + AGE_SLACK:
        return POINTS["age_near"]
    return 0


def _availability_points(free: frozenset[str], need: ClientNeed) -> int:
    if need.insats == "kontaktfamilj":
        return ("weekends" in free) * POINTS["availability"] + ("holidays" in free) * POINTS["availability_holidays"]
    kinds = ("weekdays" in free) + ("evenings" in free) + ("weekends" in free)
    wanted = _wanted_kinds(need.frequency_per_month)
    return POINTS["availability"] * min(kinds, wanted) // wanted


def _similar_child(entry: PoolEntry, n: _Need) -> bool:
    """A child (under 18) in the household within HOUSEHOLD_AGE_GAP years of a client's age."""
    year = n.today.year
    children = [year - born for born in entry.household_birth_years if year - born < 18]
    return any(abs(child - age) <= HOUSEHOLD_AGE_GAP for child in children for age in n.ages)


def _wanted_kinds(per_month: int) -> int:
    """More meetings a month need more kinds of free time: 1-2 -> one kind, 3-4 -> two, more -> three."""
    return 1 if per_month <= 2 else 2 if per_month <= 4 else 3


def _explain(entry: PoolEntry, n: _Need) -> list[Reason]:
    """Every factor that gave points (and an age mismatch, which a case worker wants to see)."""
    need = n.source
    reasons: list[Reason] = []

    def add(factor, points, sv, en):
        reasons.append(Reason(factor, points, sv, en))

    add("role", POINTS["role"], f"Godkänd för {need.insats}", f"Approved for {need.insats}")

    ages = ", ".join(str(a) for a in n.ages)
    if entry.age_min is None and entry.age_max is None:
        add("age", POINTS["age_no_preference"], "Ingen åldersönskan", "No age preference")
    else:
        low = entry.age_min if entry.age_min is not None else 0
        high = entry.age_max if entry.age_max is not None else 200
        wish = f"{low}-{high}" if entry.age_max is not None else f"{low}+"
        if all(low <= a <= high for a in n.ages):
            add("age", POINTS["age_within"], f"Önskad ålder {wish}, klienten är {ages}",
                f"Preferred age {wish}, client is {ages}")
        elif all(low - AGE_SLACK <= a <= high + AGE_SLACK for a in n.ages):
            add("age", POINTS["age_near"], f"Nära önskad ålder {wish}, klienten är {ages}",
                f"Close to preferred age {wish}, client is {ages}")
        else:
            add("age", 0, f"Utanför önskad ålder {wish}, klienten är {ages}",
                f"Outside preferred age {wish}, client is {ages}")

    shared = n.interests & entry.interests
    if shared:
        words = ", ".join(sorted(shared))
        add("interests", min(POINTS["interest_each"] * len(shared), POINTS["interest_max"]),
            f"Gemensamma intressen: {words}", f"Shared interests: {words}")

    spoken = n.languages & entry.languages
    if spoken:
        words = ", ".join(sorted(spoken))
        add("languages", POINTS["language"], f"Talar {words}", f"Speaks {words}")

    if n.area is not None and entry.area == n.area:
        add("nearness", POINTS["same_area"], f"Samma postnummerområde ({n.area})",
            f"Same postcode area ({n.area})")
    if n.home_municipality is not None and entry.municipality == n.home_municipality:
        add("nearness", POINTS["same_municipality"], "Bor i samma kommun", "Lives in the same municipality")

    _availability(entry, need, add)

    if need.insats == "kontaktfamilj" and _similar_child(entry, n):
        add("household", POINTS["household"], "Barn i familjen i liknande ålder",
            "A child in the family of similar age")
    return reasons


def _availability(entry: PoolEntry, need: ClientNeed, add) -> None:
    free = entry.availability
    if need.insats == "kontaktfamilj":
        # Stays are weekends (sometimes school holidays): weekends are what the frequency asks for.
        if "weekends" in free:
            add("availability", POINTS["availability"], "Kan ta emot helger", "Can receive at weekends")
        if "holidays" in free:
            add("availability", POINTS["availability_holidays"], "Kan ta emot på lov",
                "Can receive during school holidays")
        return
    wanted = _wanted_kinds(need.frequency_per_month)
    kinds = [k for k in ("weekdays", "evenings", "weekends") if k in free]
    if kinds:
        points = POINTS["availability"] * min(len(kinds), wanted) // wanted
        sv = ", ".join(_AVAILABILITY_SV[k] for k in kinds)
        en = ", ".join(kinds)
        add("availability", points,
            f"Ledig {sv} för {need.frequency_per_month} träffar/månad",
            f"Free {en} for {need.frequency_per_month} meetings/month")
