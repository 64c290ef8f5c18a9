"""The predictor: its pure steps, its model loading, and its server app."""

from __future__ import annotations

import json
import math
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from outlink_predictor.model import OutlinkPredictor, file_version, load_fasttext
from outlink_predictor.prediction import MAX_FEATURES_CHARS, parse_request, rank, select
from outlink_predictor.settings import PredictorSettings
from outlink_predictor.taxonomy import TOPICS

from inference_common.errors import InvalidInput, ModelLoadError

from .support import PREDICT, SERVICE_DIR, predictor_process, server_env

LITERATURE = "Q8261 Q36180 Q1667921 Q571"  # novel, writer, novel series, book


# -- pure steps ---------------------------------------------------------------------


def test_parse_request_defaults_and_fields() -> None:
    request = parse_request({"features_str": "Q1 Q2"})
    assert (request.features_str, request.threshold, request.debug) == ("Q1 Q2", 0.5, False)
    request = parse_request({"features_str": "", "threshold": 0, "debug": True, "lang": "en"})
    assert (request.features_str, request.threshold, request.debug) == ("", 0.0, True)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "missing field 'features_str'"),
        ({"features_str": None}, "features_str must be a string"),
        ({"features_str": ["Q1"]}, "features_str must be a string"),
        ({"features_str": "Q1\nQ2"}, "control characters"),
        ({"features_str": "Q1\tQ2"}, "control characters"),
        ({"features_str": "Q1 " * MAX_FEATURES_CHARS}, "longer than"),
        ({"features_str": "Q1", "threshold": 1.5}, "threshold must be a number in [0.0, 1.0]"),
        ({"features_str": "Q1", "threshold": "0.5"}, "threshold must be a number"),
        ({"features_str": "Q1", "threshold": True}, "threshold must be a number"),
        ({"features_str": "Q1", "threshold": float("nan")}, "threshold must be a number"),
        ({"features_str": "Q1", "debug": "yes"}, "debug must be true or false"),
    ],
)
def test_parse_request_refuses(body: dict, message: str) -> None:
    with pytest.raises(InvalidInput, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_request(body)


def test_rank_strips_prefix_clips_and_sorts() -> None:
    ranked = rank(
        ["__label__STEM.Physics", "__label__Culture.Sports", "Culture.Literature", "__label__A"],
        [0.25, 1.0000100136, 0.25, float("nan")],
    )
    assert ranked == [
        ("Culture.Sports", 1.0),
        ("Culture.Literature", 0.25),
        ("STEM.Physics", 0.25),
        ("A", 0.0),
    ]
    assert all(type(score) is float for _, score in ranked)


def test_select_threshold_and_debug() -> None:
    ranked = [("a", 0.9), ("b", 0.5), ("c", 0.1)]
    assert select(ranked, 0.5) == [{"topic": "a", "score": 0.9}, {"topic": "b", "score": 0.5}]
    assert select(ranked, 0.95) == []
    assert [r["topic"] for r in select(ranked, 0.95, debug=True)] == ["a", "b", "c"]


@given(
    scores=st.lists(st.floats(min_value=-1, max_value=2, allow_nan=False), max_size=70),
    threshold=st.floats(min_value=0, max_value=1),
)
def test_select_is_a_sorted_cut_of_the_ranking(scores: list[float], threshold: float) -> None:
    labels = [f"__label__T{i}" for i in range(len(scores))]
    ranked = rank(labels, scores)
    selected = select(ranked, threshold)
    values = [r["score"] for r in selected]
    assert values == sorted(values, reverse=True)
    assert all(0.0 <= v <= 1.0 and v >= threshold for v in values)
    assert len(selected) == sum(1 for _, score in ranked if score >= threshold)
    assert len(select(ranked, threshold, debug=True)) == len(scores)


# -- loading ------------------------------------------------------------------------


def test_model_has_the_64_topics(predictor_model: OutlinkPredictor) -> None:
    labels = predictor_model.fasttext.get_labels()
    assert sorted(label.removeprefix("__label__") for label in labels) == sorted(TOPICS)


def test_missing_and_broken_model_files(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="does not exist"):
        load_fasttext(tmp_path / "nope.bin")
    broken = tmp_path / "broken.bin"
    broken.write_bytes(b"not a model at all" * 10)
    with pytest.raises(ModelLoadError, match="is not a fastText model"):
        load_fasttext(broken)


def test_model_version_is_the_file_hash_unless_set(model_path: Path) -> None:
    model = OutlinkPredictor(PredictorSettings(model_path=model_path))
    model.load()
    assert model.model_version == file_version(model_path) and len(model.model_version) == 12
    model = OutlinkPredictor(PredictorSettings(model_path=model_path, model_version="2024-06"))
    model.load()
    assert model.model_version == "2024-06"


def test_server_with_a_missing_model_exits_with_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "outlink_predictor"],
        cwd=SERVICE_DIR / "model-server",
        env=server_env(model_path=tmp_path / "model.bin", http_port=1),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("startup error: model file ")
    assert "Traceback" not in result.stderr


def test_the_real_server_bounds_slow_clients_and_lets_urllib_read_its_413(
    model_path: Path,
) -> None:
    """``python -m outlink_predictor`` as deployed: clients that send a body slowly take no
    in-flight slot and get a 408 in time; a too-large body's 413 reaches urllib (which
    sends everything before reading) instead of a connection reset."""
    server = predictor_process(model_path)
    server.env.update(HEADER_READ_TIMEOUT="1", BODY_READ_TIMEOUT="1", MAX_CONCURRENT_REQUESTS="2")
    server.start()
    try:
        slow = []
        for _ in range(6):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            sock.sendall(
                f"POST {PREDICT} HTTP/1.1\r\nHost: x\r\nContent-Length: 37\r\n\r\n"
                '{"features_str":'.encode()
            )
            slow.append(sock)
        for _ in range(4):
            response = httpx.post(server.url + PREDICT, json={"features_str": LITERATURE})
            assert response.status_code == 200, response.text
        for sock in slow:
            with sock:
                answer = b"".join(iter(lambda: sock.recv(4096), b""))
            assert answer.startswith(b"HTTP/1.1 408 ") and b"RequestTimeout" in answer, answer

        big = b'{"features_str": "' + b"Q1 " * (3 * 1024 * 1024) + b'"}'
        request = urllib.request.Request(server.url + PREDICT, data=big)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 413
        assert json.loads(refused.value.read())["error"]["type"] == "PayloadTooLarge"
    finally:
        server.stop()


# -- the app ------------------------------------------------------------------------


async def test_predict_literature(predictor_client: httpx.AsyncClient) -> None:
    response = await predictor_client.post(PREDICT, json={"features_str": LITERATURE})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"results", "model_version"}
    assert body["results"][0]["topic"] == "Culture.Literature"
    assert all(r["score"] >= 0.5 for r in body["results"])


async def test_debug_returns_all_topics_sorted(predictor_client: httpx.AsyncClient) -> None:
    response = await predictor_client.post(
        PREDICT, json={"features_str": LITERATURE, "debug": True, "threshold": 0.99}
    )
    results = response.json()["results"]
    assert sorted(r["topic"] for r in results) == sorted(TOPICS)
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)


async def test_empty_and_unknown_features_score_nothing(predictor_client) -> None:
    for features in ("", "Q999999999999 Q123456789012", "   "):
        response = await predictor_client.post(PREDICT, json={"features_str": features})
        assert response.json()["results"] == [], features
        response = await predictor_client.post(
            PREDICT, json={"features_str": features, "threshold": 0.0}
        )
        assert len(response.json()["results"]) == 64
        assert max(r["score"] for r in response.json()["results"]) < 0.01


async def test_curl_default_content_type(predictor_client: httpx.AsyncClient) -> None:
    response = await predictor_client.post(
        PREDICT,
        content=json.dumps({"features_str": LITERATURE}).encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200


async def test_errors_are_400_json(predictor_client: httpx.AsyncClient) -> None:
    for body in (b"{}", b'{"features_str": 1}', b"[1]", b"{", b'{"features_str": "Q1\\nQ2"}'):
        response = await predictor_client.post(PREDICT, content=body)
        assert response.status_code == 400, body
        assert response.json()["error"]["type"] == "InvalidInput"
    response = await predictor_client.post(PREDICT, json={"features_str": LITERATURE})
    assert response.status_code == 200


async def test_scores_are_plain_finite_floats(predictor_model: OutlinkPredictor) -> None:
    answer = await predictor_model.predict({"features_str": LITERATURE, "debug": True})
    assert all(type(r["score"]) is float and math.isfinite(r["score"]) for r in answer["results"])
