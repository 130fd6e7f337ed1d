"""The response that hands a document to someone the view has already allowed to see it.

Three ways, by deployment:
- files on the local disk, no proxy: streamed by Django;
- files on the local disk behind nginx (`DOCUMENTS_INTERNAL_REDIRECT_PREFIX` set): an empty
  response whose `X-Accel-Redirect` header tells nginx which internal location to serve, so a
  25 MB download does not hold a gunicorn worker;
- files in an S3-compatible bucket (`DOCUMENTS_STORAGE=s3`): a redirect to a presigned URL
  valid for `S3_PRESIGNED_EXPIRY` seconds, which itself asks the bucket for the attachment
  name and type. The bucket stays private; the link is useless once it expires.
"""

from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header

NO_STORE = "private, no-store"


def document_response(document) -> HttpResponse:
    if settings.DOCUMENTS_STORAGE == "s3":
        return _presigned_redirect(document)
    if settings.DOCUMENTS_INTERNAL_REDIRECT_PREFIX:
        return _internal_redirect(document)
    return _streamed(document)


def _protect(response: HttpResponse) -> HttpResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = NO_STORE
    return response


def _streamed(document) -> HttpResponse:
    return _protect(
        FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.original_name,
            content_type=document.content_type,
        )
    )


def _internal_redirect(document) -> HttpResponse:
    prefix = settings.DOCUMENTS_INTERNAL_REDIRECT_PREFIX.rstrip("/") + "/"
    response = HttpResponse(content_type=document.content_type)
    response["X-Accel-Redirect"] = prefix + quote(document.file.name)
    response["Content-Disposition"] = content_disposition_header(True, document.original_name)
    return _protect(response)


def _presigned_redirect(document) -> HttpResponse:
    url = document.file.storage.url(
        document.file.name,
        parameters={
            "ResponseContentType": document.content_type,
            "ResponseContentDisposition": content_disposition_header(True, document.original_name),
            "ResponseCacheControl": NO_STORE,
        },
        expire=settings.S3_PRESIGNED_EXPIRY,
    )
    return _protect(HttpResponseRedirect(url))
