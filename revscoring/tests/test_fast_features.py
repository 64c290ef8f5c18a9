"""FAST_FEATURES computes exactly the stock feature values: the same type and repr of
every value (:func:`exact`; ``==`` would take 1, 1.0 and True as equal, and 0.0 as -0.0).

Every served model type (the demo models) and the real ORES-era binaries are loaded twice,
with and without the fast implementations, and compared on every revision of the embedded
wiki and of the benchmark corpus (with and without the cross-request reuse of parents'
values, in stream order and in random order), and on generated wikitext. The fast
functions are also compared one by one with revscoring's on generated strings.
"""

from __future__ import annotations

import functools
import os
import random
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from revscoring.features.wikitext.datasources import tokenized
from revscoring.features.wikitext.features import chars

from inference_common.errors import ModelServerError
from inference_testing.hypothesis_profiles import CI, examples
from inference_common.http import HttpClient
from inference_common.mediawiki import MediaWikiClient, endpoint_for
from revscoring_server import scoring
from revscoring_server.fast_features import TextReuse, lines, substitutions
from revscoring_server.fetch import fetch_revision_docs, union_needs
from inference_common.documents import EditContext
from revscoring_server.settings import RevscoringSettings

from .support import DEMO_WORD2VEC_DIR, ORES_MODELS_DIR, SERVICE_DIR

sys.path.insert(0, str(SERVICE_DIR.parent / "benchmarks"))

from corpus import Corpus, load_or_generate  # noqa: E402
from floor import build_docs  # noqa: E402

ORES_MODELS = {
    "nlwiki-articlequality": "nlwiki.articlequality.model",
    "dewiki-damaging": "dewiki.damaging.rs2.2.4.model",
}


def exact(value: Any) -> Any:
    """``value`` as nested (type, repr) pairs: equal only if every value has the same type
    and the same repr (1 != 1.0 != True, 0.0 != -0.0, nan == nan)."""
    if isinstance(value, dict):
        return ("dict", [(exact(k), exact(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [exact(item) for item in value])
    return (type(value).__name__, repr(value))


def test_exact_tells_apart_what_equality_does_not() -> None:
    assert 1 == 1.0 == True and 0.0 == -0.0  # noqa: E712
    assert len({repr(exact(v)) for v in (1, 1.0, True, 0.0, -0.0)}) == 5
    assert exact({"a": [1.0, float("nan")]}) == exact({"a": [1.0, float("nan")]})
    assert exact([1, 2]) != exact((1, 2)) and exact({"a": 1}) != exact({"a": 1.0})


# -- the fast functions against revscoring's, on generated strings -----------------------

TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from("aAİıßſKk\n '="),
    max_size=300,
)
RUNS = st.lists(
    st.tuples(
        st.sampled_from(["a", "A", "İ", "i̇", " ", "\n", "ß", "ǅ", "😀", "x"]), st.integers(1, 40)
    ),
    max_size=12,
).map(lambda runs: "".join(char * count for char, count in runs))


@given(TEXT | RUNS)
@example("")
@example("aaAA bbb")
@example("İİİ")
def test_longest_repeated_char_is_revscorings(text: str) -> None:
    for value in (text, None):
        assert exact(substitutions.longest_repeated_char(value)) == exact(
            chars._process_longest_repeated_char(value)
        )


@given(st.lists(TEXT | RUNS, max_size=5))
def test_longest_repeated_char_added_is_revscorings(segments: list[str]) -> None:
    try:
        expected: Any = chars._process_longest_repeated_char_added(segments)
    except ValueError as error:
        expected = ("ValueError", str(error))
    try:
        got: Any = substitutions.longest_repeated_char_added(segments)
    except ValueError as error:
        got = ("ValueError", str(error))
    assert exact(got) == exact(expected)


@given(TEXT | st.sampled_from(["AB", "ÀÉ", "A1", "ǅX", "ΣΑ", "ﬀ", "İSTANBUL", "NASA", "Ab"]))
def test_is_uppercase_word_is_revscorings(word: str) -> None:
    assert substitutions.is_uppercase_word(word) is tokenized.is_uppercase_word(word)


@given(TEXT | RUNS)
@example("{{cite web|url=http://x.org}} <ref name=a>b</ref> [[a|b]] '''c''' 2.500 中文字")
def test_tokenize_is_deltas(text: str) -> None:
    fast = substitutions.wikitext_tokens(text)
    stock = tokenized._process_tokens(text)
    assert exact(fast) == exact(stock)
    assert [token.type for token in fast] == [token.type for token in stock]
    assert exact(substitutions.wikitext_tokens(None)) == exact(tokenized._process_tokens(None))


@functools.lru_cache(maxsize=1)
def _extractors() -> list[Any]:
    from revscoring.languages import dutch, english, german

    extractors = [
        matches.process.__self__
        for language in (english, dutch, german)
        for matches in (
            language.badwords.revision.datasources.matches,
            language.informals.revision.datasources.matches,
        )
    ]
    return [(e, substitutions.first_char_lookahead(e.group_re)) for e in extractors]


BAD_TEXT = st.lists(
    st.sampled_from(
        "ass ASS asshole Arsch kut shit SHIT ſhit Kut lol LOOOL hahaha haha fuck fucking "
        "dumbass dumb-ass gay idiot stupid İdiot ı bitch penis scheiße Scheisse kanker tyfus "
        "wtf omg yo ' - _ 1 2 [[ ]] {{ }} \n".split()
    )
    | TEXT,
    max_size=40,
).map(" ".join)


@settings(deadline=None)
@given(BAD_TEXT)
@example("You ass asshole, haha lol! KUT kut ſhit")
def test_regex_lookahead_matches_as_revscoring(text: str) -> None:
    for extractor, faster in _extractors():
        assert faster is not None
        exclude = getattr(extractor, "exclude_re", None)
        for value in (text, text.split(), None):
            assert exact(substitutions.regex_matches(faster, exclude, value)) == exact(
                extractor.process(value)
            )


LINED_TEXT = st.lists(BAD_TEXT, max_size=6).map("\n".join)


@settings(deadline=None)
@given(LINED_TEXT)
@example("ass\nass\n\nlol lol\nhaha\n")
@example("\nkut\r\nKUT\n")
def test_regex_lines_match_as_revscoring(text: str) -> None:
    """Line by line, with kept lines (the second call finds them), revscoring's matches."""
    for extractor, faster in _extractors():
        assert lines.line_local(extractor.group_re)
        store = lines.line_matches(faster, getattr(extractor, "exclude_re", None))
        for value in (text, text, text.split(" "), None):
            assert exact(store(value)) == exact(extractor.process(value))


@pytest.mark.parametrize(
    "alternatives",
    [
        r"a\sb",  # \s matches a newline
        r"a.b",  # so does . (with DOTALL)
        r"a[^x]b",
        r"a\Wb",
        r"a[\x00-\x20]b",
        r"a\n",
        r"(?<=x)a",  # lookarounds see past a line's edge
        r"a(?=\s)",
        r"^a",
        r"a$",
        r"(a)\3",
        r"\Ba",
    ],
)
def test_line_local_refuses_what_can_see_across_lines(alternatives: str) -> None:
    assert not lines.line_local(re.compile(r"(\b)(" + alternatives + r")(\b)", re.I | re.S))
    assert lines.line_local(re.compile(r"(\b)(a[\w-]b+|c\d)(\b)", re.I))


def test_line_local_is_needed() -> None:
    """Why it refuses: a match across a newline is lost line by line (kills the mutant
    ``line_local = lambda pattern: True``, with the test above)."""
    group_re = re.compile(r"(\b)(a\sb)(\b)", re.I)
    assert [match.group(2) for match in group_re.finditer("a\nb")] == ["a\nb"]
    assert lines.LineMatches(group_re, None)("a\nb") == []


def test_line_store_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lines, "LINE_MEMO_CHARS", 100)
    store = lines.LineMatches(re.compile(r"(\b)(ass)(\b)"), None)
    assert store("ass " * 10 + "\n" + "x ass " * 10) == ["ass"] * 20
    assert store("ass " * 10) == ["ass"] * 10
    assert store._chars <= 100 and len(store._kept) == 1  # the 60-char line made way
    assert store("x ass " * 10) == ["ass"] * 10 and store.misses == 4


# -- whole models ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def model_pairs(demo_models: dict[str, Path]) -> dict[str, tuple[Any, Any]]:
    """``{name: (stock, fast)}`` for every demo model and the ORES binaries present."""
    files = dict(demo_models)
    for name, file_name in ORES_MODELS.items():
        if (ORES_MODELS_DIR / file_name).is_file():
            files[name] = ORES_MODELS_DIR / file_name
    return {
        name: (
            scoring.load_served_model(name, path, DEMO_WORD2VEC_DIR, fast_features=False),
            scoring.load_served_model(name, path, DEMO_WORD2VEC_DIR, fast_features=True),
        )
        for name, path in files.items()
    }


def test_the_ores_binaries_are_compared(model_pairs: dict[str, tuple[Any, Any]]) -> None:
    """The model-level tests below include the real ORES binaries when they are present;
    under CI (the ``CI`` environment variable) a missing one fails."""
    missing = [f for n, f in ORES_MODELS.items() if n not in model_pairs]
    if missing:
        message = f"{', '.join(missing)} absent from {ORES_MODELS_DIR}"
        if CI:
            pytest.fail(message)
        pytest.skip(message)
    assert model_pairs["dewiki-damaging"][1].loaded.deltas_era == "0.4"


def test_every_model_gets_substitutions_and_reuse(model_pairs: dict[str, tuple[Any, Any]]) -> None:
    """The substitutions match today's revscoring graphs (an upgrade that renames what they
    match would silently fall back to the stock code: this says so)."""
    for name, (stock, fast) in model_pairs.items():
        assert not stock.loaded.fast_substitutions and not stock.loaded.text_pairs, name
        if name.startswith("wikidatawiki-"):
            continue  # item models read JSON, not wikitext
        assert fast.loaded.fast_substitutions, name
    edit = model_pairs["enwiki-damaging"][1].loaded
    assert {
        "dictionary_split",
        "longest_repeated_char",
        "uppercase_filter",
        "tokenize",
        "regex_lines",
        "node_class_map",
        "parse",
    } <= set(edit.fast_substitutions)
    assert len(edit.text_pairs) >= 10
    if "dewiki-damaging" in model_pairs:  # an ORES-era graph (revscoring 2.2, deltas 0.4)
        assert model_pairs["dewiki-damaging"][1].loaded.text_pairs


def _outcome(results: dict[str, Any]) -> Any:
    """A scoring's results as :func:`exact` values (an error as its type and message)."""
    return exact(
        {
            name: (
                (type(result).__name__, str(result))
                if isinstance(result, ModelServerError)
                else result
            )
            for name, result in results.items()
        }
    )


def _check(
    models: list[tuple[Any, Any]], docs_by_rev: dict[int, EditContext], orders: list[list[int]]
) -> int:
    """Score every revision with the stock models, then with the fast ones without reuse
    and with reuse in each order; every outcome (features, score, error) must be equal."""
    checked = 0
    for wiki_models in _by_wiki(models).values():
        stock = [pair[0] for pair in wiki_models]
        fast = [pair[1] for pair in wiki_models]
        expected: dict[int, Any] = {}
        for rev_id, docs in docs_by_rev.items():
            if _usable(stock, docs):
                results = scoring.score_revision(_usable(stock, docs), docs, True)
                expected[rev_id] = _outcome(results)
                got = _outcome(scoring.score_revision(_usable(fast, docs), docs, True))
                assert got == expected[rev_id], rev_id
                checked += sum(isinstance(result, dict) for result in results.values())
        for order in orders:
            reuse = TextReuse(256 * 1024 * 1024)
            for rev_id in order:
                if rev_id in expected:
                    docs = docs_by_rev[rev_id]
                    got = _outcome(scoring.score_revision(_usable(fast, docs), docs, True, reuse))
                    assert got == expected[rev_id], rev_id
            assert reuse.hits > 0 or not any(m.loaded.text_pairs for m in fast)
    return checked


def _by_wiki(models: list[tuple[Any, Any]]) -> dict[str, list[tuple[Any, Any]]]:
    groups: dict[str, list[tuple[Any, Any]]] = {}
    for pair in models:
        groups.setdefault(pair[0].wiki, []).append(pair)
    return groups


def _usable(models: list[Any], docs: EditContext) -> list[Any]:
    content_model = scoring.content_model_of(docs.revision)
    return [m for m in models if scoring.accepts(m.model_type, content_model)]


async def test_equal_on_every_embedded_wiki_revision(
    model_pairs: dict[str, tuple[Any, Any]], wiki_url: str, seed: dict[str, Any]
) -> None:
    settings = RevscoringSettings(wiki_url=wiki_url)
    shared = HttpClient.from_settings(settings)
    client = MediaWikiClient(shared)
    revisions = {
        "enwiki": seed["all_article_revisions"],
        "nlwiki": seed["nl_article_revisions"],
        "dewiki": seed["de_article_revisions"],
        "wikidatawiki": sorted(r for item in seed["items"].values() for r in item["revisions"]),
    }
    unscorable = {
        seed["revisions"]["user_hidden"]: "UserDeleted",
        seed["revisions"]["text_deleted_revert"]: "TextDeleted",
    }
    checked = 0
    try:
        for wiki, rev_ids in revisions.items():
            pairs = [pair for pair in model_pairs.values() if pair[0].wiki == wiki]
            if not pairs:
                continue
            needs = union_needs(pair[0].model_type.needs for pair in pairs)
            endpoint = endpoint_for(settings, settings.host_for(wiki))
            fetched = await fetch_revision_docs(client, endpoint, rev_ids, needs)
            # every revision yields its documents (none is dropped for failing to fetch) but
            # the two the seed made unscorable, with their errors
            failed = {r: type(d).__name__ for r, d in fetched.items() if r in unscorable}
            assert sorted(fetched) == sorted(rev_ids), wiki
            assert failed == {r: e for r, e in unscorable.items() if r in rev_ids}, wiki
            docs = {r: d for r, d in fetched.items() if r not in unscorable}
            assert all(isinstance(d, EditContext) for d in docs.values()), (wiki, docs)
            shuffled = list(docs)
            random.Random(13).shuffle(shuffled)
            checked += _check(pairs, docs, [sorted(docs), shuffled])
    finally:
        await shared.close()
    assert checked >= 100


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    _, path = load_or_generate(tmp_path_factory.mktemp("corpus"))
    return Corpus.load(path)


# ``make test`` checks the edits of every 4th page of the benchmark corpus (50 of its 200
# edits, every revision of those pages, about a minute); ``make proof`` sets
# FAST_FEATURES_FULL_CORPUS=1 and checks all 200 (about 4 minutes on 2 idle cores).
FULL_CORPUS = os.environ.get("FAST_FEATURES_FULL_CORPUS") == "1"


def corpus_edits(corpus: Corpus) -> list[int]:
    """The edits to check: all, or those of every 4th page (whole pages, so an edit's parent
    is an edit or the page's first revision, as in the full corpus)."""
    if FULL_CORPUS:
        return corpus.scored_rev_ids()
    pages = corpus.data["pages"][::4]
    chosen = {rev_id for page in pages for rev_id in page["revids"][1:]}
    return [rev_id for rev_id in corpus.scored_rev_ids() if rev_id in chosen]


def test_equal_on_every_benchmark_corpus_revision(
    model_pairs: dict[str, tuple[Any, Any]], corpus: Corpus
) -> None:
    """Every edit of the benchmark corpus (``make proof``; a quarter of its pages in ``make
    test``), for every model that reads wikitext (the German and Dutch ORES models compute
    their features on English text all the same)."""
    pairs = [pair for pair in model_pairs.values() if not pair[0].wiki.startswith("wikidata")]
    needs = union_needs(pair[0].model_type.needs for pair in pairs)
    rev_ids = corpus_edits(corpus)
    assert len(rev_ids) >= (200 if FULL_CORPUS else 40)
    docs = {r: build_docs(corpus, r, needs) for r in rev_ids}
    # random order: an edit finds its parent kept (scored before as a revision) or its own
    # text kept (scored before as a parent); the embedded wiki's check adds stream order
    shuffled = list(rev_ids)
    random.Random(7).shuffle(shuffled)
    assert _check(pairs, docs, [shuffled]) == len(rev_ids) * len(pairs)


# -- generated wikitext ------------------------------------------------------------------

WORDS = st.sampled_from(
    "the a river Danube ASS shit lol hahaha NASA İstanbul ΣΑΣ Москва 東京 ﷺ 😀 ǅemal straße "
    "cooool !!!!!! ...... colour color 2.500 1,000 http://example.org/x".split()
)
MARKUP = st.sampled_from(
    [
        "{{cite web |url=http://example.org |title=T}}",
        "<ref>{{cite book|title=B}}</ref>",
        '<ref name="x" />',
        "[[Link]]",
        "[[Link|piped text]]",
        "[http://example.org label]",
        "\n== Heading ==\n",
        "\n\n",
        "'''bold'''",
        "''it''",
        "{{Infobox|a=1|b=[[c]]}}",
        "<!-- comment -->",
        "{| class=wikitable\n|-\n| a || b\n|}",
        "[[Category:Rivers]]",
        "* item\n",
        "&nbsp;",
    ]
)
RUN = st.tuples(st.sampled_from("aA!?.=-zé😀 \n"), st.integers(3, 60)).map(lambda t: t[0] * t[1])
CHUNK = st.one_of(WORDS, WORDS, WORDS, MARKUP, RUN, st.text(max_size=12))
WIKITEXT = st.lists(CHUNK, min_size=1, max_size=80).map(" ".join)


def _tree(value: Any) -> Any:
    """A parsed tree as nested (class, attributes) down to its strings: every node, every
    Wikicode and node list (with their classes), every attribute by type and repr."""
    from mwparserfromhell.nodes import Node
    from mwparserfromhell.nodes.extras import Attribute, Parameter
    from mwparserfromhell.wikicode import Wikicode

    if isinstance(value, Wikicode):
        return ("Wikicode", type(value.nodes).__name__, [_tree(node) for node in value.nodes])
    if isinstance(value, (Node, Parameter, Attribute)):
        return (type(value).__name__, {k: _tree(v) for k, v in sorted(vars(value).items())})
    if isinstance(value, list):
        return (type(value).__name__, [_tree(item) for item in value])
    return (type(value).__name__, repr(value))


TRICKY_WIKITEXT = [
    "{{a|{{b|[[c|{{d}}]]}}}} <ref>{{e|f=<b>g</b>}}</ref>",
    "[[a|b|c]] [[|x]] [[a]] [[a|]] [[a|[[b]]]] [[File:x.jpg|thumb|[[y]] z]]",
    "{{a|b=c=d|=e|f|g=|{{h}}=i|1=j|k}} {{}} {{a|}} {{ a | b = c }}",
    "{{a|[[b|c]]|d=[[e]]}} {{{arg|default}}} {{#if:x|y|z}}",
    "[[a|b",
    "{{a|b",
    "{{a|b=",
    "[[a{{b}}]]",
    "<ref name=x>{{a|b}}",
    "== {{a}} ==\n&amp; &#123; <!-- {{b}} --> [http://x.org {{c}}]",
    "",
]


@settings(deadline=None)
@given(WIKITEXT | st.sampled_from(TRICKY_WIKITEXT))
def test_parse_text_builds_revscorings_tree(text: str) -> None:
    import mwparserfromhell

    from revscoring_server.fast_features.parse import parse_text

    stock = mwparserfromhell.parse(text)
    fast = parse_text(text)
    assert _tree(fast) == _tree(stock)
    assert str(fast) == str(stock)


def test_parse_text_builds_revscorings_tree_on_the_corpus(corpus: Corpus) -> None:
    import mwparserfromhell

    from revscoring_server.fast_features.parse import parse_text

    texts = {revision["text"] for revision in corpus.revisions.values()} | set(TRICKY_WIKITEXT)
    for text in texts:
        assert _tree(parse_text(text)) == _tree(mwparserfromhell.parse(text))
    assert len(texts) > 200


@given(WIKITEXT | st.sampled_from(["{{a|{{b|[[c|{{d}}]]}}}} <ref>{{e|f=<b>g</b>}}</ref>"]))
def test_node_class_map_is_revscorings(text: str) -> None:
    """The same classes in the same order, each with the same nodes (the very objects of
    the one parsed tree) in the same order."""
    import mwparserfromhell
    from revscoring.features.wikitext.datasources import parsed

    code = mwparserfromhell.parse(text)
    stock = parsed._process_node_class_map(code)
    fast = substitutions.node_class_map(code)
    assert list(fast) == list(stock)
    assert {k: [id(n) for n in v] for k, v in fast.items()} == {
        k: [id(n) for n in v] for k, v in stock.items()
    }


def _edit(template: EditContext, text: str, parent_text: str) -> EditContext:
    rev = _with_text(template.revision, text)
    parent = _with_text(template.parent, parent_text) if template.parent else None
    return EditContext(
        revision=rev, parent=parent, user=template.user, page_creation=template.page_creation
    )


def _with_text(doc: dict[str, Any], text: str) -> dict[str, Any]:
    main = {**doc["slots"]["main"], "content": text}
    return {**doc, "slots": {**doc["slots"], "main": main}, "size": len(text.encode())}


@pytest.fixture(scope="module")
def template_edit(model_pairs: dict[str, tuple[Any, Any]], corpus: Corpus) -> EditContext:
    needs = union_needs(pair[0].model_type.needs for pair in model_pairs.values())
    return build_docs(corpus, corpus.scored_rev_ids()[0], needs)


@settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(parent=WIKITEXT, added=WIKITEXT, cut=st.integers(0, 400))
def test_equal_on_generated_wikitext(
    model_pairs: dict[str, tuple[Any, Any]],
    template_edit: EditContext,
    parent: str,
    added: str,
    cut: int,
) -> None:
    """An edit that inserts generated text into generated text, scored by every English
    wikitext model (and the ORES ones), with and without the fast path; then again with
    the parent's values reused from scoring the parent text as a revision."""
    position = min(cut, len(parent))
    text = parent[:position] + added + parent[position:]
    docs = _edit(template_edit, text, parent)
    pairs = [p for p in model_pairs.values() if not p[0].wiki.startswith("wikidata")]
    stock = [p[0] for p in pairs]
    fast = [p[1] for p in pairs]
    scored = scoring.score_revision(stock, docs, True)
    expected = _outcome(scored)
    assert any(isinstance(v, dict) for v in scored.values())  # the examples do score
    assert _outcome(scoring.score_revision(fast, docs, True)) == expected
    reuse = TextReuse(64 * 1024 * 1024)
    parent_id = int(docs.parent["revid"])
    as_revision = EditContext(
        revision={**_with_text(template_edit.parent, parent), "revid": parent_id},
        parent=None,
        user=template_edit.user,
        page_creation=None,
    )
    scoring.score_revision(fast, _without_parent(as_revision), True, reuse)
    assert _outcome(scoring.score_revision(fast, docs, True, reuse)) == expected
    assert reuse.hits >= 1


def _without_parent(docs: EditContext) -> EditContext:
    """The parent text scored as a page creation (so it is kept as a revision)."""
    rev = {**docs.revision, "parentid": 0}
    return EditContext(revision=rev, parent=None, user=docs.user, page_creation=None)


# -- settings, pool workers --------------------------------------------------------------


def test_fast_features_setting_turns_it_all_off(demo_models: dict[str, Path]) -> None:
    assert RevscoringSettings().fast_features is True
    off = RevscoringSettings(fast_features=False)
    assert off.fast_features is False
    from revscoring_server.engine import ScoringEngine

    name = "enwiki-damaging"
    model = scoring.load_served_model(name, demo_models[name], fast_features=off.fast_features)
    assert not model.loaded.fast_substitutions
    client = MediaWikiClient(HttpClient.from_settings(off))  # never used: no request is made
    assert ScoringEngine(off, {name: model}, client=client).reuse is None
    on = RevscoringSettings(fast_features_reuse_bytes=1_000_000)
    engine = ScoringEngine(on, {name: model}, client=client)
    assert engine.reuse is not None and engine.reuse.max_bytes == 1_000_000


def test_pool_workers_load_fast_models_with_their_own_store(demo_models: dict[str, Path]) -> None:
    paths = {"enwiki-damaging": str(demo_models["enwiki-damaging"])}
    try:
        scoring.init_worker(paths, fast_features=True, reuse_bytes=1_000_000)
        assert scoring._WORKER_MODELS["enwiki-damaging"].loaded.fast_substitutions
        assert scoring._WORKER_REUSE and scoring._WORKER_REUSE[0].max_bytes == 1_000_000
        scoring.init_worker(paths, fast_features=False, reuse_bytes=1_000_000)
        assert not scoring._WORKER_MODELS["enwiki-damaging"].loaded.fast_substitutions
        assert not scoring._WORKER_REUSE
    finally:
        scoring._WORKER_MODELS.clear()
        scoring._WORKER_REUSE.clear()


def test_reuse_store_is_bounded_in_bytes() -> None:
    store = TextReuse(200_000)
    for rev_id in range(50):
        store.put(("enwiki", "k", rev_id, "d"), {"x": ["w" * 50] * 200})
    assert 0 < store.size_bytes <= 200_000
    assert store.get(("enwiki", "k", 49, "d")) is not None  # newest kept
    assert store.get(("enwiki", "k", 0, "d")) is None  # oldest dropped
    store.put(("enwiki", "k", 99, "d"), {"x": ["w" * 1000] * 1000})  # larger than the store
    assert store.get(("enwiki", "k", 99, "d")) is None


def test_memo_is_shared_and_bounded() -> None:
    from revscoring_server.fast_features import memoised

    calls: list[str] = []

    def check(word: str) -> bool:
        calls.append(word)
        return word.startswith("a")

    memo = memoised(check, maxsize=2)
    assert memoised(check) is memo
    assert [memo(w) for w in ["ab", "ab", "b", "c", "ab"]] == [True, True, False, False, True]
    assert calls == ["ab", "b", "c", "ab"]  # bounded: "ab" was dropped for "c"


# -- revscoring's feature library beyond the served models -------------------------------


@functools.lru_cache(maxsize=1)
def _library() -> tuple[list[Any], dict[Any, Any]]:
    """Every English and wikitext feature computed from the texts alone (dictionary,
    stems, badwords, informals, stopwords, wikitext: the revision, parent and diff sets), and
    the fast context for them; it uses substitutions no served model needs yet
    (``dictionary_filter``, ``stem_map``)."""
    from revscoring.dependencies import expand
    from revscoring.features import wikitext
    from revscoring.languages import english

    roots = {"revision.text", "revision.parent.text"}
    features = []
    for feature_set in (
        english.dictionary.revision,
        english.stemmed.revision,
        english.badwords.revision,
        english.informals.revision,
        english.stopwords.revision,
        wikitext.revision,
    ):
        for feature in _features_of(feature_set):
            leaves = {d.name for d in expand([feature]) if not getattr(d, "dependencies", None)}
            if leaves <= roots:
                features.append(feature)
    context, counts = substitutions.fast_context(expand(features), {})
    assert {"dictionary_filter", "stem_map", "dictionary_split", "regex_lines"} <= set(counts)
    return features, context


def _features_of(feature_set: Any) -> list[Any]:
    """The features of a revision feature set and of its ``parent`` and ``diff`` sets
    (iterating a set recurses through their cross references)."""
    from revscoring import Feature

    found = []
    for part in (
        feature_set,
        getattr(feature_set, "parent", None),
        getattr(feature_set, "diff", None),
    ):
        if part is not None:
            found += [value for value in vars(part).values() if isinstance(value, Feature)]
    return found


@settings(max_examples=examples(30), deadline=None)
@given(parent=WIKITEXT, added=WIKITEXT, cut=st.integers(0, 400))
def test_library_features_equal_on_generated_wikitext(parent: str, added: str, cut: int) -> None:
    from revscoring.datasources import revision_oriented as ro
    from revscoring.dependencies import solve

    features, context = _library()
    position = min(cut, len(parent))
    text = parent[:position] + added + parent[position:]
    roots = {ro.revision.text: text, ro.revision.parent.text: parent}
    stock = list(solve(features, cache=dict(roots)))
    fast = list(solve(features, cache=dict(roots), context=dict(context)))
    assert len(features) > 100
    assert exact(fast) == exact(stock)
