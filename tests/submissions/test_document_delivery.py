"""How a permitted download is delivered: streamed by Django, handed to nginx with
X-Accel-Redirect, or redirected to a presigned URL of an S3-compatible bucket. The permission
check comes first in every mode."""

import os
import subprocess
import sys
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from readiness.storage_config import document_storage
from submissions.services import document_add
from tests.factories import make_evidence
from tests.submissions.sample_files import make_pdf

pytestmark = pytest.mark.django_db

PDF = make_pdf()
S3_ENV = {
    "DOCUMENTS_STORAGE": "s3",
    "S3_BUCKET": "evidence",
    "S3_ENDPOINT_URL": "http://objects.invalid:9000",
    "S3_REGION": "eu-central-1",
    "S3_ACCESS_KEY_ID": "AKIAEXAMPLE",
    "S3_SECRET_ACCESS_KEY": "not-a-real-secret",
    "S3_ADDRESSING_STYLE": "path",
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def document(open_round, party, focal_point):
    evidence = make_evidence(assessment_round=open_round, party=party, author=focal_point)
    return document_add(
        actor=focal_point,
        evidence=evidence,
        uploaded_file=SimpleUploadedFile("Décret n°12.pdf", PDF),
    )


def download(client, user, document):
    client.force_login(user)
    return client.get(reverse("document-download", args=[document.pk]))


def test_without_a_proxy_django_streams_the_file(client, focal_point, document):
    response = download(client, focal_point, document)
    assert response.status_code == 200
    assert "X-Accel-Redirect" not in response
    assert b"".join(response.streaming_content) == PDF


def test_behind_nginx_the_view_hands_the_file_over_with_x_accel_redirect(
    client, focal_point, document, settings
):
    settings.DOCUMENTS_INTERNAL_REDIRECT_PREFIX = "/protected-documents/"
    response = download(client, focal_point, document)
    assert response.status_code == 200
    assert response.content == b""
    assert response["X-Accel-Redirect"] == f"/protected-documents/{document.file.name}"
    assert document.file.name.startswith("documents/") and document.file.name.endswith(".pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''D%C3%A9cret%20n%C2%B012.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


def test_behind_nginx_the_permission_check_still_comes_first(
    client, other_focal_point, document, settings
):
    settings.DOCUMENTS_INTERNAL_REDIRECT_PREFIX = "/protected-documents/"
    response = download(client, other_focal_point, document)
    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response


def test_with_a_bucket_the_view_redirects_to_a_short_lived_presigned_url(
    client, focal_point, document, settings
):
    settings.STORAGES = {**settings.STORAGES, "default": document_storage(S3_ENV)}
    settings.DOCUMENTS_STORAGE = "s3"
    settings.S3_PRESIGNED_EXPIRY = 60
    response = download(client, focal_point, document)  # presigning needs no network
    assert response.status_code == 302
    location = urlparse(response["Location"])
    assert (location.scheme, location.netloc) == ("http", "objects.invalid:9000")
    assert location.path == f"/evidence/{document.file.name}"
    query = parse_qs(location.query)
    assert query["X-Amz-Expires"] == ["60"]
    assert query["X-Amz-Signature"]
    assert query["response-content-type"] == ["application/pdf"]
    assert query["response-content-disposition"][0].startswith("attachment;")
    assert "not-a-real-secret" not in response["Location"]
    assert response["Cache-Control"] == "private, no-store"


def test_with_a_bucket_a_stranger_gets_no_link(client, other_focal_point, document, settings):
    settings.STORAGES = {**settings.STORAGES, "default": document_storage(S3_ENV)}
    settings.DOCUMENTS_STORAGE = "s3"
    response = download(client, other_focal_point, document)
    assert response.status_code == 404
    assert "Location" not in response


def test_the_document_storage_is_the_disk_unless_the_environment_names_a_bucket():
    assert document_storage({}) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert document_storage({"DOCUMENTS_STORAGE": "filesystem", "S3_BUCKET": "x"})[
        "BACKEND"
    ].endswith("FileSystemStorage")
    storage = document_storage(S3_ENV)
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"] == {
        "bucket_name": "evidence",
        "default_acl": None,
        "querystring_auth": True,
        "signature_version": "s3v4",
        "endpoint_url": "http://objects.invalid:9000",
        "region_name": "eu-central-1",
        "access_key": "AKIAEXAMPLE",
        "secret_key": "not-a-real-secret",
        "addressing_style": "path",
    }


def test_a_bucket_without_a_name_or_an_unknown_storage_refuses_to_start():
    with pytest.raises(ImproperlyConfigured, match="S3_BUCKET"):
        document_storage({"DOCUMENTS_STORAGE": "s3"})
    with pytest.raises(ImproperlyConfigured, match="DOCUMENTS_STORAGE"):
        document_storage({"DOCUMENTS_STORAGE": "ftp"})


def test_the_production_settings_read_the_storage_from_the_environment():
    """A fresh interpreter with the S3 variables set gets the S3 backend for documents and
    keeps WhiteNoise for static files."""
    code = (
        "import django; django.setup();"
        "from django.core.files.storage import storages;"
        "print(type(storages['default']).__name__, storages['default'].bucket_name,"
        " type(storages['staticfiles']).__name__)"
    )
    env = {
        **os.environ,
        **S3_ENV,
        "DJANGO_SETTINGS_MODULE": "readiness.settings_production",
        "SECRET_KEY": "x" * 64,
    }
    output = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert output.split() == ["S3Storage", "evidence", "CompressedManifestStaticFilesStorage"]
