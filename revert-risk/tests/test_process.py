"""The real entry point, ``python -m revert_risk``, as a subprocess: start-up failures
(one line, non-zero exit) and, with the embedded wiki, a served request made with curl."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any, Iterator

import pytest

from inference_testing.harness import free_port, run_entry_point, serving
from revert_risk.classifier import METADATA_FILE, MODEL_FILE

from .support import MODEL_NAME, SERVICE_DIR


def run(**settings: Any) -> subprocess.CompletedProcess[str]:
    return run_entry_point("revert_risk", SERVICE_DIR, **settings)


def test_mismatched_feature_names_stop_the_server_with_one_line(
    model_path: Path, tmp_path: Path
) -> None:
    shutil.copy(model_path, tmp_path / MODEL_FILE)
    metadata = json.loads(model_path.with_name(METADATA_FILE).read_text())
    metadata["feature_names"] = metadata["feature_names"][:-1]
    (tmp_path / METADATA_FILE).write_text(json.dumps(metadata))
    result = run(MODEL_PATH=tmp_path / MODEL_FILE, HTTP_PORT=free_port())
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("startup error: model ")
    assert "missing day_of_week" in lines[0]


def test_missing_model_and_bad_settings(tmp_path: Path) -> None:
    result = run(MODEL_PATH=tmp_path / "nothing.txt")
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == f"startup error: model file {tmp_path}/nothing.txt does not exist (MODEL_PATH)"
    )
    result = run(MAX_BATCH_SIZE=500)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("configuration error: MAX_BATCH_SIZE:")


@pytest.fixture
def server(model_path: Path, embedded_wiki: Any) -> Iterator[str]:
    """``python -m revert_risk`` on a free port, reading the embedded wiki."""
    with serving(
        "revert_risk",
        SERVICE_DIR,
        ready_path=f"/v1/models/{MODEL_NAME}",
        model_path=model_path,
        wiki_url=embedded_wiki.base_url,
        http_retries=0,
        process_pool_workers=1,
        log_level="INFO",
    ) as running:
        yield running.url


def curl(url: str, body: str) -> tuple[int, Any]:
    """POST ``body`` as curl sends it by default (form content type), like a user would."""
    result = subprocess.run(
        ["curl", "-s", "-w", "\n%{http_code}", "-d", body, url],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    text, status = result.stdout.rsplit("\n", 1)
    return int(status), json.loads(text)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_real_server_answers_curl(server: str, embedded_wiki: Any) -> None:
    predict = f"{server}/v1/models/{MODEL_NAME}:predict"
    rev_id = embedded_wiki.seed["revisions"]["good_edit"]
    status, body = curl(predict, json.dumps({"lang": "en", "rev_id": rev_id}))
    assert status == 200, body
    assert body["revision_id"] == rev_id and body["wiki_db"] == "enwiki"
    assert isinstance(body["output"]["prediction"], bool)
    status, body = curl(predict, json.dumps({"lang": "enwiki", "rev_id": rev_id}))
    assert status == 400 and body["error"]["type"] == "InvalidInput"
    missing = embedded_wiki.seed["missing_rev_id"]
    status, body = curl(predict, json.dumps({"lang": "en", "rev_id": missing}))
    assert status == 404 and body["error"]["type"] == "RevisionNotFound"
