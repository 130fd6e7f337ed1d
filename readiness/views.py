from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from readiness import policy, selectors, services, two_factor
from readiness.api_tokens.forms import ApiTokenForm
from readiness.api_tokens.selectors import api_tokens_of
from readiness.checklist import publication_checklist
from readiness.exceptions import DomainError
from readiness.explain import explain
from readiness.forms import PartyFilterForm, RoundTransitionForm
from readiness.methodology_checks import methodology_problems, preview_against_previous
from readiness.models import AssessmentRound, Party, PartyResult, RoundStatus
from readiness.results import latest_public_round, member


def round_for_user(user, slug: str) -> AssessmentRound:
    """Fetches a round the user may see; a round they may not see is 'not found'."""
    assessment_round = get_object_or_404(AssessmentRound, slug=slug)
    if not policy.can_view_round(user, assessment_round):
        raise Http404
    return assessment_round


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "latest_public": latest_public_round(),
        "rounds": selectors.round_list(policy.visible_rounds(user)),
        "my_parties": (
            list(policy.parties_for(user).order_by("name_en"))
            if policy.party_codes_for(user)
            else []
        ),
    }
    return render(request, "readiness/home.html", context)


def round_list(request: HttpRequest) -> HttpResponse:
    rounds = selectors.round_list(policy.visible_rounds(request.user))
    return render(request, "readiness/round_list.html", {"rounds": rounds})


def round_detail(request: HttpRequest, slug: str) -> HttpResponse:
    assessment_round = round_for_user(request.user, slug)
    context = {
        "round": assessment_round,
        "pillars": selectors.pillars_with_methodology(assessment_round),
        "bands": selectors.grade_bands(assessment_round),
        "party_count": assessment_round.memberships.count(),
        "can_manage": policy.can_manage_rounds(request.user),
        "transitions": [
            (target, RoundStatus(target).label) for target in assessment_round.allowed_targets()
        ],
        "problems": (
            methodology_problems(assessment_round) if assessment_round.methodology_editable else []
        ),
        "preview": (
            preview_against_previous(assessment_round)
            if assessment_round.methodology_editable
            else None
        ),
        "checklist": (
            publication_checklist(assessment_round)
            if assessment_round.status == RoundStatus.REVIEW and policy.is_staff_role(request.user)
            else None
        ),
    }
    return render(request, "readiness/round_detail.html", context)


@require_POST
def round_transition(request: HttpRequest, slug: str) -> HttpResponse:
    assessment_round = round_for_user(request.user, slug)
    if not policy.can_manage_rounds(request.user):
        raise PermissionDenied
    form = RoundTransitionForm(request.POST)
    if form.is_valid():
        try:
            services.round_transition(
                actor=request.user,
                assessment_round=assessment_round,
                target=form.cleaned_data["target"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(
                request,
                _("The round is now “{status}”.").format(
                    status=assessment_round.get_status_display()
                ),
            )
        except DomainError as error:
            messages.error(request, error.message)
    return redirect("round-detail", slug=assessment_round.slug)


def party_list(request: HttpRequest) -> HttpResponse:
    form = PartyFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    parties = selectors.party_list(
        region=filters.get("region", ""),
        grouping=filters.get("grouping", ""),
        search=filters.get("q", ""),
    ).order_by(form.ordering() if form.is_bound and form.is_valid() else "name_en")
    return render(request, "readiness/party_list.html", {"form": form, "parties": parties})


def party_detail(request: HttpRequest, code: str) -> HttpResponse:
    party = get_object_or_404(Party.objects.prefetch_related("groupings"), code=code.upper())
    rounds = selectors.round_list(policy.visible_rounds(request.user).filter(parties=party))
    results = {
        result.round_id: result
        for result in PartyResult.objects.filter(party=party, round__in=rounds)
    }
    context = {
        "party": party,
        "rounds": rounds,
        "results": [(r, results.get(r.pk)) for r in rounds],
    }
    return render(request, "readiness/party_detail.html", context)


def party_result(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    """Explain this grade: from the grade down to the evidence and the rule behind each score."""
    assessment_round = round_for_user(request.user, slug)
    party = member(assessment_round, code)  # as the round shows it
    context = {
        "round": assessment_round,
        "party": party,
        "explanation": explain(request.user, assessment_round, party),
        "show_reviewers": policy.is_staff_role(request.user),
    }
    return render(request, "readiness/party_result.html", context)


@login_required
def api_token(request: HttpRequest) -> HttpResponse:
    """The user's API tokens: the list (name, created, expires, last used), a form to create
    one (its key shown on the answer to that POST only) and a revoke button per token.
    Reviewers and round admins need a verified two-factor session (tokens themselves are not
    asked for one); TwoFactorMiddleware already ensures it, this keeps the rule next to the
    page."""
    if two_factor.verification_pending(request):
        return redirect(two_factor.step_url(request))

    form, created, status = ApiTokenForm(), None, 200
    if request.method == "POST":
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            try:
                created = services.api_token_create(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    days=form.cleaned_data["days"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                form = ApiTokenForm()
        status = 400 if form.errors else 200
    context = {
        "form": form,
        "tokens": api_tokens_of(request.user),
        "new_token": created[0] if created else None,
        "new_key": created[1] if created else None,
        "max_days": settings.API_TOKEN_DAYS,
    }
    response = render(request, "registration/api_token.html", context, status=status)
    response["Cache-Control"] = "no-store"  # the one page that shows a key must not be kept
    return response


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revokes one of the user's own tokens; anyone else's is "not found"."""
    if two_factor.verification_pending(request):
        return redirect(two_factor.step_url(request))
    token = get_object_or_404(api_tokens_of(request.user), pk=pk)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("The API token “{name}” was revoked.").format(name=token.name))
    return redirect("api-token")


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages that name no icon (the Django admin's)."""
    return redirect(static("favicon.svg"), permanent=True)
