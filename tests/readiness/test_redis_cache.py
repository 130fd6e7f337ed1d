"""The Redis cache backend that keeps one redis-py client per connection pool."""

import os
import uuid

import pytest

from readiness.redis_cache import ReusingRedisCache


@pytest.mark.redis
def test_it_stores_reads_and_deletes_with_one_client_per_pool():
    cache = ReusingRedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": f"t-{uuid.uuid4().hex}"})
    cache.set("answer", {"grade": "A"}, 30)
    assert cache.get("answer") == {"grade": "A"}
    assert cache.incr("visits", 1) == 1 if cache.add("visits", 0, 30) else False
    assert cache._cache.get_client(write=True) is cache._cache.get_client()
    cache.delete_many(["answer", "visits"])
    assert cache.get_many(["answer", "visits"]) == {}
