"""The revert-risk KServe model: parse -> fetch -> features -> predict -> format.

Everything one request needs lives in local variables and return values; the model object
holds only what all requests share and never change (settings, the classifier, clients,
the process pool).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import Any, Mapping

from pydantic import BaseModel, Field

from inference_common.api_docs import ErrorBody, PredictDoc
from inference_common.documents import EditContext
from inference_common.edit_context import Hint, hint_from_event
from inference_common.errors import ModelServerError
from inference_common.events import RevisionEvent
from inference_common.mediawiki import MediaWikiClient, endpoint_for
from inference_common.model import JsonModel
from inference_common.pool import ProcessPool
from inference_common.resources import SharedResources
from inference_common.wikis import wiki_id_for_language, wikipedia_host

from .classifier import RevertRiskClassifier, load_classifier
from .events import prediction_event
from .features import extract_features, feature_row
from .fetch import fetch_edits
from .request import Item, ItemError, parse_request
from .settings import RevertRiskSettings

logger = logging.getLogger(__name__)

THRESHOLD = 0.5  # prediction = P(reverted) > THRESHOLD

Key = tuple[str, int]  # (lang, rev_id)


# The request and response shapes, for /docs only (requests are parsed by .request).
class Revision(BaseModel):
    lang: str = Field(description="The Wikipedia's language code, e.g. en")
    rev_id: int


class RevertRiskRequestBody(BaseModel):
    """One of: ``lang`` + ``rev_id``; ``instances`` (a batch); ``event``."""

    lang: str | None = Field(None, description="The Wikipedia's language code, e.g. en")
    rev_id: int | None = None
    instances: list[Revision] | None = Field(None, description="A batch of revisions")
    event: dict[str, Any] | None = Field(
        None, description="A mediawiki/revision/create or mediawiki/page/change event"
    )


class Output(BaseModel):
    prediction: bool = Field(description=f"P(reverted) > {THRESHOLD}")
    probabilities: dict[str, float] = Field(description="``true`` and ``false``")


class Prediction(BaseModel):
    model_name: str
    model_version: str
    wiki_db: str
    revision_id: int
    output: Output


class ItemErrorEntry(BaseModel):
    index: int
    lang: str | None
    rev_id: int | None
    error: ErrorBody


class PredictResponse(BaseModel):
    """A :class:`Prediction` for one revision or an event; for a batch, ``predictions``
    and the ``errors`` of the items that could not be scored."""

    model_name: str | None = None
    model_version: str | None = None
    wiki_db: str | None = None
    revision_id: int | None = None
    output: Output | None = None
    predictions: list[Prediction] | None = None
    errors: list[ItemErrorEntry] | None = None


class RevertRiskModel(JsonModel):
    """Scores revisions of any Wikipedia by how likely they are to be reverted."""

    def __init__(
        self,
        settings: RevertRiskSettings,
        *,
        resources: SharedResources | None = None,
        client: MediaWikiClient | None = None,
    ) -> None:
        """``resources``: the process's shared clients and pool (``serve`` gives them);
        without, the model has its own, which its user starts and shuts down.
        ``client`` replaces the MediaWiki client built from the settings (tests)."""
        super().__init__(settings.inference_name)
        self.settings = settings
        self.classifier: RevertRiskClassifier | None = None
        self.resources = resources or SharedResources(settings, wiki=client)
        self._client = self.resources.wiki
        self._events = self.resources.events
        self._pool: ProcessPool | None = None
        if settings.process_pool_workers > 0:
            self._pool = self.resources.own_pool(ProcessPool(settings.process_pool_workers))

    # -- lifecycle ------------------------------------------------------------------

    def predict_doc(self) -> PredictDoc:
        return PredictDoc(
            summary="How likely is the edit to be reverted? (any Wikipedia)",
            description=f"Model version {self.model_version}. One revision, a batch of at "
            f"most {self.settings.max_batch_size} (an item that cannot be scored is reported "
            "in `errors`), or a revision-create / page-change event.",
            request=RevertRiskRequestBody,
            response=PredictResponse,
            examples={
                "one revision": {"lang": "en", "rev_id": 123456},
                "a batch": {
                    "instances": [{"lang": "en", "rev_id": 123456}, {"lang": "ru", "rev_id": 7}]
                },
            },
            error_statuses=(400, 404, 410, 413, 502, 503),
        )

    def load(self) -> bool:
        """Load the model (a bad one raises ModelLoadError: the server exits)."""
        self.classifier = load_classifier(self.settings.model_path)
        self.ready = True
        return self.ready

    @property
    def model_version(self) -> str:
        return self.classifier.model_version if self.classifier else ""

    # -- one request ----------------------------------------------------------------

    async def predict(  # type: ignore[override]
        self, request: dict[str, Any], headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        parsed = parse_request(request, max_batch_size=self.settings.max_batch_size)
        items = [item for item in parsed.items if isinstance(item, Item)]
        hints = {}
        if parsed.event is not None:
            hints = {(items[0].lang, items[0].rev_id): hint_from_event(parsed.event)}
        scored = await self.score({(item.lang, item.rev_id) for item in items}, hints)

        if parsed.kind != "batch":
            item = items[0]
            result = scored[(item.lang, item.rev_id)]
            if isinstance(result, ModelServerError):
                raise result
            if parsed.event is not None:
                self._emit(parsed.event, result)
            return self.output(item, result)

        predictions: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for entry in parsed.items:
            if isinstance(entry, ItemError):
                errors.append(_error_entry(entry.index, entry.lang, entry.rev_id, entry.error))
                continue
            result = scored[(entry.lang, entry.rev_id)]
            if isinstance(result, ModelServerError):
                errors.append(_error_entry(entry.index, entry.lang, entry.rev_id, result))
            else:
                predictions.append(self.output(entry, result))
        if not predictions:
            # Nothing could be scored: if that is the server's or MediaWiki's fault, say so
            # with its status rather than a 200 full of errors.
            for entry in parsed.items:
                key = (entry.lang, entry.rev_id) if isinstance(entry, Item) else None
                failure = scored.get(key) if key else None
                if isinstance(failure, ModelServerError) and failure.status >= 500:
                    raise failure
        return {"predictions": predictions, "errors": errors}

    async def score(
        self, keys: set[Key], hints: Mapping[Key, Hint] | None = None
    ) -> dict[Key, float | ModelServerError]:
        """P(reverted) of each (lang, rev_id), or why it cannot be scored."""
        documents = await self._fetch(keys, hints or {})
        features = await self._features(documents)
        ready = [key for key in sorted(features) if not isinstance(features[key], ModelServerError)]
        assert self.classifier is not None, "predict() before load()"
        rows = [feature_row(features[key]) for key in ready]  # type: ignore[arg-type]
        results: dict[Key, float | ModelServerError] = {
            key: value for key, value in features.items() if isinstance(value, ModelServerError)
        }
        results.update(zip(ready, self.classifier.predict_proba(rows)))
        return results

    async def _fetch(
        self, keys: set[Key], hints: Mapping[Key, Hint]
    ) -> dict[Key, EditContext | ModelServerError]:
        """The documents of every revision: one group of calls per wiki, concurrently."""
        by_lang: dict[str, list[int]] = defaultdict(list)
        for lang, rev_id in sorted(keys):
            by_lang[lang].append(rev_id)

        async def one_wiki(lang: str, rev_ids: list[int]) -> dict[Key, Any]:
            endpoint = endpoint_for(self.settings, wikipedia_host(lang))
            try:
                found = await fetch_edits(
                    self._client,
                    endpoint,
                    rev_ids,
                    hints={r: hint for (lg, r), hint in hints.items() if lg == lang},
                )
            except ModelServerError as error:
                return {(lang, rev_id): error for rev_id in rev_ids}
            return {(lang, rev_id): found[rev_id] for rev_id in rev_ids}

        merged: dict[Key, EditContext | ModelServerError] = {}
        for part in await asyncio.gather(*(one_wiki(*group) for group in by_lang.items())):
            merged.update(part)
        return merged

    async def _features(
        self, documents: dict[Key, EditContext | ModelServerError]
    ) -> dict[Key, dict[str, float] | ModelServerError]:
        """Features of every fetched edit, never on the event loop (parsing two 10-30 KB
        wikitexts costs 6-20 ms of CPU): in the process pool when there is one, else the
        whole request's edits in one worker thread."""
        keys = list(documents)
        if self._pool is None:
            values = await asyncio.to_thread(lambda: [_features_of(documents[k]) for k in keys])
            return dict(zip(keys, values))
        pool = self._pool

        async def one(docs: EditContext | ModelServerError) -> Any:
            if isinstance(docs, ModelServerError):
                return docs
            try:
                return await pool.run(
                    extract_features, docs.revision, docs.parent, docs.user, docs.page_creation
                )
            except ModelServerError as error:
                return error

        values = await asyncio.gather(*(one(documents[key]) for key in keys))
        return dict(zip(keys, values))

    # -- output -----------------------------------------------------------------------

    def output(self, item: Item, probability: float) -> dict[str, Any]:
        """One revision's response object."""
        return {
            "model_name": self.name,
            "model_version": self.model_version,
            "wiki_db": wiki_id_for_language(item.lang),
            "revision_id": item.rev_id,
            "output": {
                "prediction": probability > THRESHOLD,
                "probabilities": {"true": probability, "false": 1.0 - probability},
            },
        }

    def _emit(self, event: RevisionEvent, probability: float) -> None:
        """Post the prediction event in the background (never fails the response)."""
        if self._events is None or not self.settings.eventgate_stream:
            return
        try:
            self._events.send_in_background(
                prediction_event(
                    event,
                    model_name=self.name,
                    model_version=self.model_version,
                    prediction=probability > THRESHOLD,
                    probability=probability,
                    stream=self.settings.eventgate_stream,
                )
            )
        except Exception:  # noqa: BLE001 - a lost event must never fail a score
            logger.exception("could not build the prediction event of revision %d", event.rev_id)


def _features_of(docs: EditContext | ModelServerError) -> dict[str, float] | ModelServerError:
    """One edit's features, or why it has none (run in a worker thread)."""
    if isinstance(docs, ModelServerError):
        return docs
    try:
        return extract_features(docs.revision, docs.parent, docs.user, docs.page_creation)
    except ModelServerError as error:
        return error


def _error_entry(
    index: int, lang: str | None, rev_id: int | None, error: ModelServerError
) -> dict[str, Any]:
    return {"index": index, "lang": lang, "rev_id": rev_id, "error": error.to_dict()}
