"""Reuse across requests: a parent's text-derived values, from when it was the revision.

In an edit stream the parent of one edit is usually a revision scored a moment before.
Every value the model computes from ``revision.parent.text`` alone was then computed from
``revision.text`` (the same text) by the analogous dependent: the parent side of revscoring's
feature trees is built by the same constructors with ``.parent`` inserted in the names. So
after an extraction the values of those *text-derived* dependents are kept, keyed by wiki,
revision id, a digest of the text and the model's resolution key (models of different eras
tokenise differently), and a later extraction whose parent is that revision starts with
them in its solve cache instead of processing the parent's text again.

Which values: :func:`text_pairs` pairs each parent-side dependent that depends on nothing
but the parent text (through the model's solve context) with its current-side analogue, and
keeps only the *frontier*: the parent-side values something else (a diff, a delta, a
feature of the model) reads. Pairs are checked structurally (same implementation, same
constant state, dependencies paired the same way), never trusted by name alone.

The store is bounded in (approximate) bytes, least recently used out first, and guarded by
a lock (threads of one process share it; each pool worker has its own).
"""

from __future__ import annotations

import hashlib
import sys
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from functools import partial
from types import MethodType
from typing import Any

from revscoring.dependencies import Dependent

REVISION_TEXT = "revision.text"
PARENT_TEXT = "revision.parent.text"
_SKIP_STATE = frozenset({"name", "_name", "dependencies", "process", "calls", "depends_on"})


def _counterpart(parent: Dependent) -> str:
    """The full name (``feature.`` / ``datasource.`` prefix included: a feature and a
    datasource may share a name) of the current-side analogue of a parent-side dependent."""
    return str(parent).replace("revision.parent", "revision")


def _dependencies(dependent: Dependent, context: Mapping[Dependent, Dependent]) -> list:
    return list(getattr(context.get(dependent, dependent), "dependencies", None) or [])


def _derived_only_from(
    root: str, graph: Iterable[Dependent], context: Mapping[Dependent, Dependent]
) -> set[Dependent]:
    """Dependents whose every path through the context ends at the dependent named
    ``root`` (itself excluded)."""
    memo: dict[Dependent, bool] = {}

    def derived(dependent: Dependent, depth: int = 0) -> bool:
        if dependent.name == root:
            return True
        if dependent in memo:
            return memo[dependent]
        if depth > 200:
            return False
        dependencies = _dependencies(dependent, context)
        memo[dependent] = False  # cycles (none expected) count as not derived
        result = bool(dependencies) and all(derived(d, depth + 1) for d in dependencies)
        memo[dependent] = result
        return result

    return {d for d in graph if d.name != root and derived(d)}


def _same_value(a: Any, b: Any, depth: int = 0) -> bool:
    """Whether two pieces of a dependent's constant state are the same: identical, equal
    values, or objects of one class with the same state (compared a few levels deep)."""
    if a is b:
        return True
    if type(a) is not type(b) or depth > 4 or isinstance(a, Dependent):
        return False  # dependencies are compared as dependencies, by _analogous
    if isinstance(a, partial):
        return (
            _same_value(a.func, b.func, depth + 1)
            and _same_value(a.args, b.args, depth + 1)
            and _same_value(a.keywords, b.keywords, depth + 1)
        )
    if isinstance(a, MethodType):
        if isinstance(a.__self__, Dependent):  # a method of a dependent: of its analogue
            return a.__func__ is b.__func__ and _counterpart(a.__self__) == str(b.__self__)
        return a.__func__ is b.__func__ and _same_value(a.__self__, b.__self__, depth + 1)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same_value(x, y, depth + 1) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same_value(a[k], b[k], depth + 1) for k in a)
    try:
        if a == b:
            return True
    except Exception:  # noqa: BLE001 - incomparable state is not the same state
        return False
    state_a, state_b = getattr(a, "__dict__", None), getattr(b, "__dict__", None)
    if type(a).__eq__ is object.__eq__ and isinstance(state_a, dict):
        return _same_value(state_a, state_b, depth + 1)
    return False


def _analogous(parent: Dependent, current: Dependent, context: Mapping) -> bool:
    """``parent`` computes from the parent text what ``current`` computes from the text."""
    if parent.name == PARENT_TEXT:
        return current.name == REVISION_TEXT
    if _counterpart(parent) != str(current):
        return False
    p, c = context.get(parent, parent), context.get(current, current)
    if type(p) is not type(c):
        return False
    p_process, c_process = getattr(p, "process", None), getattr(c, "process", None)
    p_self, c_self = getattr(p_process, "__self__", None), getattr(c_process, "__self__", None)
    if (p_self is p) != (c_self is c):
        return False
    if p_self is p:  # a bound method of the dependent itself: compare what it carries
        if getattr(p_process, "__func__", None) is not getattr(c_process, "__func__", None):
            return False
    elif not _same_value(p_process, c_process):
        return False
    p_state = {k: v for k, v in vars(p).items() if k not in _SKIP_STATE}
    c_state = {k: v for k, v in vars(c).items() if k not in _SKIP_STATE}
    if p_state.keys() != c_state.keys():
        return False
    if not all(_same_value(p_state[k], c_state[k]) for k in p_state):
        return False
    p_deps, c_deps = _dependencies(parent, context), _dependencies(current, context)
    return len(p_deps) == len(c_deps) and all(
        _analogous(pd, cd, context) for pd, cd in zip(p_deps, c_deps)
    )


def text_pairs(
    features: Iterable[Dependent], context: Mapping[Dependent, Dependent]
) -> tuple[tuple[Dependent, Dependent, str], ...]:
    """``(parent_side, current_side, key)`` for the parent-text-derived frontier of the graph:
    values read by dependents that are not themselves parent-text-derived, or features."""
    features = list(features)
    graph = _expand(features, context)
    parent_side = _derived_only_from(PARENT_TEXT, graph, context)
    current_side = {str(d): d for d in _derived_only_from(REVISION_TEXT, graph, context)}
    frontier = {d for d in features if d in parent_side}
    for dependent in graph:
        if dependent in parent_side or dependent.name == PARENT_TEXT:
            continue
        frontier.update(d for d in _dependencies(dependent, context) if d in parent_side)
    pairs: dict[Dependent, tuple[Dependent, Dependent, str]] = {}
    pending = sorted(frontier, key=str)
    seen = set(pending)
    while pending:
        parent = pending.pop()
        current = current_side.get(_counterpart(parent))
        if current is not None and _analogous(parent, current, context):
            pairs[parent] = (parent, current, str(current))
        else:  # no analogue computed on the current side: reuse what it is computed from
            for dependency in _dependencies(parent, context):
                if dependency in parent_side and dependency not in seen:
                    seen.add(dependency)
                    pending.append(dependency)
    return tuple(sorted(pairs.values(), key=lambda pair: pair[2]))


def _expand(features: Iterable[Dependent], context: Mapping) -> list[Dependent]:
    """Every dependent reachable from ``features`` through the context."""
    seen: dict[Dependent, None] = {}
    stack = list(features)
    while stack:
        dependent = stack.pop()
        if dependent in seen:
            continue
        seen[dependent] = None
        stack.extend(_dependencies(dependent, context))
    return list(seen)


def approximate_size(value: Any, depth: int = 3) -> int:
    """Bytes held by ``value``, counted through containers ``depth`` levels down (tokens
    are str subclasses; deltas segments are lists)."""
    size = sys.getsizeof(value, 64)
    if depth <= 0:
        return size
    if isinstance(value, (str, bytes, int, float, bool)) or value is None:
        return size
    if isinstance(value, Mapping):
        return size + sum(
            approximate_size(k, depth - 1) + approximate_size(v, depth - 1)
            for k, v in value.items()
        )
    if isinstance(value, (list, tuple, set, frozenset)):
        return size + sum(approximate_size(item, depth - 1) for item in value)
    state = getattr(value, "__dict__", None)
    if isinstance(state, dict):
        return size + approximate_size(state, depth - 1)
    return size


def text_digest(text: str | None) -> str:
    return hashlib.blake2b(
        (text or "").encode("utf-8", "surrogatepass"), digest_size=16
    ).hexdigest()


class TextReuse:
    """Byte-bounded LRU store: ``(wiki, resolution key, rev id, text digest)`` ->
    ``{current-side dependent name: value}``. Safe to share between threads."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple, tuple[dict[str, Any], int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: tuple) -> dict[str, Any] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[0]

    def put(self, key: tuple, values: dict[str, Any]) -> None:
        size = sum(approximate_size(v) for v in values.values()) + 200
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (values, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped
