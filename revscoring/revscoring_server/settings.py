"""Settings of the revscoring server (environment variables in capitals)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from inference_common.settings import ServerSettings
from inference_common.wikis import host_for_wiki_id

from .model_types import UnknownModelType, parse_inference_name


class RevscoringSettings(ServerSettings):
    """``INFERENCE_NAME`` is ``{wiki}-{model}`` (``enwiki-damaging``); the model file is
    ``MODEL_PATH``. With ``MODELS_DIR`` set, every ``MODELS_DIR/{wiki}-{model}/model.bin``
    (or ``model.bz2``) is served instead, each at its own ``/v1/models/{name}:predict``."""

    inference_name: str = Field(
        "enwiki-damaging", min_length=3, max_length=100, pattern=r"^[a-z0-9_]+-[a-z]+$"
    )
    models_dir: Path | None = Field(None, description="Serve every model found under it.")
    word2vec_dir: Path | None = Field(
        None,
        description="Directory of the word vector files (gensim KeyedVectors, production "
        "names such as enwiki-20200501-learned_vectors.50_cell.10k.kv) that the topic models' "
        "drafttopic feature lists load; unset: revscoring's own search directories "
        "(word2vec/ under the working directory, /var/share/word2vec/).",
    )
    wiki_host: str | None = Field(
        None,
        pattern=r"^[a-z0-9.-]+$",
        description="Host header / public host of the wiki; default from the wiki id.",
    )
    pool_min_bytes: int = Field(
        20_000,
        ge=0,
        description="With PROCESS_POOL_WORKERS > 0, revisions whose text (plus parent text) "
        "is at least this long are scored in the pool; smaller ones in a thread. 0: every "
        "revision in the pool, and the server process loads no estimator (less memory).",
    )

    fast_features: bool = Field(
        True,
        description="Extract features with the equal, faster implementations of "
        "revscoring_server.fast_features (false: revscoring's stock code only).",
    )
    fast_features_reuse_bytes: int = Field(
        64 * 1024 * 1024,
        ge=0,
        description="With FAST_FEATURES, bytes (approximate) of text-derived values of "
        "recently scored revisions kept per process, so that an edit whose parent was just "
        "scored does not process the parent's text again; 0 disables it.",
    )

    redis_url: str | None = Field(
        None,
        pattern=r"^rediss?://",
        description="Cache scores in this Redis (shared by replicas) instead of in process.",
    )
    score_cache_size: int = Field(
        10_000, ge=0, description="Scores kept in the in-process cache; 0 disables caching."
    )
    score_cache_ttl: int = Field(86_400, ge=1, description="Seconds a score stays in Redis.")

    @field_validator("inference_name")
    @classmethod
    def _known_model(cls, name: str) -> str:
        try:
            wiki, _ = parse_inference_name(name)
            host_for_wiki_id(wiki)
        except (UnknownModelType, ValueError) as error:
            raise ValueError(str(error)) from None
        return name

    @property
    def main_process_scores(self) -> bool:
        """Whether the server process itself scores (no pool, or a pool for the large
        revisions only): it then loads the models in full; else only the workers do."""
        return self.process_pool_workers == 0 or self.pool_min_bytes > 0

    def host_for(self, wiki: str) -> str:
        """The public host of ``wiki`` (WIKI_HOST when set, for single-model servers)."""
        if self.wiki_host and self.models_dir is None:
            return self.wiki_host
        return host_for_wiki_id(wiki)
