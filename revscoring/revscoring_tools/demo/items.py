"""Wikidata items (Wikibase entity JSON, as stored in a revision) for the demo corpus.

An item is built for a subject kind of :mod:`.lexicon` (a human writer, a city, a film
...) at a quality class of Wikidata's scale (A best .. E worst): better items have more
labels, descriptions and aliases (in more of the eight languages Wikidata's quality
criteria call important), more statements, more of them referenced (and by external
sources rather than "imported from Wikimedia project"), qualifiers, external
identifiers, an image and more sitelinks.
"""

import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from .lexicon import REGIONS, Country, SubjectKind

Json = dict[str, Any]

ITEM_QUALITY_CLASSES: tuple[str, ...] = ("A", "B", "C", "D", "E")
IMPORTANT_LANGUAGES = ("en", "de", "ar", "zh", "es", "pt", "ru", "fr")
OTHER_LANGUAGES = (
    "it", "nl", "pl", "sv", "ja", "ko", "fi", "da", "nb", "cs", "hu", "tr", "uk", "he", "fa",
    "id", "vi", "ro", "ca", "eu", "gl", "el", "bg", "sr", "hr", "sk", "sl", "lt", "lv", "et",
    "ms", "th", "hi", "bn", "ta",
)  # fmt: skip

HUMAN = "Q5"
INSTANCE_OF = "P31"
OCCUPATION = "P106"
COUNTRY_PROPERTIES = ("P17", "P27", "P495")  # country, citizenship, country of origin

# The class (P31 value) of each subject kind, and for humans their occupation (P106).
ITEM_CLASSES: Mapping[str, tuple[str, str | None]] = MappingProxyType(
    {
        "writer": (HUMAN, "Q36180"),
        "musician": (HUMAN, "Q639669"),
        "athlete": (HUMAN, "Q937857"),
        "politician": (HUMAN, "Q82955"),
        "film": ("Q11424", None),
        "album": ("Q482994", None),
        "battle": ("Q178561", None),
        "settlement": ("Q515", None),
        "company": ("Q4830453", None),
        "species": ("Q16521", None),
        "software": ("Q7397", None),
        "physics": ("Q483247", None),
        "disease": ("Q12136", None),
        "dish": ("Q746549", None),
    }
)


@dataclass(frozen=True)
class Richness:
    """How much an item of a quality class has: (low, high) counts and chances."""

    labels: tuple[int, int]
    important_share: float
    descriptions: float  # share of labelled languages that also have a description
    aliases: tuple[int, int]
    statements: tuple[int, int]
    referenced: float
    external_refs: float  # share of references that are external (not P143)
    qualifiers: float
    external_ids: tuple[int, int]
    image: float
    sitelinks: tuple[int, int]


RICHNESS: Mapping[str, Richness] = MappingProxyType(
    {
        "A": Richness((20, 40), 1.0, 0.8, (4, 10), (12, 20), 0.9, 0.9, 0.5, (4, 7), 1.0,
                      (25, 60)),
        "B": Richness((8, 20), 0.8, 0.6, (2, 6), (8, 14), 0.6, 0.7, 0.25, (2, 4), 0.8,
                      (8, 30)),
        "C": Richness((3, 9), 0.5, 0.4, (0, 3), (4, 9), 0.3, 0.5, 0.1, (1, 2), 0.4, (2, 10)),
        "D": Richness((1, 3), 0.4, 0.3, (0, 1), (2, 4), 0.1, 0.2, 0.0, (0, 1), 0.1, (0, 3)),
        "E": Richness((1, 1), 0.3, 0.2, (0, 0), (1, 2), 0.0, 0.0, 0.0, (0, 0), 0.0, (0, 1)),
    }
)  # fmt: skip
"""Item richness by Wikidata quality class."""


def _qid(rng: random.Random) -> str:
    return f"Q{rng.randint(100_000, 99_999_999)}"


def _snak(pid: str, datatype: str, value_type: str, value: Any) -> Json:
    return {
        "snaktype": "value",
        "property": pid,
        "datavalue": {"value": value, "type": value_type},
        "datatype": datatype,
    }


def item_snak(pid: str, qid: str) -> Json:
    """A snak whose value is a Wikidata item."""
    value = {"entity-type": "item", "numeric-id": int(qid[1:]), "id": qid}
    return _snak(pid, "wikibase-item", "wikibase-entityid", value)


def time_snak(pid: str, year: int, month: int = 1, day: int = 1) -> Json:
    """A snak whose value is a date (day precision)."""
    value = {
        "time": f"+{year:04d}-{month:02d}-{day:02d}T00:00:00Z",
        "timezone": 0,
        "before": 0,
        "after": 0,
        "precision": 11,
        "calendarmodel": "http://www.wikidata.org/entity/Q1985727",
    }
    return _snak(pid, "time", "time", value)


def string_snak(pid: str, value: str, datatype: str = "string") -> Json:
    """A snak with a string value (``external-id``, ``url``, ``commonsMedia`` ...)."""
    return _snak(pid, datatype, "string", value)


def quantity_snak(pid: str, amount: int) -> Json:
    """A snak with a unitless quantity."""
    return _snak(pid, "quantity", "quantity", {"amount": f"+{amount}", "unit": "1"})


def coordinate_snak(pid: str, latitude: float, longitude: float) -> Json:
    """A snak with a coordinate on Earth."""
    value = {
        "latitude": latitude,
        "longitude": longitude,
        "altitude": None,
        "precision": 0.0001,
        "globe": "http://www.wikidata.org/entity/Q2",
    }
    return _snak(pid, "globe-coordinate", "globecoordinate", value)


SnakMaker = Callable[[random.Random, Country | None], Json]


def _country_qid(rng: random.Random, country: Country | None) -> str:
    return country.qid if country else rng.choice(REGIONS[rng.choice(sorted(REGIONS))]).qid


def _item(pid: str, *choices: str) -> SnakMaker:
    return lambda rng, country: item_snak(pid, rng.choice(choices) if choices else _qid(rng))


def _country(pid: str) -> SnakMaker:
    return lambda rng, country: item_snak(pid, _country_qid(rng, country))


def _time(pid: str) -> SnakMaker:
    return lambda rng, country: time_snak(pid, rng.randint(1850, 2020), rng.randint(1, 12))


def _quantity(pid: str) -> SnakMaker:
    return lambda rng, country: quantity_snak(pid, rng.randint(10, 2_000_000))


def _coordinate(pid: str) -> SnakMaker:
    return lambda rng, country: coordinate_snak(
        pid, round(rng.uniform(-40, 65), 4), round(rng.uniform(-120, 140), 4)
    )


def _url(pid: str) -> SnakMaker:
    return lambda rng, country: string_snak(
        pid, f"https://www.example.org/{rng.randint(1, 99999)}", "url"
    )


def _external_id(pid: str) -> SnakMaker:
    return lambda rng, country: string_snak(pid, str(rng.randint(10**6, 10**9)), "external-id")


_PERSON = (
    _item("P21", "Q6581072", "Q6581097"), _country("P27"), _time("P569"), _item("P19"),
    _item("P735"), _item("P734"), _item("P1412"), _time("P570"), _item("P69"), _item("P166"),
)  # fmt: skip
_PERSON_IDS = ("P214", "P227", "P213", "P646", "P269", "P1006", "P2163")

# Typical statements (beyond P31 and P106) of each kind, most important first.
KIND_STATEMENTS: Mapping[str, tuple[SnakMaker, ...]] = MappingProxyType(
    {
        "writer": _PERSON + (_item("P800"), _item("P1303")),
        "musician": _PERSON + (_item("P1303", "Q5994", "Q6607"), _item("P264")),
        "athlete": _PERSON + (_item("P54"), _item("P413"), _quantity("P2048")),
        "politician": _PERSON + (_item("P39"), _item("P102")),
        "film": (_item("P57"), _time("P577"), _item("P136", "Q130232", "Q157443"),
                 _country("P495"), _item("P364"), _quantity("P2047"), _item("P161"),
                 _item("P162"), _item("P58")),
        "album": (_item("P175"), _time("P577"), _item("P136", "Q11399", "Q8341"),
                  _item("P264"), _item("P658")),
        "battle": (_item("P361"), _time("P585"), _country("P17"), _item("P276"),
                   _coordinate("P625"), _item("P710"), _item("P1120")),
        "settlement": (_country("P17"), _coordinate("P625"), _quantity("P1082"),
                       _item("P131"), _url("P856"), _quantity("P2044"), _item("P190")),
        "company": (_country("P17"), _item("P159"), _item("P452"), _time("P571"),
                    _url("P856"), _quantity("P2139"), _quantity("P1128"), _item("P112")),
        "species": (_item("P105", "Q7432"), _item("P171"), _item("P141", "Q278113", "Q211005"),
                    _item("P183"), _item("P1034")),
        "software": (_item("P178"), _item("P277", "Q2407", "Q28865"), _item("P306", "Q388"),
                     _item("P275", "Q334661"), _url("P1324"), _time("P571"), _url("P856")),
        "physics": (_item("P279"), _item("P361", "Q944"), _item("P61"), _time("P575"),
                    _item("P2579", "Q413"), _item("P1552")),
        "disease": (_item("P780"), _item("P2176"), _item("P1995", "Q788926"), _item("P828"),
                    _item("P780"), _item("P2293")),
        "dish": (_country("P495"), _item("P186"), _item("P361"), _item("P279", "Q746549"),
                 _item("P186")),
    }
)  # fmt: skip
KIND_IDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "film": ("P345", "P646", "P1265", "P480"),
        "album": ("P436", "P646", "P1954"),
        "species": ("P685", "P846", "P830", "P815"),
        "disease": ("P494", "P486", "P699", "P492"),
        "software": ("P646", "P2037"),
    }
)


def _statement(entity_id: str, serial: int, snak: Json) -> Json:
    return {
        "mainsnak": snak,
        "type": "statement",
        "id": f"{entity_id}${serial:08d}-0000-4000-8000-000000000000",
        "rank": "normal",
    }


def _reference(rng: random.Random, external: bool) -> Json:
    if not external:
        snaks = {"P143": [item_snak("P143", rng.choice(("Q328", "Q48183", "Q8447", "Q206855")))]}
    elif rng.random() < 0.5:
        snaks = {"P248": [item_snak("P248", _qid(rng))], "P813": [time_snak("P813", 2020, 5)]}
    else:
        snaks = {
            "P854": [string_snak("P854", f"https://www.example.org/{rng.randint(1, 9999)}", "url")],
            "P813": [time_snak("P813", 2021, 1)],
        }
    return {"hash": f"{rng.getrandbits(160):040x}", "snaks": snaks, "snaks-order": list(snaks)}


def _labels(rng: random.Random, title: str, richness: Richness) -> list[str]:
    count = rng.randint(*richness.labels)
    important = [lang for lang in IMPORTANT_LANGUAGES if rng.random() < richness.important_share]
    if count == 1 and rng.random() < 0.7:
        important = ["en"]
    others = rng.sample(OTHER_LANGUAGES, max(0, min(count - len(important), len(OTHER_LANGUAGES))))
    return (important + others)[: max(count, 1)]


def _terms(languages: list[str], value: str) -> Json:
    return {lang: {"language": lang, "value": value} for lang in languages}


def make_item(
    rng: random.Random, entity_id: str, kind: SubjectKind, quality: str, title: str,
    country: Country | None,
) -> Json:  # fmt: skip
    """The entity JSON of an item about a ``kind`` subject called ``title``."""
    richness = RICHNESS[quality]
    p31, occupation = ITEM_CLASSES[kind.key]
    snaks = [item_snak(INSTANCE_OF, p31)]
    if occupation:
        snaks.append(item_snak(OCCUPATION, occupation))
    makers = list(KIND_STATEMENTS[kind.key])
    wanted = rng.randint(*richness.statements)
    snaks += [maker(rng, country) for maker in makers[: max(wanted - len(snaks), 0)]]
    ids = _PERSON_IDS if p31 == HUMAN else KIND_IDS.get(kind.key, ("P646", "P2671"))
    for pid in ids[: rng.randint(*richness.external_ids)]:
        snaks.append(_external_id(pid)(rng, country))
    if rng.random() < richness.image:
        snaks.append(string_snak("P18", f"{title.replace(' ', '_')}.jpg", "commonsMedia"))
    claims: Json = {}
    for serial, snak in enumerate(snaks):
        statement = _statement(entity_id, serial, snak)
        if rng.random() < richness.referenced and snak["datatype"] != "external-id":
            external = rng.random() < richness.external_refs
            statement["references"] = [_reference(rng, external)]
        if rng.random() < richness.qualifiers:
            statement["qualifiers"] = {"P580": [time_snak("P580", rng.randint(1900, 2020))]}
            statement["qualifiers-order"] = ["P580"]
        claims.setdefault(snak["property"], []).append(statement)
    languages = _labels(rng, title, richness)
    described = [lang for lang in languages if rng.random() < richness.descriptions]
    aliased = languages[: rng.randint(*richness.aliases)]
    sites = ["en", *OTHER_LANGUAGES] if "en" in languages else list(OTHER_LANGUAGES)
    sitelinks = {
        f"{lang}wiki": {"site": f"{lang}wiki", "title": title, "badges": []}
        for lang in sites[: rng.randint(*richness.sitelinks)]
    }
    if quality == "A" and sitelinks and rng.random() < 0.5:
        sitelinks[next(iter(sitelinks))]["badges"] = ["Q17437796"]
    return {
        "type": "item",
        "id": entity_id,
        "labels": _terms(languages, title),
        "descriptions": _terms(described, f"{kind.key} ({title})"),
        "aliases": {
            lang: [{"language": lang, "value": f"{title} ({n})"} for n in range(1, 3)]
            for lang in aliased
        },
        "claims": claims,
        "sitelinks": sitelinks,
    }


def item_text(item: Json) -> str:
    """The revision text of an item: compact JSON, as Wikibase stores it."""
    return json.dumps(item, ensure_ascii=False, separators=(",", ":"))
