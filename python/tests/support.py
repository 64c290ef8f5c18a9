"""What the shared package's tests import: a toy model for the real server app."""

from __future__ import annotations

from inference_common.errors import RevisionNotFound
from inference_common.inputs import require_rev_id
from inference_common.model import JsonModel


class EchoModel(JsonModel):
    """Answers with its rev_id; 404 for rev_id 404; raises a plain bug for rev_id 500."""

    def load(self) -> bool:
        self.ready = True
        return True

    async def predict(  # type: ignore[override]
        self, request: dict, headers: dict | None = None
    ) -> dict:
        rev_id = require_rev_id(request)
        if rev_id == 404:
            raise RevisionNotFound(f"revision {rev_id} does not exist")
        if rev_id == 500:
            raise RuntimeError("a bug")
        return {"rev_id": rev_id}
