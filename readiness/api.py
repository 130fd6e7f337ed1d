"""REST API v1, read side: Parties, groupings, rounds, methodology, results, aggregates and the
open-data exports, under the same visibility rules as the pages (a round the caller may not see
is 'not found'). The write side is in submissions.api and reviews.api."""

from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response
from rest_framework.views import APIView

from readiness import (
    export_responses,
    exports,
    policy,
    result_rates,
    results,
    results_cache,
    selectors,
)
from readiness.models import (
    AggregateResult,
    FactField,
    GradeBand,
    Grouping,
    Party,
    PartyResult,
    Pillar,
    ScoreLevel,
    SubPillar,
)


class GroupingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Grouping
        fields = ["code", "kind", "name_en", "name_zh"]


class PartySerializer(serializers.ModelSerializer):
    groupings = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")

    class Meta:
        model = Party
        fields = ["code", "iso2", "iso_numeric", "name_en", "name_zh", "region", "subregion_en",
                  "subregion_zh", "is_supranational", "groupings"]  # fmt: skip


class RoundSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    status = serializers.CharField()
    data_cutoff = serializers.DateField(allow_null=True)
    submission_deadline = serializers.DateTimeField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)


def _rate_field(description: str) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=7, decimal_places=6, allow_null=True, help_text=description
    )


class PillarResultSerializer(serializers.Serializer):
    rate = _rate_field(result_rates.PILLAR_RATE)
    points = serializers.IntegerField(help_text=result_rates.PILLAR_POINTS)
    max_points = serializers.IntegerField(help_text=result_rates.PILLAR_MAX_POINTS)
    sub_pillars = serializers.ListField(
        child=serializers.CharField(), help_text=result_rates.PILLAR_SUB_PILLARS
    )


class SubPillarResultSerializer(serializers.Serializer):
    level = serializers.IntegerField(help_text=result_rates.SUB_PILLAR_LEVEL)
    max_level = serializers.IntegerField(help_text=result_rates.SUB_PILLAR_MAX_LEVEL)
    rate = _rate_field(result_rates.SUB_PILLAR_RATE)
    evidence_id = serializers.IntegerField(
        required=False, help_text=result_rates.SUB_PILLAR_EVIDENCE
    )


class PartyResultSerializer(serializers.ModelSerializer):
    """A result with its Party as the round shows it (`.listed`: the round's snapshot once it
    is published, so a renamed or moved Party does not rewrite a published round) and its
    rates as published (`.pillar_results`, `.sub_pillar_results`: result_rates.with_rates)."""

    party = serializers.CharField(source="listed.code")
    party_name = serializers.CharField(source="listed.name_en")
    region = serializers.CharField(source="listed.region")
    pillars = serializers.DictField(
        child=PillarResultSerializer(),
        source="pillar_results",
        help_text="Per pillar code: its rate (the figure) and the points behind it.",
    )
    sub_pillars = serializers.DictField(
        child=SubPillarResultSerializer(),
        source="sub_pillar_results",
        help_text="Per sub-pillar code: its level, maximum level and rate.",
    )

    class Meta:
        model = PartyResult
        fields = ["party", "party_name", "region", "grade", "total_rate", "pillars",
                  "sub_pillars", "as_of_version"]  # fmt: skip


class AggregateSerializer(serializers.ModelSerializer):
    class Meta:
        model = AggregateResult
        fields = ["key", "party_count", "total_asr", "pillar_asr", "grade_counts", "statistics",
                  "as_of_version"]  # fmt: skip


@extend_schema(
    parameters=[
        OpenApiParameter("region", str, description="M49 region, e.g. africa"),
        OpenApiParameter("grouping", str, description="Grouping code, e.g. ldc"),
    ]
)
class PartyList(generics.ListAPIView):
    serializer_class = PartySerializer

    def get_queryset(self):
        parties = Party.objects.prefetch_related(
            Prefetch("groupings", queryset=Grouping.objects.order_by("code"))
        ).order_by("code")
        if region := self.request.query_params.get("region"):
            parties = parties.filter(region=region)
        if grouping := self.request.query_params.get("grouping"):
            parties = parties.filter(groupings__code=grouping)
        return parties


class PartyDetail(generics.RetrieveAPIView):
    serializer_class = PartySerializer
    queryset = Party.objects.prefetch_related("groupings")
    lookup_field = "code"

    def get_object(self):
        self.kwargs["code"] = self.kwargs["code"].upper()
        return super().get_object()


class RoundList(generics.ListAPIView):
    serializer_class = RoundSerializer

    def get_queryset(self):
        return policy.visible_rounds(self.request.user).order_by("-slug")


def _round(request, slug):
    try:
        return results.results_round(request.user, slug)[0]
    except Http404 as error:
        raise NotFound from error


class CachedForThePublic:
    """A list of a round's results whose JSON is cached for the public (results_cache)."""

    cache_name = ""

    def list(self, request, *args, **kwargs):
        build = super().list
        return results_cache.api_list(
            request, self.kwargs["slug"], self.cache_name, lambda: build(request, *args, **kwargs)
        )


class RoundDetail(generics.RetrieveAPIView):
    serializer_class = RoundSerializer

    def get_object(self):
        return _round(self.request, self.kwargs["slug"])


@extend_schema(
    parameters=[
        OpenApiParameter("grade", str, description="Only this grade, e.g. A"),
        OpenApiParameter("region", str, description="Only this M49 region"),
    ]
)
class ResultList(CachedForThePublic, generics.ListAPIView):
    serializer_class = PartyResultSerializer
    cache_name = "results"
    filter_backends = [OrderingFilter]
    ordering_fields = ["party__code", "total_rate", "grade"]
    ordering = ["party__code"]

    def get_queryset(self):
        self.assessment_round = assessment_round = _round(self.request, self.kwargs["slug"])
        self.listed = selectors.listed_parties(assessment_round)
        rows = PartyResult.objects.filter(round=assessment_round).select_related("party")
        if grade := self.request.query_params.get("grade"):
            rows = rows.filter(grade=grade)
        if region := self.request.query_params.get("region"):  # the region the round shows
            rows = rows.filter(
                party_id__in=[pk for pk, party in self.listed.items() if party.region == region]
            )
        return rows

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        page = results.with_listed(self.assessment_round, page, self.listed)
        return result_rates.with_rates(self.assessment_round, page)


class ResultDetail(generics.RetrieveAPIView):
    serializer_class = PartyResultSerializer

    def get_object(self):
        assessment_round = _round(self.request, self.kwargs["slug"])
        result = (
            PartyResult.objects.filter(
                round=assessment_round, party__code=self.kwargs["code"].upper()
            )
            .select_related("party")
            .first()
        )
        if result is None:
            raise NotFound
        listed = selectors.listed_parties(assessment_round, [result.party_id])
        shown = results.with_listed(assessment_round, [result], listed)
        return result_rates.with_rates(assessment_round, shown)[0]


class AggregateList(CachedForThePublic, generics.ListAPIView):
    serializer_class = AggregateSerializer
    cache_name = "aggregates"

    def get_queryset(self):
        assessment_round = _round(self.request, self.kwargs["slug"])
        return AggregateResult.objects.filter(round=assessment_round).order_by("key")


class GroupingList(generics.ListAPIView):
    serializer_class = GroupingSerializer
    queryset = Grouping.objects.order_by("kind", "code")


class LevelSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScoreLevel
        fields = ["score", "label_en", "label_zh"]


class FactFieldSerializer(serializers.ModelSerializer):
    class Meta:
        model = FactField
        fields = ["key", "label_en", "label_zh", "kind", "choices", "min_level", "required"]


class SubPillarSerializer(serializers.ModelSerializer):
    levels = LevelSerializer(many=True)
    facts = FactFieldSerializer(many=True)

    class Meta:
        model = SubPillar
        fields = ["code", "name_en", "name_zh", "guidance_en", "guidance_zh", "levels", "facts"]


class PillarSerializer(serializers.ModelSerializer):
    sub_pillars = SubPillarSerializer(many=True)
    weight = serializers.DecimalField(max_digits=6, decimal_places=3, read_only=True)

    class Meta:
        model = Pillar
        fields = ["code", "name_en", "name_zh", "weight", "sub_pillars"]


class GradeBandSerializer(serializers.ModelSerializer):
    class Meta:
        model = GradeBand
        fields = ["grade", "label_en", "label_zh", "min_total_rate", "min_pillar_rate"]


class MethodologySerializer(serializers.Serializer):
    round = serializers.CharField()
    pillars = PillarSerializer(many=True)
    grade_bands = GradeBandSerializer(many=True)


class MethodologyDetail(APIView):
    """The round's pillars, sub-pillars with their levels and fact fields, and grade bands."""

    @extend_schema(responses={200: MethodologySerializer})
    def get(self, request, slug):
        assessment_round = _round(request, slug)
        body = {
            "round": assessment_round.slug,
            "pillars": selectors.pillars_with_methodology(assessment_round),
            "grade_bands": selectors.grade_bands(assessment_round),
        }
        return Response(MethodologySerializer(body).data)


class ExportDataset(APIView):
    """One open-data dataset of the round (party-results, aggregates, evidence, methodology)
    as csv, xlsx or json: the same files as the public download links."""

    @extend_schema(
        parameters=[
            OpenApiParameter("dataset", str, OpenApiParameter.PATH, enum=list(exports.DATASETS)),
            OpenApiParameter("extension", str, OpenApiParameter.PATH, enum=list(exports.FORMATS)),
        ],
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def get(self, request, slug, dataset, extension):
        return export_responses.dataset_response(_round(request, slug), dataset, extension)


class ExportDataPackage(APIView):
    """The round's data package: every dataset, a datapackage.json and SHA-256 checksums."""

    @extend_schema(responses={(200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request, slug):
        return export_responses.data_package_response(_round(request, slug))
