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
