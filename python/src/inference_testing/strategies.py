"""Hypothesis strategies for request fields: valid ones, so that a property's assertions
run on every example (``st.text()`` almost never makes a valid title or language code),
and invalid ones, each with the rejection it must get.

A title strategy's examples are what MediaWiki accepts: no forbidden character, no
control character or lone surrogate, something besides spaces and underscores, and at most
255 bytes of UTF-8 once normalized.
"""

from __future__ import annotations

from hypothesis import strategies as st

from inference_common.inputs import FORBIDDEN_TITLE_CHARACTERS, MAX_TITLE_BYTES
from inference_common.wikis import WIKIPEDIA_LANGUAGES

# Any character a title may hold (Cc: control characters, Cs: surrogates).
_TITLE_CHARACTERS = st.characters(
    exclude_categories=("Cc", "Cs"), exclude_characters=FORBIDDEN_TITLE_CHARACTERS
)
CONTROL_CHARACTERS = "".join(chr(c) for c in [*range(32), 127])


def normalized_title(title: str) -> str:
    """What a valid title becomes: underscores are spaces, runs of spaces one space."""
    return " ".join(title.replace("_", " ").split())


def titles(max_size: int = 60) -> st.SearchStrategy[str]:
    """Valid page titles (max_size characters of at most 4 bytes each: keep it <= 63)."""
    assert max_size * 4 <= MAX_TITLE_BYTES
    return st.text(_TITLE_CHARACTERS, min_size=1, max_size=max_size).filter(normalized_title)


def titles_with(characters: str) -> st.SearchStrategy[str]:
    """Titles that are valid but for one of ``characters`` somewhere in them."""
    return st.tuples(
        st.text(_TITLE_CHARACTERS, max_size=20),
        st.sampled_from(sorted(characters)),
        st.text(_TITLE_CHARACTERS, max_size=20),
    ).map("".join)


def forbidden_titles() -> st.SearchStrategy[str]:
    """Titles holding a character MediaWiki forbids (``#<>[]|{}``)."""
    return titles_with("".join(FORBIDDEN_TITLE_CHARACTERS))


def control_titles() -> st.SearchStrategy[str]:
    """Titles holding a control character (and nothing forbidden)."""
    return titles_with(CONTROL_CHARACTERS)


def blank_titles() -> st.SearchStrategy[str]:
    """Titles of spaces and underscores only (empty once normalized)."""
    return st.text(st.sampled_from(" _\u3000\xa0"), min_size=1, max_size=30)


def long_titles() -> st.SearchStrategy[str]:
    """Titles too long for MediaWiki (more than 255 bytes of UTF-8 once normalized)."""
    word = st.text(_TITLE_CHARACTERS.filter(lambda c: not c.isspace() and c != "_"), min_size=1)
    return st.lists(word, min_size=1).map("-".join).map(lambda text: text * 256)


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
