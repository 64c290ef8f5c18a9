"""Edits to wikitext articles, of the kinds editquality models learn to tell apart.

Each edit function takes the RNG, the article's subject and the parent text, and returns
an :class:`Edit`: the new text, the edit summary, the minor flag and how the edit is
labelled (damaging? saved in good faith?). :data:`EDIT_KINDS` lists them by group:

* good edits (not damaging, good faith): referenced sentences and sections, copyedits,
  wikilinks and categories, sources replacing ``{{citation needed}}``, updated figures;
* good-faith damage: unsourced puffery, test edits, edit-toolbar placeholder text,
  removed sourced content;
* vandalism (damaging, bad faith): blanking, inserted insults/profanity, keyboard mashing,
  shouting in capitals, spam links, attacks replacing the lead, sneaky number changes.
"""

import random
import re
from collections.abc import Callable
from dataclasses import dataclass

from . import lexicon, text
from .text import Subject


@dataclass(frozen=True)
class Edit:
    """The result of an edit and its labels."""

    text: str
    comment: str
    minor: bool
    kind: str
    damaging: bool
    goodfaith: bool


EditFunction = Callable[[random.Random, Subject, str], Edit]

_END_SECTIONS = ("== See also ==", "== References ==", "== External links ==", "{{", "[[Category")
_GOOD_SHAPE = text.QUALITY_SHAPES["GA"]


def _blocks(wikitext: str) -> list[str]:
    return wikitext.split("\n\n")


def _is_prose(block: str) -> bool:
    return bool(block) and not block.startswith(("=", "{{", "[[", "*", "|"))


def _prose_indexes(blocks: list[str]) -> list[int]:
    return [i for i, block in enumerate(blocks) if _is_prose(block)]


def _section_of(blocks: list[str], index: int) -> str | None:
    for block in reversed(blocks[:index]):
        match = re.match(r"^==+ *(.*?) *==+$", block.strip())
        if match:
            return match.group(1)
    return None


def _section_comment(rng: random.Random, blocks: list[str], index: int, summary: str) -> str:
    """An edit summary, prefixed (as section edits are) by the section's name."""
    section = _section_of(blocks, index)
    if section and rng.random() < 0.5:
        return f"/* {section} */ {summary}".rstrip()
    return summary


_OPENERS = ("{{", "[[", "<ref")
_CLOSERS = ("}}", "]]", "</ref>")


def sentences_of(block: str) -> list[str]:
    """The sentences of a prose paragraph, each with its references and templates (a
    sentence ends at a space after ``.``, ``!``, ``?``, ``</ref>`` or ``}}`` outside any
    reference, template or link)."""
    sentences, start, depth, index = [], 0, 0, 0
    while index < len(block):
        opener = next((o for o in _OPENERS if block.startswith(o, index)), None)
        closer = next((c for c in _CLOSERS if block.startswith(c, index)), None)
        if opener:
            depth += 1
            index += len(opener)
        elif closer:
            depth = max(depth - 1, 0)
            index += len(closer)
        elif block[index] == " " and depth == 0 and block[index - 1] in ".!?>}":
            sentences.append(block[start:index])
            start = index + 1
            index += 1
        else:
            index += 1
    sentences.append(block[start:])
    return [sentence for sentence in sentences if sentence]


def _insert_in_prose(rng: random.Random, wikitext: str, addition: str) -> tuple[str, int]:
    """``addition`` put between two sentences (or at the end) of a random prose
    paragraph; the new text and the paragraph's index."""
    blocks = _blocks(wikitext)
    prose = _prose_indexes(blocks) or [0]
    index = rng.choice(prose)
    sentences = sentences_of(blocks[index])
    sentences.insert(rng.randint(1, max(len(sentences), 1)), addition)
    blocks[index] = " ".join(sentences)
    return "\n\n".join(blocks), index


def _end_index(blocks: list[str]) -> int:
    for index, block in enumerate(blocks):
        if index > 0 and block.startswith(_END_SECTIONS) and not block.startswith("{{Infobox"):
            if index > 1:
                return index
    return len(blocks)


# -- good edits -------------------------------------------------------------------------


def add_referenced_sentence(rng: random.Random, subject: Subject, wikitext: str) -> Edit:
    """A new sentence with a reliable source."""
    sentence = text.topic_sentence(rng, subject, 0.4) + text.reference(rng, subject, True)
    new, index = _insert_in_prose(rng, wikitext, sentence)
    summary = rng.choice(("added sourced information", "expand, add ref", "add info with source",
                          "Expanded with a reliable source", ""))  # fmt: skip
    return Edit(new, _section_comment(rng, _blocks(new), index, summary), False,
                "good:referenced-sentence", False, True)  # fmt: skip


def add_section(rng: random.Random, subject: Subject, wikitext: str) -> Edit:
    """A new referenced section before the end matter."""
    blocks = _blocks(wikitext)
    existing = set(re.findall(r"^== *(.*?) *==$", wikitext, re.M))
    titles = [t for t in (*subject.kind.sections, "Reception", "Legacy") if t not in existing]
    title = rng.choice(titles or ["Further developments"])
    paragraphs = [text.paragraph(rng, subject, _GOOD_SHAPE) for _ in range(rng.randint(1, 2))]
    at = _end_index(blocks)
    blocks[at:at] = [f"== {title} ==", *paragraphs]
    summary = rng.choice((f"/* {title} */ new section", f"Added section on {title.lower()}",
                          "expanded article", f"/* {title} */"))  # fmt: skip
    return Edit("\n\n".join(blocks), summary, False, "good:new-section", False, True)


def copyedit(rng: random.Random, subject: Subject, wikitext: str) -> Edit:
    """Spelling and punctuation fixes (the parent is given typos to fix)."""
    fixed = re.sub(r"  +", " ", wikitext).replace(" ,", ",")
    summary = rng.choice(("copyedit", "ce", "typo", "fix spelling", "Fixed typo", "grammar"))
    return Edit(fixed, summary, rng.random() < 0.7, "good:copyedit", False, True)


def with_typos(rng: random.Random, wikitext: str) -> str:
    """``wikitext`` with a few words misspelt and stray spaces (a copyedit's parent)."""
    broken = wikitext
    for word in rng.sample(sorted(lexicon.TYPOS), 4):
        broken = re.sub(rf"\b{word}\b", lexicon.TYPOS[word], broken, count=rng.randint(1, 2))
    return broken.replace(", ", " , ", 1).replace(". ", ".  ", 2)


def add_links(rng: random.Random, subject: Subject, wikitext: str) -> Edit:
    """Wikilinks on words and a category."""
    new = wikitext
    for word in rng.sample(("novel", "album", "city", "river", "government", "company",
                            "species", "disease", "software", "film", "army", "parliament"),
                           5):  # fmt: skip
        new = re.sub(rf"(?<![\[\w])({word})(?![\]\w])", r"[[\1]]", new, count=1)
    category = f"[[Category:{subject.kind.key.capitalize()}s in popular culture]]"
    new = new.rstrip("\n") + "\n" + category + "\n"
    summary = rng.choice(("wikilinks", "+cat", "link", "added links and category", "wl"))
    return Edit(new, summary, rng.random() < 0.6, "good:links", False, True)


def source_citation_needed(rng: random.Random, subject: Subject, wikitext: str) -> Edit:
    """A ``{{citation needed}}`` tag replaced by a source (or a new sourced sentence)."""
    match = re.search(r"\{\{Citation needed\|[^}]*\}\}", wikitext)
    if not match:
        return add_referenced_sentence(rng, subject, wikitext)
    new = wikitext[: match.start()] + text.reference(rng, subject, True) + wikitext[match.end() :]
    summary = rng.choice(("Replaced citation needed tag with source", "add cite", "ref"))
    return Edit(new, summary, False, "good:source-added", False, True)


def update_figure(rng: random.Random, subject: Subject, wikitext: str) -> Edit:
    """A figure changed to a newer value, with a source for it."""
    blocks = _blocks(wikitext)
    for index in _prose_indexes(blocks)[1:]:  # not the lead, with its dates of birth
        sentences = sentences_of(blocks[index])
        for position, sentence in enumerate(sentences):
            match = re.search(r"\b(\d{1,3})\b", sentence)
            if match and "<ref" not in sentence:
                value = str(int(match.group(1)) + rng.randint(1, 9))
                updated = sentence[: match.start()] + value + sentence[match.end() :]
                sentences[position] = updated + text.reference(rng, subject, True)
                blocks[index] = " ".join(sentences)
                summary = rng.choice(("update per 2020 census", "updated figures", "update"))
                return Edit("\n\n".join(blocks), summary, False, "good:update", False, True)
    return add_referenced_sentence(rng, subject, wikitext)


# -- good-faith damage ------------------------------------------------------------------


def unsourced_claim(rng: random.Random, subject: Subject, wikitext: str) -> Edit:
    """Puffery or opinion without a source."""
    claim = text.fill(rng, rng.choice(lexicon.UNSOURCED_CLAIMS), subject)
    new, index = _insert_in_prose(rng, wikitext, claim)
    summary = rng.choice(("", "", "added info", "more info"))
    return Edit(new, _section_comment(rng, _blocks(new), index, summary), False,
                "goodfaith-damage:unsourced-claim", True, True)  # fmt: skip


def test_edit(rng: random.Random, subject: Subject, wikitext: str) -> Edit:
    """A newcomer trying the editor out."""
    new, _ = _insert_in_prose(rng, wikitext, rng.choice(lexicon.TEST_EDITS))
    return Edit(new, rng.choice(("", "test")), False, "goodfaith-damage:test", True, True)


def toolbar_placeholder(rng: random.Random, subject: Subject, wikitext: str) -> Edit:
    """The edit toolbar's placeholder text, saved by mistake."""
    placeholder = rng.choice(("'''Bold text'''", "''Italic text''", "[[Link title]]",
                              "[http://www.example.com link title]",
                              "\n\n== Headline text ==\n\n", "<nowiki>Insert non-formatted text "
                              "here</nowiki>", "[[File:Example.jpg]]"))  # fmt: skip
    new, _ = _insert_in_prose(rng, wikitext, placeholder)
    return Edit(new, "", False, "goodfaith-damage:toolbar", True, True)


def remove_sourced_content(rng: random.Random, subject: Subject, wikitext: str) -> Edit:
    """A referenced paragraph removed as 'wrong'."""
    blocks = _blocks(wikitext)
    prose = [i for i in _prose_indexes(blocks) if "<ref" in blocks[i]] or _prose_indexes(blocks)
    if len(prose) < 2:
        return unsourced_claim(rng, subject, wikitext)
    index = rng.choice(prose[1:])
    del blocks[index]
    summary = rng.choice(("removed incorrect info", "this is wrong", "not true", ""))
    return Edit("\n\n".join(blocks), summary, False, "goodfaith-damage:removal", True, True)


# -- vandalism --------------------------------------------------------------------------


def blank(rng: random.Random, subject: Subject, wikitext: str) -> Edit:
    """Everything, or a whole stretch of the article, removed."""
    blocks = _blocks(wikitext)
    if rng.random() < 0.4 or len(blocks) < 4:
        new = rng.choice(("", text.fill(rng, rng.choice(lexicon.VANDAL_PHRASES), subject)))
    else:
        start = rng.randint(1, max(len(blocks) - 3, 1))
        new = "\n\n".join(blocks[:start] + blocks[start + rng.randint(2, 6) :])
    return Edit(new, rng.choice(("", "", "/* Early life */", "hi")), False,
                "vandalism:blanking", True, False)  # fmt: skip


def insult(rng: random.Random, subject: Subject, wikitext: str) -> Edit:
    """An insult or profanity inserted into the prose."""
    phrase = text.fill(rng, rng.choice(lexicon.VANDAL_PHRASES), subject)
    new, index = _insert_in_prose(rng, wikitext, phrase)
    summary = rng.choice(("", "", "", "lol", "fixed"))
    return Edit(new, _section_comment(rng, _blocks(new), index, summary), False,
                "vandalism:insult", True, False)  # fmt: skip


def keyboard_mash(rng: random.Random, subject: Subject, wikitext: str) -> Edit:
    """Nonsense characters."""
    mash = " ".join(rng.choice(lexicon.NONSENSE) for _ in range(rng.randint(1, 4)))
    new, _ = _insert_in_prose(rng, wikitext, mash)
    return Edit(new, rng.choice(("", "", "asdf")), False, "vandalism:nonsense", True, False)


def shouting(rng: random.Random, subject: Subject, wikitext: str) -> Edit:
    """A sentence turned into capitals with exclamation marks."""
    shout = text.topic_sentence(rng, subject).upper().rstrip(".") + "!!!!!!"
    if rng.random() < 0.5:
        shout += " " + text.fill(rng, rng.choice(lexicon.VANDAL_PHRASES), subject).upper()
    new, _ = _insert_in_prose(rng, wikitext, shout)
    return Edit(new, "", False, "vandalism:caps", True, False)


def spam_link(rng: random.Random, subject: Subject, wikitext: str) -> Edit:
    """A commercial link."""
    new, index = _insert_in_prose(rng, wikitext, rng.choice(lexicon.SPAM_LINKS))
    summary = rng.choice(("", "added useful link", "external link", "update"))
    return Edit(new, summary, False, "vandalism:spam", True, False)


def attack_lead(rng: random.Random, subject: Subject, wikitext: str) -> Edit:
    """The lead replaced by an attack on a person."""
    blocks = _blocks(wikitext)
    prose = _prose_indexes(blocks) or [0]
    blocks[prose[0]] = text.fill(rng, rng.choice(lexicon.ATTACK_SENTENCES), subject)
    return Edit("\n\n".join(blocks), "", False, "vandalism:attack", True, False)


def sneaky_numbers(rng: random.Random, subject: Subject, wikitext: str) -> Edit:
    """Years and figures changed to wrong values, without a summary."""
    new = re.sub(r"\b(1[89]\d\d|20[0-2]\d)\b", lambda m: str(int(m.group(1)) + 69), wikitext,
                 count=rng.randint(2, 5))  # fmt: skip
    new = re.sub(r"\b(\d{1,3}),000\b", r"\g<1>00,000", new, count=2)
    return Edit(new, "", False, "vandalism:sneaky", True, False)


EDIT_KINDS: dict[str, tuple[tuple[EditFunction, int], ...]] = {
    "good": (
        (add_referenced_sentence, 4),
        (add_section, 3),
        (copyedit, 3),
        (add_links, 2),
        (source_citation_needed, 2),
        (update_figure, 1),
    ),
    "goodfaith-damage": (
        (unsourced_claim, 3),
        (test_edit, 2),
        (toolbar_placeholder, 2),
        (remove_sourced_content, 1),
    ),
    "vandalism": (
        (blank, 3),
        (insult, 4),
        (keyboard_mash, 2),
        (shouting, 2),
        (spam_link, 2),
        (attack_lead, 1),
        (sneaky_numbers, 1),
    ),
}
"""Edit functions by group, with relative weights."""


def pick_edit(rng: random.Random, group: str) -> EditFunction:
    """An edit function of ``group`` drawn by weight."""
    functions, weights = zip(*EDIT_KINDS[group])
    return rng.choices(functions, weights=weights)[0]
