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
# Recycle workers now and then so that no slow leak can grow without bound.
max_requests = 2000
max_requests_jitter = 200
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
