"""The benchmark's wiki: a deterministic corpus of English Wikipedia-like pages.

:func:`generate` builds it from a seed (the same seed gives byte-identical JSON); the
harness generates it at start and keeps a copy in ``benchmarks/.cache/corpus-*.json``
that the replay server and the CPU-floor processes read, so every process sees the same
documents. Nothing is committed but this generator.

What it holds (defaults):

* 50 pages, each with 5 revisions: a creation and 4 edits (additions, copy-edits,
  removals, vandalism, blanking of a paragraph), so **200 revisions with a parent**, the
  ones the benchmark scores; every revision's wikitext is 10-30 KB with an infobox, lead,
  headings, wikilinks (piped and plain), ``<ref>`` citations with ``{{cite ...}}``
  templates, lists, a reference list, external links and categories;
* the editors: registered users (``list=users`` entries with groups, registration, edit
  count, gender) and anonymous IP editors;
* for the outlink model: every title linked from a page, with a Wikidata id (a few are
  red links, a few have no item), derived from the title by a hash.

:class:`Corpus` answers in the exact document shapes of the MediaWiki Action API with
``formatversion=2``; :mod:`replay` serves them over HTTP and :mod:`floor` hands the same
documents straight to the scoring code.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

SEED = 20240611
PAGES = 50
REVISIONS_PER_PAGE = 5
FORMAT_VERSION = 1

_NOUNS = """
river city village church castle bridge station railway harbour island mountain valley
lake forest school university museum library theatre market factory company army navy
battle treaty empire kingdom province district county region council parliament court
election party government minister president king queen bishop saint poet painter
composer novel album song film series season league club team player coach stadium
championship tournament cup medal record species genus family plant tree flower bird
fish insect mammal reptile disease treatment hospital medicine engine vehicle aircraft
ship locomotive road highway canal tunnel tower wall gate garden park monument statue
building house palace temple mosque cathedral abbey monastery population census economy
industry agriculture trade mining tourism culture language dialect religion tradition
festival music dance cuisine dish bread cheese wine beer coffee tea climate weather
rainfall temperature winter summer spring autumn century decade year month history
origin development expansion decline reform revolution independence war peace border
coast peninsula plateau desert glacier volcano earthquake flood fire storm harvest
""".split()
_ADJECTIVES = """
old new great small large northern southern eastern western central upper lower early
late ancient modern medieval royal national local regional public private famous
important major minor main first second third final original historic traditional
popular successful rural urban coastal mountainous wooden stone brick narrow wide long
short high deep rich poor significant notable several various numerous annual common
""".split()
_VERBS = """
built founded established opened closed destroyed rebuilt restored expanded reduced
designed described recorded published released produced performed won lost defeated
captured occupied governed ruled served visited connected crossed located situated
named renamed known considered regarded listed included replaced moved remained became
""".split()
_FUNCTION = """
the the the of of of and and in in to a a was was is is by for with on at from as
that which it its their this were are has had been also during after before between
""".split()
_FIRST = """
John Mary William Anna Thomas Elizabeth George Margaret Henry Catherine Charles Sarah
Robert Helen James Alice Edward Jane Richard Emma Louis Marie Peter Sophia Frederick
""".split()
_LAST = """
Smith Brown Taylor Wilson Davies Evans Thomas Johnson Roberts Walker Wright Robinson
Thompson White Hughes Edwards Green Hall Wood Harris Lewis Martin Jackson Clarke Clark
Turner Hill Scott Cooper Morris Ward Moore King Watson Baker Harrison Morgan Patel Young
""".split()
_PLACES = """
Ashford Bramley Carrow Dunmore Elmstead Farleigh Glenholm Harrowby Ingleton Kelbrook
Langford Marston Norbury Oakham Penrith Quarrington Redbourne Stanwick Thornbury
Upwell Ventnor Whitby Yarmouth Aldwick Barnston Colbury Dalton Egremont Fulwood
""".split()
_CATEGORIES = """
Populated places;Buildings and structures;History of the region;Established in the 12th
century;Rivers;Railway stations;Castles;Parishes;Tourist attractions;Grade II listed
buildings;Former kingdoms;Sports clubs;Universities and colleges;Museums
""".replace("\n", " ").split(";")
_VANDALISM = [
    "LOL this is so stupid",
    "poop poop poop",
    "JOHN IS GAY",
    "u r all idiots hahaha",
    "this page sucks!!!!!!",
    "i like turtles",
    "BUTTS",
    "fart lol",
]
_EDIT_KINDS = [
    ("addition", 0.30),
    ("copyedit", 0.20),
    ("reference", 0.10),
    ("removal", 0.12),
    ("vandalism", 0.20),
    ("blanking", 0.08),
]
_BASE_TIME = datetime(2019, 1, 1, tzinfo=timezone.utc)
_LINK = re.compile(r"\[\[([^\]|#:]+)(?:\|[^\]]*)?\]\]")


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def link_titles(rng: random.Random, count: int) -> list[str]:
    """Titles that articles link to (people, places, things)."""
    titles: set[str] = set()
    while len(titles) < count:
        kind = rng.random()
        if kind < 0.3:
            title = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        elif kind < 0.55:
            title = f"{rng.choice(_PLACES)}"
            if rng.random() < 0.6:
                title += f" {rng.choice(_NOUNS).capitalize()}"
        elif kind < 0.8:
            title = f"{rng.choice(_ADJECTIVES).capitalize()} {rng.choice(_NOUNS)}"
        else:
            title = f"{rng.choice(_NOUNS).capitalize()} of {rng.choice(_PLACES)}"
        titles.add(title)
    return sorted(titles)


class _Writer:
    """Draws the wikitext of one article."""

    def __init__(self, rng: random.Random, title: str, links: list[str]) -> None:
        self.rng = rng
        self.title = title
        self.links = links
        self.refs = 0

    def word(self) -> str:
        r = self.rng.random()
        if r < 0.38:
            return self.rng.choice(_FUNCTION)
        if r < 0.7:
            return self.rng.choice(_NOUNS)
        if r < 0.85:
            return self.rng.choice(_ADJECTIVES)
        return self.rng.choice(_VERBS)

    def link(self) -> str:
        target = self.rng.choice(self.links)
        if self.rng.random() < 0.25:
            return f"[[{target}|{target.split()[-1].lower()}]]"
        return f"[[{target}]]"

    def reference(self) -> str:
        self.refs += 1
        rng = self.rng
        if self.refs > 3 and rng.random() < 0.2:
            return f'<ref name="r{rng.randint(1, self.refs - 1)}" />'
        year = rng.randint(1950, 2022)
        author = rng.choice(_LAST)
        words = " ".join(self.word() for _ in range(rng.randint(3, 7))).capitalize()
        if rng.random() < 0.5:
            cite = (
                f"{{{{cite web |url=https://www.example.org/{author.lower()}/{year}/"
                f"{rng.randint(1000, 99999)} |title={words} |publisher={rng.choice(_PLACES)} "
                f"Gazette |date={year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} "
                f"|access-date=2021-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}}}}}"
            )
        else:
            cite = (
                f"{{{{cite book |last={author} |first={rng.choice(_FIRST)} |title={words} "
                f"|publisher={rng.choice(_PLACES)} University Press |year={year} "
                f"|page={rng.randint(1, 400)} |isbn=978-0-{rng.randint(100, 999)}-"
                f"{rng.randint(10000, 99999)}-{rng.randint(0, 9)}}}}}"
            )
        return f'<ref name="r{self.refs}">{cite}</ref>'

    def sentence(self) -> str:
        rng = self.rng
        words = []
        for index in range(rng.randint(9, 24)):
            r = rng.random()
            if r < 0.09 and index > 0:
                words.append(self.link())
            elif r < 0.11:
                words.append(str(rng.randint(1066, 2021)))
            else:
                words.append(self.word())
        text = " ".join(words)
        text = text[0].upper() + text[1:]
        if rng.random() < 0.15:
            text = text.replace(" ", ", ", 1)
        text += "."
        if rng.random() < 0.22:
            text += self.reference()
        return text

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(3, 7)))

    def infobox(self) -> str:
        rng = self.rng
        return (
            "{{Infobox settlement\n"
            f"| name = {self.title}\n"
            f"| image = {self.title.replace(' ', '_')}.jpg\n"
            f"| country = [[{rng.choice(self.links)}]]\n"
            f"| population = {rng.randint(500, 900000)}\n"
            f"| area_km2 = {rng.randint(2, 900)}.{rng.randint(0, 9)}\n"
            f"| established = {rng.randint(900, 1900)}\n"
            "}}\n"
        )

    def article(self, target_bytes: int) -> str:
        rng = self.rng
        parts = [self.infobox()]
        lead = self.paragraph()
        parts.append(
            f"'''{self.title}''' is a {rng.choice(_ADJECTIVES)} {lead[0].lower()}"
            f"{lead[1:]}\n\n{self.paragraph()}\n"
        )
        size = sum(len(p) for p in parts)
        while size < target_bytes - 1200:
            heading = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}".capitalize()
            section = [f"\n== {heading} ==\n"]
            for _ in range(rng.randint(2, 4)):
                if rng.random() < 0.2:
                    section.append(f"\n=== {rng.choice(_NOUNS).capitalize()} ===\n")
                section.append(self.paragraph() + "\n\n")
            if rng.random() < 0.25:
                section.extend(f"* {self.sentence()}\n" for _ in range(rng.randint(3, 6)))
            chunk = "".join(section)
            parts.append(chunk)
            size += len(chunk)
        parts.append("\n== References ==\n{{Reflist}}\n\n== External links ==\n")
        for _ in range(rng.randint(1, 3)):
            parts.append(
                f"* [https://www.example.com/{rng.randint(1, 10**6)} "
                f"Official {rng.choice(_NOUNS)} website]\n"
            )
        parts.append("\n{{Authority control}}\n\n")
        for category in rng.sample(_CATEGORIES, rng.randint(2, 5)):
            parts.append(f"[[Category:{category.strip()}]]\n")
        return "".join(parts)


def _edit(rng: random.Random, writer: _Writer, text: str, kind: str) -> tuple[str, str, bool]:
    """The text after an edit of ``kind``, its edit summary and whether it is minor."""
    paragraphs = [m.start() for m in re.finditer(r"\n\n(?=[A-Z'])", text)]
    where = rng.choice(paragraphs) if paragraphs else len(text) // 2
    if kind == "addition":
        new = " ".join(writer.sentence() for _ in range(rng.randint(1, 4)))
        return text[:where] + " " + new + text[where:], "expanded", False
    if kind == "reference":
        return text[:where] + writer.reference() + text[where:], "added citation", False
    if kind == "copyedit":
        words = text.split(" ")
        for _ in range(rng.randint(2, 8)):
            i = rng.randrange(len(words))
            if words[i].isalpha():
                words[i] = writer.word()
        return " ".join(words), "copyedit", rng.random() < 0.6
    if kind == "removal":
        end = text.find(". ", where + 2)
        end = end + 2 if end > 0 else where
        return text[:where] + text[end:], "rm unsourced claim", False
    if kind == "vandalism":
        junk = " ".join(rng.choice(_VANDALISM) for _ in range(rng.randint(1, 3)))
        if rng.random() < 0.5:
            junk = junk.upper()
        return text[:where] + " " + junk + " " + text[where:], "", False
    # blanking: a paragraph replaced by junk
    end = text.find("\n\n", where + 2)
    end = end if end > 0 else min(len(text), where + 800)
    return text[:where] + "\n\n" + rng.choice(_VANDALISM) + text[end:], "", False


def _users(rng: random.Random, count: int) -> dict[str, dict[str, Any]]:
    users: dict[str, dict[str, Any]] = {}
    while len(users) < count:
        name = f"{rng.choice(_FIRST)}{rng.choice(_LAST)}{rng.randint(1, 999)}"
        veteran = rng.random() < 0.4
        registered = _BASE_TIME - timedelta(days=rng.randint(30, 5000) if veteran else 10)
        groups = ["*", "user"] + (["autoconfirmed", "extendedconfirmed"] if veteran else [])
        if veteran and rng.random() < 0.15:
            groups.append("sysop")
        users[name] = {
            "userid": 100000 + len(users),
            "name": name,
            "editcount": rng.randint(500, 90000) if veteran else rng.randint(0, 40),
            "registration": _timestamp(registered),
            "groups": groups,
            "emailable": rng.random() < 0.5,
            "gender": rng.choice(["unknown", "female", "male"]),
        }
    return users


def generate(seed: int = SEED, pages: int = PAGES, per_page: int = REVISIONS_PER_PAGE) -> dict:
    """The corpus as plain JSON-able data (deterministic for a seed)."""
    rng = random.Random(seed)
    links = link_titles(rng, 2500)
    users = _users(rng, 60)
    user_names = sorted(users)
    titles: list[str] = []
    while len(titles) < pages:
        title = f"{rng.choice(_PLACES)} {rng.choice(_NOUNS).capitalize()} ({rng.choice(_PLACES)})"
        if title not in titles:
            titles.append(title)
    page_docs = []
    revisions: dict[str, dict[str, Any]] = {}
    rev_id = 880000
    kinds, weights = zip(*_EDIT_KINDS)
    for index, title in enumerate(titles):
        page_links = rng.sample(links, rng.randint(120, 400))
        writer = _Writer(rng, title, page_links)
        text = writer.article(rng.randint(12_000, 27_000))
        moment = _BASE_TIME + timedelta(days=rng.randint(0, 900), seconds=rng.randint(0, 86399))
        parent = 0
        ids = []
        for k in range(per_page):
            rev_id += rng.randint(1, 40)
            kind = "creation" if k == 0 else rng.choices(kinds, weights)[0]
            if kind == "creation":
                comment, minor = "Created page", False
            else:
                text, comment, minor = _edit(rng, writer, text, kind)
                moment += timedelta(hours=rng.randint(1, 2000), seconds=rng.randint(0, 3599))
            if kind in ("vandalism", "blanking") or rng.random() < 0.1:
                user, userid = f"192.0.2.{rng.randint(1, 254)}", 0
            else:
                user = rng.choice(user_names)
                userid = users[user]["userid"]
            revisions[str(rev_id)] = {
                "revid": rev_id,
                "parentid": parent,
                "pageid": 20000 + index,
                "user": user,
                "userid": userid,
                "timestamp": _timestamp(moment),
                "comment": comment,
                "minor": minor,
                "kind": kind,
                "text": text,
            }
            ids.append(rev_id)
            parent = rev_id
        page_docs.append({"pageid": 20000 + index, "ns": 0, "title": title, "revids": ids})
    return {
        "format": FORMAT_VERSION,
        "seed": seed,
        "pages": page_docs,
        "revisions": revisions,
        "users": users,
    }


def qid_of(title: str) -> str | None:
    """The Wikidata id of a linked title; None for a red link (1 in 25) or a page without
    an item (1 in 25). Deterministic: a hash of the title."""
    code = zlib.crc32(title.encode("utf-8"))
    if code % 25 in (0, 1):
        return None
    return f"Q{code % 9_000_000 + 1000}"


def red_link(title: str) -> bool:
    return zlib.crc32(title.encode("utf-8")) % 25 == 0


def load_or_generate(cache_dir: Path, seed: int = SEED) -> tuple[dict, Path]:
    """The corpus of ``seed``, from ``cache_dir`` if this generator made it before."""
    source = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:8]
    path = cache_dir / f"corpus-{seed}-{source}.json"
    if path.is_file():
        return json.loads(path.read_text()), path
    data = generate(seed)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, sort_keys=True, separators=(",", ":")))
    tmp.replace(path)
    return data, path


@dataclass
class Corpus:
    """The corpus, answering in the API's document shapes (``formatversion=2``)."""

    data: dict

    def __post_init__(self) -> None:
        self.revisions = {int(k): v for k, v in self.data["revisions"].items()}
        self.pages = {p["pageid"]: p for p in self.data["pages"]}
        self.by_title = {p["title"]: p for p in self.data["pages"]}
        self.users = self.data["users"]
        self._links: dict[int, list[str]] = {}

    @classmethod
    def load(cls, path: Path) -> "Corpus":
        return cls(json.loads(Path(path).read_text()))

    def digest(self) -> str:
        text = json.dumps(self.data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    # -- what the benchmark asks for -----------------------------------------------------

    def scored_rev_ids(self) -> list[int]:
        """Revisions with a parent (the edits), in a fixed interleaved order: one of each
        page, then the next of each page..., so consecutive requests hit different pages."""
        per_page = [p["revids"][1:] for p in self.data["pages"]]
        order = []
        for k in range(max(len(ids) for ids in per_page)):
            order.extend(ids[k] for ids in per_page if k < len(ids))
        return order

    def titles(self) -> list[str]:
        return [p["title"] for p in self.data["pages"]]

    def text_bytes(self, rev_id: int) -> int:
        return len(self.revisions[rev_id]["text"].encode("utf-8"))

    # -- documents ---------------------------------------------------------------------

    def page_fields(self, page_id: int) -> dict[str, Any]:
        page = self.pages[page_id]
        return {"pageid": page["pageid"], "ns": page["ns"], "title": page["title"]}

    def revision_doc(self, rev_id: int, props: set[str], slots: bool) -> dict[str, Any]:
        """One element of ``query.pages[].revisions[]`` for ``rvprop=props``."""
        rev = self.revisions[rev_id]
        doc: dict[str, Any] = {}
        if "ids" in props:
            doc["revid"] = rev["revid"]
            doc["parentid"] = rev["parentid"]
        if "flags" in props:
            doc["minor"] = rev["minor"]
        if "user" in props:
            doc["user"] = rev["user"]
            if rev["userid"] == 0:
                doc["anon"] = True
        if "userid" in props:
            doc["userid"] = rev["userid"]
        if "timestamp" in props:
            doc["timestamp"] = rev["timestamp"]
        text = rev["text"]
        if "size" in props:
            doc["size"] = len(text.encode("utf-8"))
        if "sha1" in props:
            doc["sha1"] = hashlib.sha1(text.encode("utf-8")).hexdigest()
        if "comment" in props:
            doc["comment"] = rev["comment"]
        if slots and ("content" in props or "contentmodel" in props):
            main: dict[str, Any] = {}
            if "contentmodel" in props:
                main["contentmodel"] = "wikitext"
            if "content" in props:
                main["contentformat"] = "text/x-wiki"
                main["content"] = text
            doc["slots"] = {"main": main}
        else:
            if "contentmodel" in props:
                doc["contentmodel"] = "wikitext"
            if "content" in props:
                doc["contentformat"] = "text/x-wiki"
                doc["content"] = text
        return doc

    def user_doc(self, name: str, props: set[str]) -> dict[str, Any]:
        """One element of ``query.users[]`` for ``usprop=props``."""
        user = self.users.get(name)
        if user is None:
            if re.fullmatch(r"[0-9.]+|[0-9a-fA-F:]+", name):
                return {"name": name, "invalid": True}
            return {"name": name, "missing": True}
        doc = {"userid": user["userid"], "name": user["name"]}
        for prop in ("editcount", "registration", "groups", "gender"):
            if prop in props:
                doc[prop] = user[prop]
        if "emailable" in props and user["emailable"]:
            doc["emailable"] = True
        return doc

    def first_rev_id(self, page_id: int) -> int:
        return self.pages[page_id]["revids"][0]

    def links(self, page_id: int) -> list[str]:
        """Distinct titles linked from the page's latest revision, in text order."""
        if page_id not in self._links:
            text = self.revisions[self.pages[page_id]["revids"][-1]]["text"]
            seen = dict.fromkeys(m.group(1).strip() for m in _LINK.finditer(text))
            self._links[page_id] = list(seen)
        return self._links[page_id]

    def link_target_doc(self, title: str, with_pageprops: bool) -> dict[str, Any]:
        """One page of ``generator=links&prop=pageprops&ppprop=wikibase_item``."""
        if red_link(title):
            return {"ns": 0, "title": title, "missing": True}
        code = zlib.crc32(title.encode("utf-8"))
        doc: dict[str, Any] = {"pageid": 1_000_000 + code % 50_000_000, "ns": 0, "title": title}
        qid = qid_of(title)
        if with_pageprops and qid is not None:
            doc["pageprops"] = {"wikibase_item": qid}
        return doc
