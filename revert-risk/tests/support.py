"""What the revert-risk tests share besides fixtures (those are in ``conftest.py``) and the
in-memory MediaWiki (``fakes.py``): names, starting a model and a client on its app, and
the loopback recorders the fixtures fill. Tests import them: ``from .support import PREDICT``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from revert_risk.model import RevertRiskModel
from revert_risk.settings import RevertRiskSettings

from inference_common.app import build_app

SERVICE_DIR = Path(__file__).resolve().parent.parent
MODEL_NAME = "revertrisk-language-agnostic"
PREDICT = f"/v1/models/{MODEL_NAME}:predict"


async def started(model: RevertRiskModel) -> RevertRiskModel:
    model.load()
    await model.resources.startup()
    return model


async def client_for(model: RevertRiskModel, settings: RevertRiskSettings) -> httpx.AsyncClient:
    app = build_app([model], settings)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


class ApiRecorder:
    """A loopback proxy in front of the embedded wiki's API that records each call."""

    def __init__(self, api_url: str) -> None:
        self.api_url = api_url
        self.calls: list[dict[str, str]] = []
        self.base_url = ""

    def revision_calls(self) -> list[dict[str, str]]:
        return [c for c in self.calls if c.get("prop") == "revisions" and "revids" in c]

    def reset(self) -> None:
        self.calls.clear()


class EventGateRecorder:
    """A loopback EventGate that records the events posted to it."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.status = 201
        self.url = ""
