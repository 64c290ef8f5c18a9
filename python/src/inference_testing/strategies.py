"""Hypothesis strategies for request fields: valid ones, so that a property's assertions
run on every example (``st.text()`` almost never makes a valid title or language code),
and invalid ones, each with the rejection it must get.

Titles are judged by :func:`mediawiki_title`, an oracle written here from MediaWiki's own
rules (TitleParser), not imported from the code under test.
"""

from __future__ import annotations

import re

from hypothesis import strategies as st

from inference_common.wikis import WIKIPEDIA_LANGUAGES

# -- the oracle: MediaWiki's rules for a main-namespace page title -------------------------

# Removed before anything else (MediaWiki strips these direction marks and overrides).
DIRECTION_MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
# What MediaWiki turns into one underscore (a space in the displayed title).
TITLE_WHITESPACE = (
    " _\xa0\u1680\u180e"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000"
)
# $wgLegalTitleChars: the ASCII a title may hold (every non-ASCII character is legal to it).
LEGAL_ASCII = frozenset(
    " %!\"$&'()*,-./0123456789:;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ\\^_`abcdefghijklmnopqrstuvwxyz~+"
)
C0_CONTROLS = "".join(chr(c) for c in [*range(32), 127])
C1_CONTROLS = "".join(chr(c) for c in range(0x80, 0xA0))
CONTROL_CHARACTERS = C0_CONTROLS + C1_CONTROLS
TITLE_MAX_BYTES = 255  # of UTF-8, once normalized


def mediawiki_title(title: str, max_bytes: int = TITLE_MAX_BYTES) -> str | None:
    """The title MediaWiki makes of ``title`` (underscores as spaces), or None when it
    refuses it. Namespace and interwiki prefixes are MediaWiki's business, not a request
    validator's: ``title`` must hold no ":" (the strategies make none). Two choices of the
    project stricter than MediaWiki: ``#`` (MediaWiki would cut a fragment off) and C1
    control characters (U+0080-U+009F: legal bytes to MediaWiki, but not text) refuse."""
    assert ":" not in title, "namespaces are not modelled"
    if any(0xD800 <= ord(c) <= 0xDFFF for c in title):
        return None  # not representable in UTF-8
    key = "".join(c for c in title if c not in DIRECTION_MARKS)
    key = re.sub(f"[{re.escape(TITLE_WHITESPACE)}]+", "_", key).strip("_")
    if not key or "\ufffd" in key:
        return None
    if any(ord(c) < 128 and c not in LEGAL_ASCII for c in key):
        return None  # C0 controls, DEL, #<>[]|{}
    if any(c in C1_CONTROLS for c in key):
        return None
    if re.search("%[0-9A-Fa-f]{2}", key) or re.search("&[A-Za-z0-9\x80-\U0010ffff]+;", key):
        return None  # a %-escape or an HTML entity
    if key in (".", "..") or key.startswith(("./", "../")) or key.endswith(("/.", "/..")):
        return None
    if "/./" in key or "/../" in key or "~~~" in key:
        return None
    if len(key.encode("utf-8")) > max_bytes:
        return None
    return key.replace("_", " ")


# -- titles --------------------------------------------------------------------------------

# Any character but ":" (see mediawiki_title) and a lone surrogate.
_CHARACTERS = st.characters(exclude_categories=("Cs",), exclude_characters=":")
# Characters that MediaWiki takes as they are (no control, whitespace, mark or "%&~.").
_PLAIN = st.characters(
    exclude_categories=("Cc", "Cs", "Zs", "Zl", "Zp"),
    exclude_characters=":#<>[]|{}%&~._\ufffd\u180e" + DIRECTION_MARKS,
)
# One character of each UTF-8 length, so that byte and character counts differ.
_WIDE = st.sampled_from(["a", "é", "ж", "東", "☃", "𝄞", "😀"])
_SPECIAL = st.sampled_from(
    sorted(set(TITLE_WHITESPACE + DIRECTION_MARKS + CONTROL_CHARACTERS + "#<>[]|{}%&;~./\ufffd"))
)


def normalized_title(title: str) -> str:
    """What a title valid to MediaWiki becomes (its :func:`mediawiki_title`)."""
    normalized = mediawiki_title(title)
    assert normalized is not None, f"{title!r} is not a valid title"
    return normalized


def titles(max_size: int = 60) -> st.SearchStrategy[str]:
    """Valid page titles (at most ``max_size`` characters)."""
    return st.text(
        st.one_of(_PLAIN, _WIDE, st.sampled_from(" _")), min_size=1, max_size=max_size
    ).filter(lambda title: mediawiki_title(title) is not None)


@st.composite
def titles_of_bytes(draw: st.DrawFn, low: int = 250, high: int = 260, odd: bool = True) -> str:
    """Titles of ``low`` to ``high`` bytes of UTF-8 (around the 255-byte limit), of 1- to
    4-byte characters, with spaces and underscores inside, and (``odd``) other characters
    MediaWiki removes, collapses or refuses."""
    target = draw(st.integers(low, high))
    kinds = [_WIDE, _PLAIN, st.sampled_from(" _")] + ([_SPECIAL] if odd else [])
    pieces = draw(st.lists(st.one_of(*kinds), min_size=1, max_size=12))
    filler = draw(_WIDE)
    text = "".join(pieces)
    while len(text.encode("utf-8")) < target:
        text += filler if len((text + filler).encode()) <= target else "a"
    while len(text.encode("utf-8")) > target:
        text = text[:-1]
    return text.ljust(len(text) + target - len(text.encode("utf-8")), "b")


def any_titles() -> st.SearchStrategy[str]:
    """Titles of every kind, valid or not: random text, valid titles with odd characters
    put in, and titles around the 255-byte limit."""
    odd = st.tuples(titles(30), st.lists(st.tuples(st.integers(0, 30), _SPECIAL))).map(
        lambda parts: _insert(*parts)
    )
    return st.one_of(st.text(_CHARACTERS, max_size=40), odd, titles_of_bytes())


def _insert(title: str, extras: list[tuple[int, str]]) -> str:
    for position, character in extras:
        title = title[:position] + character + title[position:]
    return title


def titles_with(characters: str) -> st.SearchStrategy[str]:
    """Valid titles with one of ``characters`` put somewhere in them."""
    return st.tuples(titles(20), st.integers(0, 20), st.sampled_from(sorted(characters))).map(
        lambda parts: parts[0][: parts[1]] + parts[2] + parts[0][parts[1] :]
    )


def forbidden_titles() -> st.SearchStrategy[str]:
    """Titles holding a character MediaWiki forbids (``#<>[]|{}``)."""
    return titles_with("#<>[]|{}")


def control_titles() -> st.SearchStrategy[str]:
    """Titles holding a control character (C0, DEL or C1) and nothing forbidden."""
    return titles_with(CONTROL_CHARACTERS)


def blank_titles() -> st.SearchStrategy[str]:
    """Titles of MediaWiki's whitespace, underscores and direction marks only."""
    return st.text(st.sampled_from(TITLE_WHITESPACE + DIRECTION_MARKS), min_size=1, max_size=30)


def long_titles() -> st.SearchStrategy[str]:
    """Valid titles but for their length: 256 to 1,000 bytes of UTF-8 once normalized."""
    return st.one_of(
        titles_of_bytes(256, 262, odd=False), titles_of_bytes(256, 1000, odd=False)
    ).filter(
        lambda title: len((mediawiki_title(title, max_bytes=10**6) or "").encode())
        > TITLE_MAX_BYTES
    )


def langs() -> st.SearchStrategy[str]:
    """Known Wikipedia language codes."""
    return st.sampled_from(sorted(WIKIPEDIA_LANGUAGES))


def not_langs() -> st.SearchStrategy[str]:
    """Strings that are not Wikipedia language codes (wiki ids, hosts, noise, ...)."""
    noise = st.text(max_size=50)
    near = st.builds(
        "{}{}".format, langs(), st.sampled_from(["wiki", ".wikipedia.org", " ", "_", "-x", "1"])
    )
    return st.one_of(noise, near, langs().map(str.upper)).filter(
        lambda text: text not in WIKIPEDIA_LANGUAGES
    )
