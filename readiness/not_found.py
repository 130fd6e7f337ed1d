"""One "not found" answer for every view, in every mode.

Gatekeepers answer 404 both for what does not exist and for what the visitor may not see. With
DEBUG on, Django's technical 404 page prints the exception's message, so a gatekeeper that
raised get_object_or_404's "No AssessmentRound matches the given query." for a missing round and
a bare Http404 for a hidden one told the two apart. This middleware answers every Http404 a view
raises with the same page the production handler draws (readiness.api_errors.not_found), with
no message: the answer cannot depend on why the object was not found. (A URL matching no route
still gets Django's technical page with DEBUG on: it names routes, never objects.)"""

from django.http import Http404, HttpRequest

from readiness.api_errors import not_found


class UniformNotFound:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, Http404):
            return not_found(request, Http404())
        return None
