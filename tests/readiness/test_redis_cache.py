"""The Redis cache backend: one redis-py client per connection pool, and an unreachable Redis
answered as an empty cache that keeps nothing."""

import logging
import os
import socket
import threading
import uuid

import pytest

from readiness.redis_cache import ReusingRedisCache, _down_until


@pytest.mark.redis
def test_it_stores_reads_and_deletes_with_one_client_per_pool():
    cache = ReusingRedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": f"t-{uuid.uuid4().hex}"})
    cache.set("answer", {"grade": "A"}, 30)
    assert cache.get("answer") == {"grade": "A"}
    assert cache.incr("visits", 1) == 1 if cache.add("visits", 0, 30) else False
    assert cache._cache.get_client(write=True) is cache._cache.get_client()
    cache.delete_many(["answer", "visits"])
    assert cache.get_many(["answer", "visits"]) == {}


UNREACHABLE = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_an_unreachable_redis_answers_as_an_empty_cache_that_keeps_nothing(caplog):
    _down_until.pop(UNREACHABLE, None)  # another test's outage of the same address
    cache = ReusingRedisCache(UNREACHABLE, {"OPTIONS": {"outage_retry_seconds": 60}})
    with caplog.at_level(logging.WARNING, logger="readiness.redis_cache"):
        assert cache.get("page") is None and cache.get("page", "default") == "default"
        assert cache.get_many(["a", "b"]) == {} and not cache.has_key("a")
        cache.set("page", "<html>")
        assert cache.set_many({"a": 1}) == ["a"]  # not stored
        assert cache.add("mark", 1)  # an empty cache takes it ...
        assert cache.get("mark") is None  # ... and keeps nothing
        with pytest.raises(ValueError):
            cache.incr("count")
        assert not cache.delete("page") and not cache.touch("page")
        cache.delete_many(["a", "b"])
        assert cache.get_or_set("built", lambda: "fresh") == "fresh"
        assert not cache.reachable()
    failures = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(failures) == 1  # logged once per outage, not once per operation
    _down_until.pop(UNREACHABLE, None)


def test_after_a_failure_a_hanging_redis_is_left_alone_for_a_while():
    """A Redis that accepts connections but never answers costs one socket timeout, then
    nothing until outage_retry_seconds have passed."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    accepted = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.05)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept)
    thread.start()
    location = f"redis://127.0.0.1:{port}/0"
    cache = ReusingRedisCache(
        location,
        {"OPTIONS": {"socket_timeout": 0.2, "socket_connect_timeout": 0.2,
                     "outage_retry_seconds": 0.5}},
    )  # fmt: skip
    try:
        assert cache.get("page") is None  # waits one socket timeout
        for _ in range(20):
            assert cache.get("page") is None  # no new attempt
        assert len(accepted) == 1
        while cache.in_outage():
            threading.Event().wait(0.05)
        assert cache.get("page") is None  # tried again
        assert len(accepted) == 2
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()
        _down_until.pop(location, None)
