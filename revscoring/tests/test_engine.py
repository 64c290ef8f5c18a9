"""Unit tests of the scoring engine on an in-memory MediaWiki API (no HTTP): batched
fetching, per-revision errors, the score cache and its keys, single-flight."""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import json
import time
from pathlib import Path
from typing import Any, Callable

import pytest
from .support import DEMO_WORD2VEC_DIR, MemoryClient, MemoryWiki, free_port

from inference_common.cache import MemoryCache
from inference_common.errors import (
    RevisionNotFound,
    TextDeleted,
    UnsupportedContent,
    UserDeleted,
)
from inference_common.mediawiki import Endpoint
from revscoring_server import scoring
from revscoring_server.engine import ScoringEngine, cache_key
from revscoring_server.fetch import fetch_revision_docs
from revscoring_server.model_types import MODEL_TYPES, check_output
from revscoring_server.scoring import ServedModel, load_served_model
from revscoring_server.settings import RevscoringSettings

EDIT_MODELS = ("enwiki-damaging", "enwiki-goodfaith")

TOPICS = ("river", "castle", "bridge", "railway", "festival", "mountain", "lake", "museum")


def article(topic: str, paragraphs: int = 4, serial: int = 0) -> str:
    """A plausible encyclopedia article about ``topic`` (wikitext)."""
    lines = [f"The '''{topic.title()} of Example''' is a [[{topic}]] in [[Europe]]."]
    for i in range(paragraphs):
        lines.append(f"\n== Section {i + 1} ==")
        lines.append(
            f"In {1850 + 7 * i + serial} the [[{topic}]] was described by the [[Royal Society]] "
            f"as one of the largest of its kind, and it was restored in {1900 + i}."
            f"<ref>{{{{cite book|title=The {topic} {i}|year={1990 + i}}}}}</ref> "
            f"Visitors reach it by [[train]] or by [[road]], and the local council keeps "
            f"records of its history.<ref>{{{{cite web|title=Records {i}}}}}</ref>"
        )
    lines.append("\n== References ==\n{{reflist}}\n\n[[Category:Examples]]")
    return "\n".join(lines)


def item_json(qid: str, label: str) -> str:
    """A small Wikibase item, as the text of a ``json`` page."""
    entity = {
        "type": "item",
        "id": qid,
        "labels": {"en": {"language": "en", "value": label}},
        "descriptions": {"en": {"language": "en", "value": f"a {label.lower()} in Europe"}},
        "aliases": {},
        "claims": {
            "P31": [
                {
                    "mainsnak": {
                        "snaktype": "value",
                        "property": "P31",
                        "datavalue": {
                            "value": {"entity-type": "item", "numeric-id": 4022, "id": "Q4022"},
                            "type": "wikibase-entityid",
                        },
                        "datatype": "wikibase-item",
                    },
                    "type": "statement",
                    "id": f"{qid}$1",
                    "rank": "normal",
                }
            ]
        },
        "sitelinks": {"enwiki": {"site": "enwiki", "title": label, "badges": []}},
    }
    return json.dumps(entity)


@dataclasses.dataclass
class Corpus:
    """Revisions of the in-memory wiki, by role."""

    edits: list[int]  # registered-user edits with a parent, each on its own page
    vandalism: int
    creation: int
    text_deleted: int
    item: int
    missing: int = 999_999


@pytest.fixture
def corpus(memory_wiki: MemoryWiki) -> Corpus:
    wiki = memory_wiki
    creator = wiki.add_user("Founder", 11, editcount=9000)
    editors = [wiki.add_user(f"Editor{i}", 100 + i) for i in range(12)]
    edits = []
    for i, editor in enumerate(editors):
        topic = TOPICS[i % len(TOPICS)]
        page = wiki.add_page(f"{topic.title()} {i}")
        wiki.edit(page, article(topic, 3, i), user=creator, comment="new article")
        text = article(topic, 4, i)
        edits.append(wiki.edit(page, text, user=editor, comment="/* Section 4 */ expand"))
    page = wiki.add_page("Vandalised")
    wiki.edit(page, article("castle", 5), user=creator)
    vandalism = wiki.edit(page, "POOP POOP LOL!!!!! you suck", comment="")
    page = wiki.add_page("New page")
    creation = wiki.edit(page, article("lake", 2), user=creator, comment="new")
    page = wiki.add_page("Hidden")
    wiki.edit(page, article("museum", 2), user=creator)
    text_deleted = wiki.edit(page, article("museum", 3), user=editors[0], texthidden=True)
    page = wiki.add_page("Q4022", ns=0)
    item = wiki.edit(page, item_json("Q4022", "River"), user=creator, content_model="json")
    return Corpus(edits, vandalism, creation, text_deleted, item)


@pytest.fixture(scope="session")
def served(demo_models: dict[str, Path]) -> Callable[[str], ServedModel]:
    """Each demo model loaded once per session."""
    loaded: dict[str, ServedModel] = {}

    def get(name: str) -> ServedModel:
        if name not in loaded:
            loaded[name] = load_served_model(name, demo_models[name], DEMO_WORD2VEC_DIR)
        return loaded[name]

    return get


@pytest.fixture
async def make_engine(
    memory_wiki: MemoryWiki, served: Callable[[str], ServedModel]
) -> Callable[..., ScoringEngine]:
    engines: list[ScoringEngine] = []

    def make(*names: str, models: dict[str, ServedModel] | None = None, **settings: Any):
        chosen = models or {name: served(name) for name in names}
        config = RevscoringSettings(wiki_url="http://wiki.invalid", **settings)
        engine = ScoringEngine(config, chosen, client=MemoryClient(memory_wiki))
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        await engine.close()


def models_of(engine: ScoringEngine) -> list[ServedModel]:
    return list(engine.models.values())


def revids_of(calls: list[dict[str, Any]]) -> list[set[int]]:
    return [{int(r) for r in call["revids"]} for call in calls]


# -- shape and errors ---------------------------------------------------------------------


async def test_every_wikitext_model_type_scores_an_edit_in_its_ores_shape(
    make_engine: Callable[..., ScoringEngine], corpus: Corpus
) -> None:
    names = [
        f"enwiki-{kind}" for kind, t in MODEL_TYPES.items() if t.content_model.value == "wikitext"
    ]
    engine = make_engine(*names)
    results = await engine.score("enwiki", models_of(engine), [corpus.edits[0]])
    assert set(results) == {corpus.edits[0]}
    assert set(results[corpus.edits[0]]) == {name.split("-")[1] for name in names}
    for kind, result in results[corpus.edits[0]].items():
        assert set(result) == {"score"}, kind
        check_output(MODEL_TYPES[kind], result["score"])
    assert isinstance(results[corpus.edits[0]]["damaging"]["score"]["prediction"], bool)
    assert isinstance(results[corpus.edits[0]]["articletopic"]["score"]["prediction"], list)


async def test_item_models_score_json_pages_and_refuse_wikitext(
    make_engine: Callable[..., ScoringEngine], corpus: Corpus
) -> None:
    engine = make_engine("wikidatawiki-itemquality", "wikidatawiki-itemtopic")
    results = await engine.score("wikidatawiki", models_of(engine), [corpus.item, corpus.edits[1]])
    check_output(MODEL_TYPES["itemquality"], results[corpus.item]["itemquality"]["score"])
    check_output(MODEL_TYPES["itemtopic"], results[corpus.item]["itemtopic"]["score"])
    for kind in ("itemquality", "itemtopic"):
        error = results[corpus.edits[1]][kind]
        assert isinstance(error, UnsupportedContent)
        assert error.status == 422


async def test_wikitext_models_refuse_item_json(
    make_engine: Callable[..., ScoringEngine], corpus: Corpus
) -> None:
    engine = make_engine("enwiki-articlequality")
    results = await engine.score("enwiki", models_of(engine), [corpus.item])
    assert isinstance(results[corpus.item]["articlequality"], UnsupportedContent)


async def test_errors_are_reported_per_revision(
    make_engine: Callable[..., ScoringEngine], corpus: Corpus
) -> None:
    engine = make_engine(*EDIT_MODELS)
    rev_ids = [corpus.edits[0], corpus.missing, corpus.text_deleted, corpus.creation]
    results = await engine.score("enwiki", models_of(engine), rev_ids)
    assert list(results) == rev_ids
    for kind in ("damaging", "goodfaith"):
        check_output(MODEL_TYPES[kind], results[corpus.edits[0]][kind]["score"])
        check_output(MODEL_TYPES[kind], results[corpus.creation][kind]["score"])
        assert type(results[corpus.missing][kind]) is RevisionNotFound
        assert type(results[corpus.text_deleted][kind]) is TextDeleted
        assert results[corpus.text_deleted][kind].status == 410


async def test_an_editor_the_users_query_does_not_return_is_an_error_of_that_revision(
    make_engine: Callable[..., ScoringEngine], corpus: Corpus, memory_wiki: MemoryWiki
) -> None:
    """A user renamed or suppressed between the two API calls: list=users answers
    ``missing``. That revision gets UserDeleted; the others of the batch still score."""
    gone = memory_wiki.revisions[corpus.edits[2]]["user"]
    del memory_wiki.users[gone]
    engine = make_engine(*EDIT_MODELS)
    results = await engine.score("enwiki", models_of(engine), corpus.edits[1:4])
    for kind in ("damaging", "goodfaith"):
        assert type(results[corpus.edits[2]][kind]) is UserDeleted
        assert results[corpus.edits[2]][kind].status == 410
        check_output(MODEL_TYPES[kind], results[corpus.edits[1]][kind]["score"])
        check_output(MODEL_TYPES[kind], results[corpus.edits[3]][kind]["score"])
    text_only = make_engine("enwiki-articlequality")  # does not need the user
    results = await text_only.score("enwiki", models_of(text_only), [corpus.edits[2]])
    check_output(MODEL_TYPES["articlequality"], results[corpus.edits[2]]["articlequality"]["score"])


async def test_vandalism_scores_as_more_damaging_than_good_edits(
    make_engine: Callable[..., ScoringEngine], corpus: Corpus
) -> None:
    engine = make_engine(*EDIT_MODELS)
    results = await engine.score("enwiki", models_of(engine), [corpus.vandalism, *corpus.edits])
    damaging = {r: results[r]["damaging"]["score"]["probability"]["true"] for r in results}
    assert damaging[corpus.vandalism] > max(damaging[r] for r in corpus.edits)


# -- batched fetching -----------------------------------------------------------------------


async def test_a_batch_fetches_revisions_parents_and_users_once_each(
    make_engine: Callable[..., ScoringEngine], corpus: Corpus, memory_wiki: MemoryWiki
) -> None:
    engine = make_engine(*EDIT_MODELS)
    rev_ids = corpus.edits[:10]
    results = await engine.score("enwiki", models_of(engine), rev_ids)
    assert all("score" in results[r][k] for r in rev_ids for k in ("damaging", "goodfaith"))
    revisions = memory_wiki.calls_of("revisions")
    parents = {memory_wiki.revisions[r]["parentid"] for r in rev_ids}
    assert revids_of(revisions) == [set(rev_ids), parents]
    users = memory_wiki.calls_of("users")
    assert len(users) == 1
    assert set(users[0]["ususers"]) == {memory_wiki.revisions[r]["user"] for r in rev_ids}
    assert memory_wiki.calls_of("creations") == []
    assert len(memory_wiki.calls) == 3


async def test_text_only_models_fetch_just_the_revisions(
    make_engine: Callable[..., ScoringEngine], corpus: Corpus, memory_wiki: MemoryWiki
) -> None:
    engine = make_engine("enwiki-articlequality", "enwiki-articletopic")
    await engine.score("enwiki", models_of(engine), corpus.edits)
    assert revids_of(memory_wiki.calls) == [set(corpus.edits)]


async def test_more_than_50_revisions_are_fetched_50_per_call(
    make_engine: Callable[..., ScoringEngine], memory_wiki: MemoryWiki
) -> None:
    page = memory_wiki.add_page("Long history")
    rev_ids = [memory_wiki.edit(page, article("river", 1, i)) for i in range(60)]
    engine = make_engine("enwiki-articlequality")
    results = await engine.score("enwiki", models_of(engine), rev_ids)
    assert all("score" in results[r]["articlequality"] for r in rev_ids)
    calls = revids_of(memory_wiki.calls)
    assert sorted(len(ids) for ids in calls) == [10, 50]
    assert set().union(*calls) == set(rev_ids)


# -- the score cache ------------------------------------------------------------------------


async def test_a_second_identical_request_is_a_cache_hit(
    make_engine: Callable[..., ScoringEngine], corpus: Corpus, memory_wiki: MemoryWiki
) -> None:
    engine = make_engine(*EDIT_MODELS)
    assert isinstance(engine.cache, MemoryCache)
    rev_ids = corpus.edits[:3]
    first = await engine.score("enwiki", models_of(engine), rev_ids)
    calls = len(memory_wiki.calls)
    second = await engine.score("enwiki", models_of(engine), rev_ids)
    assert len(memory_wiki.calls) == calls
    assert second == first
    # a request for one of the models and a subset of the revisions is a hit too
    damaging = [engine.models["enwiki-damaging"]]
    third = await engine.score("enwiki", damaging, rev_ids[:1])
    assert len(memory_wiki.calls) == calls
    assert third == {rev_ids[0]: {"damaging": first[rev_ids[0]]["damaging"]}}


async def test_a_partly_cached_batch_fetches_only_what_is_missing(
    make_engine: Callable[..., ScoringEngine], corpus: Corpus, memory_wiki: MemoryWiki
) -> None:
    engine = make_engine("enwiki-articlequality")
    await engine.score("enwiki", models_of(engine), corpus.edits[:2])
    memory_wiki.calls.clear()
    await engine.score("enwiki", models_of(engine), corpus.edits[:4])
    assert revids_of(memory_wiki.calls) == [set(corpus.edits[2:4])]


async def test_errors_are_not_cached(
    make_engine: Callable[..., ScoringEngine], corpus: Corpus, memory_wiki: MemoryWiki
) -> None:
    engine = make_engine("enwiki-articlequality")
    for _ in range(2):
        results = await engine.score("enwiki", models_of(engine), [corpus.missing])
        assert type(results[corpus.missing]["articlequality"]) is RevisionNotFound
    assert revids_of(memory_wiki.calls) == [{corpus.missing}, {corpus.missing}]


async def test_score_cache_size_zero_disables_the_cache(
    make_engine: Callable[..., ScoringEngine], corpus: Corpus, memory_wiki: MemoryWiki
) -> None:
    engine = make_engine("enwiki-articlequality", score_cache_size=0)
    assert engine.cache is None
    first = await engine.score("enwiki", models_of(engine), corpus.edits[:1])
    second = await engine.score("enwiki", models_of(engine), corpus.edits[:1])
    assert first == second
    assert len(memory_wiki.calls) == 2


async def test_the_in_process_cache_is_bounded_and_least_recently_used(
    make_engine: Callable[..., ScoringEngine], corpus: Corpus, memory_wiki: MemoryWiki
) -> None:
    engine = make_engine("enwiki-articlequality", score_cache_size=2)
    models = models_of(engine)
    a, b, c = corpus.edits[:3]
    for rev_id in (a, b, a, c):  # a is used again before c arrives: b is the oldest
        await engine.score("enwiki", models, [rev_id])
    assert len(engine.cache) == 2
    memory_wiki.calls.clear()
    await engine.score("enwiki", models, [a])
    await engine.score("enwiki", models, [c])
    assert memory_wiki.calls == []
    await engine.score("enwiki", models, [b])
    assert revids_of(memory_wiki.calls) == [{b}]


async def test_features_bypass_the_cache_and_do_not_fill_it(
    make_engine: Callable[..., ScoringEngine], corpus: Corpus, memory_wiki: MemoryWiki
) -> None:
    engine = make_engine("enwiki-damaging")
    models = models_of(engine)
    rev_id = corpus.edits[0]
    plain = await engine.score("enwiki", models, [rev_id])
    calls = len(memory_wiki.calls)
    extended = await engine.score("enwiki", models, [rev_id], features=True)
    assert len(memory_wiki.calls) == 2 * calls  # fetched again
    result = extended[rev_id]["damaging"]
    assert result["score"] == plain[rev_id]["damaging"]["score"]
    assert list(result["features"]) == list(models[0].loaded.feature_names)
    assert all(isinstance(v, (bool, int, float)) for v in result["features"].values())
    again = await engine.score("enwiki", models, [rev_id])
    assert again == plain  # from the cache, without features
    assert len(memory_wiki.calls) == 2 * calls


async def test_concurrent_identical_requests_compute_once(
    make_engine: Callable[..., ScoringEngine],
    corpus: Corpus,
    memory_wiki: MemoryWiki,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scored: list[int] = []
    original = scoring.score_revision

    def counting(models: Any, docs: Any, features: bool, *reuse: Any) -> Any:
        scored.append(docs.rev_id)
        return original(models, docs, features, *reuse)

    monkeypatch.setattr(scoring, "score_revision", counting)
    memory_wiki.delay = 0.05  # every API call takes a while: the requests overlap
    engine = make_engine(*EDIT_MODELS)
    rev_ids = corpus.edits[:3]
    results = await asyncio.gather(
        *(engine.score("enwiki", models_of(engine), rev_ids) for _ in range(20))
    )
    assert all(result == results[0] for result in results)
    assert sorted(scored) == sorted(rev_ids)
    assert len(memory_wiki.calls_of("revisions")) == 2  # the revisions, then their parents
    assert len(memory_wiki.calls_of("users")) == 1


async def test_overlapping_concurrent_batches_share_the_revisions_in_flight(
    make_engine: Callable[..., ScoringEngine], corpus: Corpus, memory_wiki: MemoryWiki
) -> None:
    memory_wiki.delay = 0.05
    engine = make_engine("enwiki-articlequality")
    a, b, c, d = corpus.edits[:4]
    first, second = await asyncio.gather(
        engine.score("enwiki", models_of(engine), [a, b, c]),
        engine.score("enwiki", models_of(engine), [b, c, d]),
    )
    assert first[b] == second[b] and first[c] == second[c]
    fetched = revids_of(memory_wiki.calls)
    assert sorted(r for ids in fetched for r in ids) == sorted([a, b, c, d])


def test_the_cache_key_names_wiki_model_version_file_and_revision(
    served: Callable[[str], ServedModel],
) -> None:
    model = served("enwiki-damaging")
    key = cache_key("enwiki", model, 123)
    assert key == f"ores:enwiki:damaging:{model.version}:{model.digest}:123"
    retrained = dataclasses.replace(model, digest="0123456789ab")
    new_version = dataclasses.replace(model, info=dataclasses.replace(model.info, version="9.9.9"))
    keys = {
        key,
        cache_key("enwiki", retrained, 123),
        cache_key("enwiki", new_version, 123),
        cache_key("enwiki", model, 124),
        cache_key("dewiki", model, 123),
    }
    assert len(keys) == 5


async def test_another_model_file_under_the_same_name_never_serves_old_scores(
    make_engine: Callable[..., ScoringEngine],
    corpus: Corpus,
    memory_wiki: MemoryWiki,
    demo_models: dict[str, Path],
) -> None:
    """Two engines share one cache; the second serves another file as enwiki-damaging."""
    old = make_engine("enwiki-damaging")
    other_file = load_served_model("enwiki-damaging", demo_models["enwiki-goodfaith"])
    assert other_file.version == old.models["enwiki-damaging"].version
    new = make_engine(models={"enwiki-damaging": other_file})
    new.cache = old.cache
    rev_ids = corpus.edits[:4] + [corpus.vandalism]
    old_scores = await old.score("enwiki", models_of(old), rev_ids)
    memory_wiki.calls.clear()
    new_scores = await new.score("enwiki", models_of(new), rev_ids)
    assert revids_of(memory_wiki.calls_of("revisions"))[0] == set(rev_ids)  # not from cache
    uncached = make_engine(models={"enwiki-damaging": other_file}, score_cache_size=0)
    assert new_scores == await uncached.score("enwiki", models_of(uncached), rev_ids)
    assert new_scores != old_scores


async def test_redis_down_never_fails_a_score(
    make_engine: Callable[..., ScoringEngine], corpus: Corpus, memory_wiki: MemoryWiki
) -> None:
    engine = make_engine("enwiki-articlequality", redis_url=f"redis://127.0.0.1:{free_port()}/0")
    for _ in range(2):
        results = await asyncio.wait_for(
            engine.score("enwiki", models_of(engine), corpus.edits[:2]), timeout=60
        )
        for rev_id in corpus.edits[:2]:
            check_output(MODEL_TYPES["articlequality"], results[rev_id]["articlequality"]["score"])
    assert len(memory_wiki.calls) == 2  # nothing was cached, nothing failed


# -- threads --------------------------------------------------------------------------------


async def test_feature_extraction_runs_one_thread_at_a_time(
    served: Callable[[str], ServedModel],
    corpus: Corpus,
    memory_wiki: MemoryWiki,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The engine scores the revisions of concurrent requests in several threads, but
    extraction reads process-wide objects that are not thread-safe: revscoring's
    English dictionary features share pyenchant Dicts, whose check() answers wrongly
    when threads call it at once (scores of the same revision then changed with the
    load: seen as one dictionary word more or less under four concurrent /v3 batches).
    So extraction must never overlap, whatever the number of threads."""
    active = [0, 0]  # now, peak
    original = scoring.legacy_models.extract_features

    def watched(loaded: Any, values: Any, **options: Any) -> Any:
        active[0] += 1
        active[1] = max(active)
        try:
            time.sleep(0.01)  # long enough for the other threads to arrive
            return original(loaded, values, **options)
        finally:
            active[0] -= 1

    monkeypatch.setattr(scoring.legacy_models, "extract_features", watched)
    rev_ids = corpus.edits[:6]
    fetched = await fetch_revision_docs(
        MemoryClient(memory_wiki),
        Endpoint("http://wiki.invalid/w/api.php"),
        rev_ids,
        MODEL_TYPES["damaging"].needs,
    )
    models = [served(name) for name in EDIT_MODELS]
    alone = {r: scoring.score_revision(models, fetched[r], True) for r in rev_ids}
    assert active[1] == 1

    def score(rev_id: int) -> tuple[int, Any]:
        return rev_id, scoring.score_revision(models, fetched[rev_id], True)

    with concurrent.futures.ThreadPoolExecutor(6) as threads:
        together = list(threads.map(score, rev_ids * 2))
    assert active[1] == 1
    assert [result for _, result in together] == [alone[r] for r, _ in together]
