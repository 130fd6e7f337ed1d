"""REST API v1 for decisions and comments on evidence, through reviews.services and under the
same visibility as the evidence page: reviewer names and comment threads only for people
with a role in the assessment."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from readiness import policy
from reviews import services
from reviews.models import Comment, Decision
from submissions import selectors
from submissions.api import EvidenceSerializer, evidence_response, validated


class DecisionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    decision = serializers.ChoiceField(choices=Decision.choices)
    awarded_level = serializers.IntegerField(allow_null=True)
    comment = serializers.CharField()
    evidence_version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    reviewer = serializers.CharField(
        allow_null=True, help_text="Shown to people with a role in the assessment only."
    )


class DecisionInput(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=[Decision.APPROVE, Decision.REQUEST_CHANGES, Decision.REJECT]
    )
    version = serializers.IntegerField(min_value=1, help_text="The evidence version you read.")
    awarded_level = serializers.IntegerField(
        min_value=0, max_value=32767, required=False, allow_null=True,
        help_text="For an approval; by default the claimed level.",
    )  # fmt: skip
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class RevokeInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.get_username")

    class Meta:
        model = Comment
        fields = ["id", "parent", "author", "body", "created_at"]


class CommentInput(serializers.Serializer):
    body = serializers.CharField(max_length=5000)
    parent = serializers.IntegerField(required=False, allow_null=True, min_value=1)


def _decision_rows(user, evidence) -> list[dict]:
    named = policy.is_staff_role(user)
    return [
        {
            "id": review.pk,
            "decision": review.decision,
            "awarded_level": review.awarded_level,
            "comment": review.comment,
            "evidence_version": review.evidence_version,
            "created_at": review.created_at,
            "reviewer": review.reviewer.get_username() if named else None,
        }
        for review in evidence.reviews.select_related("reviewer").order_by("created_at", "pk")
    ]


class DecisionList(APIView):
    """The decisions on a piece of evidence; POST decides its submitted version (reviewers
    with no tie to the Party)."""

    @extend_schema(responses={200: DecisionSerializer(many=True)})
    def get(self, request, pk):
        evidence = selectors.evidence_for_user(request.user, pk)
        return Response(DecisionSerializer(_decision_rows(request.user, evidence), many=True).data)

    @extend_schema(request=DecisionInput, responses={201: EvidenceSerializer})
    def post(self, request, pk):
        evidence = selectors.evidence_for_user(request.user, pk)
        data = validated(DecisionInput, request.data)
        services.review_decide(
            actor=request.user,
            evidence=evidence,
            decision=data["decision"],
            expected_version=data["version"],
            awarded_level=data.get("awarded_level"),
            comment=data["comment"],
        )
        return evidence_response(evidence, status.HTTP_201_CREATED)


class EvidenceRevoke(APIView):
    """Revokes an approval (round admins), with a reason."""

    @extend_schema(request=RevokeInput, responses={200: EvidenceSerializer})
    def post(self, request, pk):
        evidence = selectors.evidence_for_user(request.user, pk)
        data = validated(RevokeInput, request.data)
        services.review_revoke(actor=request.user, evidence=evidence, reason=data["reason"])
        return evidence_response(evidence)


class CommentList(APIView):
    """The comment thread of a piece of evidence (people with a role in the assessment); POST
    adds a comment or, with `parent`, a reply."""

    @extend_schema(responses={200: CommentSerializer(many=True)})
    def get(self, request, pk):
        evidence = selectors.evidence_for_user(request.user, pk)
        policy.require(policy.can_comment(request.user, evidence), "You may not read this thread.")
        comments = Comment.objects.filter(evidence=evidence).select_related("author")
        return Response(CommentSerializer(comments.order_by("created_at", "pk"), many=True).data)

    @extend_schema(request=CommentInput, responses={201: CommentSerializer})
    def post(self, request, pk):
        evidence = selectors.evidence_for_user(request.user, pk)
        data = validated(CommentInput, request.data)
        parent = None
        if data.get("parent"):
            parent = Comment.objects.filter(pk=data["parent"], evidence=evidence).first()
            if parent is None:
                raise serializers.ValidationError({"parent": ["No such comment in this thread."]})
        comment = services.comment_add(
            actor=request.user, evidence=evidence, body=data["body"], parent=parent
        )
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)
