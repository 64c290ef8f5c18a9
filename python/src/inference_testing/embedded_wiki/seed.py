"""The deterministic seed of the embedded wiki, and the manifest that names it.

Everything here is computed from this module and the ``article_*.wikitext`` files next to
it; two builds give the same pages, revisions, ids and manifest (the ids are read back from
the database after the import, never assumed).

How it is seeded
----------------
1. users are created with ``createAndPromote.php`` (so imported edits are attributed to
   local accounts with a user id), then their registration date, edit count, gender and
   e-mail are set in the ``user`` / ``user_properties`` tables;
2. all revisions are imported in one ``importDump.php`` call, one ``<page>`` element per
   revision in global time order, so revision and page ids increase with time as on a real
   wiki; the import sets timestamps, users, IPs, comments, minor flags and content models,
   and fills the link tables (``pagelinks``, ``redirect``);
3. one page is deleted with ``deleteBatch.php`` (its revisions move to the archive);
4. the job queue is drained, then revision deletion bits (``rev_deleted``) and the
   ``wikibase_item`` page properties are written to the database (the wiki never runs jobs
   afterwards, so nothing overwrites them); ``rebuildrecentchanges.php`` fills
   ``list=recentchanges`` with the whole history.

The articles
------------
Each ``article_<lang>_<slug>.wikitext`` file is the *latest* revision of an article.
Earlier revisions are derived from it by a :class:`Stage` (how many sections, paragraphs,
references, infobox fields, the table, images, appendix sections and categories exist at
that time), by ``copyedits`` (pairs ``(earlier wording, later wording)`` applied in order;
an empty earlier wording means the later text was added by that edit) and by special edits
(vandalism, inserted text, reverts). English articles (10-30 KB each): Eddystone
Lighthouse, Honey bee, Mount Vesuvius, Chess, Tour de France, Danube, Sourdough, Green tea;
smaller: Wings of Fire (novel series), Ploughman's lunch; Dutch: Stroopwafel; German:
Schwarzwälder Kirschtorte. Generated pages: stubs that are outlink targets, two redirects,
a list of 600 minor planets (570 stubs exist), a deleted spam page, and three Wikidata-like
item pages ``Q42``, ``Q64``, ``Q104567890`` (content model ``json``, Wikibase entity JSON).
The ``wikibase_item`` page properties are synthetic ids: ``Q7000001``... for the
hand-written articles, ``Q7100001``... for the outlink targets, ``Q7200001``... for the minor
planets.

The manifest (``seed.json``, :attr:`EmbeddedWiki.seed`)
-------------------------------------------------------
``revisions``: revision ids by role:
    ``page_creation`` (first revision of Eddystone Lighthouse, parentid 0),
    ``anon_edit`` (an IP's spelling fix, minor), ``bot_edit`` (a bot's citation fix, minor),
    ``good_edit`` (a sourced new section by an experienced user),
    ``vandalism`` (an IP blanks the Behaviour section of Honey bee and writes profanity in
    capitals), ``revert`` (the sysop's rollback right after it; same sha1 as the parent of
    the vandalism), ``newcomer_edit`` (a new account's spelling fix), ``minor_edit`` (a
    registered user's minor edit), ``text_deleted`` (text, sha1 hidden: the API answers
    ``texthidden``), ``text_deleted_revert`` (the revert after it; its parent's text is
    hidden), ``user_hidden`` (the API answers ``userhidden``), ``deleted_page`` (a revision
    of a deleted page: the API answers it under ``badrevids``), ``nl_creation``,
    ``nl_article`` (a good Dutch edit), ``de_creation``, ``de_article`` (a good German
    edit), ``de_damaging`` (an IP vandalises the German article), ``de_revert``, ``item``
    (latest revision of ``Q42``, content model json), ``item_city`` (``Q64``),
    ``item_sparse`` (``Q104567890``, label, description and one claim), ``outlinks_page``,
    ``no_outlinks_page``, ``many_outlinks_page`` (latest revisions of those pages).
``all_article_revisions``: every revision of the English articles whose text is visible
    (ordered by id; more than 40).
``nl_article_revisions``, ``de_article_revisions``: the same for the Dutch and German ones.
``articles``: ``{title: {"page_id", "lang", "revisions", "first_rev_id", "latest_rev_id",
    "wikibase_item"}}`` for every hand-written article.
``items``: ``{"Q42": {"page_id", "revisions", "latest_rev_id"}, ...}``.
``pages``:
    ``outlinks``: ``{"title", "page_id", "rev_id", "expected_qids"}`` (sorted
    ``wikibase_item`` values of the main-namespace pages it links to, directly or through a
    redirect), plus ``redirects`` (``{from: to}``), ``missing_titles`` (red links),
    ``without_qid_titles`` (existing targets without the property) and
    ``other_namespace_titles`` (links a caller must exclude);
    ``no_outlinks``: ``{"title", "page_id", "rev_id"}``;
    ``many_outlinks``: like ``outlinks``, with ``link_count`` (600, more than the API's
    500 per request) and ``missing_titles``;
    ``redirect``: ``{"title", "page_id", "target", "target_page_id"}``;
    ``deleted``: ``{"title", "rev_ids", "exists"}`` (``exists`` is false).
``users``: by role (``admin``, ``sysop``, ``veteran``, ``experienced``, ``regular``,
    ``newcomer``, ``bot``, ``hidden``, ``spammer``, ``nl_editor``, ``de_editor``):
    ``{"name", "user_id", "groups", "registration", "editcount", "gender", "emailable"}`` as
    the API reports them (``groups``: the explicit ones; the API adds ``*``, ``user`` and
    ``autoconfirmed``).
``ips``: the IP addresses that edit (``good_faith``, ``vandal``, ``defamer``,
    ``de_vandal``, ...).
``missing_rev_id``: a revision id that does not exist (larger than every seeded id).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import math
import random
import re
import sqlite3
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

DATA_DIR = Path(__file__).resolve().parent
EXPORT_NS = "http://www.mediawiki.org/xml/export-0.11/"
MISSING_REV_ID = 987_654_321
WIKITEXT = ("wikitext", "text/x-wiki")
JSON_MODEL = ("json", "application/json")
# rev_deleted bits (MediaWiki's RevisionRecord::DELETED_*).
DELETED_TEXT = 1
DELETED_USER = 4

# A maintenance script runner: (script name, *arguments) -> output.
Maintenance = Callable[..., str]


# ---------------------------------------------------------------------------------------
# Users and IP addresses
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedUser:
    """A local account. ``editcount`` is what the API reports (at least the real count)."""

    role: str
    name: str
    registration: str
    editcount: int
    groups: tuple[str, ...] = ()
    gender: str | None = None
    email: str | None = None


USERS: tuple[SeedUser, ...] = (
    SeedUser("sysop", "Marginalia", "2006-02-14T09:12:44Z", 86412, ("sysop",), "female"),
    SeedUser(
        "veteran",
        "Thornbury",
        "2006-09-03T18:40:02Z",
        41275,
        (),
        "male",
        "thornbury@example.org",
    ),
    SeedUser(
        "experienced",
        "Wrenfield",
        "2009-05-20T07:15:31Z",
        2318,
        (),
        "female",
        "wrenfield@example.org",
    ),
    SeedUser("bot", "KestrelBot", "2011-10-01T00:00:00Z", 1204881, ("bot",)),
    SeedUser("nl_editor", "Kaasboer", "2008-04-02T11:23:45Z", 15230, (), "male"),
    SeedUser("de_editor", "Bergfalke", "2009-07-19T08:30:00Z", 9874),
    SeedUser("regular", "Halvorsen.K", "2014-01-07T21:02:10Z", 512),
    SeedUser("hidden", "Checkmate Cheater", "2018-03-03T17:05:40Z", 3),
    SeedUser("spammer", "Brightline Media", "2022-02-02T14:21:09Z", 2),
    SeedUser("newcomer", "Pebblestone", "2023-08-11T16:44:09Z", 6),
)
ADMIN = SeedUser(
    "admin", "Admin", "2004-06-01T12:00:00Z", 12, ("bureaucrat", "interface-admin", "sysop")
)

IPS: dict[str, str] = {
    "good_faith": "198.51.100.23",
    "good_faith_2": "198.51.100.145",
    "nl_anon": "198.51.100.41",
    "vandal": "203.0.113.7",
    "defamer": "192.0.2.44",
    "de_vandal": "198.51.100.77",
}


def user_by_role(role: str) -> SeedUser:
    """The seed user playing ``role``."""
    for user in USERS:
        if user.role == role:
            return user
    raise KeyError(role)


def rollback_comment(ip: str, previous_user: str) -> str:
    """The edit summary MediaWiki's rollback writes."""
    return (
        f"Reverted edits by [[Special:Contributions/{ip}|{ip}]] ([[User talk:{ip}|talk]]) "
        f"to last version by {previous_user}"
    )


# ---------------------------------------------------------------------------------------
# Article stages: earlier revisions derived from the latest text
# ---------------------------------------------------------------------------------------

ALL = 99
HEADING_RE = re.compile(r"^==[^=].*[^=]==$")
REF_RE = re.compile(r"<ref(?:\s[^>]*?)?(?:/>|>.*?</ref>)", re.S)
REF_NAME_RE = re.compile(r'<ref\s+name="([^"]+)"\s*(/?)>')
IMAGE_PREFIXES = ("[[File:", "[[Image:", "[[Datei:", "[[Bestand:")
CATEGORY_PREFIXES = ("[[Category:", "[[Kategorie:", "[[Categorie:")
DATE_STYLE_PREFIXES = ("{{Use dmy dates", "{{Use mdy dates")
APPENDIX_ALWAYS = frozenset({"References", "Bronnen", "Einzelnachweise"})
APPENDIX_LATER = frozenset(
    {"See also", "Further reading", "External links", "Externe links", "Weblinks", "Zie ook"}
)


@dataclass(frozen=True)
class Stage:
    """What part of the latest article text exists at one revision."""

    sections: int = 2  # body sections shown (appendix sections excluded)
    lead: int = 1  # lead paragraphs shown
    full: int = 0  # body sections shown with all their paragraphs (others: the first)
    cite_lead: bool = False  # the lead keeps its <ref>s
    cited: int = 0  # body sections that keep their <ref>s
    copyedits: int = 0  # copyedit pairs already applied
    infobox: bool = False  # all infobox fields (else the first half)
    table: bool = False
    image: bool = False
    appendix: bool = False  # see also / external links, navboxes, all categories
    citefix: bool = False  # current citation parameter names and date-style template


FINAL = Stage(ALL, ALL, ALL, True, ALL, ALL, True, True, True, True, True)


@dataclass(frozen=True)
class Section:
    heading: str
    chunks: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.heading.strip("= ")


@dataclass(frozen=True)
class ParsedArticle:
    """The latest article text split into the parts a :class:`Stage` selects from."""

    preamble: tuple[str, ...]
    infobox_head: str | None
    infobox_fields: tuple[str, ...]
    lead: tuple[str, ...]
    sections: tuple[Section, ...]
    trailer: tuple[str, ...]


def _is_one_line_template(line: str) -> bool:
    return line.startswith("{{") and line.endswith("}}") and line.count("{{") == line.count("}}")


def _is_trailer_chunk(chunk: str) -> bool:
    return all(
        line.startswith("{{") or line.startswith(CATEGORY_PREFIXES) for line in chunk.split("\n")
    )


def parse_article(text: str) -> ParsedArticle:
    """Split wikitext written in the seed's conventions: one-line templates, an optional
    multi-line infobox, lead paragraphs, ``==`` sections whose paragraphs are separated by
    one blank line, and trailing navbox / category blocks."""
    lines = text.split("\n")
    i = 0
    preamble: list[str] = []
    while i < len(lines) and _is_one_line_template(lines[i]):
        preamble.append(lines[i])
        i += 1
    infobox_head, fields = None, []
    if i < len(lines) and lines[i].startswith("{{"):
        infobox_head = lines[i]
        i += 1
        while lines[i] != "}}":
            if lines[i].startswith("|") or not fields:
                fields.append(lines[i])
            else:
                fields[-1] += "\n" + lines[i]
            i += 1
        i += 1
    lead_lines: list[str] = []
    raw_sections: list[tuple[str, list[str]]] = []
    for line in lines[i:]:
        if HEADING_RE.match(line):
            raw_sections.append((line, []))
        elif raw_sections:
            raw_sections[-1][1].append(line)
        else:
            lead_lines.append(line)
    sections = [
        Section(heading, tuple("\n".join(body).strip("\n").split("\n\n")))
        for heading, body in raw_sections
    ]
    trailer: list[str] = []
    last = sections[-1]
    chunks = list(last.chunks)
    while chunks and _is_trailer_chunk(chunks[-1]):
        trailer.insert(0, chunks.pop())
    sections[-1] = Section(last.heading, tuple(chunks))
    return ParsedArticle(
        tuple(preamble),
        infobox_head,
        tuple(fields),
        tuple("\n".join(lead_lines).strip("\n").split("\n\n")),
        tuple(sections),
        tuple(trailer),
    )


def _visible_chunk(chunk: str, stage: Stage, cited: bool) -> str:
    """One paragraph as it looks at ``stage`` ('' when it does not exist yet)."""
    if chunk.startswith("{|") and not stage.table:
        return ""
    if not stage.image:
        chunk = "\n".join(line for line in chunk.split("\n") if not line.startswith(IMAGE_PREFIXES))
    if not cited:
        chunk = REF_RE.sub("", chunk)
    return chunk


def _render_chunks(chunks: Sequence[str], count: int, stage: Stage, cited: bool) -> list[str]:
    shown = (_visible_chunk(chunk, stage, cited) for chunk in chunks[:count])
    return [chunk for chunk in shown if chunk.strip()]


def _render_trailer(trailer: Sequence[str], stage: Stage) -> list[str]:
    if stage.appendix:
        return list(trailer)
    categories = [chunk for chunk in trailer if chunk.startswith(CATEGORY_PREFIXES)]
    return [categories[0].split("\n")[0]] if categories else []


def _define_dangling_refs(text: str, definitions: Mapping[str, str]) -> str:
    """Replace the first use of a named reference whose definition is not (yet) present
    with the full definition, as an editor would."""
    defined: set[str] = set()
    out: list[str] = []
    pos = 0
    for match in REF_RE.finditer(text):
        name_match = REF_NAME_RE.match(match.group(0))
        if name_match is None:
            continue
        name, self_closing = name_match.group(1), bool(name_match.group(2))
        if self_closing and name not in defined and name in definitions:
            out.append(text[pos : match.start()])
            out.append(definitions[name])
            pos = match.end()
        defined.add(name)
    out.append(text[pos:])
    return "".join(out)


def ref_definitions(text: str) -> dict[str, str]:
    """Full ``<ref name=...>...</ref>`` definitions by name."""
    definitions: dict[str, str] = {}
    for match in REF_RE.finditer(text):
        name_match = REF_NAME_RE.match(match.group(0))
        if name_match and not name_match.group(2):
            definitions.setdefault(name_match.group(1), match.group(0))
    return definitions


def apply_copyedits(final_text: str, copyedits: Sequence[tuple[str, str]], done: int) -> str:
    """The latest text with the copyedits after the first ``done`` undone."""
    text = final_text
    for earlier, later in reversed(copyedits[done:]):
        text = text.replace(later, earlier, 1)
    return text


def render_article(final_text: str, stage: Stage, copyedits: Sequence[tuple[str, str]] = ()) -> str:
    """The article text at ``stage``."""
    text = apply_copyedits(final_text, copyedits, stage.copyedits)
    if not stage.citefix:
        text = text.replace("access-date=", "accessdate=")
    parsed = parse_article(text)
    top = [
        line
        for line in parsed.preamble
        if stage.citefix or not line.startswith(DATE_STYLE_PREFIXES)
    ]
    if parsed.infobox_head is not None:
        fields = parsed.infobox_fields
        if not stage.infobox:
            fields = fields[: math.ceil(len(fields) / 2)]
        top.append("\n".join((parsed.infobox_head, *fields, "}}")))
    lead = "\n\n".join(_render_chunks(parsed.lead, stage.lead, stage, stage.cite_lead))
    blocks = ["\n".join(top + [lead]) if top else lead]
    body_index = 0
    for section in parsed.sections:
        if section.name in APPENDIX_ALWAYS or section.name in APPENDIX_LATER:
            if section.name in APPENDIX_LATER and not stage.appendix:
                continue
            chunks = list(section.chunks)
        else:
            body_index += 1
            if body_index > stage.sections:
                continue
            count = len(section.chunks) if body_index <= stage.full else 1
            chunks = _render_chunks(section.chunks, count, stage, body_index <= stage.cited)
        if chunks:
            blocks.append(section.heading + "\n" + "\n\n".join(chunks))
    blocks.extend(_render_trailer(parsed.trailer, stage))
    return _define_dangling_refs("\n\n".join(blocks), ref_definitions(text))


# ---------------------------------------------------------------------------------------
# Revision histories
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    """One revision of an article: who, when, why, and how the text changes.

    ``changes`` update the cumulative :class:`Stage`; ``special`` is ``("vandalize",
    section, text)``, ``("insert", after, text)`` or ``("revert",)`` (restore the text
    before the previous revision), which leave the stage alone."""

    timestamp: str
    user: str
    comment: str
    minor: bool = False
    label: str | None = None
    hide: int = 0
    special: tuple[str, ...] | None = None
    changes: Mapping[str, Any] = field(default_factory=dict)


def edit(
    timestamp: str,
    user: str,
    comment: str,
    minor: bool = False,
    label: str | None = None,
    hide: int = 0,
    special: tuple[str, ...] | None = None,
    **changes: Any,
) -> Edit:
    """Shorthand for :class:`Edit` with stage changes as keyword arguments."""
    return Edit(timestamp, user, comment, minor, label, hide, special, changes)


def final(timestamp: str, user: str, comment: str, **kwargs: Any) -> Edit:
    """An edit that brings the article to its latest text (except given changes)."""
    changes = dict(FINAL.__dict__)
    label = kwargs.pop("label", None)
    minor = kwargs.pop("minor", False)
    changes.update(kwargs)
    return Edit(timestamp, user, comment, minor, label, 0, None, changes)


@dataclass(frozen=True)
class ArticleSpec:
    """A hand-written article: its latest text file, copyedits and history."""

    title: str
    filename: str
    lang: str
    qid: str | None
    history: tuple[Edit, ...]
    copyedits: tuple[tuple[str, str], ...] = ()

    @property
    def final_text(self) -> str:
        return (DATA_DIR / self.filename).read_text(encoding="utf-8").rstrip()


GOOD = IPS["good_faith"]
GOOD2 = IPS["good_faith_2"]
CITEFIX = "Bot: fixing deprecated citation parameters and date format ([[WP:CS1]])"

ARTICLES: tuple[ArticleSpec, ...] = (
    ArticleSpec(
        "Eddystone Lighthouse",
        "article_en_eddystone_lighthouse.wikitext",
        "en",
        "Q7000001",
        (
            edit(
                "2007-03-12T18:22:05Z",
                "Thornbury",
                "Created page: the lighthouses of the Eddystone Rocks",
                label="page_creation",
                sections=3,
            ),
            edit(
                "2007-03-13T09:41:50Z",
                "Thornbury",
                "/* Smeaton's Tower */ new section",
                sections=4,
                lead=2,
                full=2,
            ),
            edit("2008-11-02T20:15:33Z", GOOD, "spelling", True, "anon_edit", copyedits=1),
            edit(
                "2010-06-19T14:02:11Z",
                "Wrenfield",
                "Added references (Majdalany; Hague and Christie; Nicholson), copyedit",
                cite_lead=True,
                cited=4,
                copyedits=2,
            ),
            edit(
                "2012-01-24T11:37:29Z",
                IPS["defamer"],
                "",
                label="text_deleted",
                hide=DELETED_TEXT,
                special=(
                    "insert",
                    "has been automated since 1982.",
                    " The last principal keeper, Robert Pengelly of Saltash, was a drunk and a"
                    " thief who stole fuel from the station and beat his wife.",
                ),
            ),
            edit(
                "2012-01-24T11:40:02Z",
                "Marginalia",
                rollback_comment(IPS["defamer"], "Wrenfield"),
                True,
                "text_deleted_revert",
                special=("revert",),
            ),
            edit(
                "2013-05-07T03:12:45Z",
                "KestrelBot",
                CITEFIX,
                True,
                "bot_edit",
                citefix=True,
            ),
            final(
                "2016-09-30T16:48:03Z",
                "Thornbury",
                "Expanded: Douglass's lighthouse, automation, summary table, images, see also",
            ),
        ),
        (
            ("is generaly regarded as a landmark", "is generally regarded as a landmark"),
            ("a very dangerous hazard for ships", "a notorious hazard for ships"),
            ("The tower was used for nearly 50 years", "The tower served for nearly fifty years"),
        ),
    ),
    ArticleSpec(
        "Honey bee",
        "article_en_honey_bee.wikitext",
        "en",
        "Q7000002",
        (
            edit(
                "2007-08-21T10:05:44Z",
                "Thornbury",
                "New article on the honey bees (genus ''Apis'')",
                sections=2,
            ),
            edit(
                "2008-04-03T19:22:10Z",
                "Marginalia",
                "/* Anatomy */ new section",
                sections=3,
                lead=2,
                full=1,
            ),
            edit(
                "2010-02-17T08:31:56Z",
                "Wrenfield",
                "Cited sources for the lead and taxonomy; spelling",
                cite_lead=True,
                cited=3,
                copyedits=1,
            ),
            edit("2012-05-09T13:45:12Z", "KestrelBot", CITEFIX, True, citefix=True),
            edit(
                "2015-03-14T22:10:38Z",
                "Halvorsen.K",
                "/* Behaviour */ new section on colony life, the waggle dance and swarming,"
                " with sources",
                label="good_edit",
                sections=4,
                full=4,
                cited=4,
                lead=3,
            ),
            edit(
                "2019-06-04T14:27:51Z",
                IPS["vandal"],
                "/* Behaviour */",
                label="vandalism",
                special=(
                    "vandalize",
                    "Behaviour",
                    "BEES ARE STUPID AND THEY STING PEOPLE!!!!!!! i hate bees so much lol\n\n"
                    "MR JENKINS IS A FAT IDIOT AND THIS PAGE IS SHIT SHIT SHIT hahahahahaha"
                    " FUCK BEES",
                ),
            ),
            edit(
                "2019-06-04T14:29:03Z",
                "Marginalia",
                rollback_comment(IPS["vandal"], "Halvorsen.K"),
                True,
                "revert",
                special=("revert",),
            ),
            final(
                "2021-10-11T07:53:20Z",
                "Thornbury",
                "Expanded: honey and wax, beekeeping, threats; table of species; images",
                copyedits=2,
            ),
            edit(
                "2023-09-02T12:00:41Z",
                "Pebblestone",
                "fixed spelling",
                True,
                "newcomer_edit",
                copyedits=ALL,
            ),
        ),
        (
            ("species of honey bees are recognised", "species of honey bees are recognized"),
            (
                "The genus name ''Apis'' is Latin for bee.",
                "The genus name ''Apis'' is Latin for \"bee\".",
            ),
            (
                "Humans have collected honey from wild colonys",
                "Humans have collected honey from wild colonies",
            ),
        ),
    ),
    ArticleSpec(
        "Mount Vesuvius",
        "article_en_mount_vesuvius.wikitext",
        "en",
        "Q7000003",
        (
            edit(
                "2008-02-02T15:47:09Z",
                "Marginalia",
                "Created page on the volcano",
                sections=2,
            ),
            edit(
                "2009-08-24T11:02:36Z",
                "Wrenfield",
                "/* Eruptions */ AD 79 and later eruptions",
                sections=4,
                lead=2,
            ),
            edit("2011-05-03T19:30:55Z", GOOD2, "sp", True, copyedits=1),
            edit(
                "2012-05-05T08:21:14Z",
                "Wrenfield",
                "Added sources; expanded the sections on formation and eruptions",
                cite_lead=True,
                cited=4,
                full=4,
                lead=ALL,
                copyedits=2,
            ),
            edit("2014-11-19T13:55:42Z", "KestrelBot", CITEFIX, True, citefix=True),
            final(
                "2017-06-12T10:03:28Z",
                "Halvorsen.K",
                "Table of eruptions; monitoring; national park; images",
                copyedits=2,
            ),
            edit(
                "2019-08-01T10:09:51Z",
                "Halvorsen.K",
                "/* Eruption of AD 79 */ date (inscription found in 2018)",
                True,
                "minor_edit",
                copyedits=ALL,
            ),
        ),
        (
            ("one of several volcanos forming", "one of several volcanoes forming"),
            ("Its collateral forms where", "Its collateral forms were"),
            (
                "but the evidence from the excavations suggests that it took place in autumn.",
                "but evidence from the excavations, including an inscription found in 2018,"
                " suggests that it took place in October or November.",
            ),
        ),
    ),
    ArticleSpec(
        "Chess",
        "article_en_chess.wikitext",
        "en",
        "Q7000004",
        (
            edit(
                "2007-01-15T16:20:11Z",
                "Thornbury",
                "Created page: the board game",
                sections=2,
            ),
            edit(
                "2009-09-09T12:34:56Z",
                "Wrenfield",
                "Expanded rules and history, added sources",
                sections=3,
                lead=ALL,
                full=2,
                cite_lead=True,
                cited=2,
                copyedits=1,
            ),
            edit("2013-02-11T04:05:06Z", "KestrelBot", CITEFIX, True, citefix=True),
            edit(
                "2018-03-05T21:44:19Z",
                "Checkmate Cheater",
                "/* Competitive play */ new section",
                label="user_hidden",
                hide=DELETED_USER,
                sections=4,
            ),
            edit("2019-07-21T09:15:37Z", GOOD, "/* Movement */ grammar", True, copyedits=2),
            final(
                "2025-01-08T18:00:00Z",
                "Thornbury",
                "Strategy, computers, notation; table of world champions; see also",
            ),
        ),
        (
            (
                "It is played on a chessboard of 64 squares",
                "It is played on a chessboard with 64 squares",
            ),
            (
                "A piece moves to a empty square except when capturing an opponents piece.",
                "A piece moves to a vacant square except when capturing an opponent's piece.",
            ),
        ),
    ),
    ArticleSpec(
        "Tour de France",
        "article_en_tour_de_france.wikitext",
        "en",
        "Q7000005",
        (
            edit(
                "2008-07-05T20:11:42Z",
                "Thornbury",
                "Created page on the cycle race",
                sections=2,
                lead=2,
            ),
            edit("2010-07-25T17:48:05Z", GOOD, "/* Route */ new section", sections=3),
            edit(
                "2011-07-14T09:12:40Z",
                "Wrenfield",
                "Sources; doping; expanded history",
                sections=4,
                full=3,
                lead=ALL,
                cite_lead=True,
                cited=3,
                copyedits=1,
            ),
            edit(
                "2012-10-11T14:30:00Z",
                "Wrenfield",
                "/* Doping */ USADA decision on Lance Armstrong",
                full=4,
                cited=4,
            ),
            edit("2013-09-01T03:33:21Z", "KestrelBot", CITEFIX, True, citefix=True),
            final(
                "2021-07-19T08:45:12Z",
                "Halvorsen.K",
                "Records table, media coverage, popular culture, see also",
                copyedits=1,
            ),
            edit(
                "2024-07-22T19:02:33Z",
                "Pebblestone",
                "2024: start in Florence, finish in Nice, Cavendish record",
                copyedits=ALL,
            ),
        ),
        (
            (
                "and is generally considered the most prestigous.",
                "and is generally considered the most prestigious.",
            ),
            ("| number = 108 (as of 2021)", "| number = 111 (as of 2024)"),
            (
                "the 2009 race, for example, started in [[Monaco]].",
                "the 2024 race, for example, started in [[Florence]] in Italy.",
            ),
            (
                "",
                "\n\nBecause of the [[2024 Summer Olympics]] in Paris, the 2024 edition did not"
                " finish on the Champs-Élysées for the first time since 1975, but with an"
                " individual time trial from [[Monaco]] to [[Nice]].",
            ),
            (
                "which was equalled by the British sprinter [[Mark Cavendish]] in 2021.",
                "which was equalled by the British sprinter [[Mark Cavendish]] in 2021 and beaten"
                " by him in 2024.",
            ),
        ),
    ),
    ArticleSpec(
        "Danube",
        "article_en_danube.wikitext",
        "en",
        "Q7000006",
        (
            edit(
                "2006-11-03T10:22:47Z",
                "Thornbury",
                "Created article on the river",
                sections=2,
                lead=2,
            ),
            edit(
                "2009-04-02T16:40:19Z",
                "Marginalia",
                "Geography expanded; added sources",
                full=2,
                lead=ALL,
                cite_lead=True,
                cited=2,
                copyedits=1,
            ),
            edit("2009-12-12T22:05:33Z", GOOD, "/* History */ Roman frontier", sections=3),
            edit(
                "2011-03-08T07:18:45Z",
                "Wrenfield",
                "copyedit; history expanded (Danube Commission)",
                full=3,
                cited=3,
                copyedits=2,
            ),
            edit("2014-02-27T12:49:02Z", "KestrelBot", CITEFIX, True, citefix=True),
            final(
                "2018-08-30T15:26:37Z",
                "Thornbury",
                "Economy, environment, culture; table of countries; delta photo",
            ),
        ),
        (
            ("is the second longest river in Europe", "is the second-longest river in Europe"),
            ("The emperor [[Trajan]] build a bridge", "The emperor [[Trajan]] built a bridge"),
        ),
    ),
    ArticleSpec(
        "Sourdough",
        "article_en_sourdough.wikitext",
        "en",
        "Q7000007",
        (
            edit("2013-11-02T18:37:50Z", "Wrenfield", "Created page", sections=2),
            edit(
                "2014-01-19T10:09:31Z",
                "Halvorsen.K",
                "/* Starter */ maintenance; sources",
                full=2,
                lead=2,
                cite_lead=True,
                cited=2,
                copyedits=1,
            ),
            edit("2016-02-14T08:48:10Z", GOOD, "/* Baking */", sections=3),
            edit("2018-04-04T11:11:46Z", "KestrelBot", CITEFIX, True, citefix=True),
            final(
                "2021-01-10T15:20:44Z",
                "Thornbury",
                "Nutrition, commercial production, regional varieties; formula table; the 2020"
                " baking boom",
                copyedits=1,
            ),
            edit(
                "2023-10-05T13:27:18Z",
                "Pebblestone",
                "/* Commercial production */ labelling",
                copyedits=ALL,
            ),
        ),
        (
            ("and improved keeping qualitys", "and improved keeping qualities"),
            (
                "",
                " Campaigners for traditional baking have called for rules on the use of the"
                " word, and in 2023 the government of the United Kingdom was asked to define"
                " what may be sold as sourdough.",
            ),
        ),
    ),
    ArticleSpec(
        "Green tea",
        "article_en_green_tea.wikitext",
        "en",
        "Q7000008",
        (
            edit("2010-06-21T09:30:12Z", "Wrenfield", "Created page", sections=2),
            edit(
                "2010-06-22T14:02:57Z",
                "Wrenfield",
                "/* Processing */ expanded; sources",
                full=2,
                lead=ALL,
                cite_lead=True,
                cited=2,
            ),
            edit("2012-03-18T20:40:41Z", GOOD, "/* Varieties */", sections=3, copyedits=1),
            edit("2013-10-30T05:15:26Z", "KestrelBot", CITEFIX, True, citefix=True),
            final(
                "2019-04-11T11:25:00Z",
                "Halvorsen.K",
                "Brewing, composition and health, culture, production and trade; table of"
                " varieties",
                copyedits=1,
            ),
            edit("2020-02-02T12:12:58Z", GOOD2, "/* Brewing */ bottled tea", copyedits=ALL),
        ),
        (
            ("are common artisinal methods", "are common artisanal methods"),
            (
                "",
                "\n\nBottled and canned green tea, usually unsweetened, has been sold in Japan"
                " since the 1980s and is now one of the most popular soft drinks in the country."
                " Instant green tea powders and tea bags are also widely sold, although tea"
                " drinkers generally consider them inferior to loose leaves, because the small"
                ' broken leaves in bags release their bitter compounds quickly.<ref name="Hara" />',
            ),
        ),
    ),
    ArticleSpec(
        "Wings of Fire (novel series)",
        "article_en_wings_of_fire.wikitext",
        "en",
        "Q7000009",
        (
            edit(
                "2019-04-02T17:05:44Z",
                "Wrenfield",
                "Created page on the book series",
                sections=2,
            ),
            edit(
                "2020-01-09T08:14:41Z",
                GOOD,
                "sources; cover artists",
                infobox=True,
                cite_lead=True,
                cited=2,
                citefix=True,
            ),
            final(
                "2021-03-03T21:37:02Z",
                "Wrenfield",
                "Adaptations, reception; see also",
                label="outlinks_page",
            ),
        ),
    ),
    ArticleSpec(
        "Ploughman's lunch",
        "article_en_ploughmans_lunch.wikitext",
        "en",
        "Q7000010",
        (
            edit("2017-05-14T12:30:00Z", "Thornbury", "Created page", sections=1),
            final(
                "2017-05-15T08:02:19Z",
                GOOD2,
                "/* Variations */ new section",
                label="no_outlinks_page",
            ),
        ),
    ),
    ArticleSpec(
        "Stroopwafel",
        "article_nl_stroopwafel.wikitext",
        "nl",
        "Q7000011",
        (
            edit(
                "2009-11-05T19:22:03Z",
                "Kaasboer",
                "Nieuwe pagina: stroopwafel",
                label="nl_creation",
                sections=2,
            ),
            edit(
                "2011-03-22T12:47:40Z",
                IPS["nl_anon"],
                "aanvulling",
                sections=3,
                full=1,
            ),
            edit(
                "2014-07-30T20:05:18Z",
                "Kaasboer",
                "bronnen toegevoegd, artikel uitgebreid",
                label="nl_article",
                full=ALL,
                cite_lead=True,
                cited=ALL,
            ),
            final("2017-01-09T08:30:00Z", "Kaasboer", "infobox, afbeelding en categorieën"),
        ),
    ),
    ArticleSpec(
        "Schwarzwälder Kirschtorte",
        "article_de_schwarzwaelder_kirschtorte.wikitext",
        "de",
        "Q7000012",
        (
            edit(
                "2010-01-12T10:00:31Z",
                "Bergfalke",
                "Artikel angelegt",
                label="de_creation",
                sections=2,
            ),
            edit(
                "2012-08-19T15:32:07Z",
                "Bergfalke",
                "Geschichte ergänzt, Belege",
                label="de_article",
                sections=3,
                full=ALL,
                cite_lead=True,
                cited=ALL,
            ),
            edit(
                "2016-05-02T11:46:55Z",
                IPS["de_vandal"],
                "/* Zubereitung */",
                label="de_damaging",
                special=(
                    "vandalize",
                    "Zubereitung",
                    "DIESE TORTE IST VOLL EKELHAFT!!!!! wer das isst ist dumm lol\n\n"
                    "Kevin war hier und findet euch alle SCHEISSE hahahaha",
                ),
            ),
            edit(
                "2016-05-02T11:49:30Z",
                "Bergfalke",
                "Änderungen von [[Spezial:Beiträge/198.51.100.77|198.51.100.77]]"
                " ([[Benutzer Diskussion:198.51.100.77|Diskussion]]) rückgängig gemacht und"
                " letzte Version von Bergfalke wiederhergestellt",
                True,
                "de_revert",
                special=("revert",),
            ),
            final("2020-11-27T09:14:03Z", "Bergfalke", "Bild, Weblinks, Kategorien"),
        ),
    ),
)


# ---------------------------------------------------------------------------------------
# Generated pages: outlink targets, redirects, the minor planet list, items, a deleted page
# ---------------------------------------------------------------------------------------

OUTLINKS_TITLE = "Wings of Fire (novel series)"
NO_OUTLINKS_TITLE = "Ploughman's lunch"
MANY_OUTLINKS_TITLE = "List of minor planets: 20001–21000"
DELETED_TITLE = "Brightline Media Solutions"
DELETION_REASON = "[[WP:CSD#G11|G11]]: Unambiguous advertising or promotion"

# Main-namespace pages the outlinks page links to (they get a wikibase_item).
OUTLINK_TARGETS: tuple[tuple[str, str], ...] = (
    ("Tui T. Sutherland", "an American author of children's and young adult fiction"),
    ("Joy Ang", "a Canadian illustrator and concept artist"),
    ("Mike Holmes (illustrator)", "an American cartoonist and illustrator"),
    ("Fantasy", "a genre of speculative fiction involving magic and supernatural elements"),
    ("Middle-grade literature", "fiction written for readers aged about eight to twelve"),
    ("Scholastic Corporation", "an American publishing, education and media company"),
    ("Audiobook", "a recording of a book or other work being read aloud"),
    ("Book series", "a sequence of books that share characters or a setting"),
    ("Children's literature", "literature written for or read by children"),
    ("Dragon", "a large magical legendary creature that appears in many cultures"),
    ("The New York Times Best Seller list", "a weekly list of best-selling books in the US"),
    ("The New York Times", "an American daily newspaper based in New York City"),
    ("Pyrrhia", "a fictional continent in the Wings of Fire novels"),
    ("Pantala", "a fictional continent in the Wings of Fire novels"),
    ("Worldbuilding", "the process of constructing an imaginary world"),
    ("Kirkus Reviews", "an American book review magazine founded in 1933"),
    ("Prophecy", "a message claimed to have been communicated by a deity"),
    ("The Dragonet Prophecy", "a 2012 fantasy novel by Tui T. Sutherland"),
    ("The Lost Heir", "a 2012 fantasy novel by Tui T. Sutherland"),
    ("The Hidden Kingdom", "a 2013 fantasy novel by Tui T. Sutherland"),
    ("The Dark Secret", "a 2013 fantasy novel by Tui T. Sutherland"),
    ("The Brightest Night", "a 2014 fantasy novel by Tui T. Sutherland"),
    ("Darkstalker (novel)", "a 2016 fantasy novel by Tui T. Sutherland"),
    ("Warriors (novel series)", "a series of fantasy novels published under the name Erin Hunter"),
    ("Publishers Weekly", "an American weekly trade news magazine for publishers"),
    ("Graphic novel", "a long-form work of sequential art"),
    ("Netflix", "an American subscription video on-demand streaming service"),
    ("Animated series", "a television series produced by means of animation"),
    ("Ava DuVernay", "an American filmmaker"),
)
OUTLINK_WITHOUT_QID = ("Dragonet",)
OUTLINK_REDIRECTS = {
    "Tui Sutherland": "Tui T. Sutherland",
    "Scholastic Press": "Scholastic Corporation",
}
OUTLINK_MISSING = (
    "Jade Mountain Academy",
    "Moon Rising (novel)",
    "Clay (Wings of Fire)",
    "Wings of Fire (TV series)",
)
OUTLINK_OTHER_NAMESPACES = (
    "Category:Fantasy novel series",
    "Wikipedia:WikiProject Novels",
    "Help:Citation Style 1",
)

# Templates the outlinks page uses: they show their parameters, so that links inside an
# infobox or a citation are links of the page, as on Wikipedia.
TEMPLATES: dict[str, str] = {
    "Cite web": "{{{author|}}}{{{last|}}} \"{{{title|}}}\". ''{{{work|}}}''. {{{publisher|}}}.",
    "Cite news": "{{{last|}}} \"{{{title|}}}\". ''{{{work|}}}''. {{{date|}}}.",
    "Cite magazine": "\"{{{title|}}}\". ''{{{magazine|}}}''. {{{date|}}}.",
    "Cite book": "{{{last|}}}, {{{first|}}} ({{{year|}}}). ''{{{title|}}}''. {{{publisher|}}}.",
    "Cite journal": "{{{last|}}} ({{{year|}}}). \"{{{title|}}}\". ''{{{journal|}}}''.",
    "Reflist": '<div class="reflist"></div>',
    "Short description": "<includeonly></includeonly>",
    "Infobox book series": (
        '{| class="infobox"\n! colspan="2" | {{{name|}}}\n|-\n| Author || {{{author|}}}\n'
        "|-\n| Illustrator || {{{illustrator|}}}\n|-\n| Genre || {{{genre|}}}\n"
        "|-\n| Publisher || {{{publisher|}}}\n|-\n| Media type || {{{media_type|}}}\n|}"
    ),
}

PLANET_SYLLABLES = (
    "ka", "lo", "ve", "mi", "ra", "to", "sen", "dor", "la", "ni", "ber", "go", "sta", "vi",
    "ru", "mon", "the", "ia", "ko", "lin", "sa", "ne", "pal", "ci", "da", "mar", "ol", "he",
)  # fmt: skip
PLANET_DISCOVERERS = (
    ("Spacewatch", "Kitt Peak"),
    ("LINEAR", "Socorro"),
    ("E. W. Elst", "La Silla"),
    ("C. S. Shoemaker", "Palomar"),
    ("K. Endate, K. Watanabe", "Kitami"),
    ("NEAT", "Palomar"),
    ("LONEOS", "Anderson Mesa"),
)
HALF_MONTH_LETTERS = "ABCDEFGHJKLMNOPQRSTUVWXY"
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
PLANET_FIRST_NUMBER = 20001
PLANET_COUNT = 600


@dataclass(frozen=True)
class MinorPlanet:
    number: int
    name: str | None  # None: unnamed (a red link in the list)
    designation: str
    discovered: str
    discoverer: str
    site: str
    diameter_km: float

    @property
    def title(self) -> str:
        if self.name is None:
            return f"({self.number}) {self.designation}"
        return f"{self.number} {self.name}"


def minor_planets() -> list[MinorPlanet]:
    """600 deterministic minor planets; every 20th (30 in all) is unnamed."""
    rng = random.Random(20001)
    planets: list[MinorPlanet] = []
    names: set[str] = set()
    for offset in range(PLANET_COUNT):
        number = PLANET_FIRST_NUMBER + offset
        year = 1990 + offset * 10 // PLANET_COUNT
        half_month = rng.randrange(24)
        month, day = half_month // 2, 1 + (half_month % 2) * 15 + rng.randrange(14)
        cycle = rng.randrange(10)
        designation = (
            f"{year} {HALF_MONTH_LETTERS[half_month]}"
            f"{rng.choice('ABCDEFGHJKLMNOPQRSTUVWXYZ')}{cycle if cycle else ''}"
        )
        discoverer, site = rng.choice(PLANET_DISCOVERERS)
        diameter = round(rng.uniform(1.5, 18.0), 1)
        name = None
        if offset % 20 != 6:
            while name is None or name in names:
                syllables = rng.choice((2, 3, 3, 4))
                name = "".join(rng.choice(PLANET_SYLLABLES) for _ in range(syllables)).title()
            names.add(name)
        planets.append(
            MinorPlanet(
                number,
                name,
                designation,
                f"{day} {MONTHS[month]} {year}",
                discoverer,
                site,
                diameter,
            )
        )
    return planets


def minor_planet_stub(planet: MinorPlanet) -> str:
    """The bot-created stub of a named minor planet."""
    return (
        f"'''{planet.title}''' (provisional designation ''{planet.designation}'') is a"
        " background [[asteroid]] from the [[asteroid belt|main belt]], approximately"
        f" {planet.diameter_km} kilometers in diameter. It was discovered on"
        f" {planet.discovered} by {planet.discoverer} at {planet.site}.\n\n"
        "== Orbit and classification ==\n"
        f"The asteroid orbits the Sun in the main belt. Its observation arc begins with its"
        f" official discovery observation in {planet.discovered.split()[-1]}.\n\n"
        "== References ==\n{{Reflist}}\n\n"
        "{{Minor planets navigator}}\n{{Small Solar System bodies}}\n\n"
        "[[Category:Background asteroids]]\n"
        f"[[Category:Discoveries by {planet.discoverer.split(',')[0]}]]\n"
        f"[[Category:Astronomical objects discovered in {planet.discovered.split()[-1]}]]"
    )


def minor_planet_list(planets: Sequence[MinorPlanet]) -> str:
    """The list page: an introduction without links and a table linking every planet."""
    rows = "\n".join(
        f"|-\n| [[{p.title}]] || {p.designation} || {p.discovered} || {p.site}"
        f" || {p.discoverer} || {p.diameter_km} km"
        for p in planets
    )
    return (
        "{{Short description|none}}\n"
        "The following is a partial list of minor planets, running from minor-planet number"
        " 20001 through 21000, inclusive. The primary data for this and other partial lists"
        " is based on JPL's Small-Body Orbital Elements and data available from the Minor"
        " Planet Center.\n\n"
        '== 20001–20600 ==\n{| class="wikitable sortable"\n'
        "! Designation !! Provisional designation !! Discovery date !! Site !! Discoverer(s)"
        " !! Diameter\n"
        f"{rows}\n|}}\n\n"
        "== References ==\n{{Reflist}}\n\n"
        "[[Category:Lists of minor planets by number]]"
    )


def _stub(title: str, description: str) -> str:
    return f"'''{title}''' is {description}.\n\n== References ==\n{{{{Reflist}}}}\n\n{{{{stub}}}}"


def _item_claim(subject: str, prop: str, datavalue: dict[str, Any], datatype: str) -> dict:
    guid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{subject}/{prop}/{json.dumps(datavalue)}"))
    return {
        "mainsnak": {
            "snaktype": "value",
            "property": prop,
            "datavalue": datavalue,
            "datatype": datatype,
        },
        "type": "statement",
        "id": f"{subject}${guid.upper()}",
        "rank": "normal",
    }


def _entity_value(qid: str) -> dict[str, Any]:
    return {
        "value": {"entity-type": "item", "numeric-id": int(qid[1:]), "id": qid},
        "type": "wikibase-entityid",
    }


def _time_value(day: str) -> dict[str, Any]:
    return {
        "value": {
            "time": f"+{day}T00:00:00Z",
            "timezone": 0,
            "before": 0,
            "after": 0,
            "precision": 11,
            "calendarmodel": "http://www.wikidata.org/entity/Q1985727",
        },
        "type": "time",
    }


def _terms(values: Mapping[str, str]) -> dict[str, dict[str, str]]:
    return {lang: {"language": lang, "value": value} for lang, value in values.items()}


def _sitelinks(titles: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    return {site: {"site": site, "title": title, "badges": []} for site, title in titles.items()}


def _claims(subject: str, claims: Iterable[tuple[str, dict[str, Any], str]]) -> dict:
    out: dict[str, list[dict]] = {}
    for prop, value, datatype in claims:
        out.setdefault(prop, []).append(_item_claim(subject, prop, value, datatype))
    return out


def item_q42(complete: bool) -> dict[str, Any]:
    """Douglas Adams: labels and a sitelink at first, statements later."""
    entity: dict[str, Any] = {
        "type": "item",
        "id": "Q42",
        "labels": _terms({"en": "Douglas Adams", "de": "Douglas Adams", "nl": "Douglas Adams"}),
        "descriptions": _terms({"en": "English writer and humorist (1952–2001)"}),
        "aliases": {},
        "claims": {},
        "sitelinks": _sitelinks({"enwiki": "Douglas Adams"}),
    }
    if complete:
        entity["descriptions"] = _terms(
            {
                "en": "English writer and humorist (1952–2001)",
                "de": "britischer Science-Fiction-Autor und Humorist",
                "nl": "Engels schrijver (1952-2001)",
            }
        )
        entity["aliases"] = {
            "en": [
                {"language": "en", "value": "Douglas Noel Adams"},
                {"language": "en", "value": "Douglas Noël Adams"},
            ]
        }
        entity["claims"] = _claims(
            "Q42",
            (
                ("P31", _entity_value("Q5"), "wikibase-item"),
                ("P21", _entity_value("Q6581097"), "wikibase-item"),
                ("P27", _entity_value("Q145"), "wikibase-item"),
                ("P19", _entity_value("Q350"), "wikibase-item"),
                ("P106", _entity_value("Q36180"), "wikibase-item"),
                ("P106", _entity_value("Q28389"), "wikibase-item"),
                ("P569", _time_value("1952-03-11"), "time"),
                ("P570", _time_value("2001-05-11"), "time"),
            ),
        )
        entity["sitelinks"] = _sitelinks(
            {"enwiki": "Douglas Adams", "dewiki": "Douglas Adams", "nlwiki": "Douglas Adams"}
        )
    return entity


def item_q64() -> dict[str, Any]:
    """Berlin, with a population quantity and coordinates."""
    population = {
        "value": {"amount": "+3755251", "unit": "1"},
        "type": "quantity",
    }
    coordinates = {
        "value": {
            "latitude": 52.516666666667,
            "longitude": 13.383333333333,
            "altitude": None,
            "precision": 0.016666666666667,
            "globe": "http://www.wikidata.org/entity/Q2",
        },
        "type": "globecoordinate",
    }
    return {
        "type": "item",
        "id": "Q64",
        "labels": _terms({"en": "Berlin", "de": "Berlin", "nl": "Berlijn"}),
        "descriptions": _terms(
            {
                "en": "capital and largest city of Germany",
                "de": "Hauptstadt und Land der Bundesrepublik Deutschland",
                "nl": "hoofdstad van Duitsland",
            }
        ),
        "aliases": {"en": [{"language": "en", "value": "Berlin, Germany"}]},
        "claims": _claims(
            "Q64",
            (
                ("P31", _entity_value("Q515"), "wikibase-item"),
                ("P17", _entity_value("Q183"), "wikibase-item"),
                ("P1376", _entity_value("Q183"), "wikibase-item"),
                ("P1082", population, "quantity"),
                ("P625", coordinates, "globe-coordinate"),
            ),
        ),
        "sitelinks": _sitelinks({"enwiki": "Berlin", "dewiki": "Berlin", "nlwiki": "Berlijn"}),
    }


def item_sparse() -> dict[str, Any]:
    """A new, sparse item: one label, one description, one claim, no sitelinks."""
    return {
        "type": "item",
        "id": "Q104567890",
        "labels": _terms({"en": "Eddystone Rocks"}),
        "descriptions": _terms({"en": "reef in the English Channel"}),
        "aliases": {},
        "claims": _claims("Q104567890", (("P17", _entity_value("Q145"), "wikibase-item"),)),
        "sitelinks": {},
    }


def entity_json(entity: Mapping[str, Any]) -> str:
    """Compact JSON as Wikibase stores it."""
    return json.dumps(entity, ensure_ascii=False, separators=(",", ":"))


# ---------------------------------------------------------------------------------------
# The plan: every revision to import, in time order
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedRevision:
    title: str
    timestamp: str
    user: str
    comment: str
    text: str
    minor: bool = False
    model: tuple[str, str] = WIKITEXT
    label: str | None = None
    hide: int = 0
    ns: int = 0

    @property
    def is_ip(self) -> bool:
        try:
            ipaddress.ip_address(self.user)
        except ValueError:
            return False
        return True


@dataclass(frozen=True)
class SeedPlan:
    revisions: tuple[SeedRevision, ...]
    qids: Mapping[str, str]  # main-namespace title -> wikibase_item
    deleted_titles: tuple[str, ...]
    planets: tuple[MinorPlanet, ...]


def article_revisions(spec: ArticleSpec) -> list[SeedRevision]:
    """The revisions of one hand-written article, from its history."""
    final_text = spec.final_text
    stage = Stage()
    texts: list[str] = []
    revisions: list[SeedRevision] = []
    for step in spec.history:
        if step.special is None:
            stage = replace(stage, **step.changes)
            text = render_article(final_text, stage, spec.copyedits)
        elif step.special[0] == "revert":
            text = texts[-2]
        elif step.special[0] == "vandalize":
            text = vandalize(texts[-1], step.special[1], step.special[2])
        elif step.special[0] == "insert":
            anchor, insertion = step.special[1], step.special[2]
            if anchor not in texts[-1]:
                raise ValueError(f"{spec.title}: insert anchor {anchor!r} not in the text")
            text = texts[-1].replace(anchor, anchor + insertion, 1)
        else:
            raise ValueError(f"{spec.title}: unknown special edit {step.special[0]!r}")
        if texts and text == texts[-1]:
            raise ValueError(f"{spec.title}: the edit of {step.timestamp} changes nothing")
        texts.append(text)
        revisions.append(
            SeedRevision(
                spec.title,
                step.timestamp,
                step.user,
                step.comment,
                text,
                step.minor,
                label=step.label,
                hide=step.hide,
            )
        )
    return revisions


def vandalize(text: str, section: str, junk: str) -> str:
    """Replace the body of ``== section ==`` with ``junk``."""
    heading = f"== {section} =="
    start = text.index(heading) + len(heading)
    following = [m.start() for m in re.finditer(r"^==[^=]", text[start:], re.M)]
    end = start + following[0] if following else len(text)
    return text[:start] + "\n" + junk + "\n\n" + text[end:]


def _generated_revisions(planets: Sequence[MinorPlanet]) -> list[SeedRevision]:
    """Stubs, redirects, templates, the minor planet list, items and the deleted page."""
    revs: list[SeedRevision] = []
    authors = ("Thornbury", "Wrenfield", "Marginalia", GOOD, "Halvorsen.K")
    for i, (title, description) in enumerate(OUTLINK_TARGETS + (("Dragonet", ""),)):
        timestamp = (
            f"{2008 + i % 10}-{1 + i % 12:02d}-{3 + i % 25:02d}T{8 + i % 12:02d}:14:{i:02d}Z"
        )
        text = (
            _stub(title, description)
            if description
            else (
                "'''Dragonet''' may refer to:\n\n* a young dragon\n* a fish of the family"
                " Callionymidae\n\n{{disambiguation}}"
            )
        )
        revs.append(SeedRevision(title, timestamp, authors[i % len(authors)], "Created page", text))
    revs.append(
        SeedRevision(
            "Scholastic Press",
            "2011-04-12T10:01:19Z",
            "Thornbury",
            "Redirected page to [[Scholastic Corporation]]",
            "#REDIRECT [[Scholastic Corporation]]",
        )
    )
    revs.append(
        SeedRevision(
            "Tui Sutherland",
            "2015-01-06T19:45:50Z",
            "Wrenfield",
            "Redirected page to [[Tui T. Sutherland]]",
            "#REDIRECT [[Tui T. Sutherland]]\n\n{{R from short name}}",
        )
    )
    for i, (name, body) in enumerate(TEMPLATES.items()):
        revs.append(
            SeedRevision(
                f"Template:{name}",
                f"2005-0{1 + i}-1{i}T12:00:00Z",
                "Admin",
                "Created template",
                body,
                ns=10,
            )
        )
    for i, planet in enumerate(p for p in planets if p.name is not None):
        seconds = 97 * i
        revs.append(
            SeedRevision(
                planet.title,
                f"2012-03-01T{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}Z",
                "KestrelBot",
                f"Bot: creating stub for minor planet {planet.title} from MPC data",
                minor_planet_stub(planet),
            )
        )
    half = len(planets) // 2
    revs.append(
        SeedRevision(
            MANY_OUTLINKS_TITLE,
            "2012-03-05T02:10:00Z",
            "KestrelBot",
            "Bot: creating list of minor planets (20001–20300)",
            minor_planet_list(planets[:half]),
        )
    )
    revs.append(
        SeedRevision(
            MANY_OUTLINKS_TITLE,
            "2012-03-06T02:10:00Z",
            "KestrelBot",
            "Bot: extending list of minor planets (20301–20600)",
            minor_planet_list(planets),
            label="many_outlinks_page",
        )
    )
    revs.extend(_item_revisions())
    revs.extend(_deleted_page_revisions())
    return revs


def _item_revisions() -> list[SeedRevision]:
    return [
        SeedRevision(
            "Q64",
            "2012-10-30T09:12:33Z",
            "Marginalia",
            "/* wbeditentity-create-item:0| */ Berlin",
            entity_json(item_q64()),
            model=JSON_MODEL,
            label="item_city",
        ),
        SeedRevision(
            "Q42",
            "2012-10-29T22:12:20Z",
            "Thornbury",
            "/* wbeditentity-create-item:0| */ Douglas Adams",
            entity_json(item_q42(False)),
            model=JSON_MODEL,
        ),
        SeedRevision(
            "Q42",
            "2015-07-03T08:47:51Z",
            "Wrenfield",
            "/* wbeditentity-update:0| */ added statements, descriptions and sitelinks",
            entity_json(item_q42(True)),
            model=JSON_MODEL,
            label="item",
        ),
        SeedRevision(
            "Q104567890",
            "2021-03-14T10:00:00Z",
            GOOD2,
            "/* wbeditentity-create-item:0| */ Eddystone Rocks",
            entity_json(item_sparse()),
            model=JSON_MODEL,
            label="item_sparse",
        ),
    ]


def _deleted_page_revisions() -> list[SeedRevision]:
    first = (
        "'''Brightline Media Solutions''' is a leading full-service digital marketing agency"
        " helping brands grow online. With over 10 years of experience, our award-winning team"
        " delivers SEO, social media management and pay-per-click campaigns that get"
        " RESULTS!!!\n\nContact us today at www.brightline-media.example for a FREE"
        " consultation!\n\n[[Category:Companies]]"
    )
    second = first.replace(
        "\n\nContact us",
        "\n\n== Our services ==\n* Search engine optimisation (SEO)\n* Social media"
        " management\n* Pay-per-click advertising\n* Web design\n\n== Why choose us? ==\n"
        "We are trusted by hundreds of happy clients worldwide.\n\nContact us",
    )
    return [
        SeedRevision(
            DELETED_TITLE, "2022-02-03T10:15:00Z", "Brightline Media", "Created page", first
        ),
        SeedRevision(
            DELETED_TITLE,
            "2022-02-03T10:21:40Z",
            "Brightline Media",
            "added services",
            second,
            label="deleted_page",
        ),
    ]


def build_plan() -> SeedPlan:
    """Every revision to import, sorted by time, and the page properties to set."""
    planets = tuple(minor_planets())
    revisions: list[SeedRevision] = []
    qids: dict[str, str] = {}
    for spec in ARTICLES:
        revisions.extend(article_revisions(spec))
        if spec.qid:
            qids[spec.title] = spec.qid
    revisions.extend(_generated_revisions(planets))
    for i, (title, _) in enumerate(OUTLINK_TARGETS):
        qids[title] = f"Q{7100001 + i}"
    for i, planet in enumerate(p for p in planets if p.name is not None):
        qids[planet.title] = f"Q{7200001 + i}"
    revisions.sort(key=lambda rev: rev.timestamp)
    timestamps = [rev.timestamp for rev in revisions]
    if len(set(timestamps)) != len(timestamps):
        raise ValueError("seed revisions must have distinct timestamps")
    return SeedPlan(tuple(revisions), qids, (DELETED_TITLE,), planets)


# ---------------------------------------------------------------------------------------
# Import file
# ---------------------------------------------------------------------------------------


def export_xml(revisions: Iterable[SeedRevision]) -> bytes:
    """A MediaWiki XML export (schema 0.11) with one ``<page>`` per revision, in order."""
    root = ET.Element("mediawiki", {"xmlns": EXPORT_NS, "version": "0.11", "xml:lang": "en"})
    for rev in revisions:
        page = ET.SubElement(root, "page")
        ET.SubElement(page, "title").text = rev.title
        ET.SubElement(page, "ns").text = str(rev.ns)
        if rev.text.startswith("#REDIRECT [["):
            target = rev.text[len("#REDIRECT [[") : rev.text.index("]]")]
            ET.SubElement(page, "redirect", {"title": target})
        revision = ET.SubElement(page, "revision")
        ET.SubElement(revision, "timestamp").text = rev.timestamp
        contributor = ET.SubElement(revision, "contributor")
        if rev.is_ip:
            ET.SubElement(contributor, "ip").text = rev.user
        else:
            ET.SubElement(contributor, "username").text = rev.user
        if rev.minor:
            ET.SubElement(revision, "minor")
        if rev.comment:
            ET.SubElement(revision, "comment").text = rev.comment
        ET.SubElement(revision, "model").text = rev.model[0]
        ET.SubElement(revision, "format").text = rev.model[1]
        text = ET.SubElement(revision, "text", {"xml:space": "preserve"})
        text.text = rev.text
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


# ---------------------------------------------------------------------------------------
# Seeding a freshly installed wiki
# ---------------------------------------------------------------------------------------


def user_password(name: str) -> str:
    """A throwaway password that passes MediaWiki's password policy."""
    return hashlib.sha256(name.encode()).hexdigest()[:16] + "Aa1!"


def create_users(maintenance: Maintenance) -> None:
    """Create every seed account (the installer created ``Admin``)."""
    for user in USERS:
        flags = [f"--{group}" for group in user.groups if group in ("sysop", "bot")]
        maintenance("createAndPromote.php", *flags, user.name, user_password(user.name))


def seed_wiki(maintenance: Maintenance, wiki_dir: Path, db_path: Path) -> dict[str, Any]:
    """Seed a freshly installed wiki; write ``seed.json`` into ``wiki_dir`` and return it."""
    plan = build_plan()
    create_users(maintenance)
    dump = wiki_dir / "seed-import.xml"
    dump.write_bytes(export_xml(plan.revisions))
    maintenance("importDump.php", "--quiet", str(dump))
    dump.unlink()
    deletions = wiki_dir / "seed-delete.txt"
    deletions.write_text("\n".join(plan.deleted_titles) + "\n", encoding="utf-8")
    sysop = user_by_role("sysop").name
    maintenance("deleteBatch.php", "-u", sysop, "-r", DELETION_REASON, str(deletions))
    deletions.unlink()
    maintenance("runJobs.php", "--quiet")
    with sqlite3.connect(db_path) as conn:
        apply_database_fixes(conn, plan)
    maintenance("rebuildrecentchanges.php")
    maintenance("initSiteStats.php", "--update")
    with sqlite3.connect(db_path) as conn:
        manifest = build_manifest(conn, plan)
    (wiki_dir / "seed.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    return manifest


# ---------------------------------------------------------------------------------------
# Database: what maintenance scripts cannot set, and reading the ids back
# ---------------------------------------------------------------------------------------

NAMESPACES = {"Template": 10, "Category": 14, "Wikipedia": 4, "Help": 12}


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def split_title(title: str) -> tuple[int, str]:
    """``(namespace, db key)`` of a title, for the namespaces the seed uses."""
    prefix, _, rest = title.partition(":")
    if rest and prefix in NAMESPACES:
        return NAMESPACES[prefix], rest.replace(" ", "_")
    return 0, title.replace(" ", "_")


def mw_timestamp(iso: str) -> str:
    """``2012-03-01T00:01:37Z`` -> ``20120301000137``."""
    return re.sub(r"[-:TZ]", "", iso)


def iso_timestamp(mw: str) -> str:
    """``20120301000137`` -> ``2012-03-01T00:01:37Z``."""
    return f"{mw[0:4]}-{mw[4:6]}-{mw[6:8]}T{mw[8:10]}:{mw[10:12]}:{mw[12:14]}Z"


def revision_ids(conn: sqlite3.Connection) -> dict[tuple[int, str, str], int]:
    """``(namespace, db key, timestamp) -> rev_id`` of live and archived revisions."""
    ids: dict[tuple[int, str, str], int] = {}
    live = conn.execute(
        "SELECT page_namespace, page_title, rev_timestamp, rev_id"
        " FROM revision JOIN page ON rev_page = page_id"
    )
    archived = conn.execute("SELECT ar_namespace, ar_title, ar_timestamp, ar_rev_id FROM archive")
    for ns, title, timestamp, rev_id in [*live, *archived]:
        ids[(int(ns), _text(title), _text(timestamp))] = int(rev_id)
    return ids


def page_ids(conn: sqlite3.Connection) -> dict[tuple[int, str], int]:
    """``(namespace, db key) -> page_id``."""
    rows = conn.execute("SELECT page_namespace, page_title, page_id FROM page")
    return {(int(ns), _text(title)): int(page_id) for ns, title, page_id in rows}


class SeedIds:
    """The ids MediaWiki assigned to the seeded revisions and pages."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._revisions = revision_ids(conn)
        self._pages = page_ids(conn)

    def rev(self, rev: SeedRevision) -> int:
        ns, key = split_title(rev.title)
        try:
            return self._revisions[(ns, key, mw_timestamp(rev.timestamp))]
        except KeyError:
            raise LookupError(f"revision of {rev.title!r} at {rev.timestamp} not in the DB")

    def page(self, title: str) -> int:
        try:
            return self._pages[split_title(title)]
        except KeyError:
            raise LookupError(f"page {title!r} not in the DB")

    def has_page(self, title: str) -> bool:
        return split_title(title) in self._pages


def apply_database_fixes(conn: sqlite3.Connection, plan: SeedPlan) -> None:
    """Registration dates, edit counts, genders, e-mail, revision deletion, page props,
    and fixed timestamps for what the installer and the scripts stamped with 'now'."""
    ids = SeedIds(conn)
    for user in (ADMIN, *USERS):
        _fix_user(conn, user)
    for rev in plan.revisions:
        if rev.hide:
            conn.execute(
                "UPDATE revision SET rev_deleted = ? WHERE rev_id = ?", (rev.hide, ids.rev(rev))
            )
    for title, qid in plan.qids.items():
        conn.execute(
            "INSERT OR REPLACE INTO page_props (pp_page, pp_propname, pp_value, pp_sortkey)"
            " VALUES (?, 'wikibase_item', ?, NULL)",
            (ids.page(title), qid),
        )
    conn.execute(
        "UPDATE revision SET rev_timestamp = ? WHERE rev_page = ?",
        (mw_timestamp("2004-06-01T12:05:00Z"), ids.page("Main Page")),
    )
    conn.execute(
        "UPDATE logging SET log_timestamp = ? WHERE log_type = 'delete'",
        (mw_timestamp("2022-02-04T09:12:00Z"),),
    )
    conn.execute(
        "UPDATE logging SET log_timestamp = ? WHERE log_type = 'create' AND log_title = ?",
        (mw_timestamp("2004-06-01T12:05:00Z"), "Main_Page"),
    )


def _fix_user(conn: sqlite3.Connection, user: SeedUser) -> None:
    row = conn.execute("SELECT user_id FROM user WHERE user_name = ?", (user.name,)).fetchone()
    if row is None:
        raise LookupError(f"user {user.name!r} was not created")
    user_id = int(row[0])
    actual = conn.execute(
        "SELECT (SELECT COUNT(*) FROM revision JOIN actor ON rev_actor = actor_id"
        " WHERE actor_user = ?) + (SELECT COUNT(*) FROM archive JOIN actor"
        " ON ar_actor = actor_id WHERE actor_user = ?)",
        (user_id, user_id),
    ).fetchone()[0]
    registration = mw_timestamp(user.registration)
    conn.execute(
        "UPDATE user SET user_registration = ?, user_editcount = ?, user_email = ?,"
        " user_email_authenticated = ? WHERE user_id = ?",
        (
            registration,
            max(user.editcount, int(actual)),
            user.email or "",
            registration if user.email else None,
            user_id,
        ),
    )
    if user.gender:
        conn.execute(
            "INSERT OR REPLACE INTO user_properties (up_user, up_property, up_value)"
            " VALUES (?, 'gender', ?)",
            (user_id, user.gender),
        )
    conn.execute(
        "UPDATE logging SET log_timestamp = ? WHERE log_type IN ('newusers', 'rights')"
        " AND log_namespace = 2 AND log_title = ?",
        (registration, user.name.replace(" ", "_")),
    )


def linked_qids(conn: sqlite3.Connection, page_id: int) -> list[str]:
    """The ``wikibase_item`` of every main-namespace page ``page_id`` links to, following
    redirects, as ``generator=links&gplnamespace=0&redirects=1&prop=pageprops`` sees them."""
    rows = conn.execute(
        "SELECT DISTINCT pp_value FROM pagelinks"
        " JOIN page AS target ON target.page_namespace = pl_namespace"
        "  AND target.page_title = pl_title"
        " LEFT JOIN redirect ON rd_from = target.page_id AND target.page_is_redirect = 1"
        " LEFT JOIN page AS final ON final.page_namespace = rd_namespace"
        "  AND final.page_title = rd_title"
        " JOIN page_props ON pp_page = COALESCE(final.page_id, target.page_id)"
        "  AND pp_propname = 'wikibase_item'"
        " WHERE pl_from = ? AND pl_namespace = 0",
        (page_id,),
    )
    return sorted(_text(row[0]) for row in rows)


def link_count(conn: sqlite3.Connection, page_id: int) -> int:
    """How many main-namespace links a page has."""
    row = conn.execute(
        "SELECT COUNT(*) FROM pagelinks WHERE pl_from = ? AND pl_namespace = 0", (page_id,)
    ).fetchone()
    return int(row[0])


def _user_manifest(conn: sqlite3.Connection, user: SeedUser) -> dict[str, Any]:
    user_id, registration, editcount = conn.execute(
        "SELECT user_id, user_registration, user_editcount FROM user WHERE user_name = ?",
        (user.name,),
    ).fetchone()
    groups = sorted(
        _text(row[0])
        for row in conn.execute("SELECT ug_group FROM user_groups WHERE ug_user = ?", (user_id,))
    )
    return {
        "name": user.name,
        "user_id": int(user_id),
        "groups": groups,
        "registration": iso_timestamp(_text(registration)),
        "editcount": int(editcount),
        "gender": user.gender or "unknown",
        "emailable": bool(user.email),
    }


def _latest(revisions: Iterable[SeedRevision], title: str) -> SeedRevision:
    return [rev for rev in revisions if rev.title == title][-1]


def build_manifest(conn: sqlite3.Connection, plan: SeedPlan) -> dict[str, Any]:
    """The manifest of a seeded wiki: every id read back from its database."""
    ids = SeedIds(conn)
    revisions = {rev.label: ids.rev(rev) for rev in plan.revisions if rev.label}
    articles: dict[str, Any] = {}
    by_lang: dict[str, list[int]] = {}
    for spec in ARTICLES:
        revs = [rev for rev in plan.revisions if rev.title == spec.title]
        rev_ids = [ids.rev(rev) for rev in revs]
        articles[spec.title] = {
            "page_id": ids.page(spec.title),
            "lang": spec.lang,
            "revisions": rev_ids,
            "first_rev_id": rev_ids[0],
            "latest_rev_id": rev_ids[-1],
            "wikibase_item": spec.qid,
        }
        visible = [ids.rev(rev) for rev in revs if not rev.hide & DELETED_TEXT]
        by_lang.setdefault(spec.lang, []).extend(visible)
    items = {}
    for title in ("Q42", "Q64", "Q104567890"):
        rev_ids = [ids.rev(rev) for rev in plan.revisions if rev.title == title]
        items[title] = {
            "page_id": ids.page(title),
            "revisions": rev_ids,
            "latest_rev_id": rev_ids[-1],
        }
    max_rev = max(ids.rev(rev) for rev in plan.revisions)
    if MISSING_REV_ID <= max_rev:
        raise ValueError(f"missing_rev_id {MISSING_REV_ID} is not above the largest id {max_rev}")
    return {
        "revisions": revisions,
        "all_article_revisions": sorted(by_lang["en"]),
        "nl_article_revisions": sorted(by_lang["nl"]),
        "de_article_revisions": sorted(by_lang["de"]),
        "articles": articles,
        "items": items,
        "pages": _pages_manifest(conn, plan, ids),
        "users": {user.role: _user_manifest(conn, user) for user in (ADMIN, *USERS)},
        "ips": dict(IPS),
        "missing_rev_id": MISSING_REV_ID,
    }


def _pages_manifest(conn: sqlite3.Connection, plan: SeedPlan, ids: SeedIds) -> dict[str, Any]:
    outlinks_id = ids.page(OUTLINKS_TITLE)
    expected = linked_qids(conn, outlinks_id)
    intended = sorted(plan.qids[title] for title, _ in OUTLINK_TARGETS)
    if expected != intended:
        raise ValueError(
            f"the links of {OUTLINKS_TITLE!r} in the DB give {len(expected)} wikibase items,"
            f" the seed intends {len(intended)}: {sorted(set(expected) ^ set(intended))}"
        )
    many_id = ids.page(MANY_OUTLINKS_TITLE)
    named = [p for p in plan.planets if p.name is not None]
    many_expected = linked_qids(conn, many_id)
    if many_expected != sorted(plan.qids[p.title] for p in named):
        raise ValueError(f"the links of {MANY_OUTLINKS_TITLE!r} do not match the seed")
    redirect_title = "Tui Sutherland"
    deleted = [rev for rev in plan.revisions if rev.title == DELETED_TITLE]
    return {
        "outlinks": {
            "title": OUTLINKS_TITLE,
            "page_id": outlinks_id,
            "rev_id": ids.rev(_latest(plan.revisions, OUTLINKS_TITLE)),
            "expected_qids": expected,
            "redirects": dict(OUTLINK_REDIRECTS),
            "missing_titles": list(OUTLINK_MISSING),
            "without_qid_titles": list(OUTLINK_WITHOUT_QID),
            "other_namespace_titles": list(OUTLINK_OTHER_NAMESPACES),
            "link_count": link_count(conn, outlinks_id),
        },
        "no_outlinks": {
            "title": NO_OUTLINKS_TITLE,
            "page_id": ids.page(NO_OUTLINKS_TITLE),
            "rev_id": ids.rev(_latest(plan.revisions, NO_OUTLINKS_TITLE)),
        },
        "many_outlinks": {
            "title": MANY_OUTLINKS_TITLE,
            "page_id": many_id,
            "rev_id": ids.rev(_latest(plan.revisions, MANY_OUTLINKS_TITLE)),
            "expected_qids": many_expected,
            "link_count": link_count(conn, many_id),
            "missing_titles": [p.title for p in plan.planets if p.name is None],
        },
        "redirect": {
            "title": redirect_title,
            "page_id": ids.page(redirect_title),
            "target": OUTLINK_REDIRECTS[redirect_title],
            "target_page_id": ids.page(OUTLINK_REDIRECTS[redirect_title]),
        },
        "deleted": {
            "title": DELETED_TITLE,
            "rev_ids": [ids.rev(rev) for rev in deleted],
            "exists": ids.has_page(DELETED_TITLE),
        },
    }
