"""Reading revision documents is pure: feature code in pool workers imports it without the
HTTP stack (aiohttp, mwapi) the MediaWiki client needs."""

from __future__ import annotations

import subprocess
import sys

import pytest

from inference_common.documents import main_slot, require_text
from inference_common.errors import TextDeleted, UpstreamError


def test_importing_it_imports_no_http_client() -> None:
    code = (
        "import sys, inference_common.documents; "
        "print(sorted({'aiohttp', 'mwapi', 'kserve'} & set(sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_main_slot_and_its_text() -> None:
    revision = {"revid": 1, "slots": {"main": {"content": "text", "contentmodel": "wikitext"}}}
    assert main_slot(revision) == {"content": "text", "contentmodel": "wikitext"}
    assert main_slot({"slots": None}) == {} and main_slot({}) == {}
    assert require_text(revision) == "text"
    for hidden in (
        {"revid": 2, "texthidden": True},
        {"revid": 3, "slots": {"main": {"texthidden": True}}},
    ):
        with pytest.raises(TextDeleted):
            require_text(hidden)
    with pytest.raises(UpstreamError):
        require_text({"revid": 4, "slots": {"main": {}}})
