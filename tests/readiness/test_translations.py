import gettext
import re
from pathlib import Path

from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"


def _unescape(text: str) -> str:
    escapes = {"n": "\n", "t": "\t"}
    return re.sub(r"\\(.)", lambda match: escapes.get(match.group(1), match.group(1)), text)


def po_entries() -> dict[str, str]:
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    entries = {}
    for block in text.split("\n\n"):
        if "#, fuzzy" in block:
            entries[f"fuzzy:{block[:60]}"] = ""
        match = re.search(r'^msgid ((?:".*"\n?)+)msgstr(?:\[0\])? ((?:".*"\n?)+)', block, re.M)
        if match:
            msgid = _unescape("".join(re.findall(r'"(.*)"', match.group(1))))
            entries[msgid] = _unescape("".join(re.findall(r'"(.*)"', match.group(2))))
    entries.pop("", None)  # the header
    return entries


def test_every_interface_string_has_a_chinese_translation():
    untranslated = [msgid for msgid, msgstr in po_entries().items() if not msgstr]
    assert not untranslated


def test_the_compiled_catalogue_matches_the_source():
    with open(LOCALE / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [
        msgid
        for msgid, msgstr in po_entries().items()
        if "%(counter)s" not in msgid and compiled.gettext(msgid) != msgstr
    ]
    assert not stale, "run `make messages` to recompile locale/zh_Hans"


def test_chinese_is_active_for_zh_hans():
    with translation.override("zh-hans"):
        assert translation.gettext("Parties") == "缔约方"


def test_the_catalogue_holds_every_string_of_the_code(tmp_path, monkeypatch, settings):
    """The catalogue is extracted afresh from the code (as `make messages` does) into a copy:
    a string added to the code without its Chinese is caught here, not by a reader. Python code
    is linked into a folder of the test's own and the templates are copied (makemessages
    writes a temporary .py beside each template it reads), so nothing is written to the tree."""
    import shutil

    from django.core.management import call_command

    root = LOCALE.parents[2]
    for name in ("readiness", "submissions", "reviews"):
        (tmp_path / name).symlink_to(root / name)
    shutil.copytree(root / "templates", tmp_path / "templates")
    shutil.copytree(root / "locale", tmp_path / "locale")
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(tmp_path)
    call_command("makemessages", locale=["zh_Hans"], no_obsolete=True, symlinks=True,
                 verbosity=0)  # fmt: skip
    copy = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES"
    monkeypatch.setattr("tests.readiness.test_translations.LOCALE", copy)
    missing = [msgid for msgid, msgstr in po_entries().items() if not msgstr]
    assert not missing, "run `make messages` and translate these"
