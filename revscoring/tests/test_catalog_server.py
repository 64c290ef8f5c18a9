"""The pure parts of ``make catalog-server`` (its whole run is that target, not a test):
memory summed over a real process tree, and its CATALOG.md section written in place
without touching the per-model table (which ``make catalog`` rewrites, keeping the
section)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from revscoring_tools import catalog_server as cs

TABLE = (
    "# Lift Wing revscoring catalogue check\n\n"
    "| name | feature list | dictionaries (provider) | load s | RSS MiB | rev | score |\n"
    "| --- | --- | --- | ---: | ---: | ---: | --- |\n"
    "| `enwiki-damaging` | `x` | none | 0.69 | 342 | 647 | false (0.94) |\n"
    "| `dewiki-damaging` | `y` | none | 0.56 | 312 | 627 | false (0.98) |\n"
)


def test_memory_sums_the_whole_process_tree() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; x = bytearray(64 * 2**20); time.sleep(30)"]
    )
    try:
        time.sleep(1.0)
        tree = cs.process_tree(os.getpid())
        assert os.getpid() in tree and child.pid in tree
        alone = cs.memory(child.pid)
        both = cs.memory(os.getpid())
        assert alone["processes"] == 1 and both["processes"] >= 2
        assert alone["uss"] >= 60  # the child's private 64 MiB
        assert both["pss"] >= alone["pss"] + 1
        assert 0 < both["pss"] <= both["rss"]
    finally:
        child.kill()
        child.wait()


def test_the_section_is_written_in_place_and_the_table_summed(tmp_path: Path) -> None:
    markdown = tmp_path / "CATALOG.md"
    markdown.write_text(TABLE)
    assert cs.one_model_rss(markdown) == 342 + 312
    cs.write_section(markdown, cs.SECTION + "\n\nfirst\n")
    cs.write_section(markdown, cs.SECTION + "\n\nsecond\n")
    text = markdown.read_text()
    assert text.startswith(TABLE) and text.count(cs.SECTION) == 1
    assert "second" in text and "first" not in text
    # a later section stays after it
    markdown.write_text(text + "\n## Another\n\nkept\n")
    cs.write_section(markdown, cs.SECTION + "\n\nthird\n")
    text = markdown.read_text()
    assert "third" in text and text.endswith("## Another\n\nkept\n") and "second" not in text
