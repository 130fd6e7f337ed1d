import hashlib
from contextlib import contextmanager

import factory
from django.db import connection
from django.utils import timezone

from readiness import methodology_v1
from readiness.models import (
    AssessmentRound,
    AssignmentRole,
    Party,
    PartyAssignment,
    Region,
    RoundParty,
    RoundStatus,
    User,
)
from readiness.services import methodology_load, system_user

PASSWORD = "a-long-test-password"


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"Q{chr(65 + n // 26 % 26)}{chr(65 + n % 26)}")
    name_en = factory.LazyAttribute(lambda party: f"Party {party.code}")
    name_zh = factory.LazyAttribute(lambda party: f"缔约方{party.code}")
    region = Region.AFRICA


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartyAssignment

    user = factory.SubFactory(UserFactory)
    party = factory.SubFactory(PartyFactory)
    role = AssignmentRole.FOCAL_POINT


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssessmentRound
        django_get_or_create = ("slug",)

    name = factory.LazyAttribute(lambda r: f"Assessment {r.slug}")
    slug = factory.Sequence(lambda n: f"round-{n}")
    status = RoundStatus.DRAFT


def add_members(assessment_round: AssessmentRound, parties) -> None:
    RoundParty.objects.bulk_create(
        [RoundParty(round=assessment_round, party=party) for party in parties]
    )


def round_with_methodology(*, status: str = RoundStatus.DRAFT, parties=(), **kwargs):
    """A round with methodology v1 loaded, moved straight to `status` for test set-up."""
    assessment_round = RoundFactory(status=RoundStatus.DRAFT, **kwargs)
    methodology_load(
        actor=system_user(),
        assessment_round=assessment_round,
        definition={"pillars": methodology_v1.PILLARS, "bands": methodology_v1.BANDS},
    )
    add_members(assessment_round, parties)
    if status != RoundStatus.DRAFT:
        AssessmentRound.objects.filter(pk=assessment_round.pk).update(status=status)
        assessment_round.refresh_from_db()
    return assessment_round


def sub_pillar_of(assessment_round: AssessmentRound, code: str):
    from readiness.models import SubPillar

    return SubPillar.objects.get(pillar__round=assessment_round, code=code)


@contextmanager
def seeding_frozen_rounds():
    """Test set-up only: on PostgreSQL the database refuses rows for a published round (see
    tests/readiness/test_freeze.py); fixtures that seed such rows switch the triggers off for
    the duration, as a replica would."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")


def make_evidence(
    *, assessment_round, party, code="REG-1", author, status="draft", claimed_level=2, **extra
):
    """Evidence in any status, written directly for test set-up (services are tested apart)."""
    from submissions.models import Evidence

    fields = {
        "narrative": "Draft regulation published for consultation.",
        "source_urls": ["https://example.org/regulation"],
        **extra,
    }
    with seeding_frozen_rounds():
        return Evidence.objects.create(
            round=assessment_round,
            party=party,
            sub_pillar=sub_pillar_of(assessment_round, code),
            claimed_level=claimed_level,
            status=status,
            created_by=author,
            submitted_by=author if status != "draft" else None,
            submitted_at=None if status == "draft" else timezone.now(),
            awarded_level=claimed_level if status == "approved" else None,
            **fields,
        )


def make_document(evidence, author, name="evidence.txt", content: bytes | None = None):
    from django.core.files.base import ContentFile

    from submissions.models import Document

    content = "加纳 evidence".encode() if content is None else content
    document = Document(
        evidence=evidence,
        original_name=name,
        extension=name.rsplit(".", 1)[-1],
        content_type="text/plain",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=author,
    )
    with seeding_frozen_rounds():
        document.file.save("upload", ContentFile(content), save=True)
    return document


def api_key_for(user, *, name: str = "test script", days: int = 30) -> str:
    """A new personal API token of `user`; returns its key (only its digest is stored)."""
    from datetime import timedelta

    from readiness.api_tokens.models import ApiToken

    _token, key = ApiToken.objects.create(user=user, name=name, expiry=timedelta(days=days))
    return key
