"""The scoring engine: one per server process, shared by every model it serves.

``await engine.score(wiki, model_names, rev_ids)`` fetches all revisions together
(:mod:`.fetch`), then scores each revision for all requested models with one shared
feature extraction (:mod:`.scoring`), off the event loop: in a process pool for large
revisions when ``PROCESS_POOL_WORKERS`` > 0, else in a thread. It holds no per-request
state: everything a request needs travels as arguments and return values.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from inference_common.cache import CACHE_LOOKUPS, MemoryCache, RedisCache, ScoreCache, SingleFlight
from inference_common.documents import EditContext
from inference_common.edit_context import Hint
from inference_common.errors import ModelServerError, UnsupportedContent
from inference_common.mediawiki import MediaWikiClient, endpoint_for
from inference_common.pool import ProcessPool

from . import scoring
from .fetch import fetch_revision_docs, union_needs
from .fast_features import TextReuse
from .scoring import FailedLoad, ServedModel
from .settings import RevscoringSettings

logger = logging.getLogger(__name__)


def cache_key(wiki: str, model: ServedModel, rev_id: int) -> str:
    """Scores are cached per wiki, model, model version (and file digest) and revision, so
    a new model version never serves old scores."""
    return f"ores:{wiki}:{model.model_type.name}:{model.version}:{model.digest}:{rev_id}"


def cache_from_settings(settings: RevscoringSettings) -> ScoreCache | None:
    if settings.redis_url:
        return RedisCache(settings.redis_url, ttl_seconds=settings.score_cache_ttl)
    if settings.score_cache_size > 0:
        return MemoryCache(settings.score_cache_size)
    return None


def worker_pool(settings: RevscoringSettings, paths: Mapping[str, Path]) -> ProcessPool:
    """PROCESS_POOL_WORKERS processes, each loading every model of ``paths`` once."""
    reuse_bytes = settings.fast_features_reuse_bytes if settings.fast_features else 0
    return ProcessPool(
        settings.process_pool_workers,
        initializer=scoring.init_worker,
        initargs=(
            {name: str(path) for name, path in paths.items()},
            str(settings.word2vec_dir or "") or None,
            settings.fast_features,
            reuse_bytes,
        ),
    )


# What one model's entry for one revision is: {"score": {...}} (+ "features"), or an error.
ModelResult = dict[str, Any] | ModelServerError
RevisionResults = dict[int, dict[str, ModelResult]]


class ScoringEngine:
    """Owned by the process's :class:`~inference_common.resources.SharedResources` (which
    starts and closes it once); handed to every model and to the ORES router."""

    def __init__(
        self,
        settings: RevscoringSettings,
        models: Mapping[str, ServedModel],
        *,
        client: MediaWikiClient,
        pool: ProcessPool | None = None,
        failed: Mapping[str, FailedLoad] | None = None,
    ) -> None:
        """``pool``: the workers (made by :func:`worker_pool`) when the caller already
        started them to learn about the models; else made here when configured.
        ``failed``: the configured models that could not be loaded (they answer 503)."""
        self.settings = settings
        self.models = dict(models)
        self.failed = dict(failed or {})
        self.client = client  # shared, closed by its owner
        self.cache = cache_from_settings(settings)
        self.flight = SingleFlight()
        # text-derived values of recent revisions (a cache, like the score cache)
        reuse_bytes = settings.fast_features_reuse_bytes if settings.fast_features else 0
        self.reuse = TextReuse(reuse_bytes) if reuse_bytes > 0 else None
        self.pool = pool
        if pool is None and settings.process_pool_workers > 0:
            self.pool = worker_pool(
                settings, {name: model.path for name, model in self.models.items()}
            )

    def wikis(self) -> dict[str, list[ServedModel]]:
        by_wiki: dict[str, list[ServedModel]] = {}
        for model in self.models.values():
            by_wiki.setdefault(model.wiki, []).append(model)
        return by_wiki

    def failed_in(self, wiki: str) -> dict[str, FailedLoad]:
        """The models of ``wiki`` that could not be loaded, by type name."""
        return {m.type_name: m for m in self.failed.values() if m.wiki == wiki and m.type_name}

    async def start(self) -> None:
        """Start the pool's workers before the first request."""
        if self.pool is not None:
            await asyncio.to_thread(self.pool.warm_up)

    async def close(self) -> None:
        """Close what the engine made: its cache and pool."""
        if self.cache is not None:
            await self.cache.close()
        if self.pool is not None:
            await asyncio.to_thread(self.pool.shutdown)

    async def score(
        self,
        wiki: str,
        models: Sequence[ServedModel],
        rev_ids: Sequence[int],
        *,
        features: bool = False,
        hints: Mapping[int, Hint] | None = None,
    ) -> RevisionResults:
        """Scores of every revision for every model (or the error of each), from the cache
        where possible; concurrent requests for the same score compute it once."""
        if features or self.cache is None:
            return await self._compute(wiki, models, rev_ids, features, hints)
        cache = self.cache
        pairs = {cache_key(wiki, m, r): (r, m) for r in rev_ids for m in models}
        found = await cache.get_many(pairs)

        async def compute(keys: list[str]) -> dict[str, ModelResult]:
            wanted = [pairs[key] for key in keys]
            wanted_models = list({id(m): m for _, m in wanted}.values())
            wanted_revs = list(dict.fromkeys(r for r, _ in wanted))
            computed = await self._compute(wiki, wanted_models, wanted_revs, False, hints)
            values = {key: computed[r][m.model_type.name] for key, (r, m) in zip(keys, wanted)}
            await cache.set_many(
                {k: v for k, v in values.items() if not isinstance(v, ModelServerError)}
            )
            return values

        missing = [key for key in pairs if key not in found]
        CACHE_LOOKUPS.labels(result="hit").inc(len(found))
        CACHE_LOOKUPS.labels(result="miss").inc(len(missing))
        found.update(await self.flight.run_many(missing, compute))
        results: RevisionResults = {rev_id: {} for rev_id in rev_ids}
        for key, (rev_id, model) in pairs.items():
            results[rev_id][model.model_type.name] = found[key]
        return results

    async def _compute(
        self,
        wiki: str,
        models: Sequence[ServedModel],
        rev_ids: Sequence[int],
        features: bool,
        hints: Mapping[int, Hint] | None = None,
    ) -> RevisionResults:
        needs = union_needs(model.model_type.needs for model in models)
        endpoint = endpoint_for(self.settings, self.settings.host_for(wiki))
        fetched = await fetch_revision_docs(self.client, endpoint, rev_ids, needs, hints=hints)

        async def one(rev_id: int) -> tuple[int, dict[str, ModelResult]]:
            docs = fetched[rev_id]
            if isinstance(docs, ModelServerError):
                return rev_id, {model.model_type.name: docs for model in models}
            return rev_id, await self._score_docs(models, docs, features)

        return dict(await asyncio.gather(*(one(rev_id) for rev_id in rev_ids)))

    async def _score_docs(
        self, models: Sequence[ServedModel], docs: EditContext, features: bool
    ) -> dict[str, ModelResult]:
        results: dict[str, ModelResult] = {}
        scorable = []
        content_model = scoring.content_model_of(docs.revision)
        for model in models:
            if not scoring.accepts(model.model_type, content_model, model.wiki):
                expected = scoring.scored_content(model.model_type, model.wiki)
                results[model.model_type.name] = UnsupportedContent(
                    f"{model.name} scores {expected.value} content; revision "
                    f"{docs.rev_id} is {content_model}"
                )
            else:
                scorable.append(model)
        if not scorable:
            return results
        names = [model.name for model in scorable]
        pool = self.pool
        if pool is not None and (
            scoring.text_size(docs) >= self.settings.pool_min_bytes
            or any(model.loaded is None for model in scorable)
        ):
            scored = await pool.run(scoring.score_in_worker, names, docs, features)
        else:
            scored = await asyncio.to_thread(
                scoring.score_revision, scorable, docs, features, self.reuse
            )
        for model in scorable:
            results[model.model_type.name] = scored[model.name]
        return results
