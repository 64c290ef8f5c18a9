"""Badword/informal matches line by line, each distinct line matched once.

revscoring's ``extractors.regex`` runs ``(\\b)(alternatives)(\\b)`` over the whole text of
the revision and again over the whole text of its parent, which differ in a few lines. When
no match can contain a newline (:func:`line_local`), the matches of a text are the matches
of its lines, in order, so each line's matches can be kept and looked up: the parent's
lines are then mostly found, and only the lines an edit changed are matched again.

Why the matches are the same: ``finditer`` scans left to right and resumes where a match
ended. If no match contains ``"\\n"``, no match starts in one line and ends in another, so
every match of the text lies inside one line, and a scan that reaches a ``"\\n"`` restarts
at the next line exactly as a scan of that line alone would (a match is never empty: the
alternatives consume a character). Inside a line the engine sees the same characters; the
only places it looks outside the characters it consumes are the ``\\b`` wrappers, which read
one neighbour: past a line's edge that neighbour is ``"\\n"`` in the text and nothing in the
line, and both count as a non-word character for ``\\b``. :func:`line_local` admits only
patterns built from literals, character classes that cannot match ``"\\n"``, groups,
alternations, repeats and ``\\b``: no ``.``, no negated class, no lookaround, no
backreference, no ``^``/``$``; anything else keeps the whole-text scan.

The kept matches live in one bounded store per pattern (revision and parent, and every
model of the process using the same badword list, share it), least recently used out first,
bounded in characters of kept lines.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from typing import Any

# Characters of kept lines per pattern (a busy wiki's recent texts; ~4 MB of str at most for
# Latin text): about 100 revisions of 20 KB after sharing between revision and parent.
LINE_MEMO_CHARS = 2_000_000
# Longer lines are matched every time (a line that long is rarely repeated whole).
LINE_MEMO_MAX_LINE = 20_000

_SAFE_CATEGORIES = ("CATEGORY_WORD", "CATEGORY_DIGIT", "CATEGORY_NOT_SPACE")


def line_local(group_re: re.Pattern) -> bool:
    """Whether no match of ``group_re`` can contain a newline or look past its own
    characters except through ``\\b`` (see the module's docstring)."""
    from re import _constants as c
    from re import _parser

    if not isinstance(group_re.pattern, str):
        return False
    try:
        parsed = _parser.parse(group_re.pattern, group_re.flags & ~re.UNICODE)
    except Exception:  # noqa: BLE001 - an unparsable pattern keeps the whole-text scan
        return False
    safe_categories = {getattr(c, name) for name in _SAFE_CATEGORIES}

    def safe(items: Any) -> bool:
        for op, av in items:
            if op is c.LITERAL:
                if av == 10:
                    return False
            elif op is c.IN:
                for member_op, member in av:
                    if member_op is c.LITERAL and member != 10:
                        continue
                    if member_op is c.RANGE and not member[0] <= 10 <= member[1]:
                        continue
                    if member_op is c.CATEGORY and member in safe_categories:
                        continue
                    return False  # NEGATE, \s, \W, \D, a range over "\n", anything else
            elif op is c.AT:
                if av is not c.AT_BOUNDARY:
                    return False
            elif op is c.SUBPATTERN:
                if av[1] or av[2] or not safe(av[3].data):
                    return False
            elif op is c.BRANCH:
                if not all(safe(alternative.data) for alternative in av[1]):
                    return False
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
                if not safe(av[2].data):
                    return False
            elif op is c.ATOMIC_GROUP:
                if not safe(av.data):
                    return False
            else:  # ANY, NOT_LITERAL, ASSERT, ASSERT_NOT, GROUPREF, ...
                return False
        return True

    return safe(parsed.data)


class LineMatches:
    """``extractors.regex.process`` line by line, with each line's matches kept."""

    def __init__(self, group_re: re.Pattern, exclude_re: re.Pattern | None) -> None:
        self.group_re = group_re
        self.exclude_re = exclude_re
        self._kept: OrderedDict[str, tuple[str, ...]] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def _match(self, line: str) -> tuple[str, ...]:
        if self.exclude_re is None:
            return tuple(match.group(2) for match in self.group_re.finditer(line))
        exclude = self.exclude_re.match
        return tuple(
            match.group(2) for match in self.group_re.finditer(line) if not exclude(match.group(2))
        )

    def _line(self, line: str) -> tuple[str, ...]:
        if len(line) > LINE_MEMO_MAX_LINE:
            return self._match(line)
        with self._lock:
            found = self._kept.get(line)
            if found is not None:
                self._kept.move_to_end(line)
                self.hits += 1
                return found
        found = self._match(line)
        with self._lock:
            if line not in self._kept:
                self.misses += 1
                self._kept[line] = found
                self._chars += len(line) + 1
                while self._chars > LINE_MEMO_CHARS:
                    dropped, _ = self._kept.popitem(last=False)
                    self._chars -= len(dropped) + 1
        return found

    def __call__(self, text_or_texts: Any) -> list[str]:
        if text_or_texts is None:
            return []
        texts = [text_or_texts] if isinstance(text_or_texts, str) else text_or_texts
        result: list[str] = []
        extend = result.extend
        line_matches = self._line
        for text in texts:
            for line in text.split("\n"):
                found = line_matches(line)
                if found:
                    extend(found)
        return result


_STORES: dict[tuple, LineMatches] = {}
_STORES_LOCK = threading.Lock()


def line_matches(group_re: re.Pattern, exclude_re: re.Pattern | None) -> LineMatches:
    """The process-wide :class:`LineMatches` of a pattern (and exclusions): every extractor
    with the same regexes shares one store of kept lines."""
    key = (
        group_re.pattern,
        group_re.flags,
        None if exclude_re is None else (exclude_re.pattern, exclude_re.flags),
    )
    with _STORES_LOCK:
        store = _STORES.get(key)
        if store is None:
            store = LineMatches(group_re, exclude_re)
            _STORES[key] = store
        return store
