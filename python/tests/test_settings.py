import subprocess
import sys
from pathlib import Path

import pytest

from inference_common.settings import ServerSettings, load_settings


def test_defaults_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFERENCE_NAME", "enwiki-damaging")
    monkeypatch.setenv("HTTP_TIMEOUT", "2.5")
    monkeypatch.setenv("WIKI_URL", "http://127.0.0.1:8180")
    settings = load_settings(ServerSettings)
    assert settings.inference_name == "enwiki-damaging"
    assert settings.http_timeout == 2.5
    assert settings.model_path == Path("/mnt/models/model.bin")
    assert str(settings.wiki_url) == "http://127.0.0.1:8180/"
    assert settings.process_pool_workers == 0


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "configuration error: INFERENCE_NAME: is required"),
        (
            {"INFERENCE_NAME": "x", "HTTP_TIMEOUT": "-1"},
            "HTTP_TIMEOUT: Input should be greater than 0",
        ),
        (
            {"INFERENCE_NAME": "x", "HTTP_TIMEOUT": "soon"},
            "HTTP_TIMEOUT: Input should be a valid number",
        ),
        ({"INFERENCE_NAME": "x", "WIKI_URL": "not a url"}, "WIKI_URL: "),
        ({"INFERENCE_NAME": "x", "LOG_LEVEL": "LOUD"}, "LOG_LEVEL: "),
        ({"INFERENCE_NAME": "Bad Name!"}, "INFERENCE_NAME: String should match pattern"),
    ],
)
def test_bad_settings_exit_with_one_line(env: dict[str, str], expected: str) -> None:
    """A server with a bad environment stops at start with one line naming the variable."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from inference_common.settings import *; load_settings(ServerSettings)",
        ],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("configuration error: ")
    assert expected in lines[0]


def test_secrets_are_not_shown() -> None:
    settings = ServerSettings(inference_name="x", eventgate_token="s3cret")
    assert "s3cret" not in repr(settings)
    assert "s3cret" not in str(settings.model_dump())
