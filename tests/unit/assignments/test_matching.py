"""Matching: who is eligible, and an explainable, deterministic ranking."""
import random
from datetime import date

from services.assignments.domain.eligibility import eligible, ineligibility
from services.assignments.domain.matching import POINTS, rank
from services.assignments.domain.need import ClientInput

from .examples import CHILD, SIBLING, SOLNA, STOCKHOLM, TODAY, entry, need_state

NEED = need_state(interests=("fotboll", "musik", "film"), languages=("arabiska",), postnummer="11234",
                  frequency_per_month=4)


def points(candidate, factor):
    return sum(r.points for r in candidate.reasons if r.factor == factor)


def only(need, volunteer, today=TODAY):
    [candidate] = rank(need, [volunteer], today)
    return candidate


# ---- eligibility ------------------------------------------------------------------------------------------

def test_an_approved_volunteer_with_clear_checks_and_room_is_eligible():
    assert eligible(entry(), NEED, TODAY) and ineligibility(entry(), NEED, TODAY) == []


def test_the_volunteer_must_be_approved_for_the_insats():
    assert not eligible(entry(roles={"kontaktfamilj"}), NEED, TODAY)


def test_every_check_must_be_clear_and_unexpired():
    assert not eligible(entry(checks_clear_until=None), NEED, TODAY)
    assert not eligible(entry(checks_clear_until=date(2025, 6, 1)), NEED, TODAY)
    assert eligible(entry(checks_clear_until=TODAY), NEED, TODAY)


def test_a_volunteer_at_capacity_is_not_eligible():
    assert not eligible(entry(max_assignments=1, active_assignments=1), NEED, TODAY)


def test_another_municipality_only_with_regional_consent():
    assert not eligible(entry(municipality=SOLNA), NEED, TODAY)
    assert eligible(entry(municipality=SOLNA, regional_consent=True), NEED, TODAY)


def test_rank_leaves_out_the_ineligible():
    assert [c.volunteer_id for c in rank(NEED, [entry(volunteer_id="a"), entry(volunteer_id="b", roles=set())],
                                         TODAY)] == ["a"]


# ---- scoring factors --------------------------------------------------------------------------------------

def test_role_is_stated_as_a_reason():
    assert points(only(NEED, entry()), "role") == POINTS["role"]


def test_the_clients_age_within_the_preference_scores_highest():
    assert points(only(NEED, entry(age_min=10, age_max=14)), "age") == POINTS["age_within"]
    assert points(only(NEED, entry(age_min=13, age_max=16)), "age") == POINTS["age_near"]
    assert points(only(NEED, entry(age_min=16, age_max=18)), "age") == 0
    assert points(only(NEED, entry()), "age") == POINTS["age_no_preference"]


def test_an_age_mismatch_is_shown_to_the_case_worker():
    reason = next(r for r in only(NEED, entry(age_min=16, age_max=18)).reasons if r.factor == "age")
    assert "Utanför önskad ålder 16-18" in reason.sv and "Outside" in reason.en


def test_siblings_both_count_against_the_age_preference():
    pair = need_state(insats="kontaktfamilj", clients=(ClientInput(CHILD, "A"), ClientInput(SIBLING, "B")))
    assert points(only(pair, entry(age_min=12, age_max=15)), "age") == POINTS["age_near"]  # 11 is one year short
    assert points(only(pair, entry(age_min=11, age_max=15)), "age") == POINTS["age_within"]


def test_each_shared_interest_scores_and_is_named():
    candidate = only(NEED, entry(interests={"Fotboll", "musik", "schack"}))
    assert points(candidate, "interests") == 2 * POINTS["interest_each"]
    assert any("fotboll, musik" in r.sv for r in candidate.reasons)


def test_a_shared_language_scores():
    assert points(only(NEED, entry(languages={"arabiska", "svenska"})), "languages") == POINTS["language"]
    assert points(only(NEED, entry(languages={"svenska"})), "languages") == 0


def test_nearness_by_postnummer_area_and_municipality():
    assert points(only(NEED, entry(postnummer="112 50")), "nearness") == \
        POINTS["same_area"] + POINTS["same_municipality"]
    assert points(only(NEED, entry(postnummer="16950", municipality=SOLNA, regional_consent=True)), "nearness") == 0
    assert points(only(NEED, entry(postnummer="12345")), "nearness") == POINTS["same_municipality"]


def test_availability_is_weighed_against_the_requested_frequency():
    assert points(only(NEED, entry(availability={"evenings", "weekends"})), "availability") == POINTS["availability"]
    assert points(only(NEED, entry(availability={"evenings"})), "availability") == POINTS["availability"] // 2
    monthly = need_state(frequency_per_month=1)
    assert points(only(monthly, entry(availability={"evenings"})), "availability") == POINTS["availability"]


def test_kontaktfamilj_needs_weekends_and_values_holidays():
    family = need_state(insats="kontaktfamilj")
    assert points(only(family, entry(availability={"weekends", "holidays"})), "availability") == \
        POINTS["availability"] + POINTS["availability_holidays"]
    assert points(only(family, entry(availability={"evenings"})), "availability") == 0


def test_kontaktfamilj_with_a_child_of_similar_age_at_home():
    family = need_state(insats="kontaktfamilj")  # the client is 12
    assert points(only(family, entry(household_birth_years=(1980, 1982, 2014))), "household") == POINTS["household"]
    assert points(only(family, entry(household_birth_years=(1980, 2021))), "household") == 0
    assert points(only(NEED, entry(household_birth_years=(1980, 2014))), "household") == 0  # not kontaktfamilj


def test_the_score_is_the_sum_of_the_reasons_over_a_varied_pool():
    rng = random.Random(7)
    role_sets = [{"kontaktperson"}, {"kontaktfamilj"}, {"kontaktperson", "kontaktfamilj"}]
    pool = [entry(volunteer_id=f"v{i:03d}", roles=rng.choice(role_sets),
                  age_min=rng.choice([None, 6, 12, 14]), age_max=rng.choice([None, 11, 13, 18]),
                  interests=set(rng.sample(["fotboll", "musik", "film", "bad", "spel"], 3)),
                  languages=set(rng.sample(["arabiska", "svenska", "somaliska"], 1)),
                  postnummer=rng.choice(["11234", "11299", "12345", None]),
                  availability=set(rng.sample(["weekdays", "evenings", "weekends", "holidays"], rng.randint(0, 4))),
                  household_birth_years=tuple(rng.sample(range(1975, 2024), 3))) for i in range(300)]
    for need in (NEED, need_state(insats="kontaktfamilj"), need_state(protected_identity=True, frequency_per_month=8)):
        candidates = rank(need, pool, TODAY, limit=None)
        assert candidates
        for c in candidates:
            assert c.score == sum(r.points for r in c.reasons), c


# ---- order and confidentiality ----------------------------------------------------------------------------

def test_the_ranking_is_deterministic_with_ties_broken_by_volunteer_id():
    pool = [entry(volunteer_id=v) for v in ("applicant-c", "applicant-a", "applicant-b")]
    pool.append(entry(volunteer_id="applicant-z", interests={"fotboll"}))
    first = rank(NEED, pool, TODAY)
    assert [c.volunteer_id for c in first] == ["applicant-z", "applicant-a", "applicant-b", "applicant-c"]
    assert rank(NEED, list(reversed(pool)), TODAY) == first
    assert rank(NEED, pool, TODAY, limit=None) == first


def test_the_limit_keeps_the_best():
    pool = [entry(volunteer_id=f"v{i}", interests={"fotboll"} if i == 7 else set()) for i in range(10)]
    assert [c.volunteer_id for c in rank(NEED, pool, TODAY, limit=2)] == ["v7", "v0"]


def test_a_protected_identity_is_never_located_by_matching():
    hidden = need_state(protected_identity=True, postnummer="11234")
    near = entry(volunteer_id="near", postnummer="11234")
    far = entry(volunteer_id="far", postnummer="98132")
    candidates = rank(hidden, [near, far], TODAY)
    assert candidates[0].score == candidates[1].score  # nearness does not reorder them either
    for c in candidates:
        assert points(c, "nearness") == 0
        text = " ".join(r.sv + " " + r.en for r in c.reasons)
        for clue in ("112", "11234", "kommun", "municipality", "postnummer", "postcode", STOCKHOLM):
            assert clue not in text
