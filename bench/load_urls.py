"""bench/load.py's URL configuration: the project's own, plus a minimal view measured beside
the pages (the ratio of their throughputs is the figure). Not routable in a deployment, which
uses readiness.urls."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from readiness.urls import handler404, handler500  # noqa: F401  (the root URLconf's handlers)


def minimal(request: HttpRequest) -> HttpResponse:
    """The least a Django view can do: the whole middleware stack, no query, no template."""
    return HttpResponse(b"ok\n", content_type="text/plain")


urlpatterns = [
    path("bench/minimal/", minimal, name="bench-minimal"),
    path("", include("readiness.urls")),
]
