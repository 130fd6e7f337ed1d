"""Regenerate readiness/data/parties.csv, the reviewed list of Parties in the assessment.

Development tool only: the application reads the CSV and never imports this module, so pycountry
and country_converter are not runtime dependencies. With both installed, from the repository root:

    python scripts/build_party_data.py

Where every column comes from, and why each override exists: readiness/data/SOURCES.md.
"""

import csv
import gettext
import importlib.util
import re
from collections import Counter
from importlib.metadata import version
from pathlib import Path

import pycountry

OUTPUT_PATH = Path(__file__).resolve().parent.parent / "readiness" / "data" / "parties.csv"

COLUMNS = (
    "code",
    "iso2",
    "iso_numeric",
    "name_en",
    "name_zh",
    "region",
    "subregion",
    "subregion_zh",
    "unfccc_group",
    "ldc",
    "sids",
    "annex_i",
    "eu_member",
    "supranational",
)


def codes(text):
    return frozenset(text.split())


EUROPEAN_UNION = "EUU"

# UNFCCC Parties that are not UN member states (the EU is added separately).
NON_UN_MEMBER_PARTIES = codes("COK NIU PSE VAT")

# UNFCCC Parties outside the 2025 assessment round.
NOT_ASSESSED = codes("IRN LBY YEM")

# UN-OHRLLS list of least developed countries, as of December 2024 (44 countries, after the
# graduation of Bhutan in December 2023 and São Tomé and Príncipe in December 2024).
LEAST_DEVELOPED_COUNTRIES = codes(
    """
    AGO BDI BEN BFA CAF COD COM DJI ERI ETH GIN GMB GNB LBR LSO MDG MLI MOZ MRT MWI NER RWA
    SDN SEN SLE SOM SSD TCD TGO TZA UGA ZMB
    AFG BGD KHM LAO MMR NPL TLS YEM
    HTI
    KIR SLB TUV
    """
)

# UN-OHRLLS list of small island developing States, as of 2025: its 38 UN member States, plus
# the two non-UN members on that list that are UNFCCC Parties (Cook Islands, Niue).
SMALL_ISLAND_DEVELOPING_STATES = codes(
    """
    ATG BHS BLZ BRB CUB DMA DOM GRD GUY HTI JAM KNA LCA SUR TTO VCT
    FJI FSM KIR MHL NRU PLW PNG SLB TON TUV VUT WSM
    BHR COM CPV GNB MDV MUS SGP STP SYC TLS
    COK NIU
    """
)

# UNFCCC Annex I, as amended (Malta from 2010, Cyprus from 2013); 43 Parties with the EU.
ANNEX_I = codes(
    """
    AUS AUT BEL BGR BLR CAN CHE CYP CZE DEU DNK ESP EST EUU FIN FRA GBR GRC HRV HUN IRL ISL
    ITA JPN LIE LTU LUX LVA MCO MLT NLD NOR NZL POL PRT ROU RUS SVK SVN SWE TUR UKR USA
    """
)

# Member States of the European Union, as of 2025 (27, since the withdrawal of the UK in 2020).
EU_MEMBER_STATES = codes(
    """
    AUT BEL BGR CYP CZE DEU DNK ESP EST FIN FRA GRC HRV HUN IRL ITA LTU LUX LVA MLT NLD POL
    PRT ROU SVK SVN SWE
    """
)

# UN regional groups, which the UNFCCC uses for elections, as of 2025 (UN DGACM list of
# regional groups of Member States). The United States and Türkiye count in WEOG for elections.
# Non-UN Parties: the State of Palestine is a full member of the Asia-Pacific Group; the Cook
# Islands and Niue take part in it at the UNFCCC; the Holy See is an observer in WEOG.
UN_REGIONAL_GROUPS = {
    "african": codes(
        """
        AGO BDI BEN BFA BWA CAF CIV CMR COD COG COM CPV DJI DZA EGY ERI ETH GAB GHA GIN GMB
        GNB GNQ KEN LBR LBY LSO MAR MDG MLI MOZ MRT MUS MWI NAM NER NGA RWA SDN SEN SLE SOM
        SSD STP SWZ SYC TCD TGO TUN TZA UGA ZAF ZMB ZWE
        """
    ),
    "asia_pacific": codes(
        """
        AFG ARE BGD BHR BRN BTN CHN CYP FJI FSM IDN IND IRN IRQ JOR JPN KAZ KGZ KHM KIR KOR
        KWT LAO LBN LKA MDV MHL MMR MNG MYS NPL NRU OMN PAK PHL PLW PNG PRK QAT SAU SGP SLB
        SYR THA TJK TKM TLS TON TUV UZB VNM VUT WSM YEM
        PSE COK NIU
        """
    ),
    "eeg": codes(
        """
        ALB ARM AZE BGR BIH BLR CZE EST GEO HRV HUN LTU LVA MDA MKD MNE POL ROU RUS SRB SVK
        SVN UKR
        """
    ),
    "grulac": codes(
        """
        ARG ATG BHS BLZ BOL BRA BRB CHL COL CRI CUB DMA DOM ECU GRD GTM GUY HND HTI JAM KNA
        LCA MEX NIC PAN PER PRY SLV SUR TTO URY VCT VEN
        """
    ),
    "weog": codes(
        """
        AND AUS AUT BEL CAN CHE DEU DNK ESP FIN FRA GBR GRC IRL ISL ISR ITA LIE LUX MCO MLT
        NLD NOR NZL PRT SMR SWE TUR USA
        VAT
        """
    ),
}

# UN short names as used in UNFCCC Party lists, where pycountry's ISO 3166 name differs.
NAME_EN_OVERRIDES = {
    "BOL": "Bolivia (Plurinational State of)",
    "COD": "Democratic Republic of the Congo",
    "EUU": "European Union",
    "FSM": "Micronesia (Federated States of)",
    "GBR": "United Kingdom of Great Britain and Northern Ireland",
    "KOR": "Republic of Korea",
    "MDA": "Republic of Moldova",
    "NLD": "Netherlands (Kingdom of the)",
    "PRK": "Democratic People's Republic of Korea",
    "PSE": "State of Palestine",
    "TZA": "United Republic of Tanzania",
    "USA": "United States of America",
    "VAT": "Holy See",
    "VEN": "Venezuela (Bolivarian Republic of)",
}

# Usual PRC/UN Chinese short names, where pycountry's zh_CN translation is wrong, long-form,
# Taiwan usage, or ambiguous.
NAME_ZH_OVERRIDES = {
    "BGD": "孟加拉国",
    "BOL": "玻利维亚",
    "COG": "刚果共和国",
    "EUU": "欧盟",
    "FSM": "密克罗尼西亚联邦",
    "GTM": "危地马拉",
    "KGZ": "吉尔吉斯斯坦",
    "KHM": "柬埔寨",
    "KOR": "韩国",
    "LAO": "老挝",
    "MDA": "摩尔多瓦",
    "PRK": "朝鲜",
    "PSE": "巴勒斯坦国",
    "SYR": "叙利亚",
    "VAT": "教廷",
    "VEN": "委内瑞拉",
}

# M49 sub-regions that country_converter's table gets wrong.
SUBREGION_OVERRIDES = {
    "NRU": "Micronesia",
}

M49_REGIONS = {
    "Africa": "africa",
    "America": "americas",
    "Asia": "asia",
    "Europe": "europe",
    "Oceania": "oceania",
}

# UN Chinese names of the M49 areas used as sub-regions (intermediate regions where M49 has them).
SUBREGION_ZH = {
    "Northern Africa": "北非",
    "Eastern Africa": "东非",
    "Middle Africa": "中部非洲",
    "Southern Africa": "南部非洲",
    "Western Africa": "西非",
    "Caribbean": "加勒比",
    "Central America": "中美洲",
    "South America": "南美洲",
    "Northern America": "北美洲",
    "Central Asia": "中亚",
    "Eastern Asia": "东亚",
    "South-eastern Asia": "东南亚",
    "Southern Asia": "南亚",
    "Western Asia": "西亚",
    "Eastern Europe": "东欧",
    "Northern Europe": "北欧",
    "Southern Europe": "南欧",
    "Western Europe": "西欧",
    "Australia and New Zealand": "澳大利亚和新西兰",
    "Melanesia": "美拉尼西亚",
    "Micronesia": "密克罗尼西亚",
    "Polynesia": "波利尼西亚",
}

UN_MEMBER_COUNT = 193

REQUIRED_TOTAL = 195

CHINESE_CHARACTER = re.compile("[\u4e00-\u9fff]")

REQUIRED_COUNTS = {
    ("region", "africa"): 53,
    ("region", "americas"): 35,
    ("region", "asia"): 46,
    ("region", "europe"): 45,
    ("region", "oceania"): 16,
    ("unfccc_group", "african"): 53,
    ("unfccc_group", "asia_pacific"): 55,
    ("unfccc_group", "eeg"): 23,
    ("unfccc_group", "grulac"): 33,
    ("unfccc_group", "weog"): 30,
    ("unfccc_group", ""): 1,
    ("ldc", "1"): 43,
    ("sids", "1"): 40,
    ("annex_i", "1"): 43,
    ("eu_member", "1"): 27,
    ("supranational", "1"): 1,
}


def load_country_table():
    package_dir = Path(importlib.util.find_spec("country_converter").origin).parent
    with open(package_dir / "country_data.tsv", encoding="utf-8", newline="") as tsv:
        return {row["ISO3"]: row for row in csv.DictReader(tsv, delimiter="\t")}


def chinese_names():
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"])


def state_codes(country_table):
    un_members = {code for code, row in country_table.items() if row["UNmember"]}
    if len(un_members) != UN_MEMBER_COUNT:
        count = len(un_members)
        raise SystemExit(f"country_converter lists {count} UN members, not {UN_MEMBER_COUNT}")
    return sorted((un_members | NON_UN_MEMBER_PARTIES) - NOT_ASSESSED)


def flag(condition):
    return "1" if condition else "0"


def groupings(code):
    return {
        "unfccc_group": regional_group(code),
        "ldc": flag(code in LEAST_DEVELOPED_COUNTRIES),
        "sids": flag(code in SMALL_ISLAND_DEVELOPING_STATES),
        "annex_i": flag(code in ANNEX_I),
        "eu_member": flag(code in EU_MEMBER_STATES),
        "supranational": flag(code == EUROPEAN_UNION),
    }


def regional_group(code):
    groups = [name for name, members in UN_REGIONAL_GROUPS.items() if code in members]
    if len(groups) > 1:
        raise SystemExit(f"{code} is in several UN regional groups: {groups}")
    return groups[0] if groups else ""


def state_row(code, country_table, translation):
    country = pycountry.countries.get(alpha_3=code)
    m49 = country_table[code]
    subregion = SUBREGION_OVERRIDES.get(code, m49["UNregion"])
    return {
        "code": code,
        "iso2": country.alpha_2,
        "iso_numeric": country.numeric,
        "name_en": NAME_EN_OVERRIDES.get(code, country.name),
        "name_zh": NAME_ZH_OVERRIDES.get(code, translation.gettext(country.name)),
        "region": M49_REGIONS[m49["continent"]],
        "subregion": subregion,
        "subregion_zh": SUBREGION_ZH[subregion],
        **groupings(code),
    }


def european_union_row():
    return {
        "code": EUROPEAN_UNION,
        "iso2": "EU",
        "iso_numeric": "",
        "name_en": NAME_EN_OVERRIDES[EUROPEAN_UNION],
        "name_zh": NAME_ZH_OVERRIDES[EUROPEAN_UNION],
        "region": "europe",
        "subregion": "",
        "subregion_zh": "",
        **groupings(EUROPEAN_UNION),
    }


def build_rows():
    country_table = load_country_table()
    translation = chinese_names()
    rows = [state_row(code, country_table, translation) for code in state_codes(country_table)]
    rows.append(european_union_row())
    return sorted(rows, key=lambda row: row["code"])


def count_problems(rows):
    problems = []
    if len(rows) != REQUIRED_TOTAL:
        problems.append(f"{len(rows)} Parties, expected {REQUIRED_TOTAL}")
    for (column, value), expected in REQUIRED_COUNTS.items():
        actual = sum(row[column] == value for row in rows)
        if actual != expected:
            problems.append(f"{column}={value!r}: {actual} Parties, expected {expected}")
    return problems


def curation_problems(rows):
    known = {row["code"] for row in rows} | NOT_ASSESSED
    curated = [LEAST_DEVELOPED_COUNTRIES, SMALL_ISLAND_DEVELOPING_STATES, ANNEX_I, EU_MEMBER_STATES]
    curated += UN_REGIONAL_GROUPS.values()
    curated += [NAME_EN_OVERRIDES, NAME_ZH_OVERRIDES, SUBREGION_OVERRIDES]
    unknown = set().union(*curated) - known
    return [f"curated codes that are not Parties: {sorted(unknown)}"] if unknown else []


def translation_problems(rows):
    untranslated = [row["code"] for row in rows if not CHINESE_CHARACTER.search(row["name_zh"])]
    return [f"no Chinese name for {untranslated}"] if untranslated else []


def check(rows):
    problems = count_problems(rows) + curation_problems(rows) + translation_problems(rows)
    if problems:
        raise SystemExit("Party data failed its checks:\n  " + "\n  ".join(problems))


def write_csv(rows, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as output:
        writer = csv.DictWriter(output, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def counts_table(rows):
    lines = ["| column | value | Parties |", "| --- | --- | ---: |"]
    for column in ("region", "unfccc_group"):
        for value, count in sorted(Counter(row[column] for row in rows).items()):
            lines.append(f"| {column} | {value or '(none)'} | {count} |")
    for column in ("ldc", "sids", "annex_i", "eu_member", "supranational"):
        lines.append(f"| {column} | 1 | {sum(row[column] == '1' for row in rows)} |")
    lines.append(f"| total | | {len(rows)} |")
    return "\n".join(lines)


def main():
    rows = build_rows()
    check(rows)
    write_csv(rows, OUTPUT_PATH)
    print(f"Wrote {len(rows)} Parties to {OUTPUT_PATH}")
    print(f"pycountry {version('pycountry')}, country_converter {version('country_converter')}")
    print(counts_table(rows))


if __name__ == "__main__":
    main()
