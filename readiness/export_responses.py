"""HTTP responses for the open-data files, shared by the public pages and the API."""

from django.http import Http404, HttpResponse, StreamingHttpResponse

from readiness import exports

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


def dataset_response(assessment_round, dataset: str, extension: str) -> HttpResponse:
    """One dataset as a download; 404 for an unknown dataset or format."""
    if dataset not in exports.DATASETS or extension not in exports.FORMATS:
        raise Http404
    table = exports.DATASETS[dataset](assessment_round)
    if extension == "csv":
        response = StreamingHttpResponse(
            exports.csv_lines(table), content_type=CONTENT_TYPES["csv"]
        )
    elif extension == "xlsx":
        response = HttpResponse(exports.xlsx_bytes(table), content_type=CONTENT_TYPES["xlsx"])
    else:
        response = HttpResponse(exports.json_bytes(table), content_type=CONTENT_TYPES["json"])
    filename = f"article6-{assessment_round.slug}-{dataset}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def data_package_response(assessment_round) -> HttpResponse:
    response = HttpResponse(exports.data_package(assessment_round), content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="article6-{assessment_round.slug}-data-package.zip"'
    )
    return response
