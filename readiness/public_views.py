"""The public results: overview with the world map, the Party table, Party profiles, key
findings and open data. Unpublished rounds are shown to staff as a marked preview."""

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from readiness import export_responses, results
from readiness.findings import findings
from readiness.models import Grouping, Party, Region
from readiness.results import bands_of, pillars_of


def latest(request: HttpRequest) -> HttpResponse:
    assessment_round = results.latest_public_round()
    if assessment_round is None:
        raise Http404
    return redirect("results-overview", slug=assessment_round.slug)


def _context(request, slug: str, **extra) -> dict:
    assessment_round, preview = results.results_round(request.user, slug)
    return {"round": assessment_round, "preview": preview, **extra}


def overview(request: HttpRequest, slug: str) -> HttpResponse:
    context = _context(request, slug)
    context["overview"] = results.overview(context["round"])
    context["view_box"] = results.world_map()["viewBox"]
    context["unassigned_shapes"] = results.world_map()["unassigned"]
    context["datasets"] = [
        ("party-results", _("Results per Party")),
        ("aggregates", _("ASR and grade counts by region and grouping")),
        ("evidence", _("Evidence register (approved, non-confidential)")),
        ("methodology", _("Methodology")),
    ]
    return render(request, "results/overview.html", context)


class PartyTableForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=80)
    grade = forms.ChoiceField(label=_("Grade"), required=False)
    region = forms.ChoiceField(
        label=_("Region"), required=False, choices=[("", _("All regions")), *Region.choices]
    )
    grouping = forms.ChoiceField(label=_("Grouping"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False)

    def __init__(self, *args, bands, pillars, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = [("", _("All grades"))] + [
            (band.grade, f"{band.grade} · {band.label}") for band in bands
        ]
        self.fields["grouping"].choices = [("", _("All groupings"))] + [
            (g.code, g.name) for g in Grouping.objects.order_by("kind", "order")
        ]
        self.fields["sort"].choices = [
            ("total", _("Total rate, highest first")),
            ("-total", _("Total rate, lowest first")),
            ("name", _("Name (A–Z)")),
            ("-name", _("Name (Z–A)")),
            ("grade", _("Grade")),
            ("region", _("Region")),
        ] + [(f"pillar:{p.code}", _("%(pillar)s rate") % {"pillar": p.name}) for p in pillars]


def parties(request: HttpRequest, slug: str) -> HttpResponse:
    context = _context(request, slug)
    assessment_round = context["round"]
    bands, pillars = bands_of(assessment_round), pillars_of(assessment_round)
    form = PartyTableForm(request.GET or None, bands=bands, pillars=pillars)
    filters = form.cleaned_data if form.is_valid() else {}
    level_filter, fact_filter = request.GET.get("level", ""), request.GET.get("fact", "")
    rows = results.party_table(
        assessment_round,
        grade=filters.get("grade", ""),
        region=filters.get("region", ""),
        grouping=filters.get("grouping", ""),
        search=filters.get("q", ""),
        sort=filters.get("sort") or "total",
        level=level_filter,
        fact=fact_filter,
    )
    query = request.GET.copy()
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
    return render(request, "results/parties.html", context)


def profile(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    context = _context(request, slug)
    party = get_object_or_404(Party, code=code.upper())
    if not context["round"].memberships.filter(party=party).exists():
        raise Http404
    context.update(party=party, profile=results.profile(request.user, context["round"], party))
    return render(request, "results/profile.html", context)


def key_findings(request: HttpRequest, slug: str) -> HttpResponse:
    context = _context(request, slug)
    context["findings"] = findings(context["round"])
    return render(request, "results/findings.html", context)


def download(request: HttpRequest, slug: str, dataset: str, extension: str) -> HttpResponse:
    return export_responses.dataset_response(_context(request, slug)["round"], dataset, extension)


def data_package(request: HttpRequest, slug: str) -> HttpResponse:
    return export_responses.data_package_response(_context(request, slug)["round"])
