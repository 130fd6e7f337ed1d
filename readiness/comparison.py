"""Comparing two rounds' results: grade transitions, per-Party and per-region changes."""

from dataclasses import dataclass
from decimal import Decimal

from readiness.models import AggregateResult, PartyResult, Region
from readiness.results import bands_of, pillars_of, rate, with_listed


@dataclass
class PartyChange:
    party: object
    before: PartyResult | None
    after: PartyResult | None

    @property
    def delta(self) -> Decimal | None:
        if self.before is None or self.after is None:
            return None
        return self.after.total_rate - self.before.total_rate

    @property
    def grade_changed(self) -> bool:
        return bool(self.before and self.after and self.before.grade != self.after.grade)


@dataclass
class RegionChange:
    label: str
    cells: list[tuple[object, Decimal | None, Decimal | None]]  # pillar, before, after


@dataclass
class Comparison:
    grades: list[str]
    matrix: list[tuple[str, list[int], int]]  # grade before, counts per grade after, row total
    parties: list[PartyChange]
    regions: list[RegionChange]
    pillars: list


def compare(earlier, later) -> Comparison:
    """Seven to nine queries whatever the number of Parties. Each Party is named as the later
    round shows it (as the earlier one, if it left)."""
    grades = [band.grade for band in bands_of(later)]
    before = {
        r.party_id: r
        for r in with_listed(earlier, PartyResult.objects.filter(round=earlier).only(
            "party_id", "grade", "total_rate"))
    }  # fmt: skip
    after = {
        r.party_id: r
        for r in with_listed(later, PartyResult.objects.filter(round=later).only(
            "party_id", "grade", "total_rate"))
    }  # fmt: skip
    matrix = []
    for grade in grades:
        counts = [
            sum(1 for pid, r in before.items() if r.grade == grade and pid in after
                and after[pid].grade == target)
            for target in grades
        ]  # fmt: skip
        matrix.append((grade, counts, sum(counts)))
    parties = [
        PartyChange((after.get(pid) or before.get(pid)).listed, before.get(pid), after.get(pid))
        for pid in set(before) | set(after)
    ]
    parties.sort(key=lambda change: (-(abs(change.delta or 0)), change.party.name_en))
    pillars = pillars_of(later)
    regional = {
        (a.round_id, a.key): a
        for a in AggregateResult.objects.filter(
            round__in=[earlier, later], key__startswith="region:"
        )
    }
    regions = []
    for value, label in Region.choices:
        old, new = (
            regional.get((earlier.pk, f"region:{value}")),
            regional.get((later.pk, f"region:{value}")),
        )
        if old or new:
            regions.append(
                RegionChange(
                    str(label),
                    [
                        (p, rate(old.pillar_asr.get(p.code)) if old else None,
                         rate(new.pillar_asr.get(p.code)) if new else None)
                        for p in pillars
                    ],
                )
            )  # fmt: skip
    return Comparison(grades, matrix, parties, regions, pillars)
