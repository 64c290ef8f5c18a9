"""Feature extraction (CPU work) never runs on the event loop's thread."""

from __future__ import annotations

import threading

import httpx
import pytest

from revert_risk import model as model_module
from revert_risk_tools.synthetic import make_dataset

from .support import PREDICT
from .fakes import FakeWikiClient

EDITS = [e for e in make_dataset(12, seed=5) if e.parent is not None][:3]


async def test_extraction_runs_off_the_event_loop(
    client: httpx.AsyncClient, fake_wiki: FakeWikiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_wiki.add_all(EDITS)
    threads: list[threading.Thread] = []
    original = model_module.extract_features

    def recording(*args):
        threads.append(threading.current_thread())
        return original(*args)

    monkeypatch.setattr(model_module, "extract_features", recording)
    loop_thread = threading.current_thread()
    instances = [{"lang": "en", "rev_id": e.revision["revid"]} for e in EDITS]
    response = await client.post(PREDICT, json={"instances": instances})
    assert response.status_code == 200, response.text
    assert len(response.json()["predictions"]) == len(EDITS)
    assert len(threads) == len(EDITS)
    assert all(thread is not loop_thread for thread in threads)
