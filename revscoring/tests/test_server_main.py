"""``python -m revscoring_server`` as a real process: start-up failures exit with one
clear line, and a started server answers over HTTP (KServe routes and /v3) and stops on
SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import NLTK_DATA, SERVICE_DIR, free_port


def server_env(**settings: Any) -> dict[str, str]:
    """A clean environment for the server process, plus ``settings`` (names in capitals)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "NLTK_DATA": str(NLTK_DATA),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.update({key.upper(): str(value) for key, value in settings.items()})
    return env


def run_server(timeout: float = 120, **settings: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "revscoring_server"],
        cwd=SERVICE_DIR,
        env=server_env(**settings),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_a_bad_setting_stops_the_server_with_one_line_and_exit_code_2() -> None:
    done = run_server(inference_name="enwiki-nonsense")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("configuration error: INFERENCE_NAME: ")
    assert "nonsense" in lines[0]


def test_a_missing_model_file_stops_the_server_with_one_line(tmp_path: Path) -> None:
    done = run_server(inference_name="enwiki-damaging", model_path=tmp_path / "absent.bin")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"startup error: model file {tmp_path / 'absent.bin'} does not exist (MODEL_PATH)"
    ]


def test_an_empty_models_dir_stops_the_server_with_one_line(tmp_path: Path) -> None:
    done = run_server(models_dir=tmp_path)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("startup error: no {name}/model.bin under MODELS_DIR")


def test_the_server_answers_over_http_and_stops_on_sigterm(
    models_dir: Any, wiki_url: str, seed: dict[str, Any]
) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "revscoring_server"],
        cwd=SERVICE_DIR,
        env=server_env(
            models_dir=models_dir("enwiki-damaging", "enwiki-articlequality"),
            wiki_url=wiki_url,
            http_port=port,
            log_level="WARNING",
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, process.communicate()[1]
            try:
                if httpx.get(f"{base}/v1/models/enwiki-damaging", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not become ready"
            time.sleep(0.2)
        rev_id = seed["revisions"]["good_edit"]
        # curl's default Content-Type (form-urlencoded) with a JSON body works too
        response = httpx.post(
            f"{base}/v1/models/enwiki-damaging:predict",
            content=f'{{"rev_id": {rev_id}}}',
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        score = response.json()["enwiki"]["scores"][str(rev_id)]["damaging"]["score"]
        assert isinstance(score["prediction"], bool)
        response = httpx.get(f"{base}/v3/scores/enwiki/{rev_id}/articlequality/", timeout=60)
        assert response.status_code == 200, response.text
        assert response.json()["enwiki"]["scores"][str(rev_id)]["articlequality"]["score"]
        missing = httpx.post(
            f"{base}/v1/models/enwiki-damaging:predict",
            json={"rev_id": seed["missing_rev_id"]},
            timeout=60,
        )
        assert missing.status_code == 404
        assert missing.json()["error"]["type"] == "RevisionNotFound"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # pragma: no cover - reported below
            process.kill()
            process.wait()
            pytest.fail("the server did not stop within 30 s of SIGTERM")
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""
