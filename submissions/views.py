from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from readiness import policy
from readiness.exceptions import Conflict, DomainError
from readiness.models import AssessmentRound, Party, SubPillar
from readiness.web import report_outcome
from reviews.selectors import evidence_page_context
from submissions import downloads, import_jobs, imports, selectors, services
from submissions.forms import (
    DocumentForm,
    EvidenceActionForm,
    EvidenceForm,
    ImportForm,
    apply_service_errors,
)
from submissions.models import ImportJob


def _team_party(user, slug: str, code: str) -> tuple[AssessmentRound, Party]:
    """The round and Party of a workspace page; 'not found' unless the user works on it."""
    assessment_round = get_object_or_404(AssessmentRound, slug=slug)
    party = get_object_or_404(Party, code=code.upper())
    if (
        not policy.works_on(user, party.pk)
        or not assessment_round.memberships.filter(party=party).exists()
    ):
        raise Http404
    return assessment_round, party


@login_required
def workspace_index(request: HttpRequest) -> HttpResponse:
    entries = selectors.workspace_entries(request.user)
    return render(request, "submissions/workspace_index.html", {"entries": entries})


@login_required
def workspace_party(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    assessment_round, party = _team_party(request.user, slug, code)
    context = {
        "round": assessment_round,
        "party": party,
        "pillars": selectors.workspace_rows(assessment_round, party),
        "reply_open": assessment_round.reply_open,
    }
    return render(request, "submissions/workspace_party.html", context)


def _save_evidence(request, form: EvidenceForm, save) -> tuple[object | None, int]:
    """Runs `save` with the form's values on a valid POST; returns (result, HTTP status)."""
    if request.method != "POST":
        return None, 200
    if not form.is_valid():
        return None, 400
    try:
        return save(form.service_arguments()), 200
    except ValidationError as error:
        apply_service_errors(form, error)
        return None, 400
    except DomainError as error:
        form.add_error(None, error.message)
        return None, 409 if isinstance(error, Conflict) else 400


@login_required
def evidence_create(request: HttpRequest, slug: str, code: str, sub_pillar: str) -> HttpResponse:
    assessment_round, party = _team_party(request.user, slug, code)
    sub_pillar = get_object_or_404(
        SubPillar.objects.prefetch_related("levels", "facts"),
        pillar__round=assessment_round,
        code=sub_pillar,
    )
    form = EvidenceForm(request.POST or None, sub_pillar=sub_pillar)
    evidence, status = _save_evidence(
        request,
        form,
        lambda arguments: services.evidence_create(
            actor=request.user,
            assessment_round=assessment_round,
            party=party,
            sub_pillar=sub_pillar,
            **arguments,
        ),
    )
    if evidence:
        messages.success(request, _("Draft saved. Add documents, then submit it."))
        return redirect("evidence-detail", pk=evidence.pk)
    context = {"form": form, "round": assessment_round, "party": party, "sub_pillar": sub_pillar}
    return render(request, "submissions/evidence_form.html", context, status=status)


def evidence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = selectors.evidence_for_user(request.user, pk)
    context = evidence_page_context(request.user, evidence)
    context["document_form"] = DocumentForm()
    return render(request, "submissions/evidence_detail.html", context)


@login_required
def evidence_edit(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = selectors.evidence_for_user(request.user, pk)
    if not policy.can_edit_evidence(request.user, evidence):
        raise Http404
    sub_pillar = SubPillar.objects.prefetch_related("levels", "facts").get(
        pk=evidence.sub_pillar_id
    )
    form = EvidenceForm(
        request.POST or None, sub_pillar=sub_pillar, initial=EvidenceForm.initial_from(evidence)
    )
    saved, status = _save_evidence(
        request,
        form,
        lambda arguments: services.evidence_update(
            actor=request.user,
            evidence=evidence,
            expected_version=form.cleaned_data["expected_version"],
            **arguments,
        ),
    )
    if saved:
        messages.success(request, _("Changes saved."))
        return redirect("evidence-detail", pk=evidence.pk)
    context = {
        "form": form,
        "evidence": evidence,
        "round": evidence.round,
        "party": evidence.party,
        "sub_pillar": sub_pillar,
    }
    return render(request, "submissions/evidence_form.html", context, status=status)


def _run_action(request, evidence, action, success_message: str) -> HttpResponse:
    report_outcome(request, action, success_message)
    return redirect("evidence-detail", pk=evidence.pk)


@require_POST
@login_required
def evidence_submit(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = selectors.evidence_for_user(request.user, pk)
    form = EvidenceActionForm(request.POST)
    form.is_valid()
    return _run_action(
        request,
        evidence,
        lambda: services.evidence_submit(
            actor=request.user,
            evidence=evidence,
            expected_version=form.cleaned_data.get("expected_version"),
        ),
        _("Submitted to the reviewers."),
    )


@require_POST
@login_required
def evidence_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = selectors.evidence_for_user(request.user, pk)
    form = EvidenceActionForm(request.POST)
    form.is_valid()
    return _run_action(
        request,
        evidence,
        lambda: services.evidence_withdraw(
            actor=request.user,
            evidence=evidence,
            expected_version=form.cleaned_data.get("expected_version"),
            reason=form.cleaned_data.get("reason", ""),
        ),
        _("Withdrawn."),
    )


@require_POST
@login_required
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = selectors.evidence_for_user(request.user, pk)
    form = DocumentForm(
        request.POST, request.FILES, too_large=getattr(request, "upload_too_large", False)
    )
    if form.is_valid():
        try:
            document = services.document_add(
                actor=request.user, evidence=evidence, uploaded_file=form.cleaned_data["file"]
            )
            messages.success(request, _("“{name}” added.").format(name=document.original_name))
            return redirect("evidence-detail", pk=evidence.pk)
        except ValidationError as error:
            form.add_error("file", error.messages)
        except DomainError as error:
            form.add_error(None, error.message)
    context = evidence_page_context(request.user, evidence)
    context["document_form"] = form
    return render(request, "submissions/evidence_detail.html", context, status=400)


def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_for_user(request.user, pk)
    return downloads.document_response(document)


@require_POST
@login_required
def document_delete(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_for_user(request.user, pk)
    evidence = document.evidence
    return _run_action(
        request,
        evidence,
        lambda: services.document_remove(actor=request.user, document=document),
        _("“{name}” removed.").format(name=document.original_name),
    )


def _importer_round(user, slug: str) -> AssessmentRound:
    assessment_round = get_object_or_404(AssessmentRound, slug=slug)
    if not policy.can_view_round(user, assessment_round):
        raise Http404
    if not policy.can_start_import(user):
        raise PermissionDenied
    return assessment_round


@login_required
def evidence_import(request: HttpRequest, slug: str) -> HttpResponse:
    """Upload a filled-in template: all rows are checked, then all saved or none."""
    assessment_round = _importer_round(request.user, slug)
    form = ImportForm(request.POST or None, request.FILES or None)
    outcome, status = None, 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        withdraw_pending = form.cleaned_data["withdraw_pending"]
        rows = imports.count_rows(upload)
        try:
            if rows > settings.EVIDENCE_IMPORT_BACKGROUND_ROWS:
                job = import_jobs.import_job_create(
                    actor=request.user,
                    assessment_round=assessment_round,
                    uploaded_file=upload,
                    rows_total=rows,
                    withdraw_pending=withdraw_pending,
                )
                return redirect("import-job", pk=job.pk)
            outcome = imports.evidence_import(
                actor=request.user,
                assessment_round=assessment_round,
                uploaded_file=upload,
                withdraw_pending=withdraw_pending,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        except DomainError as error:
            form.add_error(None, error.message)
        if outcome and outcome.created:
            messages.success(
                request,
                _("%(count)s pieces of evidence imported and submitted for review.")
                % {"count": outcome.created},
            )
            if outcome.withdrawn:
                messages.info(
                    request,
                    _("%(count)s pieces of evidence that waited for review were withdrawn.")
                    % {"count": outcome.withdrawn},
                )
            return redirect("evidence-import", slug=slug)
    if form.errors or (outcome and outcome.problems):
        status = 400
    context = {
        "round": assessment_round,
        "form": form,
        "outcome": outcome,
        "jobs": selectors.import_jobs_for(request.user, assessment_round),
        "background_rows": settings.EVIDENCE_IMPORT_BACKGROUND_ROWS,
    }
    return render(request, "submissions/import.html", context, status=status)


@login_required
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """A background import's progress, then its result or every problem found. Refreshes
    itself while the job runs (no JavaScript)."""
    job = get_object_or_404(ImportJob.objects.select_related("round", "uploaded_by"), pk=pk)
    if not policy.can_view_import_job(request.user, job):
        raise Http404
    context = {"job": job, "round": job.round, "refresh_seconds": 2 if job.is_running else None}
    return render(request, "submissions/import_job.html", context)


@login_required
def evidence_import_template(request: HttpRequest, slug: str, extension: str) -> HttpResponse:
    assessment_round = _importer_round(request.user, slug)
    if extension == "csv":
        content, content_type = imports.template_csv(assessment_round), "text/csv; charset=utf-8"
    elif extension == "xlsx":
        content = imports.template_xlsx(assessment_round)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise Http404
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="evidence-import-{assessment_round.slug}.{extension}"'
    )
    return response
