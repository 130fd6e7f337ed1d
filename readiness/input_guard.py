"""Refuses, before any view runs, a request whose address or headers carry a NUL byte.

PostgreSQL's text and jsonb cannot store U+0000 (the one character they refuse), so a NUL that
reaches a lookup or a save makes the database raise and the site answer 500; SQLite stores it,
which is why the suite's default run never saw it. Decoded path, query parameters and header
values are checked; form fields refuse NUL themselves (Django's and DRF's CharField), JSON bodies
are checked by readiness.api_parsers."""

import logging

from django.http import HttpRequest, HttpResponse
from django.views import defaults

from readiness.api_errors import error_response, is_api_request

logger = logging.getLogger("django.security.UnstorableCharacter")

NUL = "\x00"
MESSAGE = "The request contains a NUL character, which is not allowed."


def carries_nul(request: HttpRequest) -> bool:
    if NUL in request.path or NUL in request.path_info:
        return True
    for key, values in request.GET.lists():
        if NUL in key or any(NUL in value for value in values):
            return True
    return any(
        NUL in value for key, value in request.META.items()
        if key.startswith("HTTP_") and isinstance(value, str)
    )  # fmt: skip


class RefuseUnstorableCharacters:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if carries_nul(request):
            logger.warning("Refused a request carrying a NUL character: %r", request.path[:200])
            if is_api_request(request):
                return error_response(400, "invalid", MESSAGE)
            return defaults.bad_request(request, None)
        return self.get_response(request)
