"""Round admins' pages: create a round (from scratch or as a copy), change its Parties, carry
evidence forward, and the publication checklist; plus comparing two rounds' results."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from readiness import methodology_v1, policy, results, services
from readiness.comparison import compare
from readiness.forms import MembershipForm, RoundCreateForm
from readiness.models import Party
from readiness.views import round_for_user
from readiness.web import report_outcome
from submissions.forms import apply_service_errors


def _require_round_admin(user) -> None:
    if not policy.can_manage_rounds(user):
        raise PermissionDenied


@login_required
def round_create(request: HttpRequest) -> HttpResponse:
    _require_round_admin(request.user)
    form = RoundCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        common = {
            "actor": request.user,
            "name": data["name"],
            "slug": data["slug"],
            "data_cutoff": data["data_cutoff"],
            "submission_deadline": data["submission_deadline"],
        }
        try:
            if data["copy_from"]:
                created = services.round_copy(
                    previous=data["copy_from"], exclude=data["exclude"], **common
                )
            else:
                excluded = {party.pk for party in data["exclude"]}
                created = services.round_create(
                    parties=[p for p in Party.objects.order_by("code") if p.pk not in excluded],
                    **common,
                )
                services.methodology_load(
                    actor=request.user,
                    assessment_round=created,
                    definition={"pillars": methodology_v1.PILLARS, "bands": methodology_v1.BANDS},
                )
            messages.success(request, _("Round created in draft."))
            return redirect("round-detail", slug=created.slug)
        except ValidationError as error:
            apply_service_errors(form, error)
    status = 400 if form.errors else 200
    return render(request, "readiness/round_form.html", {"form": form}, status=status)


@login_required
def round_membership(request: HttpRequest, slug: str) -> HttpResponse:
    assessment_round = round_for_user(request.user, slug)
    _require_round_admin(request.user)
    form = MembershipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        current = {party.pk: party for party in assessment_round.parties.all()}
        for party in form.cleaned_data["add"]:
            current[party.pk] = party
        for party in form.cleaned_data["remove"]:
            current.pop(party.pk, None)
        done = report_outcome(
            request,
            lambda: services.round_membership_set(
                actor=request.user,
                assessment_round=assessment_round,
                parties=list(current.values()),
                reason=form.cleaned_data["reason"],
            ),
            lambda counts: (
                _("%(added)s added, %(removed)s removed.")
                % {"added": counts[0], "removed": counts[1]}
            ),
        )
        if done:
            return redirect("round-membership", slug=slug)
    context = {
        "round": assessment_round,
        "form": form,
        "members": assessment_round.parties.order_by("name_en"),
    }
    return render(request, "readiness/round_membership.html", context)


@require_POST
@login_required
def round_carry_forward(request: HttpRequest, slug: str) -> HttpResponse:
    assessment_round = round_for_user(request.user, slug)
    _require_round_admin(request.user)
    report_outcome(
        request,
        lambda: services.round_carry_forward(actor=request.user, assessment_round=assessment_round),
        lambda count: (
            _("%(count)s drafts carried over for the focal points to confirm.") % {"count": count}
        ),
    )
    return redirect("round-detail", slug=slug)


def round_compare(request: HttpRequest) -> HttpResponse:
    """Grade transitions and changes between two rounds the visitor may see."""
    visible = list(policy.visible_rounds(request.user).order_by("slug"))
    slugs = [r.slug for r in visible]
    earlier_slug = request.GET.get("from") or (slugs[-2] if len(slugs) > 1 else "")
    later_slug = request.GET.get("to") or (slugs[-1] if slugs else "")
    context = {"rounds": visible, "earlier_slug": earlier_slug, "later_slug": later_slug}
    if earlier_slug and later_slug and earlier_slug != later_slug:
        earlier, _preview = results.results_round(request.user, earlier_slug)
        later, _preview = results.results_round(request.user, later_slug)
        context.update(earlier=earlier, later=later, comparison=compare(earlier, later))
    return render(request, "results/compare.html", context)
