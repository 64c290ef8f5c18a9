"""The KServe model class of the revscoring server: one per served ``{wiki}-{model}``.

Thin by design: parse the input, ask the shared :class:`~.engine.ScoringEngine` (fetch,
extract, score), format the ORES v3 shape, and emit a revision-score event when the input
was an event and EventGate is configured.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from inference_common.api_docs import PredictDoc
from inference_common.edit_context import hint_from_event
from inference_common.errors import InvalidInput, ModelLoadError, ModelServerError
from inference_common.events import EventGateClient, parse_event, revision_score_event
from inference_common.inputs import optional_bool, require_rev_id
from inference_common.mediawiki import MediaWikiClient
from inference_common.model import JsonModel
from inference_common.pool import ProcessPool
from inference_common.resources import SharedResources
from inference_common.server import Service

from . import scoring
from .engine import ScoringEngine, worker_pool
from .ores_format import OresResponse, ores_response
from .scoring import ServedModel, described_model, load_served_model
from .settings import RevscoringSettings

DEFAULT_STREAM = "mediawiki.revision-score"
logger = logging.getLogger(__name__)


class ScoreRequestBody(BaseModel):
    """The body of ``:predict`` (documentation only: the model parses the body itself)."""

    rev_id: int | None = Field(None, description="The revision to score (or give `event`)")
    extended_output: bool = Field(False, description="Add the model's feature values")
    event: dict[str, Any] | None = Field(
        None, description="A mediawiki.revision-create or page_change event instead of rev_id"
    )


class RevscoringModel(JsonModel):
    def __init__(
        self,
        served: ServedModel,
        engine: ScoringEngine,
        eventgate: EventGateClient | None,
        stream: str,
    ) -> None:
        super().__init__(served.name)
        self.served = served
        self.engine = engine
        self.eventgate = eventgate
        self.stream = stream
        self.ready = True

    def load(self) -> bool:
        return self.ready

    def predict_doc(self) -> PredictDoc:
        model_type = self.served.model_type
        return PredictDoc(
            summary=f"{self.served.wiki} {model_type.name}: {model_type.description}",
            description=(
                f"Scores one revision of {self.served.wiki} with the {model_type.name} model "
                f"(version {self.served.version}), in the ORES v3 shape. The same scores, for "
                "many revisions and models at once, are at `/v3/scores/`."
            ),
            request=ScoreRequestBody,
            response=OresResponse,
            examples={
                "a revision": {"rev_id": 123456},
                "with feature values": {"rev_id": 123456, "extended_output": True},
            },
            error_statuses=(400, 404, 410, 413, 502, 503),
        )

    async def predict(  # type: ignore[override]
        self, request: dict[str, Any], headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        event = None
        if "event" in request:
            event = parse_event(request["event"])
            if event.wiki_id != self.served.wiki:
                raise InvalidInput(
                    f"the event is about {event.wiki_id!r}; this model scores {self.served.wiki!r}"
                )
            rev_id = event.rev_id
        else:
            rev_id = require_rev_id(request)
        features = optional_bool(request, "extended_output")
        hints = {rev_id: hint_from_event(event)} if event is not None else None
        results = await self.engine.score(
            self.served.wiki, [self.served], [rev_id], features=features, hints=hints
        )
        result = results[rev_id][self.served.model_type.name]
        if isinstance(result, ModelServerError):
            raise result
        if event is not None and self.eventgate is not None:
            score = {"model_version": self.served.version, **result["score"]}
            self.eventgate.send_in_background(
                revision_score_event(event, {self.served.model_type.name: score}, self.stream)
            )
        return ores_response(self.served.wiki, [self.served], results)


def model_files(settings: RevscoringSettings) -> dict[str, Path]:
    """The models to serve: ``{name: path}`` from MODELS_DIR, or INFERENCE_NAME/MODEL_PATH."""
    if settings.models_dir is None:
        return {settings.inference_name: settings.model_path}
    if not settings.models_dir.is_dir():
        raise ModelLoadError(f"MODELS_DIR {settings.models_dir} is not a directory")
    found = {}
    for directory in sorted(settings.models_dir.iterdir()):
        for file_name in ("model.bin", "model.bz2"):
            if (directory / file_name).is_file():
                found[directory.name] = directory / file_name
                break
    if not found:
        raise ModelLoadError(f"no {{name}}/model.bin under MODELS_DIR {settings.models_dir}")
    return found


def load_all(settings: RevscoringSettings) -> dict[str, ServedModel]:
    """Load every model file, logging each one's load time and the spelling dictionaries
    (and providers) its language modules opened."""
    served = {}
    for name, path in model_files(settings).items():
        served[name] = load_served_model(
            name, path, settings.word2vec_dir, fast_features=settings.fast_features
        )
        _log_loaded(served[name], "")
    return served


def describe_all(settings: RevscoringSettings, pool: ProcessPool) -> dict[str, ServedModel]:
    """Every model as the main process of a pool that scores everything holds it: the
    workers load the files; one of them says what it loaded (no estimator here)."""
    files = model_files(settings)
    infos = pool.call(scoring.describe_worker_models)
    served = {name: described_model(name, path, infos[name]) for name, path in files.items()}
    for model in served.values():
        _log_loaded(model, " in each pool worker (the server process holds its metadata only)")
    return served


def _log_loaded(model: ServedModel, where: str) -> None:
    logger.info(
        "loaded %s from %s%s in %.2f s; dictionaries: %s",
        model.name,
        model.path,
        where,
        model.info.load_seconds,
        "; ".join(
            used if used.startswith(f"{tag} ") else f"{tag} -> {used}"
            for tag, used in model.info.dictionaries.items()
        )
        or "none",
    )


def build_engine(settings: RevscoringSettings, client: MediaWikiClient) -> ScoringEngine:
    """The engine and its models: loaded here when this process scores (no pool, or
    POOL_MIN_BYTES > 0), else loaded by the pool's workers only (POOL_MIN_BYTES=0)."""
    if settings.main_process_scores:
        return ScoringEngine(settings, load_all(settings), client=client)
    pool = worker_pool(settings, model_files(settings))
    try:
        # every worker first (the executor starts another worker only while none is idle),
        # then one of them describes the models
        pool.warm_up()
        models = describe_all(settings, pool)
    except BaseException:
        pool.shutdown()
        raise
    return ScoringEngine(settings, models, client=client, pool=pool)


def build_service(settings: RevscoringSettings, resources: SharedResources) -> Service:
    """Load every model; one engine (owned by ``resources``) and the shared EventGate
    client serve them all, and the ORES v3 API routes (``/v3/scores/...``) use the same
    engine."""
    from .ores_routes import INFERENCE_ROUTES, build_router

    engine = resources.own(build_engine(settings, resources.wiki))
    stream = settings.eventgate_stream or DEFAULT_STREAM
    models = [
        RevscoringModel(model, engine, resources.events, stream) for model in engine.models.values()
    ]
    return Service(models, [build_router(engine)], INFERENCE_ROUTES)
