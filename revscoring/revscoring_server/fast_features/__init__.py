"""Faster, equal feature extraction for revscoring models (``FAST_FEATURES``, on by default).

Two mechanisms, both local to the models loaded through :func:`..legacy_models.load_model`
(revscoring itself is never patched; ``FAST_FEATURES=false`` loads models without them):

* :mod:`.substitutions`: equivalent implementations of hot datasources and features, put
  into a model's solve context at load time (each one documented there with what it
  replaces and why the values are equal), with bounded per-word memos (:mod:`.memo`)
  shared by the parent and current text and across requests, and per-pattern stores of
  badword/informal matches by line (:mod:`.lines`);
* :mod:`.reuse`: a byte-bounded store of the text-derived values of recently scored
  revisions, so an edit whose parent was just scored does not process the parent again.

Equality with the stock implementations is proven by ``tests/test_fast_features.py`` (every
demo model and ORES binary, every revision of the embedded wiki and the benchmark corpus,
and generated wikitext).
"""

from .memo import WORD_MEMO_SIZE, memoised
from .reuse import TextReuse, text_digest, text_pairs
from .substitutions import SUBSTITUTIONS, fast_context

__all__ = [
    "SUBSTITUTIONS",
    "TextReuse",
    "WORD_MEMO_SIZE",
    "fast_context",
    "memoised",
    "text_digest",
    "text_pairs",
]
