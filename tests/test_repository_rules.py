"""Rules about what may be committed."""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Assembled so that this file does not itself name them.
REGISTRY_HOSTS = ["pypi" + ".org", "pythonhosted" + ".org", "npmjs" + ".org", "deb.debian" + ".org"]


def tracked_files() -> list[Path]:
    output = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [ROOT / name for name in output.splitlines() if (ROOT / name).is_file()]


def test_no_committed_file_names_a_package_registry_host():
    offenders = []
    for path in tracked_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        offenders += [
            f"{path.relative_to(ROOT)}: {host}" for host in REGISTRY_HOSTS if host in text
        ]
    assert not offenders


def test_requirement_files_are_hash_pinned():
    for name in ("base.txt", "dev.txt"):
        text = (ROOT / "requirements" / name).read_text()
        pins = [line for line in text.splitlines() if line and not line.startswith((" ", "#"))]
        assert pins and all("==" in line and line.endswith("\\") for line in pins), name
        assert text.count("--hash=sha256:") >= len(pins), name
