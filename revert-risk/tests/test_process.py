"""The real entry point, ``python -m revert_risk``, as a subprocess: start-up failures
(one line, non-zero exit) and, with the embedded wiki, a served request made with curl."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from revert_risk.classifier import METADATA_FILE, MODEL_FILE

from conftest import MODEL_NAME, SERVICE_DIR, closed_port


def server_env(**variables: Any) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV", "PYTHONPATH")
    }
    env.update({key: str(value) for key, value in variables.items()})
    return env


def run_entry_point(**variables: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "revert_risk"],
        cwd=SERVICE_DIR,
        env=server_env(**variables),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_mismatched_feature_names_stop_the_server_with_one_line(
    model_path: Path, tmp_path: Path
) -> None:
    shutil.copy(model_path, tmp_path / MODEL_FILE)
    metadata = json.loads(model_path.with_name(METADATA_FILE).read_text())
    metadata["feature_names"] = metadata["feature_names"][:-1]
    (tmp_path / METADATA_FILE).write_text(json.dumps(metadata))
    result = run_entry_point(MODEL_PATH=tmp_path / MODEL_FILE, HTTP_PORT=closed_port())
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("startup error: model ")
    assert "missing day_of_week" in lines[0]


def test_missing_model_and_bad_settings(tmp_path: Path) -> None:
    result = run_entry_point(MODEL_PATH=tmp_path / "nothing.txt")
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == f"startup error: model file {tmp_path}/nothing.txt does not exist (MODEL_PATH)"
    )
    result = run_entry_point(MAX_BATCH_SIZE=500)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("configuration error: MAX_BATCH_SIZE:")


@pytest.fixture
def server(model_path: Path, embedded_wiki: Any) -> Iterator[str]:
    """``python -m revert_risk`` on a free port, reading the embedded wiki."""
    port = closed_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "revert_risk"],
        cwd=SERVICE_DIR,
        env=server_env(
            MODEL_PATH=model_path,
            WIKI_URL=embedded_wiki.base_url,
            HTTP_PORT=port,
            HTTP_RETRIES=0,
            PROCESS_POOL_WORKERS=1,
            LOG_LEVEL="INFO",
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(f"server exited: {process.stdout.read()}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{url}/v1/models/{MODEL_NAME}", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("server did not become ready in 90 s")
            time.sleep(0.25)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
