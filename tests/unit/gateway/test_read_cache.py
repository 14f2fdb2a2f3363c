"""The gateway's read cache: fresh answers again, dropped by events, never kept from a read that overlapped a drop."""
import uuid

import pytest

from gateway.cache import ReadCache, ids_in


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class Service:
    """Stands for the applicants service: counts the reads that reached it."""

    def __init__(self):
        self.reads = 0

    def read(self, value="answer"):
        self.reads += 1
        return value


def test_a_fresh_answer_is_given_again_without_asking_the_service():
    clock, service, results = Clock(), Service(), []
    cache = ReadCache(ttl=5.0, clock=clock, observe=results.append)
    assert cache.fetch("a", service.read)[0] == "answer"
    clock.now = 4.9
    assert cache.fetch("a", service.read)[0] == "answer"
    assert service.reads == 1 and results == ["miss", "hit"]


def test_an_answer_expires():
    clock, service = Clock(), Service()
    cache = ReadCache(ttl=5.0, clock=clock)
    cache.fetch("a", service.read)
    clock.now = 5.0
    cache.fetch("a", service.read)
    assert service.reads == 2


def test_a_drop_makes_the_next_read_ask_the_service():
    service = Service()
    cache = ReadCache(clock=Clock())
    cache.fetch("a", service.read)
    cache.fetch("b", service.read)
    cache.drop(["a"])
    cache.fetch("a", service.read)
    cache.fetch("b", service.read)
    assert service.reads == 3  # a twice, b once


def test_an_answer_read_while_its_key_was_dropped_is_not_kept():
    # given a read during which an event about the same applicant arrives (the answer may predate it)
    service, cache = Service(), ReadCache(clock=Clock())

    def read_overtaken_by_an_event():
        cache.drop(["a"])
        return service.read("maybe old")

    assert cache.fetch("a", read_overtaken_by_an_event)[0] == "maybe old"
    # then the next read asks the service again
    assert cache.fetch("a", lambda: service.read("new"))[0] == "new"
    assert cache.fetch("a", lambda: service.read("newer"))[0] == "new"
    assert service.reads == 2


def test_a_drop_of_another_key_meanwhile_does_not_stop_keeping():
    service, cache = Service(), ReadCache(clock=Clock())

    def read_while_b_changes():
        cache.drop(["b"])
        return service.read()

    cache.fetch("a", read_while_b_changes)
    cache.fetch("a", service.read)
    assert service.reads == 1


def test_errors_pass_through_and_keep_nothing():
    service, cache = Service(), ReadCache(clock=Clock())

    def refused():
        raise LookupError("no such applicant")

    with pytest.raises(LookupError):
        cache.fetch("a", refused)
    cache.fetch("a", service.read)
    assert service.reads == 1 and len(cache) == 1


def test_no_key_and_no_ttl_mean_no_caching():
    service = Service()
    ReadCache(clock=Clock()).fetch(None, service.read)
    off = ReadCache(ttl=0, clock=Clock())
    off.fetch("a", service.read)
    off.fetch("a", service.read)
    assert service.reads == 3


def test_the_oldest_entries_go_first_when_full():
    service, cache = Service(), ReadCache(max_entries=2, clock=Clock())
    for key in ("a", "b", "c"):
        cache.fetch(key, service.read)
    cache.fetch("c", service.read)
    cache.fetch("a", service.read)
    assert service.reads == 4 and len(cache) == 2


def test_an_event_names_applicants_by_stream_or_anywhere_in_its_data():
    one, two, three = (str(uuid.uuid4()) for _ in range(3))
    event = [f"applicant-{one}", {"applicant_id": two.upper(), "notes": "x" * 40,
                                  "visits": [{"volunteer_id": f"applicant-{three}"}], "count": 3}]
    assert sorted(ids_in(event)) == sorted([one, two, three])
    assert list(ids_in(["check-1", {"text": "not an id at all, of some length"}])) == []


def test_the_memo_lives_as_long_as_the_entry():
    service, cache = Service(), ReadCache(clock=Clock())
    _, memo = cache.fetch("a", service.read)
    memo["json"] = "encoded"
    assert cache.fetch("a", service.read)[1] == {"json": "encoded"}
    cache.drop(["a"])
    assert cache.fetch("a", service.read)[1] == {}
