"""`manage.py check_documents`: the restore check that every document is back, unchanged."""

import pytest
from django.core.management import CommandError, call_command

from tests.factories import make_document, make_evidence

pytestmark = pytest.mark.django_db


@pytest.fixture
def documents(settings, tmp_path, open_round, party, focal_point):
    settings.MEDIA_ROOT = tmp_path
    evidence = make_evidence(assessment_round=open_round, party=party, author=focal_point)
    return [make_document(evidence, focal_point, name=f"note-{n}.txt") for n in range(3)]


def test_every_document_present_and_unchanged_passes(documents, capsys):
    call_command("check_documents")
    assert "3 documents checked: 0 missing, 0 changed." in capsys.readouterr().out


def test_a_missing_and_a_changed_file_are_named_and_fail_the_command(documents, capsys):
    first, second, _ = documents
    first.file.storage.delete(first.file.name)
    with open(second.file.path, "ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(CommandError, match="3 documents checked: 1 missing, 1 changed."):
        call_command("check_documents")
    errors = capsys.readouterr().err
    assert f"missing: document #{first.pk} {first.file.name} (note-0.txt" in errors
    assert f"changed: document #{second.pk}" in errors
