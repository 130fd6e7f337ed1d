"""REST API v1 for evidence and its documents. Every write goes through submissions.services,
so the API refuses exactly what the pages refuse; evidence the caller may not see is "not
found", by id too."""

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from readiness import policy
from readiness.api_errors import PayloadTooLarge
from readiness.api_filters import StrictBooleanFilter
from readiness.models import Party, SubPillar
from submissions import selectors, services
from submissions.models import Document, Evidence, EvidenceStatus
from submissions.views import document_download as download_page_view


class DocumentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = ["id", "original_name", "content_type", "size", "sha256", "uploaded_at",
                  "download_url"]  # fmt: skip

    def get_download_url(self, document) -> str:
        return reverse("api-document-download", kwargs={"pk": document.pk})


class EvidenceSerializer(serializers.ModelSerializer):
    round = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    party = serializers.SlugRelatedField(slug_field="code", read_only=True)
    sub_pillar = serializers.SlugRelatedField(slug_field="code", read_only=True)
    documents = DocumentSerializer(many=True, read_only=True)

    class Meta:
        model = Evidence
        fields = ["id", "round", "party", "sub_pillar", "claimed_level", "awarded_level",
                  "narrative", "facts", "source_urls", "is_confidential", "status", "version",
                  "carried_over", "submitted_at", "created_at", "updated_at",
                  "documents"]  # fmt: skip


class EvidenceContentInput(serializers.Serializer):
    claimed_level = serializers.IntegerField(min_value=0, max_value=32767)
    narrative = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=20000
    )
    facts = serializers.DictField(required=False, default=dict)
    source_urls = serializers.ListField(
        child=serializers.CharField(max_length=2000), required=False, default=list, max_length=50
    )
    is_confidential = serializers.BooleanField(required=False, default=False)


class EvidenceCreateInput(EvidenceContentInput):
    round = serializers.SlugField(help_text="The round's slug, e.g. 2026.")
    party = serializers.CharField(max_length=8, help_text="The Party's code, e.g. GHA.")
    sub_pillar = serializers.CharField(max_length=20, help_text="The sub-pillar's code.")


class EvidenceUpdateInput(EvidenceContentInput):
    version = serializers.IntegerField(
        min_value=1, help_text="The version you read; a newer one on the server is a 409."
    )


class VersionInput(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="The version you read; if given and the server has a newer one, 409.",
    )


class WithdrawInput(VersionInput):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class DocumentUploadInput(serializers.Serializer):
    file = serializers.FileField()


class EvidenceFilter(django_filters.FilterSet):
    round = django_filters.CharFilter(field_name="round__slug")
    party = django_filters.CharFilter(field_name="party__code", lookup_expr="iexact")
    sub_pillar = django_filters.CharFilter(field_name="sub_pillar__code")
    status = django_filters.ChoiceFilter(choices=EvidenceStatus.choices)
    is_confidential = StrictBooleanFilter()  # ?is_confidential=maybe is a 400, not ignored

    class Meta:
        model = Evidence
        fields = ["round", "party", "sub_pillar", "status", "is_confidential"]


def validated(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def evidence_response(evidence: Evidence, status_code=status.HTTP_200_OK) -> Response:
    fresh = _evidence_queryset(Evidence.objects.all()).get(pk=evidence.pk)
    return Response(EvidenceSerializer(fresh).data, status=status_code)


def _evidence_queryset(queryset):
    return queryset.select_related("round", "party", "sub_pillar").prefetch_related(
        Prefetch("documents", queryset=Document.objects.order_by("pk"))
    )


class EvidenceList(generics.ListCreateAPIView):
    """Evidence the caller may see (filters: round, party, sub_pillar, status); POST starts a
    draft for one sub-pillar of one Party."""

    serializer_class = EvidenceSerializer
    filterset_class = EvidenceFilter
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend, OrderingFilter]
    ordering_fields = ["updated_at", "submitted_at", "party__code", "status", "id"]
    ordering = ["-updated_at", "-id"]

    def get_queryset(self):
        return _evidence_queryset(selectors.evidence_visible_to(self.request.user))

    @extend_schema(request=EvidenceCreateInput, responses={201: EvidenceSerializer})
    def post(self, request):
        data = validated(EvidenceCreateInput, request.data)
        assessment_round = policy.visible_rounds(request.user).filter(slug=data["round"]).first()
        party = Party.objects.filter(code=data["party"].upper()).first()
        sub_pillar = (
            SubPillar.objects.filter(pillar__round=assessment_round, code=data["sub_pillar"])
            .select_related("pillar")
            .first()
        )
        unknown = {
            name: [f"No such {name.replace('_', '-')}."]
            for name, value in (("round", assessment_round), ("party", party))
            if value is None
        }
        if not unknown and sub_pillar is None:
            unknown["sub_pillar"] = ["No such sub-pillar in this round."]
        if unknown:
            raise ValidationError(unknown)
        evidence = services.evidence_create(
            actor=request.user,
            assessment_round=assessment_round,
            party=party,
            sub_pillar=sub_pillar,
            **{key: data[key] for key in EvidenceContentInput().fields},
        )
        return evidence_response(evidence, status.HTTP_201_CREATED)


class EvidenceDetail(generics.RetrieveAPIView):
    """One piece of evidence; PUT replaces its content (drafts and evidence sent back for
    changes), naming the version read."""

    serializer_class = EvidenceSerializer

    def get_object(self):
        return selectors.evidence_for_user(self.request.user, self.kwargs["pk"])

    def get(self, request, pk):
        return evidence_response(self.get_object())

    @extend_schema(request=EvidenceUpdateInput, responses={200: EvidenceSerializer})
    def put(self, request, pk):
        evidence = self.get_object()
        data = validated(EvidenceUpdateInput, request.data)
        updated = services.evidence_update(
            actor=request.user,
            evidence=evidence,
            expected_version=data.pop("version"),
            **data,
        )
        return evidence_response(updated)


class EvidenceSubmit(APIView):
    """Sends a draft, or an answer to a change request, to the reviewers."""

    @extend_schema(request=VersionInput, responses={200: EvidenceSerializer})
    def post(self, request, pk):
        evidence = selectors.evidence_for_user(request.user, pk)
        data = validated(VersionInput, request.data)
        submitted = services.evidence_submit(
            actor=request.user, evidence=evidence, expected_version=data.get("version")
        )
        return evidence_response(submitted)


class EvidenceWithdraw(APIView):
    """Takes back a draft or a submission no reviewer has decided yet."""

    @extend_schema(request=WithdrawInput, responses={200: EvidenceSerializer})
    def post(self, request, pk):
        evidence = selectors.evidence_for_user(request.user, pk)
        data = validated(WithdrawInput, request.data)
        withdrawn = services.evidence_withdraw(
            actor=request.user,
            evidence=evidence,
            expected_version=data.get("version"),
            reason=data["reason"],
        )
        return evidence_response(withdrawn)


class DocumentList(APIView):
    """The evidence's documents; POST (multipart, field `file`) adds one."""

    parser_classes = [MultiPartParser]

    @extend_schema(responses={200: DocumentSerializer(many=True)})
    def get(self, request, pk):
        evidence = selectors.evidence_for_user(request.user, pk)
        documents = evidence.documents.order_by("pk")
        return Response(DocumentSerializer(documents, many=True).data)

    @extend_schema(request={"multipart/form-data": DocumentUploadInput},
                   responses={201: DocumentSerializer})  # fmt: skip
    def post(self, request, pk):
        evidence = selectors.evidence_for_user(request.user, pk)
        data = request.data  # parsing the body is what tells whether the file was too large
        if getattr(request._request, "upload_too_large", False):
            raise PayloadTooLarge
        uploaded = validated(DocumentUploadInput, data)["file"]
        try:
            document = services.document_add(
                actor=request.user, evidence=evidence, uploaded_file=uploaded
            )
        except DjangoValidationError as error:
            if hasattr(error, "error_dict"):
                raise
            raise ValidationError({"file": error.messages}) from error
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class DocumentDetail(APIView):
    """A document's metadata; DELETE removes it from a draft."""

    @extend_schema(responses={200: DocumentSerializer})
    def get(self, request, pk):
        return Response(DocumentSerializer(selectors.document_for_user(request.user, pk)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        document = selectors.document_for_user(request.user, pk)
        services.document_remove(actor=request.user, document=document)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentDownload(APIView):
    """The stored file, as an attachment."""

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)}
    )
    def get(self, request, pk):
        # The page's view, so both answer alike (permission check, headers, proxy delivery);
        # DRF has already put the token's user on the underlying request.
        return download_page_view(request._request, pk)
