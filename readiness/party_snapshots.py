"""The Party as a round shows it: names, region, sub-region and groupings, read from the round's
snapshot once the round is published (frozen with it) and from the register before that.

`ListedParty` is what every published figure (results pages, Party table, profile, results API,
exports, data package, comparison) reads for a Party's names, region and groupings, whichever
the source; `snapshot_values` is the one description of a Party that the snapshot stores."""

from dataclasses import dataclass

from readiness.models import Party, PartySnapshot, Region
from readiness.models.bilingual import localized

# what a snapshot holds besides its round and Party
SNAPSHOT_FIELDS = (
    "code",
    "iso_numeric",
    "name_en",
    "name_zh",
    "region",
    "subregion_en",
    "subregion_zh",
    "is_supranational",
    "groupings",
)


@dataclass(frozen=True)
class ListedGrouping:
    code: str
    kind: str
    name_en: str
    name_zh: str
    order: int

    @property
    def name(self) -> str:
        return localized(self, "name")


@dataclass(frozen=True)
class ListedParty:
    id: int
    code: str
    iso_numeric: str
    name_en: str
    name_zh: str
    region: str
    subregion_en: str
    subregion_zh: str
    is_supranational: bool
    groupings: tuple[ListedGrouping, ...]

    @property
    def pk(self) -> int:
        return self.id

    @property
    def name(self) -> str:
        return localized(self, "name")

    @property
    def subregion(self) -> str:
        return localized(self, "subregion")

    def get_region_display(self) -> str:
        return str(Region(self.region).label) if self.region in Region.values else self.region

    @property
    def grouping_codes(self) -> frozenset[str]:
        return frozenset(grouping.code for grouping in self.groupings)

    def __str__(self) -> str:
        return self.name


def snapshot_values(party: Party) -> dict:
    """What a snapshot stores about `party`, from the register (its groupings prefetched)."""
    groupings = sorted(party.groupings.all(), key=lambda g: (g.kind, g.order, g.code))
    values = {field: getattr(party, field) for field in SNAPSHOT_FIELDS if field != "groupings"}
    values["groupings"] = [
        {"code": g.code, "kind": g.kind, "name_en": g.name_en, "name_zh": g.name_zh,
         "order": g.order}
        for g in groupings
    ]  # fmt: skip
    return values


def listed(party_id: int, values: dict) -> ListedParty:
    groupings = tuple(ListedGrouping(**grouping) for grouping in values["groupings"])
    fields = {field: values[field] for field in SNAPSHOT_FIELDS if field != "groupings"}
    return ListedParty(id=party_id, groupings=groupings, **fields)


def listed_from_snapshot(snapshot: PartySnapshot) -> ListedParty:
    return listed(snapshot.party_id, {field: getattr(snapshot, field) for field in SNAPSHOT_FIELDS})


def listed_from_register(party: Party) -> ListedParty:
    return listed(party.pk, snapshot_values(party))
