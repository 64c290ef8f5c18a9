"""Deterministic training data: API-shaped documents of reverted-like and kept-like edits.

No real edit history is available to this project, so the training tool learns from edits
made by code with a seeded RNG. Each example is the four documents
:func:`revert_risk.features.extract_features` reads (revision, parent, user, first
revision), shaped exactly as the MediaWiki Action API answers them (``formatversion=2``),
plus its label. The same ``(n, seed)`` always gives the same documents.

Reverted-like edits are what patrollers undo: blanking, junk insertions, removal of
references or templates, page replacement, spam links, mostly by anonymous or new
accounts, rarely with a summary. Kept-like edits add sourced sentences, links, sections,
images and categories, copy-edit, or are bot maintenance, mostly by established accounts.
The two overlap (experienced users blank sections too; anonymous users add references),
so the classifier has something to learn rather than one rule to find.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass
from typing import Any, Callable

WORDS = (
    "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt "
    "ut labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco "
    "laboris nisi aliquip ex ea commodo consequat duis aute irure in reprehenderit voluptate "
    "velit esse cillum fugiat nulla pariatur excepteur sint occaecat cupidatat non proident "
    "sunt culpa qui officia deserunt mollit anim id est laborum river city century empire "
    "music school province island language church station village mountain army festival"
).split()
JUNK = ("LOL", "!!!!!", "asdfgh", "xD", "hahaha", "qwerty", "u suck", "BEST EVER", "zzzzzz")
SUMMARIES_KEPT = (
    "copyedit",
    "added reference",
    "/* History */ expanded with sources",
    "fix typo",
    "update infobox",
    "add category",
    "link to related article",
    "Bot: fixing citation templates",
    "clarify wording per talk page",
    "add image",
)
SUMMARIES_REVERTED = (
    "hi",
    "fixed",
    "update",
    "lol",
    "the truth",
    "fixed typo",
    "added info",
    "corrected",
    "copyedit",
    "updated information",
)
CROSSOVER = 0.2  # share of edits whose content change looks like the other label's
LABEL_NOISE = 0.04  # share of edits whose label is flipped after they are made
EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class Example:
    """One labelled edit: the API documents of the edit and whether it was reverted."""

    reverted: bool
    kind: str
    revision: dict[str, Any]
    parent: dict[str, Any] | None
    user: dict[str, Any] | None
    page_creation: dict[str, Any] | None


def _sentence(rng: random.Random, *, links: float = 0.15, refs: float = 0.1) -> str:
    words = []
    for _ in range(rng.randint(8, 22)):
        word = rng.choice(WORDS)
        words.append(f"[[{word.title()} {rng.choice(WORDS)}]]" if rng.random() < links else word)
    sentence = " ".join(words).capitalize() + "."
    if rng.random() < refs:
        sentence += _reference(rng)
    return sentence


def _reference(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return f'<ref name="r{rng.randint(1, 99)}" />'
    return (
        f"<ref>{{{{cite web |url=https://example.org/{rng.choice(WORDS)}/{rng.randint(1, 9999)}"
        f" |title={rng.choice(WORDS).title()} {rng.choice(WORDS)} |access-date=2023-05-0"
        f"{rng.randint(1, 9)}}}}}</ref>"
    )


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(2, 6)))


def _table(rng: random.Random) -> str:
    rows = "\n".join(
        f"|-\n| {rng.choice(WORDS)} || {rng.randint(1800, 2023)} || {rng.choice(WORDS)}"
        for _ in range(rng.randint(2, 6))
    )
    return '{| class="wikitable"\n! Name !! Year !! Note\n' + rows + "\n|}"


def article_text(rng: random.Random, sections: int) -> str:
    """A plausible Wikipedia article: infobox, lead, sections with references, links,
    images and tables, external links and categories."""
    name = rng.choice(WORDS).title()
    population = rng.randint(100, 99999)
    image = f"View{rng.randint(1, 9)}.jpg"
    infobox = f"{{{{Infobox settlement\n| name = {name}\n| population = {population}\n"
    parts = [infobox + f"| image = {image}\n}}}}", _paragraph(rng)]
    for _ in range(sections):
        parts.append(f"== {rng.choice(WORDS).title()} {rng.choice(WORDS)} ==")
        if rng.random() < 0.3:
            parts.append(
                f"[[File:{rng.choice(WORDS).title()}{rng.randint(1, 99)}.jpg|thumb|"
                f"{rng.choice(WORDS)}]]"
            )
        for _ in range(rng.randint(1, 3)):
            parts.append(_paragraph(rng))
        if rng.random() < 0.2:
            parts.append(_table(rng))
    parts.append("== References ==\n{{Reflist}}")
    parts.append(f"== External links ==\n* [https://example.com/{rng.randint(1, 999)} Official]")
    parts.extend(
        f"[[Category:{rng.choice(WORDS).title()} {rng.choice(WORDS)}]]"
        for _ in range(rng.randint(1, 4))
    )
    return "\n\n".join(parts)


def _blocks(text: str) -> list[str]:
    return text.split("\n\n")


def _insert(rng: random.Random, text: str, addition: str) -> str:
    blocks = _blocks(text)
    at = rng.randint(1, max(1, len(blocks) - 2))
    return "\n\n".join(blocks[:at] + [addition] + blocks[at:])


# -- kept-like edits ---------------------------------------------------------------


def _add_sourced_sentence(rng: random.Random, text: str) -> str:
    return _insert(rng, text, _sentence(rng, refs=1.0) + " " + _sentence(rng, refs=0.5))


def _add_links(rng: random.Random, text: str) -> str:
    words = text.split(" ")
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(words))
        if words[i].isalpha():
            words[i] = f"[[{words[i]}]]"
    return " ".join(words)


def _copyedit(rng: random.Random, text: str) -> str:
    words = text.split(" ")
    for _ in range(rng.randint(1, 6)):
        i = rng.randrange(len(words))
        if words[i].isalpha():
            words[i] = rng.choice(WORDS)
    return " ".join(words)


def _add_section(rng: random.Random, text: str) -> str:
    section = f"== {rng.choice(WORDS).title()} ==\n\n" + _paragraph(rng) + _reference(rng)
    return _insert(rng, text, section)


def _add_category(rng: random.Random, text: str) -> str:
    return text + f"\n[[Category:{rng.choice(WORDS).title()} {rng.choice(WORDS)}]]"


def _add_image(rng: random.Random, text: str) -> str:
    return _insert(rng, text, f"[[File:{rng.choice(WORDS).title()}.png|thumb|{_sentence(rng)}]]")


def _bot_maintenance(rng: random.Random, text: str) -> str:
    return text.replace("cite web |", "Cite web |", rng.randint(1, 5)) + "\n{{Authority control}}"


def _add_table(rng: random.Random, text: str) -> str:
    return _insert(rng, text, _table(rng))


# -- reverted-like edits -----------------------------------------------------------


def _blank_section(rng: random.Random, text: str) -> str:
    blocks = _blocks(text)
    start = rng.randint(1, max(1, len(blocks) - 2))
    end = min(len(blocks), start + rng.randint(1, 6))
    return "\n\n".join(blocks[:start] + blocks[end:])


def _insert_junk(rng: random.Random, text: str) -> str:
    junk = " ".join(rng.choice(JUNK) for _ in range(rng.randint(1, 8)))
    return _insert(rng, text, junk)


def _remove_references(rng: random.Random, text: str) -> str:
    kept = []
    for block in _blocks(text):
        while "<ref>" in block and rng.random() < 0.8:
            start = block.index("<ref>")
            end = block.find("</ref>", start)
            if end < 0:
                break
            block = block[:start] + block[end + len("</ref>") :]
        kept.append(block)
    return "\n\n".join(kept)


def _replace_page(rng: random.Random, text: str) -> str:
    return " ".join(rng.choice(JUNK + tuple(WORDS[:8])) for _ in range(rng.randint(1, 30)))


def _add_spam_link(rng: random.Random, text: str) -> str:
    return _insert(rng, text, f"[https://cheap-{rng.choice(WORDS)}.example.net BUY NOW]")


def _remove_templates(rng: random.Random, text: str) -> str:
    if text.startswith("{{Infobox"):
        text = text[text.find("}}") + 2 :]
    return text.replace("{{Reflist}}", "")


def _remove_categories(rng: random.Random, text: str) -> str:
    return "\n".join(line for line in text.split("\n") if not line.startswith("[[Category:"))


KEPT_EDITS: dict[str, Callable[[random.Random, str], str]] = {
    "add_sourced_sentence": _add_sourced_sentence,
    "add_links": _add_links,
    "copyedit": _copyedit,
    "add_section": _add_section,
    "add_category": _add_category,
    "add_image": _add_image,
    "bot_maintenance": _bot_maintenance,
    "add_table": _add_table,
}
REVERTED_EDITS: dict[str, Callable[[random.Random, str], str]] = {
    "blank_section": _blank_section,
    "insert_junk": _insert_junk,
    "remove_references": _remove_references,
    "replace_page": _replace_page,
    "add_spam_link": _add_spam_link,
    "remove_templates": _remove_templates,
    "remove_categories": _remove_categories,
    # a vandal's copy-edit looks like anyone's: only who made it tells
    "copyedit": _copyedit,
}


def _timestamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _revision(
    revid: int,
    parentid: int,
    page: dict[str, Any],
    text: str,
    moment: dt.datetime,
    editor: dict[str, Any],
    comment: str,
    minor: bool,
) -> dict[str, Any]:
    return {
        "revid": revid,
        "parentid": parentid,
        "minor": minor,
        **editor,
        "timestamp": _timestamp(moment),
        "size": len(text.encode("utf-8")),
        "sha1": hashlib.sha1(text.encode("utf-8")).hexdigest(),
        "comment": comment,
        "slots": {
            "main": {"contentmodel": "wikitext", "contentformat": "text/x-wiki", "content": text}
        },
        "page": page,
    }


def _editor(
    rng: random.Random, reverted: bool, kind: str, index: int, moment: dt.datetime
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The revision's user fields and the user's ``list=users`` entry (None if anon)."""
    anonymous_rate = 0.55 if reverted else 0.2
    if kind == "bot_maintenance":
        anonymous_rate = 0.0
    if rng.random() < anonymous_rate:
        address = f"203.0.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        return {"user": address, "userid": 0, "anon": True}, None
    newcomer = rng.random() < (0.6 if reverted else 0.3)
    if newcomer:
        edits = rng.randint(0, 30)
        age = rng.uniform(0, 40)
    else:
        edits = int(10 ** rng.uniform(1.5, 5.3))
        age = rng.uniform(100, 6000)
    groups = ["*", "user"] + (["autoconfirmed"] if edits >= 10 and age >= 4 else [])
    if kind == "bot_maintenance":
        groups.append("bot")
    elif not newcomer and rng.random() < 0.25:
        groups.append(rng.choice(("sysop", "rollbacker", "autopatrolled", "extendedconfirmed")))
    name = f"Editor{index}"
    userid = 1000 + index
    registration = moment - dt.timedelta(days=age)
    entry = {
        "userid": userid,
        "name": name,
        "editcount": edits,
        "registration": _timestamp(registration),
        "groups": groups,
    }
    return {"user": name, "userid": userid}, entry


def _summary(rng: random.Random, reverted: bool) -> str:
    """The edit summary. Both classes leave it empty, keep only the section-edit
    autosummary (``/* History */``) or write one; kept edits more often write one."""
    roll = rng.random()
    empty, autosummary = (0.45, 0.35) if reverted else (0.12, 0.3)
    if roll < empty:
        return ""
    section = f"/* {rng.choice(WORDS).title()} {rng.choice(WORDS)} */"
    if roll < empty + autosummary:
        return section if rng.random() < 0.7 else f"{section} {rng.choice(SUMMARIES_KEPT)}"
    return rng.choice(SUMMARIES_REVERTED if reverted else SUMMARIES_KEPT)


def make_example(rng: random.Random, index: int, reverted: bool, *, sections: int) -> Example:
    """One labelled edit of a fresh article (``sections`` sets the article's size)."""
    # Some reverted edits look like good ones (a fake "sourced" sentence) and some kept
    # edits look like vandalism (a legitimate section removal): only context tells.
    looks_reverted = reverted if rng.random() >= CROSSOVER else not reverted
    edits = REVERTED_EDITS if looks_reverted else KEPT_EDITS
    kind = rng.choice(sorted(edits))
    page = {
        "pageid": 10_000 + index,
        "ns": 0 if rng.random() < 0.92 else rng.choice((2, 4, 10, 14)),
        "title": f"{rng.choice(WORDS).title()} {index}",
    }
    moment = EPOCH + dt.timedelta(seconds=rng.randint(0, 365 * 86400))
    revid = 2_000_000 + 2 * index
    editor, user = _editor(rng, reverted, kind, index, moment)
    comment = _summary(rng, reverted)
    minor = rng.random() < (0.04 if reverted else (0.9 if kind == "bot_maintenance" else 0.25))

    if rng.random() < 0.06:  # a page creation: no parent
        text = article_text(rng, sections) if not reverted else _replace_page(rng, "")
        revision = _revision(revid, 0, page, text, moment, editor, comment, minor)
        return Example(reverted, "create", revision, None, user, None)

    parent_text = article_text(rng, sections)
    text = edits[kind](rng, parent_text)
    created = moment - dt.timedelta(days=rng.uniform(0.01, 7000))
    parent_moment = moment - dt.timedelta(minutes=rng.uniform(1, 60 * 24 * 30))
    parent_moment = max(parent_moment, created)
    parent_editor = {"user": "Someone", "userid": 7}
    parent = _revision(
        revid - 1, revid - 7, page, parent_text, parent_moment, parent_editor, "edit", False
    )
    revision = _revision(revid, revid - 1, page, text, moment, editor, comment, minor)
    first = {"revid": 1_000 + index, "parentid": 0, "timestamp": _timestamp(created)}
    # Real labels are noisy: some good edits are reverted, some vandalism survives.
    label = reverted if rng.random() >= LABEL_NOISE else not reverted
    return Example(label, kind, revision, parent, user, first)


def make_dataset(n: int, seed: int, *, sections: tuple[int, int] = (1, 5)) -> list[Example]:
    """``n`` examples, alternating reverted-like and kept-like, from ``seed``."""
    rng = random.Random(seed)
    return [
        make_example(rng, index, reverted=index % 2 == 0, sections=rng.randint(*sections))
        for index in range(n)
    ]
