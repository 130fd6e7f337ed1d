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


def _tracked_model_names() -> set[str]:
    from django.apps import apps

    return {
        model.__name__
        for model in apps.get_models()
        if hasattr(model, "history") and not model.__name__.startswith("Historical")
    }


def _root_name(node) -> str | None:
    """The name at the start of a call chain such as Model.objects.filter(...).update(...)."""
    import ast

    while isinstance(node, ast.Attribute | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def test_no_history_bypassing_writes_on_tracked_models():
    """django-simple-history records nothing for queryset.update(), bulk_update() or a plain
    bulk_create(); tracked models are written through readiness/history.py only."""
    import ast

    tracked = _tracked_model_names()
    offenders = []
    for path in tracked_files():
        relative = path.relative_to(ROOT)
        if (
            path.suffix != ".py"
            or relative.parts[0] in {"tests", "bench", "scripts"}
            or "migrations" in relative.parts
            or relative == Path("readiness/history.py")
        ):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr in {"update", "bulk_update", "bulk_create", "update_or_create"}:
                root = _root_name(node.func.value)
                if root in tracked:
                    offenders.append(f"{relative}:{node.lineno} {root}….{node.func.attr}()")
    assert not offenders, offenders
    assert {"Party", "AssessmentRound", "GradeBand", "User"} <= tracked


# Where the client address comes from: readiness/client_ip.py alone reads it, through
# TRUSTED_PROXY_COUNT. (DRF's NUM_PROXIES, a second answer, once let a client pick its own
# throttle key with a forged X-Forwarded-For.)
CLIENT_ADDRESS_SOURCES = ("REMOTE_ADDR", "X_FORWARDED_FOR", "NUM_PROXIES")


def _docstrings(tree) -> set[int]:
    import ast

    return {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }


def test_only_the_client_ip_module_reads_the_client_address():
    import ast

    offenders = []
    for path in tracked_files():
        relative = path.relative_to(ROOT)
        if path.suffix != ".py" or relative.parts[0] == "tests":
            continue
        if relative == Path("readiness/client_ip.py"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = _docstrings(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            if id(node) in docstrings:
                continue
            text = node.value.upper().replace("-", "_")
            offenders += [
                f"{relative}:{node.lineno} {node.value!r}"
                for source in CLIENT_ADDRESS_SOURCES
                if source in text
            ]
    assert not offenders, offenders
    assert "REMOTE_ADDR" in (ROOT / "readiness/client_ip.py").read_text()  # the rule has a target
