"""Django's Redis cache backend, keeping one redis-py client per connection pool, and carrying
on without Redis when it cannot be reached.

One client per pool: Django builds a new `redis.Redis` object for every cache operation, and
building one fills its table of ~170 response callbacks: on a cached page that was a third of
the request's own work. A client is safe to share between threads (it takes a connection from
the pool per command), and redis-py's pool starts afresh in a forked process.

Without Redis: nothing in this application keeps in the cache what it cannot rebuild (pages,
fragments, throttle counts, the recompute's pending mark, the worker heartbeat), so an
unreachable Redis is answered here, in one place, as an empty cache that keeps nothing: a read
misses, a write is dropped, `add` succeeds and `incr` finds no key. Every caller already knows
what to do with a miss. Each process then leaves Redis alone for `OUTAGE_RETRY_SECONDS`
(OPTIONS "outage_retry_seconds"), so that a Redis that hangs instead of refusing costs a request
at most one socket timeout, not one per cache operation; the first failure and the recovery are
logged once. A lock taken with `add` is therefore no lock while Redis is down: the locks that
matter (the recompute's, the decisions') are PostgreSQL's.
"""

import logging
import threading
import time
from functools import wraps

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

OUTAGE_RETRY_SECONDS = 5.0

# server location -> monotonic time before which Redis is not tried (shared by the threads of a
# process: Django gives every thread its own backend object)
_down_until: dict[str, float] = {}
_lock = threading.Lock()


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


def _as_empty_cache(answer):
    """The operation, answering `answer(*args)` (what an empty cache that keeps nothing would)
    while Redis is unreachable."""

    def decorate(method):
        @wraps(method)
        def guarded(self, *args, **kwargs):
            if self.in_outage():
                return answer(*args, **kwargs)
            try:
                result = method(self, *args, **kwargs)
            except RedisError:
                self._outage_began()
                return answer(*args, **kwargs)
            self._outage_ended()
            return result

        return guarded

    return decorate


def _key_not_found(*args, **kwargs):
    raise ValueError("Key not found (the cache is unreachable)")


class ReusingRedisCache(RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self.outage_retry_seconds = float(options.pop("outage_retry_seconds", OUTAGE_RETRY_SECONDS))
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusingRedisCacheClient
        self._location = str(server)

    # --- the outage ------------------------------------------------------------------------

    def in_outage(self) -> bool:
        return time.monotonic() < _down_until.get(self._location, 0.0)

    def _outage_began(self) -> None:
        with _lock:
            first = self._location not in _down_until
            _down_until[self._location] = time.monotonic() + self.outage_retry_seconds
        if first:
            logger.warning(
                "Cache unreachable: serving without it (retried every %ss)",
                self.outage_retry_seconds,
                exc_info=True,
            )

    def _outage_ended(self) -> None:
        if self._location in _down_until:
            with _lock:
                ended = _down_until.pop(self._location, None) is not None
            if ended:
                logger.warning("Cache reachable again")

    def reachable(self) -> bool:
        """Pings Redis now, whatever the last failure was (`/healthz`); bounded by the socket
        timeouts of OPTIONS."""
        try:
            self._cache.get_client(write=True).ping()
        except RedisError:
            self._outage_began()
            return False
        self._outage_ended()
        return True

    # --- the operations, each with an empty cache's answer ---------------------------------

    get = _as_empty_cache(lambda key, default=None, version=None: default)(RedisCache.get)
    get_many = _as_empty_cache(lambda *args, **kwargs: {})(RedisCache.get_many)
    has_key = _as_empty_cache(lambda *args, **kwargs: False)(RedisCache.has_key)
    set = _as_empty_cache(lambda *args, **kwargs: None)(RedisCache.set)
    set_many = _as_empty_cache(lambda data, *args, **kwargs: list(data))(RedisCache.set_many)
    add = _as_empty_cache(lambda *args, **kwargs: True)(RedisCache.add)
    touch = _as_empty_cache(lambda *args, **kwargs: False)(RedisCache.touch)
    incr = _as_empty_cache(_key_not_found)(RedisCache.incr)
    delete = _as_empty_cache(lambda *args, **kwargs: False)(RedisCache.delete)
    delete_many = _as_empty_cache(lambda *args, **kwargs: None)(RedisCache.delete_many)
    clear = _as_empty_cache(lambda *args, **kwargs: False)(RedisCache.clear)
