"""The transformer: page -> outlinks (MediaWiki) -> predictor -> Lift Wing's response."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel, Field

from inference_common.api_docs import PredictDoc
from inference_common.events import PAGE_CHANGE, prediction_change_event
from inference_common.mediawiki import MediaWikiClient, endpoint_for
from inference_common.model import JsonModel
from inference_common.resources import SharedResources
from inference_common.wikis import wikipedia_host

from . import output
from .outlinks import features_string, outlink_cache, page_outlink_qids, resolve_page
from .predictor_client import Predictor, PredictorClient
from .request import DEFAULT_THRESHOLD, TopicRequest, parse_request
from .settings import TransformerSettings

logger = logging.getLogger(__name__)


# The request and response shapes, for /docs only (requests are parsed by .request).
class TopicRequestBody(BaseModel):
    """``lang`` with ``page_title`` or ``page_id`` (``features_str``: these outlinks, no
    fetch), or ``event``."""

    lang: str | None = Field(None, description="The Wikipedia's language code, e.g. en")
    page_title: str | None = None
    page_id: int | None = None
    features_str: str | None = Field(None, description="Wikidata ids separated by spaces")
    threshold: float = Field(DEFAULT_THRESHOLD, ge=0, le=1, description="Lowest score shown")
    debug: bool = Field(False, description="Every topic, whatever its score")
    event: dict[str, Any] | None = Field(
        None, description="A mediawiki/page/change or mediawiki/revision/create event"
    )


class ArticleTopic(BaseModel):
    topic: str
    score: float


class ArticleTopics(BaseModel):
    article: str = Field(description="The article's URL")
    results: list[ArticleTopic]


class TopicResponse(BaseModel):
    prediction: ArticleTopics


class OutlinkTransformer(JsonModel):
    """KServe's transformer for the outlink topic model.

    ``predictor`` answers the predictor protocol: by default a :class:`PredictorClient`
    to ``PREDICTOR_HOST`` on the process's one HTTP client (with MediaWiki and EventGate);
    the one-process shape passes the predictor model itself.
    Everything a request needs lives in local variables: the clients held here carry no
    per-request state."""

    def __init__(
        self,
        settings: TransformerSettings,
        *,
        resources: SharedResources | None = None,
        predictor: Predictor | None = None,
        wiki: MediaWikiClient | None = None,
    ) -> None:
        """``resources``: the process's shared clients (``serve`` gives them); without, the
        transformer has its own, which its user starts and shuts down. ``predictor``: by
        default an HTTP client on the shared HTTP client; ``wiki`` replaces the MediaWiki
        client (tests)."""
        super().__init__(settings.inference_name)
        self.settings = settings
        self.resources = resources or SharedResources(settings, wiki=wiki)
        self.predictor: Predictor = (
            predictor
            if predictor is not None
            else PredictorClient.from_settings(settings, self.resources.http)
        )
        self.wiki = self.resources.wiki
        self.events = self.resources.events
        # pages' outlinks by latest revision, shared by all requests (a cache, like a score
        # cache: it holds the wiki's answers, nothing of a request)
        self.outlink_cache = (
            outlink_cache(settings.outlink_cache_size, settings.outlink_cache_ttl)
            if settings.outlink_cache_size > 0
            else None
        )

    def load(self) -> bool:
        self.ready = True
        return True

    def predict_doc(self) -> PredictDoc:
        return PredictDoc(
            summary="The topics of a Wikipedia article, from its outlinks",
            description="Fetches the article's outlinks (their Wikidata ids) from MediaWiki "
            "and asks the predictor for their topics, highest score first.",
            request=TopicRequestBody,
            response=TopicResponse,
            examples={
                "by title": {"lang": "en", "page_title": "Wings of Fire (novel series)"},
                "by page id, every topic": {"lang": "en", "page_id": 12345, "debug": True},
            },
            error_statuses=(400, 404, 413, 502, 503),
        )

    async def predict(  # type: ignore[override]
        self, request: dict[str, Any], headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        topic_request = parse_request(request)
        title, page_id, features = await self.features(topic_request)
        # A page change event is answered with a prediction change event (when EventGate
        # is configured), which carries every topic's score: ask for all, filter here.
        event = topic_request.event
        if self.events is None or event is None or event.schema != PAGE_CHANGE:
            event = None
        answer = await self.predictor.predict(
            {
                "features_str": features,
                "threshold": topic_request.threshold,
                "debug": topic_request.debug or event is not None,
                "lang": topic_request.lang,
                "page_title": title,
                "page_id": page_id,
            }
        )
        results, model_version = output.read_answer(answer)
        if event is not None and self.events is not None:
            self.events.send_in_background(
                prediction_change_event(
                    event,
                    model_name=self.settings.events_model_name,
                    model_version=model_version,
                    predictions=[
                        r["topic"] for r in output.above(results, topic_request.threshold)
                    ],
                    probabilities={r["topic"]: r["score"] for r in results},
                    stream=self.settings.eventgate_stream or "",
                )
            )
            if not topic_request.debug:
                results = output.above(results, topic_request.threshold)
        return output.response(topic_request.lang, title, page_id, results)

    async def features(self, request: TopicRequest) -> tuple[str | None, int | None, str]:
        """The page's canonical title and id, and its feature string (fetched unless the
        request brings one)."""
        if request.features_str is not None:
            return request.page_title, request.page_id, request.features_str
        endpoint = endpoint_for(self.settings, wikipedia_host(request.lang))
        page = await resolve_page(
            self.wiki, endpoint, title=request.page_title, page_id=request.page_id
        )
        qids = await page_outlink_qids(
            self.wiki,
            endpoint,
            page,
            limit=self.settings.max_outlinks,
            cache=self.outlink_cache,
        )
        return page.title, page.page_id, features_string(qids)
