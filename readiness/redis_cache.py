"""Django's Redis cache backend, keeping one redis-py client per connection pool.

Django builds a new `redis.Redis` object for every cache operation, and building one fills its
table of ~170 response callbacks: on a cached page that was a third of the request's own work.
A client is safe to share between threads (it takes a connection from the pool per command),
and redis-py's pool starts afresh in a forked process."""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


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


class ReusingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
