"""``python -m revscoring_server`` as a real process: start-up failures exit with one
clear line, and a started server answers over HTTP (KServe routes and /v3) and stops on
SIGTERM."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import httpx
from .support import NLTK_DATA, SERVICE_DIR

from inference_testing.harness import run_entry_point, serving


def run_server(**settings: Any) -> subprocess.CompletedProcess[str]:
    return run_entry_point("revscoring_server", SERVICE_DIR, nltk_data=NLTK_DATA, **settings)


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
    with serving(
        "revscoring_server",
        SERVICE_DIR,
        ready_path="/v1/models/enwiki-damaging",
        nltk_data=NLTK_DATA,
        models_dir=models_dir("enwiki-damaging", "enwiki-articlequality"),
        wiki_url=wiki_url,
        log_level="WARNING",
    ) as server:
        base = server.url
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
    assert server.process.returncode == 0, server.output()
