"""The KServe ``Model`` base class of every service."""

from __future__ import annotations

from typing import Any

import kserve

from .api_docs import PredictDoc
from .inputs import decode_body


class JsonModel(kserve.Model):
    """A KServe model whose requests are JSON objects whatever the Content-Type.

    Subclasses implement ``async def predict(self, request: dict, headers) -> dict`` and
    keep everything a request needs in local variables and return values, never on
    ``self``: one model object serves many requests at once.
    """

    async def preprocess(  # type: ignore[override]
        self, payload: Any, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        return decode_body(payload)

    async def startup(self) -> None:
        """Called once in the server's event loop before the first request."""

    async def shutdown(self) -> None:
        """Called once in the server's event loop at shutdown (close clients here)."""

    def predict_doc(self) -> PredictDoc:
        """How ``/docs`` describes this model's ``:predict`` (services say more)."""
        return PredictDoc(summary=f"Predict with {self.name}")
