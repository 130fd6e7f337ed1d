"""The release a process runs: a fingerprint of its code, templates, translations and static
files. Every key of stored HTML carries it, so a deploy never serves yesterday's pages."""

import hashlib
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Everything a stored page can depend on: the apps' code, data files (the map), templates,
# translations and static files (their hashed names are in the HTML). The whole trees, not a
# list of files that drifts behind the code: about 2 MB, read once per process.
CODE = ["readiness", "submissions", "reviews", "templates", "locale", "static"]
CODE_SUFFIXES = {".py", ".html", ".mo", ".json", ".csv", ".css", ".js", ".svg"}


def fingerprinted_files() -> list[Path]:
    return [
        file
        for entry in CODE
        for file in sorted((ROOT / entry).rglob("*"))
        if file.is_file() and file.suffix in CODE_SUFFIXES and "migrations" not in file.parts
    ]


@cache
def code_fingerprint() -> str:
    digest = hashlib.sha256()
    for file in fingerprinted_files():
        digest.update(str(file.relative_to(ROOT)).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:12]
