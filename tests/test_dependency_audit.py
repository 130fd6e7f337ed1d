"""scripts/dependency_audit.py fails on a known vulnerability and never reports packages it
could not check as audited (pip-audit itself says "no known vulnerabilities" for them)."""

import importlib.util
import json
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "dependency_audit.py"
spec = importlib.util.spec_from_file_location("dependency_audit", SCRIPT)
dependency_audit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(dependency_audit)

CLEAN = {"name": "django", "version": "5.2.19", "vulns": []}
ADVISORY = {"id": "PYSEC-2099-1", "fix_versions": ["1.1"], "aliases": [], "description": "bad"}
VULNERABLE = {"name": "oldlib", "version": "1.0", "vulns": [ADVISORY]}
SKIPPED = {"name": "amqp", "skip_reason": "Dependency not found on PyPI and could not be audited"}


@pytest.fixture
def pip_audit_says(monkeypatch):
    def answer(*by_service: list):
        replies = iter(by_service)

        def run(command, **kwargs):
            body = {"dependencies": next(replies), "fixes": []}
            return subprocess.CompletedProcess(command, 0, json.dumps(body), "")

        monkeypatch.setattr(dependency_audit.subprocess, "run", run)

    return answer


def test_every_package_checked_and_clean_passes(pip_audit_says, capsys):
    pip_audit_says([CLEAN])
    assert dependency_audit.main(["requirements/base.txt"]) == 0
    assert "every pinned package checked" in capsys.readouterr().out


def test_a_known_vulnerability_fails(pip_audit_says, capsys):
    pip_audit_says([CLEAN, VULNERABLE])
    assert dependency_audit.main(["requirements/base.txt"]) == 1
    assert "VULNERABLE oldlib 1.0: PYSEC-2099-1 (fixed in 1.1)" in capsys.readouterr().out


def test_unchecked_packages_are_reported_as_not_audited(pip_audit_says, capsys, monkeypatch):
    pip_audit_says([CLEAN, SKIPPED], [SKIPPED, SKIPPED])  # PyPI's service, then OSV's
    assert dependency_audit.main(["requirements/base.txt"]) == 0
    out = capsys.readouterr().out
    assert "1 of 2 packages audited" in out and "NOT AUDITED: 1 packages" in out
    assert "INCOMPLETE" in out and "passed" not in out

    monkeypatch.setenv("AUDIT_REQUIRE_SERVICE", "1")
    pip_audit_says([CLEAN, SKIPPED], [SKIPPED, SKIPPED])
    assert dependency_audit.main(["requirements/base.txt"]) == 1


def test_a_failing_pip_audit_is_not_a_pass(monkeypatch, capsys):
    def broken(command, **kwargs):
        return subprocess.CompletedProcess(command, 1, "", "ConnectionError: no route\n")

    monkeypatch.setattr(dependency_audit.subprocess, "run", broken)
    assert dependency_audit.main(["requirements/base.txt"]) == 0
    assert "pip-audit failed: ConnectionError: no route" in capsys.readouterr().out
    monkeypatch.setenv("AUDIT_REQUIRE_SERVICE", "1")
    assert dependency_audit.main(["requirements/base.txt"]) == 1
