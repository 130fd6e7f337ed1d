"""One JSON error shape for every API error:

    {"error": {"status": 409, "code": "conflict", "message": "...", "fields": {"name": ["..."]}}}

Service refusals map to statuses: Conflict → 409, RoundLocked / InvalidTransition → 409 (the
object's state forbids it), Django's ValidationError → 400 with the fields, PermissionDenied →
403, a missing or hidden object → 404."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from readiness.exceptions import DomainError


def _body(status_code: int, code: str, message: str, fields: dict | None = None) -> dict:
    error = {"status": status_code, "code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def error_response(status_code: int, code: str, message: str) -> JsonResponse:
    """The same shape for refusals made outside DRF (e.g. by a middleware)."""
    return JsonResponse(_body(status_code, code, message), status=status_code)


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The file is larger than the upload limit."
    default_code = "too_large"


def api_exception_handler(error, context):
    if isinstance(error, DomainError):
        return Response(_body(409, "conflict", error.message), status=status.HTTP_409_CONFLICT)
    if isinstance(error, DjangoValidationError):
        fields = error.message_dict if hasattr(error, "error_dict") else None
        message = " ".join(error.messages)
        return Response(_body(400, "invalid", message, fields), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(error, Http404):
        error = exceptions.NotFound()
    if isinstance(error, PermissionDenied):
        error = exceptions.PermissionDenied(str(error) or None)
    response = exception_handler(error, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and set(data) == {"detail"}:
        code = getattr(data["detail"], "code", "error")
        response.data = _body(response.status_code, code, str(data["detail"]))
    else:
        response.data = _body(response.status_code, "invalid", "The request is not valid.", data)
    return response


def is_api_request(request) -> bool:
    return request.path.startswith("/api/")


def bad_request(request, exception):
    """Django's 400 (a SuspiciousOperation: too many fields, a bad Host...) in the API's shape
    under /api/."""
    if is_api_request(request):
        return error_response(400, "bad_request", "The request is not valid.")
    return defaults.bad_request(request, exception)


def not_found(request, exception):
    """Django's 404 (a URL that matches no route) in the API's shape under /api/."""
    if is_api_request(request):
        return error_response(404, "not_found", "Not found.")
    return defaults.page_not_found(request, exception)


def server_error(request):
    if is_api_request(request):
        return error_response(500, "server_error", "Server error.")
    return defaults.server_error(request)
