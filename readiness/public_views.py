"""The public results: overview with the world map, the Party table, Party profiles, key
findings and open data. Unpublished rounds are shown to staff as a marked preview."""

from django import forms
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from readiness import export_responses, results, results_cache, selectors
from readiness.findings import findings
from readiness.models import Region
from readiness.results import bands_of, pillars_of


def latest(request: HttpRequest) -> HttpResponse:
    assessment_round = results.latest_public_round()
    if assessment_round is None:
        raise Http404
    return redirect("results-overview", slug=assessment_round.slug)


def _context(request, slug: str, **extra) -> dict:
    assessment_round, preview = results.results_round(request.user, slug)
    return {"round": assessment_round, "preview": preview, **extra}


def _page(
    request,
    slug: str,
    page: str,
    build,
    vary: str = "",
    other_rounds: bool = False,
    **extra,
) -> HttpResponse:
    """The page `results/<page>.html` around its content, `results/_<page>.html` rendered
    with the context `build(context)` completes. The public's copies come from the cache
    (readiness/results_cache.py); the round is looked up only when the page is drawn."""

    def render_page(**shell) -> str:
        context = _context(request, slug, **extra)

        def render_content() -> str:
            return render_to_string(f"results/_{page}.html", build(dict(context)), request)

        content = results_cache.page_content(
            request, context["round"], context["preview"], page, render_content, vary,
            other_rounds=other_rounds,
        )  # fmt: skip
        return render_to_string(
            f"results/{page}.html", {**context, "content": content, **shell}, request
        )

    return results_cache.page_response(request, slug, page, render_page, other_rounds=other_rounds)


def overview(request: HttpRequest, slug: str) -> HttpResponse:
    return _page(request, slug, "overview", _overview_context)


def _overview_context(context: dict) -> dict:
    context["overview"] = results.overview(context["round"])
    context["view_box"] = results.world_map()["viewBox"]
    context["unassigned_shapes"] = results.world_map()["unassigned"]
    context["datasets"] = [
        ("party-results", _("Results per Party")),
        ("aggregates", _("ASR and grade counts by region and grouping")),
        ("evidence", _("Evidence register (approved, non-confidential)")),
        ("methodology", _("Methodology")),
    ]
    return context


class PartyTableForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=80)
    grade = forms.ChoiceField(label=_("Grade"), required=False)
    region = forms.ChoiceField(
        label=_("Region"), required=False, choices=[("", _("All regions")), *Region.choices]
    )
    grouping = forms.ChoiceField(label=_("Grouping"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False)

    def __init__(self, *args, bands, pillars, groupings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = [("", _("All grades"))] + [
            (band.grade, f"{band.grade} · {band.label}") for band in bands
        ]
        self.fields["grouping"].choices = [("", _("All groupings"))] + [
            (g.code, g.name) for g in groupings
        ]
        self.fields["sort"].choices = [
            ("total", _("Total rate, highest first")),
            ("-total", _("Total rate, lowest first")),
            ("name", _("Name (A–Z)")),
            ("-name", _("Name (Z–A)")),
            ("grade", _("Grade")),
            ("region", _("Region")),
        ] + [(f"pillar:{p.code}", _("%(pillar)s rate") % {"pillar": p.name}) for p in pillars]


TABLE_PARAMETERS = ("q", "grade", "region", "grouping", "sort", "level", "fact")


def parties(request: HttpRequest, slug: str) -> HttpResponse:
    # Only the table's own parameters count (a stray one neither changes the page nor makes
    # another cache entry).
    query = QueryDict(mutable=True)
    for name in TABLE_PARAMETERS:
        if name in request.GET:
            query.setlist(name, request.GET.getlist(name))
    return _page(request, slug, "parties", _parties_context, vary=query.urlencode(), query=query)


def _parties_context(context: dict) -> dict:
    assessment_round, query = context["round"], context.pop("query")
    bands, pillars = bands_of(assessment_round), pillars_of(assessment_round)
    listed = selectors.listed_parties(assessment_round)  # the round's groupings, as it shows them
    form = PartyTableForm(
        query or None, bands=bands, pillars=pillars, groupings=selectors.round_groupings(listed)
    )
    filters = form.cleaned_data if form.is_valid() else {}
    level_filter, fact_filter = query.get("level", ""), query.get("fact", "")
    rows = results.party_table(
        assessment_round,
        grade=filters.get("grade", ""),
        region=filters.get("region", ""),
        grouping=filters.get("grouping", ""),
        search=filters.get("q", ""),
        sort=filters.get("sort") or "total",
        level=level_filter,
        fact=fact_filter,
        listed=listed,
    )
    query = query.copy()
    query.pop("sort", None)
    context.update(
        form=form,
        rows=rows,
        pillars=pillars,
        level_filter=level_filter,
        fact_filter=fact_filter,
        bands=bands,
        query_without_sort=query.urlencode(),
        current_sort=filters.get("sort") or "total",
    )
    return context


def profile(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    # The Party as the round shows it (its snapshot once published), looked up only when the
    # page is drawn: a cached page was drawn for a member Party. Membership changes move the
    # round's evidence version, hence the cache key.
    party = SimpleLazyObject(
        lambda: results.member(results.results_round(request.user, slug)[0], code)
    )

    def build(context: dict) -> dict:
        context["profile"] = results.profile(request.user, context["round"], party)
        return context

    return _page(request, slug, "profile", build, vary=code, other_rounds=True, party=party)


def key_findings(request: HttpRequest, slug: str) -> HttpResponse:
    return _page(request, slug, "findings", _findings_context)


def _findings_context(context: dict) -> dict:
    context["findings"] = findings(context["round"])
    return context


def download(request: HttpRequest, slug: str, dataset: str, extension: str) -> HttpResponse:
    return export_responses.dataset_response(_context(request, slug)["round"], dataset, extension)


def data_package(request: HttpRequest, slug: str) -> HttpResponse:
    return export_responses.data_package_response(_context(request, slug)["round"])
