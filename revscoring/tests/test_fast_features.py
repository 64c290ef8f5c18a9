"""FAST_FEATURES computes exactly the stock feature values (``==``, not approx).

Every served model type (the demo models) and the real ORES-era binaries are loaded twice,
with and without the fast implementations, and compared on every revision of the embedded
wiki and of the benchmark corpus (with and without the cross-request reuse of parents'
values, in stream order and in random order), and on generated wikitext. The fast
functions are also compared one by one with revscoring's on generated strings.
"""

from __future__ import annotations

import functools
import random
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from revscoring.features.wikitext.datasources import tokenized
from revscoring.features.wikitext.features import chars

from inference_common.errors import ModelServerError
from inference_common.http import HttpClient
from inference_common.mediawiki import MediaWikiClient, endpoint_for
from revscoring_server import scoring
from revscoring_server.fast_features import TextReuse, substitutions
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
    assert substitutions.longest_repeated_char(text) == chars._process_longest_repeated_char(text)
    assert substitutions.longest_repeated_char(None) == chars._process_longest_repeated_char(None)


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
    assert got == expected


@given(TEXT | st.sampled_from(["AB", "ÀÉ", "A1", "ǅX", "ΣΑ", "ﬀ", "İSTANBUL", "NASA", "Ab"]))
def test_is_uppercase_word_is_revscorings(word: str) -> None:
    assert substitutions.is_uppercase_word(word) is tokenized.is_uppercase_word(word)


@given(TEXT | RUNS)
@example("{{cite web|url=http://x.org}} <ref name=a>b</ref> [[a|b]] '''c''' 2.500 中文字")
def test_tokenize_is_deltas(text: str) -> None:
    fast = substitutions.wikitext_tokens(text)
    stock = tokenized._process_tokens(text)
    assert fast == stock
    assert [token.type for token in fast] == [token.type for token in stock]
    assert substitutions.wikitext_tokens(None) == tokenized._process_tokens(None)


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
        assert substitutions.regex_matches(faster, exclude, text) == extractor.process(text)
        words = text.split()
        assert substitutions.regex_matches(faster, exclude, words) == extractor.process(words)
        assert substitutions.regex_matches(faster, exclude, None) == extractor.process(None)


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
    """The model-level tests below include the real ORES binaries when they are present."""
    missing = [f for n, f in ORES_MODELS.items() if n not in model_pairs]
    if missing:
        pytest.skip(f"{', '.join(missing)} absent from {ORES_MODELS_DIR}")
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
    assert {"dictionary_split", "longest_repeated_char", "uppercase_filter", "tokenize"} <= set(
        edit.fast_substitutions
    )
    assert len(edit.text_pairs) >= 10
    if "dewiki-damaging" in model_pairs:  # an ORES-era graph (revscoring 2.2, deltas 0.4)
        assert model_pairs["dewiki-damaging"][1].loaded.text_pairs


def _outcome(results: dict[str, Any]) -> dict[str, Any]:
    return {
        name: (
            (type(result).__name__, str(result)) if isinstance(result, ModelServerError) else result
        )
        for name, result in results.items()
    }


def _check(
    models: list[tuple[Any, Any]], docs_by_rev: dict[int, EditContext], orders: list[list[int]]
) -> int:
    """Score every revision with the stock models, then with the fast ones without reuse
    and with reuse in each order; every outcome (features, score, error) must be equal."""
    checked = 0
    for wiki_models in _by_wiki(models).values():
        stock = [pair[0] for pair in wiki_models]
        fast = [pair[1] for pair in wiki_models]
        expected: dict[int, dict[str, Any]] = {}
        for rev_id, docs in docs_by_rev.items():
            if _usable(stock, docs):
                expected[rev_id] = _outcome(
                    scoring.score_revision(_usable(stock, docs), docs, True)
                )
                got = _outcome(scoring.score_revision(_usable(fast, docs), docs, True))
                assert got == expected[rev_id], rev_id
                checked += sum(isinstance(v, dict) for v in expected[rev_id].values())
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
    checked = 0
    try:
        for wiki, rev_ids in revisions.items():
            pairs = [pair for pair in model_pairs.values() if pair[0].wiki == wiki]
            if not pairs:
                continue
            needs = union_needs(pair[0].model_type.needs for pair in pairs)
            endpoint = endpoint_for(settings, settings.host_for(wiki))
            fetched = await fetch_revision_docs(client, endpoint, rev_ids, needs)
            docs = {r: d for r, d in fetched.items() if isinstance(d, EditContext)}
            assert len(docs) >= 2, wiki
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


def test_equal_on_every_benchmark_corpus_revision(
    model_pairs: dict[str, tuple[Any, Any]], corpus: Corpus
) -> None:
    """Every edit of the benchmark corpus, for every model that reads wikitext (the German
    and Dutch ORES models compute their features on English text all the same)."""
    pairs = [pair for pair in model_pairs.values() if not pair[0].wiki.startswith("wikidata")]
    needs = union_needs(pair[0].model_type.needs for pair in pairs)
    rev_ids = corpus.scored_rev_ids()
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
    max_examples=40,
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
    expected = _outcome(scoring.score_revision(stock, docs, True))
    assert any(isinstance(v, dict) for v in expected.values())  # the examples do score
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
    assert {"dictionary_filter", "stem_map", "dictionary_split", "regex_lookahead"} <= set(counts)
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


@settings(max_examples=30, deadline=None)
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
    assert fast == stock
