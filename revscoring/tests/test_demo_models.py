"""The demo models: every model type trains, reloads, scores in the ORES output shape
and behaves sensibly; the model types registry matches what the features need; the
cache retrains only what changed."""

import json
import random
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from revscoring import Model

from revscoring_server import model_types, revision_docs
from revscoring_tools.demo import (
    DEMO_MODEL_NAMES,
    DEMO_MODELS,
    DEMO_VERSION,
    demo_model,
    ensure_demo_models,
    ensure_demo_models_report,
)
from revscoring_tools.demo import __main__ as cli
from revscoring_tools.demo import (
    api_docs,
    datasets,
    edits,
    items,
    lexicon,
    text,
    training,
    vectors,
)
from revscoring_tools.demo.api_docs import Page, Revision
from revscoring_server.model_types import MODEL_TYPES, LabelKind, check_output, format_score

EXPECTED_NAMES = {
    "enwiki-damaging",
    "enwiki-goodfaith",
    "enwiki-reverted",
    "enwiki-articlequality",
    "enwiki-draftquality",
    "enwiki-articletopic",
    "enwiki-drafttopic",
    "wikidatawiki-itemquality",
    "wikidatawiki-itemtopic",
}
FRESH_SEED = 4242  # the models were trained on seeds 1..5


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo-models")
    ensure_demo_models(out)
    return out


@pytest.fixture(scope="session")
def load(model_dir: Path) -> Callable[[str], Model]:
    loaded: dict[str, Model] = {}

    def _load(name: str) -> Model:
        if name not in loaded:
            with open(model_dir / name / training.MODEL_FILE, "rb") as stream:
                loaded[name] = Model.load(stream)
        return loaded[name]

    return _load


@pytest.fixture(scope="session")
def extractor() -> Any:
    return revision_docs.offline_extractor()


def score(
    model: Model, extractor: Any, responses: api_docs.ApiResponses, type_name: str
) -> dict[str, Any]:
    """Score the revision the API answers describe, in the ORES output shape."""
    values = revision_docs.extract_features(extractor, responses.docs(), model.features)
    output = format_score(MODEL_TYPES[type_name], model.score(values))
    check_output(MODEL_TYPES[type_name], output)
    return output


# -- the catalog and the registry ---------------------------------------------------------


def test_every_model_type_has_a_demo_model() -> None:
    assert set(DEMO_MODEL_NAMES) == EXPECTED_NAMES
    assert {d.model_type.name for d in DEMO_MODELS} == set(MODEL_TYPES)


@pytest.mark.parametrize("name", sorted(EXPECTED_NAMES))
def test_model_type_needs_match_the_features(name: str) -> None:
    """The registry says which documents each type needs; the real feature lists (as
    used by the demo models) must need exactly those."""
    demo = demo_model(name)
    roots = revision_docs.root_datasources(demo.features)
    needs = demo.model_type.needs
    assert "datasource.revision.text" in roots
    assert needs.parent == any(r.startswith("datasource.revision.parent.") for r in roots)
    assert needs.user_info == any(r.startswith("datasource.revision.user.info.") for r in roots)
    assert needs.page_creation == any(
        r.startswith("datasource.revision.page.creation.") for r in roots
    )


def test_model_types_registry() -> None:
    wiki, model_type = model_types.parse_inference_name("wikidatawiki-itemquality")
    assert (wiki, model_type.name) == ("wikidatawiki", "itemquality")
    assert model_type.content_model is model_types.ContentModel.WIKIBASE_ITEM
    assert MODEL_TYPES["damaging"].label_kind is LabelKind.BOOLEAN
    assert MODEL_TYPES["articlequality"].label_kind is LabelKind.ONE_OF
    assert MODEL_TYPES["drafttopic"].multilabel
    for bad in ("enwiki", "enwiki-nonsense", "-damaging"):
        with pytest.raises(model_types.UnknownModelType):
            model_types.parse_inference_name(bad)


def test_format_score_gives_the_ores_shapes() -> None:
    boolean = format_score(
        MODEL_TYPES["damaging"], {"prediction": False, "probability": {False: 0.9, True: 0.1}}
    )
    assert boolean == {"prediction": False, "probability": {"false": 0.9, "true": 0.1}}
    topics = format_score(
        MODEL_TYPES["articletopic"],
        {"prediction": ["STEM.Technology"], "probability": {"STEM.Technology": 0.9}},
    )
    assert topics == {"prediction": ["STEM.Technology"], "probability": {"STEM.Technology": 0.9}}
    with pytest.raises(ValueError):
        check_output(MODEL_TYPES["articlequality"], {"prediction": "B", "probability": {}})
    with pytest.raises(ValueError):
        check_output(MODEL_TYPES["damaging"], {"prediction": "B", "probability": {"B": 1.0}})


# -- the corpus -----------------------------------------------------------------------------


def test_datasets_are_deterministic() -> None:
    for name, build in datasets.DATASETS.items():
        first, second = build(7, 12), build(7, 12)
        assert [o.responses for o in first] == [o.responses for o in second], name
        assert [o.labels for o in first] == [o.labels for o in second], name
        assert [o.responses for o in build(8, 12)] != [o.responses for o in first], name


def test_observations_are_api_answers_in_formatversion_2_shape() -> None:
    observation = datasets.edit_observations(3, 1)[0]
    answer = observation.responses.revision
    page = answer["query"]["pages"][0]
    revision = page["revisions"][0]
    assert set(page) == {"pageid", "ns", "title", "revisions"}
    assert {"revid", "parentid", "minor", "user", "userid", "timestamp", "size", "comment"} <= set(
        revision
    )
    assert revision["slots"]["main"]["contentmodel"] == "wikitext"
    assert isinstance(revision["slots"]["main"]["content"], str)
    assert observation.responses.parent is not None
    item = datasets.item_observations(3, 1)[0].responses.revision
    main = item["query"]["pages"][0]["revisions"][0]["slots"]["main"]
    assert main["contentmodel"] == "wikibase-item"
    assert json.loads(main["content"])["type"] == "item"


def test_datasets_only_hold_what_the_model_types_need() -> None:
    edit = datasets.edit_observations(3, 20)
    assert all(o.responses.parent is not None for o in edit)
    assert any(o.responses.users is not None for o in edit)
    for build in (datasets.article_observations, datasets.item_observations):
        for observation in build(3, 5):
            responses = observation.responses
            assert (responses.parent, responses.users, responses.page_creation) == (None,) * 3


# -- training, files and scoring ------------------------------------------------------------


def test_all_models_are_written(model_dir: Path) -> None:
    assert {p.name for p in model_dir.iterdir() if p.is_dir()} == EXPECTED_NAMES | {"word2vec"}
    # the topic models' word vectors, under the names drafttopic's feature lists load
    assert {p.name for p in (model_dir / training.VECTORS_DIR).glob("*.kv")} == {
        "enwiki-20200501-learned_vectors.50_cell.10k.kv",
        "wikidata-20200501-learned_vectors.50_cell.10k.kv",
    }
    for name in EXPECTED_NAMES:
        manifest = json.loads((model_dir / name / training.MANIFEST_FILE).read_text())
        assert manifest["fingerprint"] == training.fingerprint()
        assert 60 <= manifest["observations"] <= 160
        assert manifest["size_bytes"] == (model_dir / name / training.MODEL_FILE).stat().st_size


@pytest.mark.parametrize("name", sorted(EXPECTED_NAMES))
def test_model_reloads_and_scores_a_fresh_observation(
    name: str, load: Callable[[str], Model], extractor: Any
) -> None:
    demo = demo_model(name)
    model = load(name)
    assert model.version == DEMO_VERSION
    assert [str(f) for f in model.features] == [str(f) for f in demo.features]
    assert list(model.labels) == list(demo.labels)
    assert model.info["statistics"] is not None
    observation = datasets.DATASETS[demo.dataset](FRESH_SEED, 6)[-1]
    values = revision_docs.extract_features(extractor, observation.responses.docs(), demo.features)
    output = format_score(demo.model_type, model.score(values))
    check_output(demo.model_type, output)
    assert set(output["probability"]) == {model_types._label_key(label) for label in demo.labels}


def _edit_pair(
    rng: random.Random, serial: int, good: edits.EditFunction, bad: edits.EditFunction
) -> tuple[api_docs.ApiResponses, api_docs.ApiResponses]:
    """A good and a bad edit to the same article, by the same anonymous editor."""
    subject = text.random_subject(rng)
    parent_text = text.compose_article(rng, subject, text.QUALITY_SHAPES["C"])
    when = api_docs.moment(rng)
    editor = api_docs.make_user(rng, "anon", serial, when)
    old_editor = api_docs.make_user(rng, "regular", serial + 1, when)
    parent = Revision(500 + serial * 10, 1, old_editor, when.replace(year=2020), "", parent_text)
    page = Page(77 + serial, 0, subject.title)
    needs = MODEL_TYPES["damaging"].needs
    answers = []
    for offset, function in enumerate((good, bad), start=1):
        edit = function(rng, subject, parent_text)
        revision = Revision(parent.revid + offset, parent.revid, editor, when, edit.comment,
                            edit.text)  # fmt: skip
        answers.append(api_docs.responses(needs, page, revision, parent))
    return answers[0], answers[1]


VANDALISM = (edits.insult, edits.keyboard_mash, edits.shouting, edits.blank, edits.spam_link)
GOOD = (edits.add_referenced_sentence, edits.add_section, edits.add_links, edits.copyedit)


def test_vandalism_scores_as_more_damaging_and_less_goodfaith_than_a_good_edit(
    load: Callable[[str], Model], extractor: Any
) -> None:
    rng = random.Random(FRESH_SEED)
    damaging, goodfaith = load("enwiki-damaging"), load("enwiki-goodfaith")
    for serial, bad in enumerate(VANDALISM):
        good_answers, bad_answers = _edit_pair(rng, serial, GOOD[serial % len(GOOD)], bad)
        good_values = revision_docs.extract_features(
            extractor, good_answers.docs(), damaging.features
        )
        bad_values = revision_docs.extract_features(
            extractor, bad_answers.docs(), damaging.features
        )
        p_bad = damaging.score(bad_values)["probability"][True]
        p_good = damaging.score(good_values)["probability"][True]
        assert p_bad > p_good, (bad.__name__, p_bad, p_good)
        assert p_bad > 0.5, bad.__name__
        assert (
            goodfaith.score(bad_values)["probability"][True]
            < goodfaith.score(good_values)["probability"][True]
        ), bad.__name__


def _article(rng: random.Random, quality: str, kind: str | None = None) -> api_docs.ApiResponses:
    subject = text.make_subject(rng, text.kind_by_key(kind)) if kind else text.random_subject(rng)
    wikitext = text.compose_article(rng, subject, text.QUALITY_SHAPES[quality])
    when = api_docs.moment(rng)
    user = api_docs.make_user(rng, "regular", 1, when)
    revision = Revision(9001, 9000, user, when, "", wikitext)
    return api_docs.responses(MODEL_TYPES["articlequality"].needs, Page(1, 0, "A"), revision)


def _expected_class(output: dict[str, Any], classes: tuple[str, ...]) -> float:
    return sum(i * output["probability"][c] for i, c in enumerate(classes))


def test_longer_referenced_articles_score_higher_quality(
    load: Callable[[str], Model], extractor: Any
) -> None:
    rng = random.Random(FRESH_SEED)
    model = load("enwiki-articlequality")
    classes = text.QUALITY_CLASSES
    stub = score(model, extractor, _article(rng, "Stub"), "articlequality")
    featured = score(model, extractor, _article(rng, "FA"), "articlequality")
    assert stub["prediction"] in ("Stub", "Start")
    assert featured["prediction"] in ("GA", "FA")
    assert _expected_class(featured, classes) > _expected_class(stub, classes) + 2


def test_topics_follow_the_vocabulary(load: Callable[[str], Model], extractor: Any) -> None:
    rng = random.Random(FRESH_SEED)
    model = load("enwiki-articletopic")
    software = score(model, extractor, _article(rng, "C", "software"), "articletopic")
    film = score(model, extractor, _article(rng, "C", "film"), "articletopic")
    assert lexicon.TECHNOLOGY in software["prediction"]
    assert lexicon.FILMS in film["prediction"]
    assert software["probability"][lexicon.TECHNOLOGY] > film["probability"][lexicon.TECHNOLOGY]


def test_spam_drafts_score_as_spam(load: Callable[[str], Model], extractor: Any) -> None:
    observations = datasets.draft_quality_observations(FRESH_SEED, 8)
    model = load("enwiki-draftquality")
    outputs = {
        o.labels["draftquality"]: score(model, extractor, o.responses, "draftquality")
        for o in observations
    }
    assert outputs["spam"]["probability"]["spam"] > outputs["OK"]["probability"]["spam"]
    assert outputs["OK"]["prediction"] == "OK"


def test_richer_items_score_higher_quality(load: Callable[[str], Model], extractor: Any) -> None:
    rng = random.Random(FRESH_SEED)
    model = load("wikidatawiki-itemquality")
    kind = text.kind_by_key("writer")
    outputs = {}
    for quality in ("A", "E"):
        entity = items.make_item(rng, "Q1", kind, quality, "Anna Becker", None)
        when = api_docs.moment(rng)
        revision = Revision(5, 4, api_docs.make_user(rng, "anon", 1, when), when, "",
                            items.item_text(entity), False,
                            model_types.ContentModel.WIKIBASE_ITEM)  # fmt: skip
        answers = api_docs.responses(MODEL_TYPES["itemquality"].needs, Page(1, 0, "Q1"), revision)
        outputs[quality] = score(model, extractor, answers, "itemquality")
    assert outputs["A"]["prediction"] in ("A", "B")
    assert outputs["E"]["prediction"] in ("D", "E")


# -- the cache and the command line ---------------------------------------------------------


@pytest.fixture()
def model_copy(model_dir: Path, tmp_path: Path) -> Iterator[Path]:
    copy = tmp_path / "models"
    shutil.copytree(model_dir, copy)
    yield copy


def test_cache_skips_retraining_when_nothing_changed(model_copy: Path) -> None:
    mtimes = {p: p.stat().st_mtime_ns for p in model_copy.rglob("*") if p.is_file()}
    reports = ensure_demo_models_report(model_copy)
    assert not any(r.trained for r in reports)
    assert {p: p.stat().st_mtime_ns for p in model_copy.rglob("*") if p.is_file()} == mtimes
    assert ensure_demo_models(model_copy) == {
        name: model_copy / name / training.MODEL_FILE for name in EXPECTED_NAMES
    }


def test_cache_retrains_only_what_is_stale(model_copy: Path) -> None:
    manifest_path = model_copy / "enwiki-articlequality" / training.MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text())
    manifest["fingerprint"] = "trained-by-older-code"
    manifest_path.write_text(json.dumps(manifest))
    (model_copy / "wikidatawiki-itemtopic" / training.MODEL_FILE).unlink()
    reports = {r.name: r for r in ensure_demo_models_report(model_copy)}
    assert {name for name, r in reports.items() if r.trained} == {
        "enwiki-articlequality",
        "wikidatawiki-itemtopic",
    }
    assert training.is_current(model_copy / "enwiki-articlequality", training.fingerprint())


def test_only_trains_a_subset(tmp_path: Path) -> None:
    paths = ensure_demo_models(tmp_path, only=["enwiki-draftquality"])
    assert list(paths) == ["enwiki-draftquality"]
    assert [p.name for p in tmp_path.iterdir()] == ["enwiki-draftquality"]


def test_command_line(model_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--out", str(model_copy), "--only", "enwiki-damaging,enwiki-reverted"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("enwiki-damaging") and "up to date" in lines[0]
    assert lines[1].startswith("enwiki-reverted")
    with pytest.raises(SystemExit):
        cli.parse_args(["--out", str(model_copy), "--only", "enwiki-nonsense"])


def test_the_runtime_package_never_imports_the_tools() -> None:
    """The image ships only ``revscoring_server``: none of its modules may import
    ``revscoring_tools`` (the demo trainer and the catalogue check live there)."""
    import ast

    package = Path(model_types.__file__).resolve().parent
    offenders = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            offenders += [f"{path.name}: {n}" for n in names if n.startswith("revscoring_tools")]
    assert not (package / "demo").exists()
    assert offenders == []


def test_demo_word_vectors_are_deterministic() -> None:
    """Two trainings of the item vectors (one worker, fixed seed, a hash that ignores
    PYTHONHASHSEED) give identical vectors, covering every claim word of the items."""
    sentences = vectors.item_sentences()
    first, second = vectors.train(sentences), vectors.train(sentences)
    assert first.index_to_key == second.index_to_key
    assert (first.vectors == second.vectors).all()
    assert first.vector_size == 50
    assert {word for sentence in sentences for word in sentence} == set(first.index_to_key)
