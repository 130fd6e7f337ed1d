"""The Swagger UI under the Content-Security-Policy: drf-spectacular's split view serves the
start-up script from the same URL with `?script` (a file as far as the browser is concerned)
instead of inline, and our template moves the page's few inline style rules to a stylesheet."""

from drf_spectacular.views import SpectacularSwaggerSplitView


class SwaggerDocsView(SpectacularSwaggerSplitView):
    template_name = "drf_spectacular/swagger_ui_no_inline.html"
