"""Loads the demo rounds into the database (used by `setup_demo`):

- 2025: all 195 Parties with approved evidence for every sub-pillar, levels and facts from
  readiness.demo_data (which reproduces the 2025 report's figures), recomputed and published;
- 2026: open, without the United States, with evidence in every workflow state, made through
  the same services the pages use.
"""

from django.contrib.auth import get_user_model
from django.utils import timezone

from readiness import methodology_v1
from readiness.demo_data import demo_parties
from readiness.history import tracked_bulk_create
from readiness.models import AssessmentRound, ChangeKind, Party, RoundStatus, SubPillar
from readiness.recompute import mark_round_changed, recompute
from readiness.services import methodology_load, round_create, round_transition

V1 = {"pillars": methodology_v1.PILLARS, "bands": methodology_v1.BANDS}
ROUND_2025 = {"name": "Global Article 6 readiness assessment 2025", "slug": "2025"}
ROUND_2026 = {"name": "Global Article 6 readiness assessment 2026", "slug": "2026"}


def _narrative(party: Party, sub_pillar: SubPillar, label: str, real: bool) -> str:
    source = "Figure from the 2025 report." if real else "Synthetic demonstration value."
    return f"{party.name_en} — {sub_pillar.code} {sub_pillar.name_en}: {label}. {source}"


def load_2025(actor, reviewer) -> AssessmentRound:
    from reviews.models import Decision, Review
    from submissions.models import Evidence, EvidenceStatus

    existing = AssessmentRound.objects.filter(slug=ROUND_2025["slug"]).first()
    if existing:
        return existing
    parties = {party.code: party for party in Party.objects.all()}
    assessment_round = round_create(actor=actor, parties=list(parties.values()), **ROUND_2025)
    methodology_load(actor=actor, assessment_round=assessment_round, definition=V1)
    round_transition(actor=actor, assessment_round=assessment_round, target=RoundStatus.OPEN)
    sub_pillars = {
        sub.code: sub
        for sub in SubPillar.objects.filter(pillar__round=assessment_round).prefetch_related(
            "levels"
        )
    }
    labels = {
        (code, level.score): level.label_en
        for code, sub in sub_pillars.items()
        for level in sub.levels.all()
    }
    now = timezone.now()
    rows = []
    for code, demo in sorted(demo_parties().items()):
        party = parties[code]
        for sub_code, level in demo.levels.items():
            rows.append(
                Evidence(
                    round=assessment_round, party=party, sub_pillar=sub_pillars[sub_code],
                    claimed_level=level, awarded_level=level, status=EvidenceStatus.APPROVED,
                    facts=demo.facts.get(sub_code, {}),
                    narrative=_narrative(party, sub_pillars[sub_code],
                                         labels[(sub_code, level)], demo.real),
                    source_urls=[], created_by=actor, submitted_by=actor, submitted_at=now,
                )
            )  # fmt: skip
    created = tracked_bulk_create(Evidence, rows, actor=actor, reason="demo data (2025 report)")
    Review.objects.bulk_create(
        [Review(evidence=e, reviewer=reviewer, decision=Decision.APPROVE,
                awarded_level=e.awarded_level, evidence_version=1) for e in created],
        batch_size=1000,
    )  # fmt: skip
    mark_round_changed(
        assessment_round, kind=ChangeKind.MANUAL, actor=actor,
        description=f"demo data: {len(created)} approved evidence rows loaded",
    )  # fmt: skip
    recompute(assessment_round.pk)  # current before publication
    round_transition(actor=actor, assessment_round=assessment_round, target=RoundStatus.REVIEW)
    round_transition(
        actor=actor, assessment_round=assessment_round, target=RoundStatus.PUBLISHED,
        reason="demo data reproducing the 2025 report",
    )  # fmt: skip
    return assessment_round


def load_2026(actor) -> AssessmentRound:
    """An open round in every workflow state, made through the services."""
    from reviews.services import comment_add, review_decide, review_revoke
    from submissions.services import evidence_create, evidence_submit, evidence_withdraw

    existing = AssessmentRound.objects.filter(slug=ROUND_2026["slug"]).first()
    if existing:
        return existing
    previous = AssessmentRound.objects.filter(slug=ROUND_2025["slug"]).first()
    members = list(Party.objects.exclude(code="USA"))
    assessment_round = round_create(
        actor=actor, parties=members, previous_round=previous, **ROUND_2026
    )
    methodology_load(actor=actor, assessment_round=assessment_round, definition=V1)
    round_transition(actor=actor, assessment_round=assessment_round, target=RoundStatus.OPEN)
    users = get_user_model().objects
    ghana, thailand = users.get(username="focal.ghana"), users.get(username="focal.thailand")
    analyst, reviewer = users.get(username="analyst"), users.get(username="reviewer")
    reviewer2 = users.get(username="reviewer2")
    party = {p.code: p for p in Party.objects.filter(code__in=["GHA", "THA", "KEN", "SEN", "VNM"])}
    sub = {s.code: s for s in SubPillar.objects.filter(pillar__round=assessment_round)}

    def draft(author, code, sub_code, level, text, **facts):
        return evidence_create(
            actor=author, assessment_round=assessment_round, party=party[code],
            sub_pillar=sub[sub_code], claimed_level=level, narrative=text,
            facts=facts, source_urls=["https://example.org/demo-source"],
        )  # fmt: skip

    def submitted(author, code, sub_code, level, text, **facts):
        return evidence_submit(actor=author, evidence=draft(author, code, sub_code, level, text,
                                                            **facts))  # fmt: skip

    first = submitted(ghana, "GHA", "REG-1", 2, "Draft Article 6 regulations published.",
                      instrument_type="regulation")  # fmt: skip
    review_decide(actor=reviewer, evidence=first, decision="approve", expected_version=2)
    newer = submitted(ghana, "GHA", "REG-1", 3, "Article 6 regulations adopted by decree.",
                      instrument_type="regulation", adoption_date="2026-03-02")  # fmt: skip
    review_decide(actor=reviewer2, evidence=newer, decision="approve", expected_version=2)
    submitted(thailand, "THA", "IMP-6", 2, "Corresponding adjustment applied in the BTR.")
    asked = submitted(analyst, "KEN", "INF-1", 2, "MRV system operational.",
                      standard_basis="existing")  # fmt: skip
    review_decide(actor=reviewer, evidence=asked, decision="request_changes", expected_version=2,
                  comment="Please attach the MRV manual or a link to it.")  # fmt: skip
    comment_add(actor=analyst, evidence=asked, body="The manual is being translated.")
    refused = submitted(analyst, "SEN", "IMP-3", 1, "Letters of authorisation issued.",
                        activities_authorised=2)  # fmt: skip
    review_decide(actor=reviewer2, evidence=refused, decision="reject", expected_version=2,
                  comment="These are letters of intent, not of authorisation.")  # fmt: skip
    draft(analyst, "VNM", "INF-2", 1, "Registry under development.")
    withdrawn = draft(ghana, "GHA", "INF-2", 2, "Registry live.", provenance="self_developed")
    evidence_withdraw(actor=ghana, evidence=withdrawn, reason="entered under the wrong round")
    revoked = submitted(thailand, "THA", "IMP-4", 1, "Whitelist published.")
    review_decide(actor=reviewer, evidence=revoked, decision="approve", expected_version=2)
    review_revoke(actor=users.get(username="admin"), evidence=revoked,
                  reason="The whitelist was withdrawn by the ministry.")  # fmt: skip
    return assessment_round
