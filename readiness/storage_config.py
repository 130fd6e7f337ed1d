"""Where evidence documents are stored, chosen by environment variables (read by settings.py):
the local disk under MEDIA_ROOT (default) or an S3-compatible bucket through django-storages."""

from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

FILESYSTEM = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
S3_BACKEND = "storages.backends.s3.S3Storage"

# Environment variable → S3Storage option; unset ones are left to django-storages and boto3
# (which then use their own chain: AWS_* variables, instance roles…).
S3_OPTIONS_FROM_ENV = {
    "S3_ENDPOINT_URL": "endpoint_url",  # e.g. https://minio.example.org:9000; unset for AWS
    "S3_REGION": "region_name",
    "S3_ACCESS_KEY_ID": "access_key",
    "S3_SECRET_ACCESS_KEY": "secret_key",
    "S3_PREFIX": "location",  # a folder inside the bucket
    "S3_ADDRESSING_STYLE": "addressing_style",  # "path" for most self-hosted servers
}


def document_storage(env: Mapping[str, str]) -> dict:
    kind = env.get("DOCUMENTS_STORAGE", "") or "filesystem"
    if kind == "filesystem":
        return dict(FILESYSTEM)
    if kind != "s3":
        raise ImproperlyConfigured('DOCUMENTS_STORAGE must be "filesystem" or "s3".')
    bucket = env.get("S3_BUCKET", "")
    if not bucket:
        raise ImproperlyConfigured("DOCUMENTS_STORAGE=s3 needs S3_BUCKET.")
    options = {
        "bucket_name": bucket,
        "default_acl": None,  # objects stay private: readers get presigned links
        "querystring_auth": True,
        "signature_version": "s3v4",
    }
    options.update(
        {option: env[name] for name, option in S3_OPTIONS_FROM_ENV.items() if env.get(name)}
    )
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}
