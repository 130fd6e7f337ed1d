"""gunicorn settings for the web process (read from the working directory at start; command-line
flags override them). See docs/performance.md for how the worker count was chosen."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Synchronous workers: every request is short (results come from the cache or a fixed number
# of queries) and nginx buffers uploads and slow clients in front of them.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so that no slow leak can grow without bound. Not too often: at
# 2,000 a busy worker restarted every few seconds, and its first requests were slow.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = max_requests // 10
# The application is imported once and shared by the workers (copy-on-write memory).
preload_app = True


# Only the reverse proxy reaches this port (compose network); Django trusts X-Forwarded-Proto
# itself through SECURE_PROXY_SSL_HEADER.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")
# nginx logs every request; set GUNICORN_ACCESS_LOG=- to log them here too.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
# The worker heartbeat file lives in memory, not on the container's overlay filesystem.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None


def when_ready(server):
    """Before the first fork: templates, translations and URL tables for every worker."""
    from readiness.warmup import warm

    server.log.info("warm-up before forking: %s", warm())
