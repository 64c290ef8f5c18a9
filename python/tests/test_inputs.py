import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inference_common.errors import InvalidInput
from inference_common.inputs import (
    MAX_REV_ID,
    decode_body,
    optional_bool,
    optional_float,
    require_lang,
    require_rev_id,
    require_title,
    validate_title,
)
from inference_testing import strategies


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"", "empty"),
        (b"   ", "empty"),
        (b"not json", "not valid JSON"),
        (b"[1, 2]", "got array"),
        (b'"a string"', "got string"),
        (b"12", "got number"),
        (b"null", "got null"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        ([1], "got array"),
        # What json.loads would accept, but no JSON encoder (ours, MediaWiki's) can take:
        (b'{"page_title": "\\ud800"}', "lone UTF-16 surrogate"),
        ('{"page_title": "\\udfff x"}', "lone UTF-16 surrogate"),
        (b'{"\\ud800": 1}', "lone UTF-16 surrogate"),
        (b'{"a": [{"b": "\\ud83d"}]}', "lone UTF-16 surrogate"),
        (b'{"threshold": NaN}', "NaN is not a JSON number"),
        (b'{"threshold": -Infinity}', "Infinity is not a JSON number"),
        (b'{"rev_id": ' + b"9" * 5000 + b"}", "not valid JSON"),
    ],
)
def test_bad_bodies(payload: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        decode_body(payload)


def test_bodies_decode_whatever_the_transport() -> None:
    assert decode_body(b'{"rev_id": 1}') == {"rev_id": 1}
    # A surrogate pair is one character (an emoji), and an escaped backslash is no escape.
    assert decode_body(b'{"t": "\\ud83d\\ude00"}') == {"t": "\U0001f600"}
    assert decode_body(b'{"t": "\\\\ud800"}') == {"t": "\\ud800"}
    assert decode_body('{"rev_id": 1}') == {"rev_id": 1}
    assert decode_body({"rev_id": 1}) == {"rev_id": 1}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "missing field 'rev_id'"),
        ({"rev_id": None}, "must be an integer, got null"),
        ({"rev_id": -1}, "between 1 and"),
        ({"rev_id": 0}, "between 1 and"),
        ({"rev_id": MAX_REV_ID + 1}, "between 1 and"),
        ({"rev_id": 10**40}, "between 1 and"),
        ({"rev_id": 1.5}, "got number"),
        ({"rev_id": 1.0}, "got number"),
        ({"rev_id": "123"}, "got string"),
        ({"rev_id": True}, "got boolean"),
        ({"rev_id": [1]}, "got array"),
        ({"rev_id": {"id": 1}}, "got object"),
    ],
)
def test_bad_rev_ids(body: dict, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        require_rev_id(body)


@given(st.integers(min_value=1, max_value=MAX_REV_ID))
def test_every_valid_rev_id_is_accepted(rev_id: int) -> None:
    assert require_rev_id({"rev_id": rev_id}) == rev_id


@given(st.one_of(st.text(), st.floats(), st.booleans(), st.none(), st.lists(st.integers())))
def test_no_non_integer_is_a_rev_id(value: object) -> None:
    with pytest.raises(InvalidInput):
        require_rev_id({"rev_id": value})


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    )
)
def test_decode_body_accepts_objects_and_refuses_the_rest(value: object) -> None:
    raw = json.dumps(value).encode()
    if isinstance(value, dict):
        assert decode_body(raw) == value
    else:
        with pytest.raises(InvalidInput):
            decode_body(raw)


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("enwiki", "not a wiki id"),
        ("evil.com/", "not a Wikipedia language code"),
        ("en.wikipedia.org@x", "not a Wikipedia language code"),
        ("../", "not a Wikipedia language code"),
        ("EN", "not a Wikipedia language code"),
        ("", "must not be empty"),
        (5, "must be a string"),
    ],
)
def test_bad_langs(lang: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        require_lang({"lang": lang})


@given(strategies.langs())
def test_every_known_code_is_a_lang(lang: str) -> None:
    accepted = require_lang({"lang": lang})
    assert accepted == lang and accepted.replace("-", "").isalpha() and accepted.islower()


@given(strategies.not_langs())
def test_anything_else_is_refused_as_a_lang(lang: str) -> None:
    with pytest.raises(InvalidInput, match="lang"):
        require_lang({"lang": lang})


@pytest.mark.parametrize(
    "title", ["A|B", "A#b", "<x>", "[[x]]", "{{x}}", "a\x00b", "x" * 300, " ", "\ud800", "a\udfffb"]
)
def test_bad_titles(title: str) -> None:
    with pytest.raises(InvalidInput):
        require_title({"page_title": title})


def test_titles_are_normalized() -> None:
    assert validate_title("Wings_of_Fire_(novel_series)") == "Wings of Fire (novel series)"
    assert validate_title("Ünïcödé ☃ 東京") == "Ünïcödé ☃ 東京"


def judged_as_mediawiki_does(title: str) -> None:
    """``validate_title`` refuses what the oracle refuses, and makes of the rest what
    MediaWiki makes of it."""
    expected = strategies.mediawiki_title(title)
    if expected is None:
        with pytest.raises(InvalidInput, match="page_title"):
            validate_title(title)
        return
    accepted = validate_title(title)
    assert accepted == expected
    assert len(accepted.encode()) <= 255
    assert validate_title(accepted) == accepted
    assert require_title({"page_title": title}) == accepted


@given(strategies.titles())
def test_every_valid_title_is_accepted_normalized(title: str) -> None:
    assert validate_title(title) == strategies.normalized_title(title)
    judged_as_mediawiki_does(title)


@given(strategies.any_titles())
def test_titles_are_judged_as_mediawiki_judges_them(title: str) -> None:
    judged_as_mediawiki_does(title)


@given(strategies.titles_of_bytes())
def test_titles_of_250_to_260_bytes_are_judged_by_their_bytes(title: str) -> None:
    judged_as_mediawiki_does(title)


def test_the_limit_is_255_bytes_not_characters() -> None:
    assert validate_title("é" * 127 + "a") == "é" * 127 + "a"  # 255 bytes
    assert validate_title("😀" * 63 + "東") == "😀" * 63 + "東"  # 255 bytes, 64 characters
    for title in ("é" * 128, "😀" * 64, "東" * 85 + "a", " ".join(["ж" * 9] * 13) + "a" * 10):
        assert len(title.encode()) == 256 and len(title) < 256
        with pytest.raises(InvalidInput, match="longer than 255 bytes"):
            validate_title(title)
    # the bytes once normalized: spaces and marks MediaWiki drops do not count
    assert validate_title(" " + "é" * 127 + "a\u200e ") == "é" * 127 + "a"


def test_c1_control_characters_are_refused() -> None:
    """U+0080-U+009F are bytes MediaWiki's title rules let through, but not text; U+0085
    (NEXT LINE) is no space to MediaWiki (Python's str.split took it for one)."""
    for character in map(chr, range(0x80, 0xA0)):
        with pytest.raises(InvalidInput, match="control characters"):
            validate_title(f"A{character}B")


def test_mediawiki_normalisations_and_refusals() -> None:
    assert validate_title("A\u200eB\u202e") == "AB"  # direction marks removed
    assert validate_title("A\u180e\u3000_\xa0B") == "A B"  # MediaWiki's whitespace
    assert validate_title("A\u200bB") == "A\u200bB"  # a zero-width space is no space to it
    for title, message in [
        ("100%25", "escape"),
        ("Tom &amp; Jerry", "escape"),
        ("A &eacute; B", "escape"),
        ("..", "relative path"),
        ("../A", "relative path"),
        ("A/./B", "relative path"),
        ("A/..", "relative path"),
        ("Sig ~~~~", "~~~"),
        ("A\ufffdB", "U\\+FFFD"),
        ("\u200e\u200f", "empty"),
    ]:
        assert strategies.mediawiki_title(title) is None
        with pytest.raises(InvalidInput, match=message):
            validate_title(title)
    # what is close to those but valid
    for title in ("100%", "100% 2", "Tom & Jerry", "A;B", "...", "A.B/C", "~~", "A/.B"):
        assert validate_title(title) == strategies.normalized_title(title) == title


@pytest.mark.parametrize(
    ("strategy", "message"),
    [
        (strategies.forbidden_titles(), "forbids"),
        (strategies.control_titles(), "control characters"),
        (strategies.blank_titles(), "empty"),
        (strategies.long_titles(), "longer than"),
    ],
    ids=["forbidden", "control", "blank", "long"],
)
def test_invalid_titles_are_refused(strategy: st.SearchStrategy[str], message: str) -> None:
    @given(strategy)
    def check(title: str) -> None:
        with pytest.raises(InvalidInput, match=message):
            validate_title(title)

    check()


def test_optional_fields() -> None:
    assert optional_float({}, "threshold", 0.5, minimum=0, maximum=1) == 0.5
    assert optional_float({"threshold": 1}, "threshold", 0.5, minimum=0, maximum=1) == 1.0
    for bad in (1.5, -0.1, "0.5", True, float("nan"), float("inf"), 10**400, -(10**400)):
        with pytest.raises(InvalidInput, match="threshold"):
            optional_float({"threshold": bad}, "threshold", 0.5, minimum=0, maximum=1)
    # Without bounds, an int beyond any float is still a clear error (not OverflowError).
    with pytest.raises(InvalidInput, match="too large"):
        optional_float({"x": 10**400}, "x", 0.0)
    assert optional_float({"x": 10**300}, "x", 0.0) == 1e300
    assert optional_bool({"debug": True}, "debug") is True
    with pytest.raises(InvalidInput, match="true or false"):
        optional_bool({"debug": "yes"}, "debug")
