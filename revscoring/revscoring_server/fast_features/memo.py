"""Bounded memoisation of pure per-word functions (dictionary checks, stemmers).

One memo per function object, shared by every model loaded in the process (the parent and
the current text of one extraction, and every request after it, ask the same function
about mostly the same words). Each memo is a :func:`functools.lru_cache`: bounded by entry
count, thread-safe in its own bookkeeping (CPython's C implementation). The function
behind it may not be: pyenchant's ``Dict.check`` is not thread-safe, so the memo only ever
calls it where extraction is serialised (``scoring._EXTRACTION_LOCK`` in threads; one task
at a time in pool workers), exactly as the stock code does. A miss calls the function
once with the same argument the stock code would pass; a hit returns the value that call
returned. Exceptions are not cached (the next call raises again, as stock would).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

# Distinct words seen by a busy English wiki's process in a day are a few 100 000; an entry
# costs about 150 bytes (key str + bool + lru links), so this bounds a memo to ~30 MB.
WORD_MEMO_SIZE = 200_000

_MEMOS: dict[Any, Callable[[Any], Any]] = {}
_MEMOS_LOCK = threading.Lock()  # models load from several threads only in tests


def memoised(function: Callable[[Any], Any], maxsize: int = WORD_MEMO_SIZE) -> Callable:
    """The process-wide bounded memo of ``function`` (a pure function of one hashable
    argument). The same function object always gets the same memo."""
    with _MEMOS_LOCK:
        memo = _MEMOS.get(function)
        if memo is None:
            memo = functools.lru_cache(maxsize=maxsize)(function)
            _MEMOS[function] = memo
        return memo
