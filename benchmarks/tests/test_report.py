"""What RESULTS.md says about the run: its command line, with no path of the machine."""

from __future__ import annotations

from pathlib import Path

from report_md import portable_command

ROOT = Path("/somewhere/inference-services")


def test_the_command_is_relative_to_the_repository() -> None:
    argv = [
        "--python-revscoring",
        "/somewhere/inference-services/.venv/revscoring/bin/python",
        "--python-outlink=/home/someone/venvs/ks/bin/python",
        "--only",
        "floor,rs-thread",
        "--nltk-data",
        "../shared/nltk_data",
    ]
    assert portable_command(argv, ROOT) == (
        "python benchmarks/run.py --python-revscoring .venv/revscoring/bin/python"
        " --python-outlink=<python> --only floor,rs-thread --nltk-data ../shared/nltk_data"
    )
