"""Small word vectors for the topic models, saved under the production file names.

drafttopic's feature lists (``drafttopic.feature_lists.{wiki}``) load a gensim
``KeyedVectors`` file at import, by a file name written in their source
(``enwiki-20200501-learned_vectors.50_cell.10k.kv``...); the server finds it in
``WORD2VEC_DIR`` (:mod:`revscoring_server.word_vectors`). The demo and catalogue models use
those real feature lists, so this module trains vectors of the same shape (50 dimensions)
with gensim's ``Word2Vec`` and saves them under the names the feature lists ask for:

* text wikis: the lower-cased words (revscoring's own ``wikitext.revision.datasources.words``
  through ``mappers.lower_case``, the tokenisation of the feature lists) of the embedded
  wiki's articles (``inference_testing.embedded_wiki``'s ``article_*.wikitext``) and of the
  demo articles and new articles (:mod:`.datasets`, seeds other than the models');
* Wikidata: per item, the claim words drafttopic's ``wikidata`` list looks up (each claim's
  property id, plus its value when that is an item id), sorted, from the embedded wiki's
  items and the demo items.

Deterministic (one worker, fixed seed, a hash function that does not depend on
``PYTHONHASHSEED``) and fast (a few seconds). Non-English wikis get the same English
vectors under their own file names: the embedded wiki has no text in their languages.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import zlib
from collections.abc import Iterable
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from revscoring.datasources import revision_oriented
from revscoring.datasources.meta import mappers
from revscoring.dependencies import solve
from revscoring.features import wikibase, wikitext

from inference_testing.embedded_wiki import seed as wiki_seed
from revscoring_server import word_vectors

from . import datasets

VECTOR_SIZE = 50
SEED = 7
WIKIDATA_MODULE = "drafttopic.feature_lists.wikidata"
DEFAULT_DIR = Path(__file__).resolve().parents[2] / ".cache" / "word2vec"
"""Where the demo tool keeps its vectors (``revscoring/.cache/word2vec``)."""

_WORDS = mappers.lower_case(wikitext.revision.datasources.words)
_TEXT = revision_oriented.revision.text
_STAMP_SUFFIX = ".training.json"


def _stable_hash(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def _words(text: str) -> list[str]:
    return list(solve(_WORDS, cache={_TEXT: text}))


def _claim_words(text: str) -> list[str]:
    words = []
    for pid, value in sorted(solve(wikibase.revision.datasources.claims, cache={_TEXT: text})):
        words.append(pid)
        if value.startswith("Q") and value[1:].isdigit():
            words.append(value)
    return words


def _revision_texts(dataset: str, seed: int, count: int) -> list[str]:
    texts = []
    for observation in datasets.DATASETS[dataset](seed, count):
        texts.append(observation.responses.docs().revision["slots"]["main"]["content"])
    return texts


def text_sentences() -> list[list[str]]:
    """The training sentences (one per document) of the text wikis' vectors."""
    texts = [path.read_text() for path in sorted(wiki_seed.DATA_DIR.glob("article_*.wikitext"))]
    texts += _revision_texts("enwiki-articles", 101, 200)
    texts += _revision_texts("enwiki-new-articles", 102, 200)
    return [_words(text) for text in texts]


def item_sentences() -> list[list[str]]:
    """The training sentences of the Wikidata vectors: one list of claim words per item."""
    entities = [wiki_seed.item_q42(True), wiki_seed.item_q64(), wiki_seed.item_sparse()]
    texts = [wiki_seed.entity_json(entity) for entity in entities]
    texts += _revision_texts("wikidatawiki-items", 103, 400)
    return [_claim_words(text) for text in texts]


def train(sentences: list[list[str]]):  # -> gensim KeyedVectors
    """50-dimensional skip-gram vectors of every word of ``sentences``."""
    from gensim.models import Word2Vec

    model = Word2Vec(
        sentences=sentences,
        vector_size=VECTOR_SIZE,
        window=5,
        min_count=1,
        sg=1,
        epochs=10,
        seed=SEED,
        workers=1,
        hashfxn=_stable_hash,
    )
    return model.wv


@lru_cache(maxsize=None)
def trained(corpus: str):  # -> gensim KeyedVectors
    """The vectors of ``corpus`` (``"text"`` or ``"items"``), trained once per process
    (every text wiki's file holds the same vectors)."""
    return train(item_sentences() if corpus == "items" else text_sentences())


@lru_cache(maxsize=None)
def fingerprint() -> str:
    """A hash of what determines the vectors: this module, the embedded wiki's seed and
    articles, the demo datasets' sources, and gensim's and revscoring's versions."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    files = [Path(__file__).resolve(), Path(wiki_seed.__file__).resolve()]
    files += sorted(wiki_seed.DATA_DIR.glob("article_*.wikitext"))
    files += sorted(p for p in package.glob("*.py") if p.name in _DATASET_SOURCES)
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    for library in ("gensim", "revscoring", "numpy"):
        digest.update(f"{library}={metadata.version(library)}".encode())
    return digest.hexdigest()


_DATASET_SOURCES = frozenset({"datasets.py", "text.py", "lexicon.py", "items.py", "edits.py"})


def files_of(modules: Iterable[str]) -> dict[str, str]:
    """``{file name: corpus}`` (``"items"`` or ``"text"``) of the vectors ``modules`` load."""
    files = {}
    for module in modules:
        for name in word_vectors.vector_files(module):
            files[name] = "items" if module == WIKIDATA_MODULE else "text"
    return files


def ensure_vectors(directory: Path, modules: Iterable[str]) -> list[Path]:
    """Make sure the vector files of ``modules`` (feature list modules) exist in
    ``directory`` and were trained by the current code; their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = fingerprint()
    paths = []
    for name, corpus in sorted(files_of(modules).items()):
        path = directory / name
        stamp_path = directory / (name + _STAMP_SUFFIX)
        current = stamp_path.is_file() and json.loads(stamp_path.read_text()) == {
            "fingerprint": stamp,
            "corpus": corpus,
        }
        if not (current and path.is_file()):
            temporary = path.with_name(f".{name}.{os.getpid()}.tmp")
            trained(corpus).save(str(temporary))
            temporary.replace(path)
            stamp_path.write_text(json.dumps({"fingerprint": stamp, "corpus": corpus}))
        paths.append(path)
    return paths


def import_with_vectors(module: str, directory: Path = DEFAULT_DIR) -> object:
    """Import the feature list ``module``, its vectors trained into ``directory`` first."""
    ensure_vectors(directory, [module])
    word_vectors.import_feature_module(module, directory)
    return importlib.import_module(module)
