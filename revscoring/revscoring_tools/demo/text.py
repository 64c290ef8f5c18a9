"""Deterministic generation of English wikitext articles for the demo corpus.

Every function takes the ``random.Random`` it draws from, so one seed gives one corpus.
An article is built for a :class:`Subject` (what it is about, with its topic labels) in a
:class:`Shape` (how long, how referenced and how structured it is: the article quality
classes differ by shape).
"""

import random
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from . import lexicon
from .lexicon import REGIONS, Country, SubjectKind

_FORMATTER = string.Formatter()
_PRONOUNS = {
    "f": {"he": "she", "He": "She", "his": "her", "His": "Her", "him": "her"},
    "m": {"he": "he", "He": "He", "his": "his", "His": "His", "him": "him"},
}
_LINKABLE = ("place", "country", "person", "org", "city")
_VARYING = {"year": 0.7, "work": 0.6, "place": 0.3}


@dataclass(frozen=True)
class Subject:
    """What an article is about: its title, its topic labels and fixed facts."""

    kind: SubjectKind
    title: str
    labels: tuple[str, ...]
    country: Country | None
    facts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Shape:
    """The structure of an article: counts are (low, high) ranges, the rest chances."""

    sections: tuple[int, int]
    paragraphs: tuple[int, int]
    sentences: tuple[int, int]
    ref: float
    templated_ref: float
    link: float
    citation_needed: float
    infobox: float
    images: tuple[int, int]
    categories: tuple[int, int]
    stub: bool
    see_also: float
    external_links: tuple[int, int]


QUALITY_SHAPES: Mapping[str, Shape] = MappingProxyType(
    {
        "Stub": Shape((0, 0), (1, 1), (1, 3), 0.2, 0.3, 0.2, 0.15, 0.1, (0, 0), (1, 2), True,
                      0.0, (0, 1)),
        "Start": Shape((1, 2), (1, 2), (2, 4), 0.25, 0.4, 0.3, 0.25, 0.3, (0, 1), (1, 3), False,
                       0.2, (0, 2)),
        "C": Shape((2, 4), (1, 2), (3, 5), 0.4, 0.6, 0.4, 0.15, 0.6, (0, 1), (2, 4), False,
                   0.5, (1, 2)),
        "B": Shape((4, 5), (2, 3), (3, 5), 0.6, 0.8, 0.5, 0.05, 0.9, (1, 2), (3, 5), False,
                   0.7, (1, 3)),
        "GA": Shape((5, 6), (2, 3), (4, 6), 0.8, 0.9, 0.5, 0.0, 1.0, (2, 3), (3, 6), False,
                    0.8, (1, 3)),
        "FA": Shape((6, 8), (3, 4), (4, 6), 0.9, 0.95, 0.55, 0.0, 1.0, (3, 5), (4, 7), False,
                    0.9, (2, 4)),
    }
)  # fmt: skip
"""Article shapes by enwiki quality class (Stub, Start, C, B, GA, FA)."""

QUALITY_CLASSES: tuple[str, ...] = tuple(QUALITY_SHAPES)
_EXTRA_SECTIONS = ("Background", "Reception", "In popular culture", "Further reading", "Notes")


def _between(rng: random.Random, bounds: tuple[int, int]) -> int:
    return rng.randint(bounds[0], bounds[1])


def _work_title(rng: random.Random) -> str:
    first, second = rng.sample(lexicon.WORK_WORDS, 2)
    return rng.choice(("The {} {}", "{} {}", "{} of the {}")).format(first, second)


def _org_name(rng: random.Random) -> str:
    return f"{rng.choice(lexicon.ORG_WORDS)} {rng.choice(lexicon.ORG_SUFFIXES)}"


def _person(rng: random.Random) -> str:
    return f"{rng.choice(lexicon.FIRST_NAMES)} {rng.choice(lexicon.LAST_NAMES)}"


def _year(rng: random.Random) -> str:
    return str(rng.randint(1890, 2021))


def _random_country(rng: random.Random) -> Country:
    return rng.choice(REGIONS[rng.choice(sorted(REGIONS))])


def _fresh_value(rng: random.Random, name: str) -> str:
    """A new random value for a template field."""
    makers = {
        "work": lambda: _work_title(rng),
        "org": lambda: _org_name(rng),
        "person": lambda: _person(rng),
        "first": lambda: rng.choice(lexicon.FIRST_NAMES),
        "last": lambda: rng.choice(lexicon.LAST_NAMES),
        "year": lambda: _year(rng),
        "died": lambda: _year(rng),
        "number": lambda: str(rng.choice((2, 3, 4, 5, 7, 8, 12, 15, 20, 25, 40, 60, 120))),
        "month": lambda: rng.choice(lexicon.MONTHS),
        "noun": lambda: rng.choice(("book", "film", "song", "place", "player", "city")),
        "place": lambda: rng.choice(_random_country(rng).cities),
        "city": lambda: rng.choice(_random_country(rng).cities),
        "country": lambda: _random_country(rng).name,
        "demonym": lambda: _random_country(rng).demonym,
    }
    if name not in makers:
        raise KeyError(f"unknown template field {name!r}")
    return makers[name]()


def make_subject(rng: random.Random, kind: SubjectKind, region: str | None = None) -> Subject:
    """A subject of ``kind``; regional kinds are set in a country of ``region`` (drawn
    from :data:`lexicon.REGIONS` when not given)."""
    labels = list(kind.topics)
    country = None
    if kind.regional:
        region = region or rng.choice(sorted(REGIONS))
        country = rng.choice(REGIONS[region])
        labels.append(region)
    first, last = rng.choice(lexicon.FIRST_NAMES), rng.choice(lexicon.LAST_NAMES)
    born = rng.randint(1890, 1995)
    genus = rng.choice(lexicon.GENERA)
    facts = {
        "first": first,
        "last": last,
        "born": f"{rng.randint(1, 28)} {rng.choice(lexicon.MONTHS)} {born}",
        "died": str(born + rng.randint(45, 90)),
        "genus": genus,
        "species": f"{genus} {rng.choice(lexicon.EPITHETS)}",
        "product": "".join(rng.choice(part) for part in lexicon.PRODUCT_PARTS),
        "concept": rng.choice(lexicon.PHYSICS_CONCEPTS),
        "disease": rng.choice(lexicon.DISEASES),
        "dish": rng.choice(lexicon.DISHES[region]) if kind.key == "dish" and region else "",
        "org": _org_name(rng),
        "work": _work_title(rng),
        "place": country.cities[0] if country else "",
        "country": country.name if country else "",
        "demonym": country.demonym if country else "",
        "city": rng.choice(country.cities) if country else "",
        "year": _year(rng),
    }
    facts.update(_PRONOUNS[rng.choice("fm")])
    if country:
        facts["place"] = rng.choice(country.cities)
    title = _FORMATTER.vformat(kind.title, (), facts)
    facts["title"] = title
    return Subject(kind, title, tuple(labels), country, MappingProxyType(facts))


def _value(rng: random.Random, name: str, subject: Subject, vary: bool) -> str:
    fact = subject.facts.get(name, "")
    if fact and not (vary and name in _VARYING and rng.random() < _VARYING[name]):
        return fact
    return _fresh_value(rng, name)


def fill(
    rng: random.Random, template: str, subject: Subject, link: float = 0.0, vary: bool = True
) -> str:
    """``template`` with its fields filled from the subject's facts (or, for fields
    missing from them and, with ``vary``, sometimes for years and works, fresh draws);
    places, people and organisations become wikilinks with probability ``link``."""
    values: dict[str, str] = {}
    for _, name, _, _ in _FORMATTER.parse(template):
        if not name or name in values:
            continue
        value = _value(rng, name, subject, vary)
        if name in _LINKABLE and rng.random() < link:
            value = f"[[{value}]]"
        values[name] = value
    return _FORMATTER.vformat(template, (), values)


def reference(rng: random.Random, subject: Subject, templated: bool) -> str:
    """A ``<ref>`` tag citing a news or book source (a cite template or a bare link)."""
    index = rng.randrange(len(lexicon.PUBLISHERS))
    publisher, domain = lexicon.PUBLISHERS[index], lexicon.NEWS_DOMAINS[index]
    year, month, day = _year(rng), rng.choice(lexicon.MONTHS), rng.randint(1, 28)
    url = f"https://{domain}/{year}/{rng.randint(1000, 99999)}"
    title = fill(rng, rng.choice(subject.kind.sentences), subject).rstrip(".")
    title = title.replace("'", "").replace("[", "").replace("]", "")
    if len(title) > 70:
        title = title[:70].rsplit(" ", 1)[0]
    if not templated:
        return f"<ref>[{url} {title}]. ''{publisher}''. {day} {month} {year}.</ref>"
    cite = rng.choice(("cite web", "cite news", "cite book", "Cite journal"))
    return (
        f"<ref>{{{{{cite} |url={url} |title={title} |publisher={publisher} "
        f"|date={day} {month} {year} |access-date=12 May 2021}}}}</ref>"
    )


def topic_sentence(rng: random.Random, subject: Subject, link: float = 0.0) -> str:
    """One sentence about the subject (mostly from its kind's templates)."""
    pool = subject.kind.sentences if rng.random() < 0.85 else lexicon.GENERAL_SENTENCES
    return fill(rng, rng.choice(pool), subject, link)


def referenced_sentence(rng: random.Random, subject: Subject, shape: Shape) -> str:
    """A topic sentence followed, by the shape's chances, by a reference or a
    ``{{citation needed}}`` tag."""
    text = topic_sentence(rng, subject, shape.link)
    roll = rng.random()
    if roll < shape.ref:
        return text + reference(rng, subject, rng.random() < shape.templated_ref)
    if roll < shape.ref + shape.citation_needed:
        month, year = rng.choice(lexicon.MONTHS), rng.randint(2012, 2021)
        return text + f"{{{{Citation needed|date={month} {year}}}}}"
    return text


def paragraph(rng: random.Random, subject: Subject, shape: Shape) -> str:
    """Sentences of one paragraph."""
    count = _between(rng, shape.sentences)
    return " ".join(referenced_sentence(rng, subject, shape) for _ in range(count))


def _infobox(rng: random.Random, subject: Subject) -> str:
    lines = [f"{{{{{subject.kind.infobox}", f"| name = {subject.title}"]
    lines.append(f"| image = {subject.title.replace(' ', '_')}.jpg")
    if subject.country:
        lines.append(f"| country = [[{subject.country.name}]]")
        lines.append(f"| location = [[{subject.facts['place']}]]")
    if subject.kind.person:
        lines.append(f"| birth_date = {subject.facts['born']}")
        lines.append(f"| occupation = {subject.kind.key}")
    lines.append(f"| year = {_year(rng)}")
    return "\n".join(lines) + "\n}}"


def _image(rng: random.Random, subject: Subject) -> str:
    caption = fill(rng, rng.choice(subject.kind.sentences), subject).rstrip(".")[:60]
    name = f"{subject.title.replace(' ', '_')}_{rng.randint(1, 99)}.jpg"
    return f"[[File:{name}|thumb|{caption}]]"


def _section_titles(subject: Subject, count: int) -> list[str]:
    titles = list(subject.kind.sections) + [
        t for t in _EXTRA_SECTIONS if t not in subject.kind.sections
    ]
    return titles[:count]


def _categories(rng: random.Random, subject: Subject, count: int) -> list[str]:
    names = [_FORMATTER.vformat(c, (), subject.facts) for c in subject.kind.categories]
    names += [f"{subject.kind.key.capitalize()}s of {_year(rng)}", "Articles with hCards"]
    return [f"[[Category:{name}]]" for name in names[:count]]


def lead(rng: random.Random, subject: Subject, shape: Shape, sentences: int) -> str:
    """The lead paragraph: the kind's defining sentence and ``sentences - 1`` more."""
    first = fill(rng, rng.choice(subject.kind.leads), subject, shape.link, vary=False)
    rest = [referenced_sentence(rng, subject, shape) for _ in range(max(sentences - 1, 0))]
    return " ".join([first, *rest])


def compose_article(rng: random.Random, subject: Subject, shape: Shape) -> str:
    """A whole article about ``subject`` in ``shape``."""
    parts: list[str] = []
    if shape.sections[1] >= 2:
        parts.append(f"{{{{Short description|{subject.kind.key.capitalize()}}}}}")
    if rng.random() < shape.infobox:
        parts.append(_infobox(rng, subject))
    lead_sentences = _between(rng, shape.sentences) if shape.stub else rng.randint(2, 4)
    parts.append(lead(rng, subject, shape, lead_sentences))
    sections = _section_titles(subject, _between(rng, shape.sections))
    images = _between(rng, shape.images)
    for index, title in enumerate(sections):
        parts.append(f"== {title} ==")
        if index == 1 and shape.sections[1] >= 5:
            parts.append(f"{{{{Main|{subject.title} {title.lower()}}}}}")
        if index < images:
            parts.append(_image(rng, subject))
        for _ in range(_between(rng, shape.paragraphs)):
            parts.append(paragraph(rng, subject, shape))
        if index == 2 and shape.sections[1] >= 6:
            parts.append(f"=== {rng.choice(_EXTRA_SECTIONS)} ===")
            parts.append(paragraph(rng, subject, shape))
    body = "\n\n".join(parts)
    return "\n\n".join([body, *_end_matter(rng, subject, shape, "<ref" in body)]) + "\n"


def _end_matter(rng: random.Random, subject: Subject, shape: Shape, has_refs: bool) -> list[str]:
    parts: list[str] = []
    if rng.random() < shape.see_also:
        links = [f"* [[{_person(rng)}]]", f"* [[{_work_title(rng)}]]"]
        parts.append("== See also ==\n" + "\n".join(links))
    if has_refs:
        parts.append("== References ==\n{{Reflist}}")
    external = _between(rng, shape.external_links)
    if external:
        items = [
            f"* [https://{rng.choice(lexicon.NEWS_DOMAINS)}/{subject.title.replace(' ', '_')}"
            f" {subject.title}]"
            for _ in range(external)
        ]
        parts.append("== External links ==\n" + "\n".join(items))
    if shape.stub:
        parts.append(f"{{{{{_FORMATTER.vformat(subject.kind.stub, (), subject.facts)}}}}}")
    parts.append("\n".join(_categories(rng, subject, _between(rng, shape.categories))))
    return parts


def kind_by_key(key: str) -> SubjectKind:
    """The subject kind called ``key``."""
    for kind in lexicon.SUBJECT_KINDS:
        if kind.key == key:
            return kind
    raise KeyError(key)


def random_subject(rng: random.Random, kinds: Sequence[SubjectKind] | None = None) -> Subject:
    """A subject of a kind drawn from ``kinds`` (all kinds by default)."""
    return make_subject(rng, rng.choice(tuple(kinds or lexicon.SUBJECT_KINDS)))
