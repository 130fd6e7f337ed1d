"""Round admins' methodology editor: pillars, sub-pillars, levels, facts and grade bands of a
draft round, with the methodology check and the preview against the previous round. After
draft the pages are read-only and the services refuse edits (RoundLocked)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from readiness import policy, selectors, services
from readiness.exceptions import DomainError
from readiness.methodology_checks import methodology_problems, preview_against_previous
from readiness.methodology_forms import (
    BandFormSet,
    FactFieldForm,
    LevelFormSet,
    PillarForm,
    SubPillarForm,
)
from readiness.models import AssessmentRound, FactField, Pillar, SubPillar
from readiness.views import round_for_user
from submissions.forms import apply_service_errors

# kind in the address -> (model, form, the parent's model and field, how rows reach the round)
KINDS = {
    "pillar": (Pillar, PillarForm, None, None, "round"),
    "sub-pillar": (SubPillar, SubPillarForm, Pillar, "pillar", "pillar__round"),
    "fact": (FactField, FactFieldForm, SubPillar, "sub_pillar", "sub_pillar__pillar__round"),
}


def _admin_round(request: HttpRequest, slug: str) -> AssessmentRound:
    """The round, for round admins only: 'not found' for those who may not see it, 'forbidden'
    for the others."""
    assessment_round = round_for_user(request.user, slug)
    if not policy.can_manage_rounds(request.user):
        raise PermissionDenied
    return assessment_round


def _kind(kind: str):
    if kind not in KINDS:
        raise Http404
    return KINDS[kind]


def _row(assessment_round, model, path: str, pk) -> object:
    return get_object_or_404(model, pk=pk, **{path: assessment_round})


def _overview_url(assessment_round) -> str:
    return reverse("methodology-edit", args=[assessment_round.slug])


def _refused(form, error: Exception) -> int:
    """Puts a service's refusal on the form; returns the HTTP status to answer with."""
    if isinstance(error, ValidationError):
        apply_service_errors(form, error)
        return 400
    form.add_error(None, error.message)
    return 409


@login_required
def methodology_edit(request: HttpRequest, slug: str) -> HttpResponse:
    assessment_round = _admin_round(request, slug)
    editable = policy.can_edit_methodology(request.user, assessment_round)
    context = {
        "round": assessment_round,
        "editable": editable,
        "pillars": selectors.pillars_with_methodology(assessment_round),
        "bands": selectors.grade_bands(assessment_round),
        "problems": methodology_problems(assessment_round) if editable else [],
        "preview": preview_against_previous(assessment_round) if editable else None,
    }
    return render(request, "readiness/methodology/overview.html", context)


def _item_page(request, assessment_round, kind: str, form, *, item=None, parent=None, status=200):
    context = {
        "round": assessment_round,
        "editable": policy.can_edit_methodology(request.user, assessment_round),
        "kind": kind,
        "form": form,
        "item": item,
        "parent": parent,
    }
    if isinstance(item, SubPillar):
        context["levels"] = item.levels.order_by("score")
        context["facts"] = item.facts.order_by("order", "key")
    return render(request, "readiness/methodology/item.html", context, status=status)


def _save_item(request: HttpRequest, form) -> tuple[object | None, int]:
    """Saves the form's item through the service on a valid POST: (saved item, HTTP status)."""
    if request.method != "POST":
        return None, 200
    if not form.is_valid():
        return None, 400
    try:
        return services.methodology_item_save(actor=request.user, item=form.instance), 200
    except (ValidationError, DomainError) as error:
        return None, _refused(form, error)


@login_required
def methodology_item_add(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    assessment_round = _admin_round(request, slug)
    model, form_class, parent_model, parent_field, _path = _kind(kind)
    parent = None
    if parent_model is not None:
        parent_path = KINDS["pillar" if parent_model is Pillar else "sub-pillar"][4]
        parent_id = request.GET.get("parent", "")
        if not parent_id.isdigit():
            raise Http404
        parent = _row(assessment_round, parent_model, parent_path, parent_id)
    item = model(**({parent_field: parent} if parent else {"round": assessment_round}))
    form = form_class(request.POST or None, instance=item)
    saved, status = _save_item(request, form)
    if saved:
        messages.success(request, _("“%(item)s” added.") % {"item": saved})
        return redirect(_after_save(assessment_round, saved))
    return _item_page(request, assessment_round, kind, form, parent=parent, status=status)


@login_required
def methodology_item_edit(request: HttpRequest, slug: str, kind: str, pk: int) -> HttpResponse:
    assessment_round = _admin_round(request, slug)
    model, form_class, _parent_model, parent_field, path = _kind(kind)
    item = _row(assessment_round, model, path, pk)
    form = form_class(request.POST or None, instance=item)
    saved, status = _save_item(request, form)
    if saved:
        messages.success(request, _("“%(item)s” saved.") % {"item": saved})
        return redirect(_after_save(assessment_round, saved))
    parent = getattr(item, parent_field) if parent_field else None
    return _item_page(
        request, assessment_round, kind, form, item=item, parent=parent, status=status
    )


def _after_save(assessment_round, item) -> str:
    if isinstance(item, SubPillar):
        return reverse("methodology-item-edit", args=[assessment_round.slug, "sub-pillar", item.pk])
    if isinstance(item, FactField):
        return reverse(
            "methodology-item-edit", args=[assessment_round.slug, "sub-pillar", item.sub_pillar_id]
        )
    return _overview_url(assessment_round)


@require_POST
@login_required
def methodology_item_delete(request: HttpRequest, slug: str, kind: str, pk: int) -> HttpResponse:
    assessment_round = _admin_round(request, slug)
    model, _form, _parent_model, parent_field, path = _kind(kind)
    item = _row(assessment_round, model, path, pk)
    label = str(item)
    back = (
        reverse("methodology-item-edit", args=[slug, "sub-pillar", item.sub_pillar_id])
        if isinstance(item, FactField)
        else _overview_url(assessment_round)
    )
    try:
        services.methodology_item_delete(actor=request.user, item=item)
        messages.success(request, _("“%(item)s” removed.") % {"item": label})
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(back)


def _rows_page(request, assessment_round, template, formset, refusals, status, **extra):
    context = {
        "round": assessment_round,
        "editable": policy.can_edit_methodology(request.user, assessment_round),
        "formset": formset,
        "refusals": refusals,
        **extra,
    }
    return render(request, template, context, status=status)


def _save_rows(formset, save) -> tuple[list[str], int]:
    """Validates the rows and saves them through `save`; returns (refusals, HTTP status)."""
    if not formset.is_valid():
        return [], 400
    try:
        save(formset.rows())
        return [], 302
    except ValidationError as error:
        return error.messages, 400
    except DomainError as error:
        return [error.message], 409


@login_required
def methodology_levels(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    assessment_round = _admin_round(request, slug)
    sub_pillar = _row(assessment_round, SubPillar, "pillar__round", pk)
    initial = [
        {"score": level.score, "label_en": level.label_en, "label_zh": level.label_zh}
        for level in sub_pillar.levels.order_by("score")
    ]
    formset = LevelFormSet(request.POST or None, initial=initial, prefix="levels")
    refusals, status = [], 200
    if request.method == "POST":
        refusals, status = _save_rows(
            formset,
            lambda rows: services.methodology_levels_set(
                actor=request.user, sub_pillar=sub_pillar, levels=rows
            ),
        )
        if status == 302:
            messages.success(request, _("Levels of %(code)s saved.") % {"code": sub_pillar.code})
            return redirect("methodology-item-edit", slug=slug, kind="sub-pillar", pk=pk)
    template = "readiness/methodology/levels.html"
    return _rows_page(
        request, assessment_round, template, formset, refusals, status, sub_pillar=sub_pillar
    )


@login_required
def methodology_bands(request: HttpRequest, slug: str) -> HttpResponse:
    assessment_round = _admin_round(request, slug)
    initial = [
        {
            "grade": band.grade,
            "label_en": band.label_en,
            "label_zh": band.label_zh,
            "min_total_rate": band.min_total_rate,
            "min_pillar_rate": band.min_pillar_rate,
        }
        for band in selectors.grade_bands(assessment_round)
    ]
    formset = BandFormSet(request.POST or None, initial=initial, prefix="bands")
    refusals, status = [], 200
    if request.method == "POST":
        refusals, status = _save_rows(
            formset,
            lambda rows: services.methodology_bands_set(
                actor=request.user, assessment_round=assessment_round, bands=rows
            ),
        )
        if status == 302:
            messages.success(request, _("Grade bands saved."))
            return redirect("methodology-edit", slug=slug)
    template = "readiness/methodology/bands.html"
    return _rows_page(request, assessment_round, template, formset, refusals, status)
