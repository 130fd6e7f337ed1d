"""Container health checks that need neither curl nor a Django start-up.

    python docker/healthcheck.py web    # GET /healthz on the local gunicorn: 200 → healthy
    python docker/healthcheck.py beat   # the beat schedule file was written recently

The web check sends the first ALLOWED_HOSTS entry as Host and says the request came over HTTPS
(as the proxy would), so neither the host check nor the HTTPS redirect gets in the way.
"""

import glob
import os
import sys
import time
import urllib.error
import urllib.request

WEB_URL = os.environ.get("HEALTHCHECK_URL", "http://127.0.0.1:8000/healthz")
BEAT_SCHEDULE = os.environ.get("BEAT_SCHEDULE", "/tmp/celerybeat-schedule")
BEAT_MAX_AGE = int(os.environ.get("BEAT_MAX_AGE", "600"))  # beat syncs its file every 3 minutes


def host_header() -> str:
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    host = next((h for h in hosts if h != "*"), "localhost")
    return host.lstrip(".") or "localhost"


def check_web(url: str = WEB_URL) -> bool:
    request = urllib.request.Request(
        url, headers={"Host": host_header(), "X-Forwarded-Proto": "https"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (local URL)
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def check_beat(schedule: str = BEAT_SCHEDULE, max_age: int = BEAT_MAX_AGE) -> bool:
    files = glob.glob(glob.escape(schedule) + "*")  # the dbm module may add a suffix
    newest = max((os.path.getmtime(path) for path in files), default=0)
    return time.time() - newest < max_age


def main(argv: list[str]) -> int:
    checks = {"web": check_web, "beat": check_beat}
    if len(argv) != 2 or argv[1] not in checks:
        print(__doc__, file=sys.stderr)
        return 2
    return 0 if checks[argv[1]]() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
