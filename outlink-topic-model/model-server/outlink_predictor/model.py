"""The predictor: a fastText outlink topic model behind KServe's V1 protocol."""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from inference_common.api_docs import PredictDoc
from inference_common.errors import ModelLoadError
from inference_common.model import JsonModel

from .prediction import DEFAULT_THRESHOLD, parse_request, rank, select
from .settings import PredictorSettings
from .taxonomy import LABEL_PREFIX, TOPICS

logger = logging.getLogger(__name__)


def load_fasttext(path: Path) -> Any:
    """A supervised fastText model from ``path``, or :class:`ModelLoadError`."""
    import fasttext  # imported here so that importing this module stays cheap

    if not path.is_file():
        raise ModelLoadError(f"model file {path} does not exist (set MODEL_PATH)")
    try:
        # load_model prints a deprecation notice on stderr; it is not ours to show.
        with contextlib.redirect_stderr(io.StringIO()):
            model = fasttext.load_model(str(path))
    except (ValueError, RuntimeError, MemoryError) as error:
        raise ModelLoadError(f"{path} is not a fastText model: {error}") from None
    labels = model.get_labels()
    if not labels or not all(label.startswith(LABEL_PREFIX) for label in labels):
        raise ModelLoadError(f"{path} is not a supervised fastText model (it has no labels)")
    unknown = sorted({label[len(LABEL_PREFIX) :] for label in labels} - set(TOPICS))
    if unknown:
        logger.warning("model labels outside the ORES taxonomy: %s", ", ".join(unknown[:5]))
    return model


def file_version(path: Path) -> str:
    """The first 12 hex digits of the file's SHA-256: which model answered."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:12]


# The request and response shapes, for /docs only (requests are parsed by .prediction).
class OutlinksBody(BaseModel):
    features_str: str = Field(description="The outlinks' Wikidata ids, separated by spaces")
    threshold: float = Field(DEFAULT_THRESHOLD, ge=0, le=1, description="Lowest score given")
    debug: bool = Field(False, description="Every topic, whatever its score")


class OutlinkTopic(BaseModel):
    topic: str
    score: float


class OutlinksResponse(BaseModel):
    results: list[OutlinkTopic] = Field(description="Highest score first")
    model_version: str


class OutlinkPredictor(JsonModel):
    """Scores a page's outlinks (Wikidata ids) against the 64 topics.

    The fastText model is loaded once and only read afterwards. Prediction takes tens
    of microseconds, so it runs on the event loop (a process pool would cost more than
    it saves)."""

    def __init__(self, settings: PredictorSettings) -> None:
        super().__init__(settings.inference_name)
        self.settings = settings
        self.fasttext: Any = None
        self.model_version = ""

    def load(self) -> bool:
        path = self.settings.model_path
        self.fasttext = load_fasttext(path)
        self.model_version = self.settings.model_version or file_version(path)
        logger.info(
            "loaded %s (version %s, %d labels)",
            path,
            self.model_version,
            len(self.fasttext.get_labels()),
        )
        self.ready = True
        return True

    def predict_doc(self) -> PredictDoc:
        return PredictDoc(
            summary="The topics of a set of outlinks (Wikidata ids)",
            description=f"The fastText outlink topic model (version {self.model_version}); "
            "the transformer calls this with an article's outlinks.",
            request=OutlinksBody,
            response=OutlinksResponse,
            examples={"outlinks": {"features_str": "Q1 Q5 Q2 Q42", "threshold": 0.1}},
            error_statuses=(400, 413, 503),
        )

    async def predict(  # type: ignore[override]
        self, request: dict[str, Any], headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        parsed = parse_request(request)
        labels, scores = self.fasttext.predict(parsed.features_str, k=-1)
        results = select(rank(labels, scores), parsed.threshold, parsed.debug)
        return {"results": results, "model_version": self.model_version}
