from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from readiness import policy, spreadsheet_cells
from readiness.models import Party
from readiness.web import report_outcome
from reviews import audit, queue_fragments, replies, selectors, services
from reviews.forms import (
    AuditFilterForm,
    BulkDecisionForm,
    CommentForm,
    DecisionForm,
    QueueFilterForm,
    ReplyAnswerForm,
    ReplyForm,
    ReplyWindowForm,
    RevokeForm,
)
from reviews.models import Comment, Decision, Reply
from submissions.selectors import evidence_for_user

QUEUE_PAGE_SIZES = (25, 50, 100)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    _require(policy.can_use_review_queue(request.user))
    menus = selectors.queue_menus(request.user)
    form = QueueFilterForm(request.GET or None, menus=menus)
    size = request.GET.get("size", "")
    page_size = int(size) if size.isdigit() and int(size) in QUEUE_PAGE_SIZES else 25
    page = selectors.review_queue_page(
        form.selector_arguments(), page_size=page_size, number=request.GET.get("page"), menus=menus
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "filter_fields": queue_fragments.fields_html(
            request, "reviews/_queue_filter_fields.html", form, query=request.GET.urlencode()
        ),
        # The filters again, as hidden inputs of the bulk-decision form.
        "carried_fields": queue_fragments.fields_html(
            request, "reviews/_queue_carried_fields.html", form, query=request.GET.urlencode()
        ),
        "page": page,
        "query": query.urlencode(),
        "page_sizes": QUEUE_PAGE_SIZES,
        "page_size": page_size,
        "bulk_fields": queue_fragments.fields_html(
            request, "reviews/_queue_bulk_fields.html", BulkDecisionForm
        ),
    }
    return render(request, "reviews/queue.html", context)


@require_POST
@login_required
def review_decide(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = evidence_for_user(request.user, pk)
    form = DecisionForm(request.POST, evidence=evidence)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("evidence-detail", pk=pk)
    report_outcome(
        request,
        lambda: services.review_decide(
            actor=request.user,
            evidence=evidence,
            decision=form.cleaned_data["decision"],
            expected_version=form.cleaned_data["expected_version"],
            awarded_level=form.cleaned_data["awarded_level"],
            comment=form.cleaned_data["comment"],
        ),
        lambda review: _("Decision recorded: {decision}.").format(
            decision=review.get_decision_display()
        ),
    )
    return redirect("evidence-detail", pk=pk)


@require_POST
@login_required
def review_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = evidence_for_user(request.user, pk)
    _require(policy.can_revoke(request.user))
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for revoking this approval."))
    else:
        report_outcome(
            request,
            lambda: services.review_revoke(
                actor=request.user, evidence=evidence, reason=form.cleaned_data["reason"]
            ),
            _("Approval revoked."),
        )
    return redirect("evidence-detail", pk=pk)


@require_POST
@login_required
def comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = evidence_for_user(request.user, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a comment of at most 5000 characters."))
        return redirect("evidence-detail", pk=pk)
    parent = None
    if form.cleaned_data.get("parent"):
        parent = get_object_or_404(Comment, pk=form.cleaned_data["parent"], evidence=evidence)
    report_outcome(
        request,
        lambda: services.comment_add(
            actor=request.user, evidence=evidence, body=form.cleaned_data["body"], parent=parent
        ),
        _("Comment added."),
    )
    return redirect("evidence-detail", pk=pk)


def _selected_items(request: HttpRequest) -> list[tuple[int, int]]:
    """(evidence id, version seen) pairs from `item` values "id:version"."""
    items = []
    for value in request.POST.getlist("item"):
        evidence_id, _sep, version = value.partition(":")
        if evidence_id.isdigit() and version.isdigit():
            items.append((int(evidence_id), int(version)))
    return items


def _bulk_preview_page(request, form, rows, *, status=200) -> HttpResponse:
    """The preview: what each item would become, or, when the decision would be refused
    (no item the reviewer may decide, a change request without a comment), the same page with
    the error on the form and nothing to confirm."""
    valid = form.is_valid()
    context = {
        "form": form,
        "rows": rows,
        "valid": valid,
        "count": sum(1 for row in rows if not row.refusal) if valid else 0,
        "decision_label": Decision(form.cleaned_data["decision"]).label if valid else "",
    }
    return render(request, "reviews/bulk_preview.html", context, status=200 if valid else 400)


def _bulk_form(request, rows) -> BulkDecisionForm:
    form = BulkDecisionForm(request.POST)
    if not rows:
        form.add_error(None, _("Select at least one item waiting for your decision."))
    return form


@require_POST
@login_required
def bulk_preview(request: HttpRequest) -> HttpResponse:
    """Shows exactly what a bulk decision would do, item by item, before anything changes:
    for the evidence the reviewer may decide only, checked by the decision's own rules."""
    _require(policy.can_use_review_queue(request.user))
    if request.POST.get("scope") == "filter":
        filters = QueueFilterForm(request.POST, menus=selectors.queue_menus(request.user))
        matching = selectors.review_queue(**filters.selector_arguments(), limit=500)
        items = [(evidence.pk, evidence.version) for evidence in matching]
    else:
        items = _selected_items(request)
    rows = selectors.bulk_decision_rows(request.user, items)
    return _bulk_preview_page(request, _bulk_form(request, rows), rows)


@require_POST
@login_required
def bulk_confirm(request: HttpRequest) -> HttpResponse:
    _require(policy.can_use_review_queue(request.user))
    items = _selected_items(request)
    rows = selectors.bulk_decision_rows(request.user, items)
    form = _bulk_form(request, rows)
    if not form.is_valid():
        return _bulk_preview_page(request, form, rows)
    outcomes = services.reviews_decide_bulk(
        actor=request.user,
        items=[(row.evidence.pk, row.version) for row in rows],
        decision=form.cleaned_data["decision"],
        comment=form.cleaned_data["comment"],
    )
    shown = {row.evidence.pk: row.evidence for row in rows}
    context = {
        "rows": [(shown.get(outcome.evidence_id), outcome) for outcome in outcomes],
        "decided": sum(1 for outcome in outcomes if outcome.decided),
    }
    return render(request, "reviews/bulk_result.html", context)


def _audit_filters(form: AuditFilterForm, party_code: str = "") -> audit.AuditFilters:
    data = form.cleaned_data if form.is_valid() else {}
    user_id = None
    if data.get("user"):
        user = get_user_model().objects.filter(username__iexact=data["user"]).first()
        user_id = user.pk if user else -1
    return audit.AuditFilters(
        user_id=user_id,
        party_code=party_code or (data.get("party") or "").upper(),
        source=data.get("source", ""),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )


def _audit_page(request, filters, template, extra) -> HttpResponse:
    cursor = audit.parse_cursor(request.GET.get("after", ""))
    entries = audit.audit_page(filters, cursor=cursor, limit=50)
    query = request.GET.copy()
    query.pop("after", None)
    context = {
        "entries": entries,
        "next_cursor": entries[-1].cursor if len(entries) == 50 else "",
        "query": query.urlencode(),
        **extra,
    }
    return render(request, template, context)


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    _require(policy.can_view_audit_log(request.user))
    form = AuditFilterForm(request.GET or None)
    return _audit_page(request, _audit_filters(form), "reviews/audit_log.html", {"form": form})


@login_required
def party_audit_log(request: HttpRequest, code: str) -> HttpResponse:
    party = get_object_or_404(Party, code=code.upper())
    if not policy.can_view_party_audit(request.user, party):
        raise Http404
    form = AuditFilterForm(request.GET or None)
    filters = _audit_filters(form, party_code=party.code)
    return _audit_page(request, filters, "reviews/audit_log.html", {"form": form, "party": party})


@login_required
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    _require(policy.can_view_audit_log(request.user))
    filters = _audit_filters(AuditFilterForm(request.GET or None))
    columns = ["time_utc", "user", "action", "party", "evidence_id", "summary", "changes"]

    def rows():
        for entry in audit.audit_iter(filters):
            changes = "; ".join(f"{name}: {old!r} → {new!r}" for name, old, new in entry.changes)
            yield [
                entry.at.isoformat(), entry.user.username if entry.user else "", entry.action,
                entry.party_code, entry.evidence_id or "", entry.summary, changes,
            ]  # fmt: skip

    lines = spreadsheet_cells.csv_lines(columns, rows(), byte_order_mark=False)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    return response


@login_required
def reply_raise(request: HttpRequest, slug: str, code: str, sub_pillar: str) -> HttpResponse:
    from readiness.models import AssessmentRound, SubPillar

    assessment_round = get_object_or_404(AssessmentRound, slug=slug)
    party = get_object_or_404(Party, code=code.upper())
    if not policy.works_on(request.user, party.pk):
        raise Http404
    sub = get_object_or_404(SubPillar, pillar__round=assessment_round, code=sub_pillar)
    form = ReplyForm(request.POST or None, sub_pillar=sub)
    if request.method == "POST" and form.is_valid():
        done = report_outcome(
            request,
            lambda: replies.reply_raise(
                actor=request.user,
                assessment_round=assessment_round,
                party=party,
                sub_pillar=sub,
                **form.cleaned_data,
            ),
            _("Your reply was sent to the reviewers."),
        )
        if done:
            return redirect("workspace-party", slug=slug, code=party.code)
    context = {"round": assessment_round, "party": party, "sub_pillar": sub, "form": form}
    return render(request, "reviews/reply_form.html", context, status=400 if form.errors else 200)


@login_required
def reply_list(request: HttpRequest) -> HttpResponse:
    _require(policy.can_use_review_queue(request.user))
    open_replies = (
        Reply.objects.filter(status="open")
        .select_related("round", "party", "sub_pillar", "raised_by")
        .order_by("created_at")
    )
    answered = (
        Reply.objects.exclude(status="open")
        .select_related("round", "party", "sub_pillar", "answered_by", "new_evidence")
        .order_by("-pk")[:50]
    )
    context = {"open_replies": open_replies, "answered": answered, "form": ReplyAnswerForm()}
    return render(request, "reviews/replies.html", context)


@require_POST
@login_required
def reply_answer(request: HttpRequest, pk: int) -> HttpResponse:
    _require(policy.can_use_review_queue(request.user))
    reply = get_object_or_404(Reply, pk=pk)
    form = ReplyAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an outcome and write the answer."))
    else:
        report_outcome(
            request,
            lambda: replies.reply_answer(actor=request.user, reply=reply, **form.cleaned_data),
            _("Answer recorded."),
        )
    return redirect("reply-list")


@require_POST
@login_required
def reply_window(request: HttpRequest, slug: str) -> HttpResponse:
    from readiness.views import round_for_user

    assessment_round = round_for_user(request.user, slug)
    _require(policy.can_manage_rounds(request.user))
    form = ReplyWindowForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the date and time the right of reply closes."))
    else:
        report_outcome(
            request,
            lambda: replies.reply_window_set(
                actor=request.user,
                assessment_round=assessment_round,
                until=form.cleaned_data["until"],
            ),
            _("Right of reply window set."),
        )
    return redirect("round-detail", slug=slug)
