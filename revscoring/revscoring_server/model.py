"""The KServe model class of the revscoring server: one per served ``{wiki}-{model}``.

Thin by design: parse the input, ask the shared :class:`~.engine.ScoringEngine` (fetch,
extract, score), format the ORES v3 shape, and emit a revision-score event when the input
was an event and EventGate is configured.
"""

from __future__ import annotations

import gc
import logging
from pathlib import Path
from typing import Any

from fastapi import APIRouter
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
from .scoring import FailedLoad, ServedModel, described_model, load_served_model
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


class UnavailableModel(JsonModel):
    """A configured model that could not be loaded: every ``:predict`` is a 503
    ModelUnavailable giving the reason (the server's other models are served)."""

    def __init__(self, failed: FailedLoad) -> None:
        super().__init__(failed.name)
        self.failed = failed
        self.ready = True  # KServe would answer a model not ready without the reason

    def load(self) -> bool:
        return self.ready

    def predict_doc(self) -> PredictDoc:
        return PredictDoc(
            summary=f"{self.name}: not available ({self.failed.reason[:120]})",
            description=f"This model could not be loaded: {self.failed.reason}",
            request=ScoreRequestBody,
            error_statuses=(503,),
        )

    async def predict(  # type: ignore[override]
        self, request: dict[str, Any], headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        raise self.failed.error()


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


Loaded = tuple[dict[str, ServedModel], dict[str, FailedLoad]]


def load_all(settings: RevscoringSettings) -> Loaded:
    """Load every model file, logging each one's load time and the spelling dictionaries
    (and providers) its language modules opened. With MODELS_DIR a model that cannot load
    is set aside (it answers 503) and the others are served; a single model
    (INFERENCE_NAME/MODEL_PATH), or MODELS_DIR where none loads, stops the start."""
    served, failed = {}, {}
    for name, path in model_files(settings).items():
        try:
            served[name] = load_served_model(
                name, path, settings.word2vec_dir, fast_features=settings.fast_features
            )
        except Exception as error:
            if settings.models_dir is None:
                raise
            failed[name] = FailedLoad.of(name, path, error)
            continue
        _log_loaded(served[name], "")
    return _some_loaded(served, failed)


def describe_all(settings: RevscoringSettings, pool: ProcessPool) -> Loaded:
    """Every model as the main process of a pool that scores everything holds it: the
    workers load the files; one of them says what it loaded (no estimator here), or why
    it could not load a model."""
    files = model_files(settings)
    infos = pool.call(scoring.describe_worker_models)
    served, failed = {}, {}
    for name, path in files.items():
        info = infos[name]
        if isinstance(info, ModelLoadError):
            if settings.models_dir is None:
                raise info
            failed[name] = FailedLoad.of(name, path, info)
            continue
        served[name] = described_model(name, path, info)
        _log_loaded(
            served[name], " in each pool worker (the server process holds its metadata only)"
        )
    return _some_loaded(served, failed)


def _some_loaded(served: dict[str, ServedModel], failed: dict[str, FailedLoad]) -> Loaded:
    for model in failed.values():
        logger.error("could not load %s (it answers 503): %s", model.name, model.reason)
    if not served:
        raise ModelLoadError(next(iter(failed.values())).reason)
    logger.info("loaded %d of %d models", len(served), len(served) + len(failed))
    return served, failed


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
        models, failed = load_all(settings)
        engine = ScoringEngine(settings, models, client=client, failed=failed)
        # Imports, estimators and dictionaries live as long as the process: out of the
        # collector's generations, the collections that extraction's garbage (a parse makes
        # ~10^5 objects per revision) sets off walk only that garbage (measured: 13% less
        # CPU per scored edit). Pool workers get the same from their fork server.
        gc.collect()
        gc.freeze()
        return engine
    pool = worker_pool(settings, model_files(settings))
    try:
        # every worker first (the executor starts another worker only while none is idle),
        # then one of them describes the models
        pool.warm_up()
        models, failed = describe_all(settings, pool)
    except BaseException:
        pool.shutdown()
        raise
    return ScoringEngine(settings, models, client=client, pool=pool, failed=failed)


def build_service(settings: RevscoringSettings, resources: SharedResources) -> Service:
    """Load every model; one engine (owned by ``resources``) and the shared EventGate
    client serve them all, and the ORES v3 API routes (``/v3/scores/...``) use the same
    engine."""
    from .ores_routes import INFERENCE_ROUTES, build_router

    engine = resources.own(build_engine(settings, resources.wiki))
    stream = settings.eventgate_stream or DEFAULT_STREAM
    models: list[JsonModel] = [
        RevscoringModel(model, engine, resources.events, stream) for model in engine.models.values()
    ]
    models += [UnavailableModel(failed) for failed in engine.failed.values()]
    return Service(models, [build_router(engine), readiness_router(engine)], INFERENCE_ROUTES)


def readiness_router(engine: ScoringEngine) -> APIRouter:
    """``GET /ready``: how many of the configured models loaded, and why the others did
    not (the server answers for those with 503 ModelUnavailable)."""
    router = APIRouter(tags=["health"])

    @router.get("/ready", summary="How many models loaded, and why the others did not")
    async def ready() -> dict[str, Any]:
        loaded, failed = len(engine.models), len(engine.failed)
        return {
            "ready": loaded > 0,
            "models": {"loaded": loaded, "failed": failed, "total": loaded + failed},
            "failed": {name: model.reason for name, model in engine.failed.items()},
        }

    return router
