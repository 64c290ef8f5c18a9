"""ORES' ``model_info`` against revscoring itself: for every demo model type and the real
ORES-era binaries, each query the server answers equals revscoring's own
``ModelInfo.format(paths, formatting="json")`` on the same model file (statistics whole or
any sub-path, threshold optimizations, params, environment, type, version, score_schema),
with no revision, beside scores and across wikis; a query revscoring cannot answer is a
400 naming it."""

from __future__ import annotations

import json
import math
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from revscoring import Model

from inference_common.errors import InvalidInput
from revscoring_server import legacy_models, model_info
from revscoring_server.model_info import parse_query
from revscoring_tools.demo import DEMO_MODEL_NAMES

from .support import DEMO_MODELS_DIR, ORES_MODELS_DIR, Server

ORES_BINARIES = {
    "dewiki-damaging": "dewiki.damaging.rs2.2.4.model",
    "nlwiki-articlequality": "nlwiki.articlequality.model",
}
OPTIMIZATIONS = (
    "maximum recall @ precision >= 0.9",
    "maximum recall @ precision >= 0.5",
    "minimum match_rate @ recall >= 0.75",
    "maximum filter_rate @ recall >= 0.9",
    "maximum precision @ recall <= 0.1",
)


@contextmanager
def working_directory(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def revscoring_info(name: str, path: Path) -> Any:
    """The reference: revscoring's own ModelInfo of the file. Demo models are loaded by
    revscoring's ``Model.load`` (from the directory holding ``word2vec/``, one of
    revscoring's own search paths, for the topic models); the ORES-era binaries by the
    legacy loader (revscoring 2.11 cannot unpickle them by itself), whose model carries
    the file's ModelInfo as it was pickled."""
    if name in ORES_BINARIES:
        return legacy_models.load_model(path, fast_features=False).model.info
    with working_directory(DEMO_MODELS_DIR), path.open("rb") as stream:
        return Model.load(stream).info


def as_json(value: Any) -> Any:
    """revscoring's json formatting as a JSON client reads it (numpy numbers as numbers;
    NaN has no JSON spelling, so strict JSON writes null)."""
    decoded = json.loads(json.dumps(value, default=lambda o: o.item()))
    return _nan_to_none(decoded)


def _nan_to_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _nan_to_none(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_nan_to_none(item) for item in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def label_path(label: Any) -> str:
    """A label as a model_info path step: booleans as ORES wrote them, others quoted
    (topic labels hold dots)."""
    if isinstance(label, bool):
        return "true" if label else "false"
    return f'"{label}"'


def queries(info: Any) -> list[str]:
    """Queries covering every field, sub-paths and every label's thresholds."""
    labels = list(info["statistics"].labels)
    found = [
        "type",
        "version",
        "params",
        "environment",
        "score_schema",
        "statistics",
        "statistics.roc_auc",
        "statistics.pr_auc.labels",
        "statistics.counts",
        "statistics.rates|statistics.precision.macro",
        "environment.revscoring_version|type",
        "version|statistics.thresholds." + label_path(labels[-1]) + '."' + OPTIMIZATIONS[0] + '"',
        # a statistic at an optimized threshold, for every label (ORES' micro/macro form)
        'statistics."' + OPTIMIZATIONS[1] + '"',
    ]
    for label in labels:
        steps = "|".join(
            f'statistics.thresholds.{label_path(label)}."{optimization}"'
            for optimization in OPTIMIZATIONS
        )
        found.append(steps)
    return found


@pytest.fixture(scope="module")
def model_files(demo_models: dict[str, Path]) -> dict[str, Path]:
    files = dict(demo_models)
    for name, file_name in ORES_BINARIES.items():
        path = ORES_MODELS_DIR / file_name
        if not path.is_file():
            pytest.skip(f"{path} is absent (the real ORES binaries live in <repo>/../shared)")
        files[name] = path
    return files


@pytest.fixture(scope="module")
async def info_server(
    start_server: Callable[..., Any],
    models_dir: Callable[..., Path],
    model_files: dict[str, Path],
    wiki_url: str,
) -> AsyncIterator[Server]:
    """The demo models and the ORES binaries behind one server."""
    ores = {name: model_files[name] for name in ORES_BINARIES}
    directory = models_dir(*DEMO_MODEL_NAMES, files=ores)
    async with start_server(models_dir=directory, wiki_url=wiki_url) as server:
        yield server


async def ask(server: Server, name: str, query: str) -> Any:
    wiki, kind = name.split("-", 1)
    response = await server.client.get(
        f"/v3/scores/{wiki}/", params={"models": kind, "model_info": query}
    )
    assert response.status_code == 200, (name, query, response.text)
    return response.json()[wiki]["models"][kind]


def test_every_demo_model_records_test_statistics(demo_models: dict[str, Path]) -> None:
    """Every demo model of every type is tested at training: revscoring's statistics,
    with threshold statistics for each label (the topic models' dotted labels too)."""
    for name in DEMO_MODEL_NAMES:
        info = revscoring_info(name, demo_models[name])
        assert "statistics" in info, name
        statistics = info["statistics"]
        assert statistics["counts"]["n"] > 0, name
        for label in statistics.labels:
            path = f'statistics.thresholds.{label_path(label)}."{OPTIMIZATIONS[1]}"'
            formatted = info.format([path], formatting="json")
            [at_threshold] = formatted["statistics"]["thresholds"][label_path(label).strip('"')]
            assert at_threshold is None or 0 <= at_threshold["threshold"] <= 1, (name, label)


@pytest.mark.parametrize("name", [*DEMO_MODEL_NAMES, *ORES_BINARIES])
async def test_model_info_equals_revscoring(
    info_server: Server, model_files: dict[str, Path], name: str
) -> None:
    info = revscoring_info(name, model_files[name])
    for query in queries(info):
        expected = as_json(info.format(query.split("|"), formatting="json"))
        assert await ask(info_server, name, query) == expected, (name, query)
    # model_info given without a value: everything revscoring formats by default
    assert await ask(info_server, name, "") == as_json(info.format(formatting="json"))


async def test_own_fields_beside_revscoring_ones(
    info_server: Server, model_files: dict[str, Path]
) -> None:
    name = "enwiki-damaging"
    info = revscoring_info(name, model_files[name])
    served = info_server.model(name).served
    answer = await ask(info_server, name, "labels|statistics.roc_auc|trained|revscoring_version")
    assert list(answer) == ["labels", "statistics", "trained", "revscoring_version"]
    assert answer["labels"] == ["false", "true"]
    assert (
        answer["statistics"]
        == as_json(info.format(["statistics.roc_auc"], formatting="json"))["statistics"]
    )
    assert answer["trained"] == served.loaded.model.trained and answer["trained"] > 1e9
    assert answer["revscoring_version"] == info["environment"]["revscoring_version"]


async def test_model_info_beside_scores_and_across_wikis(
    info_server: Server, model_files: dict[str, Path], seed: dict[str, Any]
) -> None:
    query = 'statistics.thresholds.true."maximum recall @ precision >= 0.9"|version'
    rev_id = seed["revisions"]["good_edit"]
    response = await info_server.client.get(
        "/v3/scores/enwiki/",
        params={"models": "damaging|goodfaith", "revids": str(rev_id), "model_info": query},
    )
    assert response.status_code == 200, response.text
    body = response.json()["enwiki"]
    for kind in ("damaging", "goodfaith"):
        info = revscoring_info(f"enwiki-{kind}", model_files[f"enwiki-{kind}"])
        assert body["models"][kind] == as_json(info.format(query.split("|"), formatting="json"))
        assert "probability" in body["scores"][str(rev_id)][kind]["score"]
    # the same on the one-revision forms
    response = await info_server.client.get(
        f"/v3/scores/enwiki/{rev_id}/damaging/", params={"model_info": query}
    )
    assert response.json()["enwiki"]["models"]["damaging"] == body["models"]["damaging"]
    # every wiki and model at once
    response = await info_server.client.get(
        "/v3/scores/", params={"model_info": "statistics.roc_auc.micro|type"}
    )
    assert response.status_code == 200
    listing = response.json()
    assert sorted(listing) == ["dewiki", "enwiki", "nlwiki", "wikidatawiki"]
    for wiki, doc in listing.items():
        for kind, answer in doc["models"].items():
            name = f"{wiki}-{kind}"
            info = revscoring_info(name, model_files[name])
            expected = info.format(["statistics.roc_auc.micro", "type"], formatting="json")
            assert answer == as_json(expected), name


@pytest.mark.parametrize(
    "query, named",
    [
        ("secrets", "'secrets'"),
        ("statistics.nonsense", "statistics.nonsense"),
        ('statistics.thresholds.maybe."maximum recall @ precision >= 0.9"', "maybe"),
        ('statistics.thresholds.true."maximum nothing at all"', "maximum nothing at all"),
        ("statistics.thresholds.true.maximum recall @ precision >= 0.9", "0.9"),
        ('statistics."roc_auc', "roc_auc"),
        ("environment.nope|version", "environment.nope"),
        ("version|statistics..roc_auc", "statistics..roc_auc"),
    ],
)
async def test_a_query_revscoring_cannot_answer_is_a_400_naming_it(
    info_server: Server, query: str, named: str
) -> None:
    response = await info_server.client.get(
        "/v3/scores/enwiki/", params={"models": "damaging", "model_info": query}
    )
    assert response.status_code == 400, (query, response.text)
    error = response.json()["error"]
    assert error["type"] == "InvalidInput"
    assert named in error["message"], error["message"]
    # and on the listing of every wiki
    response = await info_server.client.get("/v3/scores/", params={"model_info": query})
    assert response.status_code == 400


FRAGMENTS = st.sampled_from(
    ["statistics", "thresholds", "true", "false", '"Stub"', '"Culture.Literature"', "roc_auc",
     "labels", "micro", "params", "environment", "version", "type", "score_schema", "trained",
     '"maximum recall @ precision >= 0.9"', '"minimum match_rate @ recall <= 1"', "maximum",
     "recall @ precision >= 0", "9", "", '"', "'", ".", "|", "!recall", "counts", "n", "0"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.lists(FRAGMENTS, max_size=8).map("".join),
        st.lists(FRAGMENTS, max_size=6).map(".".join),
        st.text(max_size=40),
    ),
    st.sampled_from(["enwiki-damaging", "enwiki-articlequality", "enwiki-articletopic"]),
)
def test_any_query_is_answered_in_strict_json_or_refused(
    demo_models: dict[str, Path], query: str, name: str
) -> None:
    """Whatever the text: revscoring's answer as strict JSON, or InvalidInput, never
    another exception (a 500)."""
    info = _demo_infos(demo_models)[name]
    try:
        parsed = parse_query(query)
        answer = model_info.answer(name, info, OWN, parsed)
    except InvalidInput as error:
        assert error.status == 400
        return
    json.dumps(answer, allow_nan=False)  # what the HTTP response writes


OWN = {"labels": ["false", "true"], "features": [], "revscoring_version": "2.11.13", "trained": 1.0}
_INFOS: dict[str, Any] = {}


def _demo_infos(demo_models: dict[str, Path]) -> dict[str, Any]:
    if not _INFOS:
        for name in ("enwiki-damaging", "enwiki-articlequality", "enwiki-articletopic"):
            _INFOS[name] = revscoring_info(name, demo_models[name])
    return _INFOS
