"""The equivalent implementations: what each replaces, and why the values are equal.

Every substitution matches a dependent of a loaded model's graph by its *implementation*
(the function or class revscoring, or a pickle of it, built it with), never by name, and
returns a same-named copy whose ``process`` computes the same value faster. The copies go
into the model's solve context (revscoring replaces a dependent found in the context), so
nothing global changes: revscoring itself, and any model loaded with ``FAST_FEATURES=false``,
still run the stock code.

=========================  ==================================================================
substitution               replaces / why equal
=========================  ==================================================================
``dictionary_split``       ``languages.features.dictionary.datasources.dict_splitter``: the
                           same loop over the words, with the dictionary check memoised
                           (:mod:`.memo`). A dictionary check is a pure function of the word
                           (the dictionaries are read-only), so the memo answers what the
                           check answered for the same ``str(word)``.
``dictionary_filter``      ``datasources.meta.filters.filter`` whose ``include`` is a
                           dictionary check (``dict_words_added`` ..., and old models'
                           ``enchant.Dict.check``): the same filter with the memoised check.
``stem_map``               ``datasources.meta.mappers.map`` whose ``apply`` is an NLTK
                           stemmer's ``stem``: memoised; stemming is a pure function of the
                           word (the stemmer holds only constant tables).
``uppercase_filter``       ``filters.filter`` with ``tokenized.is_uppercase_word`` (a Python
                           sum over every char of every word): :func:`is_uppercase_word`,
                           memoised per word. For ASCII words ``c.lower() != c`` holds
                           exactly for ``A-Z``, which is ``isalpha() and isupper()`` (C
                           speed); other words test the same per-char condition, stopping at
                           the first char that fails (``all`` instead of counting).
``token_type_filter``      ``filters.filter`` with a ``TokenIsInTypes(types).filter`` (a method
                           call per token): the same ``token.type in types`` test inline in
                           one list comprehension (the type set is constant).
``lower_case``             ``mappers.lower_case`` (a method call per word): the same
                           ``s.replace("\u0130", "i").lower()`` inline.
``builtin_map``            ``mappers.map`` of ``len`` or ``str``: ``list(map(f, items))``.
``tokenize``               ``tokenized._process_tokens`` (deltas ``wikitext_split``, via a
                           generator and ``enumerate``), and legacy tokenizers of older
                           deltas: :func:`tokenize`, the same regex ``finditer`` in one loop,
                           keeping deltas' one-Token-per-distinct-string (typed by its first
                           occurrence) behaviour, each Token made without ``Token.__new__``
                           and ``__init__``'s Python calls (:func:`tokenize` says why equal).
``regex_lookahead``        ``datasources.meta.extractors.regex.process`` (badwords,
                           informals): the same matches from a compiled regex with a
                           first-character lookahead (:func:`first_char_lookahead`, which says
                           why the matches are the same).
``regex_lines``            the same, for patterns whose matches never contain a newline
                           (:func:`.lines.line_local`): the lookahead regex run line by
                           line, each distinct line's matches kept (:mod:`.lines`, which says
                           why the matches of a text are its lines' matches in order), so the
                           parent's unchanged lines are not matched again.
``node_class_map``         ``features.wikitext.datasources.parsed._process_node_class_map``
                           (``wikicode.filter()``: nested generators and a match per node):
                           :func:`node_class_map`, the same pre-order walk over
                           ``__children__()`` in one recursive function.
``parse``                  ``features.wikitext.datasources.parsed._process_wikicode``
                           (``mwparserfromhell.parse``): :func:`.parse.parse_text`, the same
                           tokenizer and builder, with Text, Wikicode, wikilink, template and
                           parameter objects made directly (:mod:`.parse` says why the tree
                           is the same).
``longest_repeated_char``  ``features.wikitext.features.chars._process_longest_repeated_char``
                           (``itertools.groupby`` over every char of the lowered text):
                           :func:`longest_repeated_char`, the longest match of the compiled
                           regex ``(.)\\1+`` (DOTALL) over the same lowered text, 1 when no
                           char repeats. A backreference compares code points, as groupby's
                           ``==`` does, so the runs are the same runs.
``longest_repeated_char_added``  the same for ``_process_longest_repeated_char_added`` (max
                           over the added segments; an all-empty list raises the same
                           ``ValueError`` as stock ``max()``).
=========================  ==================================================================

Cross-request reuse of a parent's text-derived values is in :mod:`.reuse`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from types import MethodType
from typing import Any

from deltas import wikitext_split
from deltas.tokenizers import RegexTokenizer, Token
from revscoring.datasources.meta import extractors, filters, mappers
from revscoring.dependencies import Dependent
from revscoring.features.wikitext.datasources import parsed, tokenized
from revscoring.features.wikitext.features import chars
from revscoring.languages.features.dictionary.datasources import dict_splitter
from revscoring.languages.features.dictionary.util import MultiDictChecker

from .lines import line_local, line_matches
from .memo import memoised
from .parse import parse_text

# -- the fast functions --------------------------------------------------------------------

_RUN = re.compile(r"(.)\1+", re.DOTALL)


def _longest_run(lowered: str) -> int:
    """The longest run of one char in a non-empty string."""
    return max((match.end() - match.start() for match in _RUN.finditer(lowered)), default=1)


def longest_repeated_char(text: str | None) -> int:
    if len(text or "") > 0:
        return _longest_run(text.lower())  # type: ignore[union-attr]
    return 1


def longest_repeated_char_added(segments: list[str]) -> int:
    if len(segments) > 0:
        runs = [_longest_run(lowered) for lowered in (s.lower() for s in segments) if lowered]
        return max(runs)  # no non-empty segment: the same ValueError as stock max()
    return 1


def is_uppercase_word(word: str) -> bool:
    if len(word) <= 1:
        return False
    if word.isascii():
        return word.isalpha() and word.isupper()
    return all(c.lower() != c for c in word)


def split_by_dictionary(check: Callable[[str], Any], words: Iterable[Any]) -> tuple[list, list]:
    dict_words: list[Any] = []
    non_dict_words: list[Any] = []
    for word in words:
        if check(str(word)):
            dict_words.append(word)
        else:
            non_dict_words.append(word)
    return dict_words, non_dict_words


def filter_items(include: Callable[[Any], Any], inverse: bool, items: Iterable[Any]) -> list:
    if not inverse:
        return [item for item in items if include(item)]
    return [item for item in items if not include(item)]


def map_items(apply: Callable[[Any], Any], items: Iterable[Any]) -> list:
    return [apply(item) for item in items]


def map_builtin(apply: Callable[[Any], Any], items: Iterable[Any]) -> list:
    return list(map(apply, items))


def lower_case_items(items: Iterable[str]) -> list:
    return [item.replace("\u0130", "i").lower() for item in items]


def filter_token_types(types: frozenset, inverse: bool, tokens: Iterable[Any]) -> list:
    if not inverse:
        return [token for token in tokens if token.type in types]
    return [token for token in tokens if token.type not in types]


_new_str = str.__new__


def tokenize(regex: re.Pattern, text: str) -> list[Token]:
    """deltas ``RegexTokenizer.tokenize``: one Token per match, typed by the matching
    group, and (as deltas does) one Token object per distinct string, typed by its first
    occurrence. A Token is made as ``Token(value, type=t)`` makes it, without its two Python
    calls: ``Token.__new__`` of a plain ``str`` (``match.group(0)`` of a ``str`` text) is
    ``str.__new__(Token, value)``, and ``Token.__init__`` sets ``type`` to ``str(t)`` (``None``
    for ``None``), which is ``t`` itself (``lastgroup`` is a ``str`` or ``None``)."""
    tokens: dict[str, Token] = {}
    result = []
    append = result.append
    get = tokens.get
    for match in regex.finditer(text):
        value = match.group(0)
        token = get(value)
        if token is None:
            token = _new_str(Token, value)
            token.type = match.lastgroup
            tokens[value] = token
        append(token)
    return result


def wikitext_tokens(text: str | None) -> list[Token]:
    return tokenize(wikitext_split.regex, text or "")


def era_tokens(regex: re.Pattern, text: str | None) -> list[Token]:
    return tokenize(regex, text or "")


def node_class_map(wikicode: Any) -> dict[type, list]:
    """revscoring's ``parsed._process_node_class_map``: every node of the tree, grouped by
    class, in the order of ``wikicode.filter()`` (pre-order: a node, then the nodes of each
    Wikicode its ``__children__()`` yields, depth first), walked by one recursive function
    instead of a chain of nested generators and a match function per node."""
    classes: dict[type, list] = {}

    def visit(node: Any) -> None:
        cls = node.__class__
        found = classes.get(cls)
        if found is None:
            classes[cls] = [node]
        else:
            found.append(node)
        for code in node.__children__():
            for child in code.nodes:
                visit(child)

    for node in wikicode.nodes:
        visit(node)
    return classes


# -- the first-character lookahead of a badword/informal regex ---------------------------

_WRAPPED_PREFIX = "(\\b)("


def first_char_lookahead(group_re: re.Pattern) -> re.Pattern | None:
    """``(\\b)(?=[F])(alternatives)(\\b)`` for revscoring's ``(\\b)(alternatives)(\\b)``,
    where F is a superset of the characters any match of the alternatives can start with,
    compiled with the same flags (so F folds case exactly as the alternatives' first
    characters do). A zero-width test implied by every match changes no match (nor group
    numbers: the lookahead captures nothing); it lets the engine drop in one step the word
    boundaries that end a word, about half of the positions it tries the ~100 alternatives
    at. None (stock regex kept) unless the pattern has that shape and F can be derived (no
    alternative may match the empty string or start with ``.``, a negated class, a
    backreference ...)."""
    from re import _constants as c
    from re import _parser

    pattern = group_re.pattern
    if not isinstance(pattern, str) or not pattern.startswith(_WRAPPED_PREFIX):
        return None
    try:
        parsed = _parser.parse(pattern, group_re.flags & ~re.UNICODE)
    except Exception:  # noqa: BLE001 - an unparsable pattern keeps the stock regex
        return None
    items = list(parsed.data)
    if len(items) != 3 or any(op is not c.SUBPATTERN for op, _ in items):
        return None
    group, add_flags, del_flags, body = items[1][1]
    if group != 2 or add_flags or del_flags:
        return None
    first = _first_chars(list(body.data), c)
    if not first:
        return None
    lookahead = "(?=[" + "".join(sorted(first)) + "])"
    rewritten = _WRAPPED_PREFIX[:-1] + lookahead + "(" + pattern[len(_WRAPPED_PREFIX) :]
    try:
        return re.compile(rewritten, group_re.flags)
    except re.error:
        return None


def _class_char(code: int) -> str:
    return "\\U%08x" % code


def _first_chars(items: list, c: Any) -> set[str] | None:
    """Class members covering every first character of a match of ``items`` (a parsed
    sequence); None if unknown or if the sequence can match the empty string."""
    categories = {
        c.CATEGORY_DIGIT: "\\d",
        c.CATEGORY_NOT_DIGIT: "\\D",
        c.CATEGORY_SPACE: "\\s",
        c.CATEGORY_NOT_SPACE: "\\S",
        c.CATEGORY_WORD: "\\w",
        c.CATEGORY_NOT_WORD: "\\W",
    }
    for index, (op, av) in enumerate(items):
        rest = items[index + 1 :]
        if op is c.LITERAL:
            return {_class_char(av)}
        if op is c.IN:
            members: set[str] = set()
            for member_op, member in av:
                if member_op is c.LITERAL:
                    members.add(_class_char(member))
                elif member_op is c.RANGE:
                    members.add(_class_char(member[0]) + "-" + _class_char(member[1]))
                elif member_op is c.CATEGORY and member in categories:
                    members.add(categories[member])
                else:  # NEGATE and anything unknown
                    return None
            return members
        if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            continue  # zero-width: the first character comes after it
        if op is c.SUBPATTERN:
            _, add_flags, del_flags, body = av
            if add_flags or del_flags:
                return None
            return _first_chars(list(body.data) + rest, c)
        if op is c.ATOMIC_GROUP:
            return _first_chars(list(av.data) + rest, c)
        if op is c.BRANCH:
            union: set[str] = set()
            for alternative in av[1]:
                found = _first_chars(list(alternative.data) + rest, c)
                if found is None:
                    return None
                union |= found
            return union
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, _, body = av
            found = _first_chars(list(body.data) + rest, c)
            if found is None:
                return None
            if low == 0:
                after = _first_chars(rest, c)
                if after is None:
                    return None
                found = found | after
            return found
        return None  # ANY, NOT_LITERAL, GROUPREF, ... : no superset known
    return None  # the sequence can match the empty string


# -- matching the stock implementations ------------------------------------------------------


def _function(process: Any) -> Any:
    """The plain function behind a bound method (or the callable itself)."""
    return getattr(process, "__func__", process)


def _is_stock(dependent: Any, cls: type) -> bool:
    """Whether ``dependent`` is exactly a ``cls`` running ``cls.process`` on itself."""
    process = getattr(dependent, "process", None)
    return (
        type(dependent) is cls
        and isinstance(process, MethodType)
        and getattr(process, "__self__", None) is dependent
        and _function(process) is cls.process
    )


def _is_dictionary_check(function: Any, known: frozenset) -> bool:
    """A spell check: one a dict_splitter of the graph uses, an enchant ``Dict.check`` (old
    models pickled the Dict itself), a ``MultiDictChecker.check``, or a language module's
    ``*dictionary_check`` function."""
    import enchant

    if _hashable(function) and function in known:
        return True
    owner = getattr(function, "__self__", None)
    if isinstance(owner, enchant.Dict) and _function(function) is enchant.Dict.check:
        return True
    if isinstance(owner, MultiDictChecker) and _function(function) is MultiDictChecker.check:
        return True
    module = getattr(function, "__module__", "") or ""
    name = getattr(function, "__name__", "") or ""
    return module.startswith("revscoring.languages.") and name.endswith("dictionary_check")


def _is_stemmer(function: Any) -> bool:
    try:
        from nltk.stem.api import StemmerI
    except ImportError:  # pragma: no cover - nltk is a revscoring requirement
        return False
    owner = getattr(function, "__self__", None)
    return isinstance(owner, StemmerI) and getattr(function, "__name__", "") == "stem"


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _with_process(dependent: Dependent, process: Callable[..., Any]) -> Dependent:
    """A same-named copy of ``dependent`` (same dependencies, same return type) computing
    with ``process``."""
    replacement = copy.copy(dependent)
    replacement.process = process
    return replacement


@dataclass(frozen=True)
class Substitution:
    name: str
    build: Callable[[Any, frozenset], Callable[..., Any] | None]


def _dictionary_split(dependent: Any, checks: frozenset) -> Callable[..., Any] | None:
    if _is_stock(dependent, dict_splitter) and _hashable(dependent.dictionary_check):
        return partial(split_by_dictionary, memoised(dependent.dictionary_check))
    return None


def _dictionary_filter(dependent: Any, checks: frozenset) -> Callable[..., Any] | None:
    if _is_stock(dependent, filters.filter) and _is_dictionary_check(dependent.include, checks):
        if _hashable(dependent.include):
            return partial(filter_items, memoised(dependent.include), dependent.inverse)
    return None


def _stem_map(dependent: Any, checks: frozenset) -> Callable[..., Any] | None:
    if _is_stock(dependent, mappers.map) and _is_stemmer(dependent.apply):
        if _hashable(dependent.apply):
            return partial(map_items, memoised(dependent.apply))
    return None


def _uppercase_filter(dependent: Any, checks: frozenset) -> Callable[..., Any] | None:
    if _is_stock(dependent, filters.filter) and dependent.include is tokenized.is_uppercase_word:
        return partial(filter_items, memoised(is_uppercase_word), dependent.inverse)
    return None


def _token_type_filter(dependent: Any, checks: frozenset) -> Callable[..., Any] | None:
    include = getattr(dependent, "include", None)
    if (
        _is_stock(dependent, filters.filter)
        and isinstance(include, MethodType)
        and include.__func__ is tokenized.TokenIsInTypes.filter
        and type(include.__self__) is tokenized.TokenIsInTypes
    ):
        return partial(filter_token_types, frozenset(include.__self__.types), dependent.inverse)
    return None


def _lower_case(dependent: Any, checks: frozenset) -> Callable[..., Any] | None:
    apply = getattr(dependent, "apply", None)
    if (
        _is_stock(dependent, mappers.lower_case)
        and isinstance(apply, MethodType)
        and apply.__func__ is mappers.lower_case.lower
    ):
        return lower_case_items
    return None


def _builtin_map(dependent: Any, checks: frozenset) -> Callable[..., Any] | None:
    if _is_stock(dependent, mappers.map) and getattr(dependent, "apply", None) in (len, str):
        return partial(map_builtin, dependent.apply)
    return None


def _tokenized(dependent: Any, checks: frozenset) -> Callable[..., Any] | None:
    process = getattr(dependent, "process", None)
    if process is tokenized._process_tokens and type(wikitext_split) is RegexTokenizer:
        return wikitext_tokens
    if (  # drift's tokenizer of an older deltas: partial(drift._tokenize, RegexTokenizer)
        isinstance(process, partial)
        and getattr(process.func, "__name__", "") == "_tokenize"
        and getattr(process.func, "__module__", "").endswith(".legacy_models.drift")
        and len(process.args) == 1
        and not process.keywords
        and type(process.args[0]) is RegexTokenizer
    ):
        return partial(era_tokens, process.args[0].regex)
    return None


def regex_matches(
    group_re: re.Pattern, exclude_re: re.Pattern | None, text_or_texts: Any
) -> list[str]:
    """``extractors.regex.process`` with another (equivalent) compiled ``group_re``."""
    if text_or_texts is None:
        return []
    texts = [text_or_texts] if isinstance(text_or_texts, str) else text_or_texts
    if exclude_re is None:
        return [match.group(2) for text in texts for match in group_re.finditer(text)]
    return [
        match.group(2)
        for text in texts
        for match in group_re.finditer(text)
        if not exclude_re.match(match.group(2))
    ]


def _stock_regex(dependent: Any) -> Any:
    """The ``extractors.regex`` behind ``dependent`` when it is revscoring's own (not a
    subclass with another ``process``), else None."""
    process = getattr(dependent, "process", None)
    if (
        isinstance(process, MethodType)
        and process.__func__ is extractors.regex.process
        and type(process.__self__) is extractors.regex
    ):
        return process.__self__
    return None


def _regex_extractor(dependent: Any, checks: frozenset) -> Callable[..., Any] | None:
    extractor = _stock_regex(dependent)
    if extractor is None:
        return None
    faster = first_char_lookahead(extractor.group_re)
    if faster is None:
        return None
    return partial(regex_matches, faster, getattr(extractor, "exclude_re", None))


def _regex_lines(dependent: Any, checks: frozenset) -> Callable[..., Any] | None:
    extractor = _stock_regex(dependent)
    if extractor is None:
        return None
    faster = first_char_lookahead(extractor.group_re)
    if faster is None or not line_local(extractor.group_re):
        return None
    return line_matches(faster, getattr(extractor, "exclude_re", None))


def _longest_repeated(dependent: Any, checks: frozenset) -> Callable[..., Any] | None:
    process = getattr(dependent, "process", None)
    if process is chars._process_longest_repeated_char:
        return longest_repeated_char
    if process is chars._process_longest_repeated_char_added:
        return longest_repeated_char_added
    return None


def _parse(dependent: Any, checks: frozenset) -> Callable[..., Any] | None:
    if getattr(dependent, "process", None) is parsed._process_wikicode:
        return parse_text
    return None


def _node_class_map(dependent: Any, checks: frozenset) -> Callable[..., Any] | None:
    if getattr(dependent, "process", None) is parsed._process_node_class_map:
        return node_class_map
    return None


SUBSTITUTIONS: tuple[Substitution, ...] = (
    Substitution("dictionary_split", _dictionary_split),
    Substitution("dictionary_filter", _dictionary_filter),
    Substitution("stem_map", _stem_map),
    Substitution("uppercase_filter", _uppercase_filter),
    Substitution("longest_repeated_char", _longest_repeated),
    Substitution("token_type_filter", _token_type_filter),
    Substitution("lower_case", _lower_case),
    Substitution("builtin_map", _builtin_map),
    Substitution("tokenize", _tokenized),
    Substitution("regex_lines", _regex_lines),
    Substitution("node_class_map", _node_class_map),
    Substitution("parse", _parse),
    Substitution("regex_lookahead", _regex_extractor),
)


def fast_context(
    graph: Iterable[Dependent], context: Mapping[Dependent, Dependent]
) -> tuple[dict[Dependent, Dependent], dict[str, int]]:
    """Replacements for the dependents of ``graph`` that have a fast equivalent, applied on
    top of ``context`` (a dependent the legacy loader already replaced is matched as
    replaced), and how many dependents each substitution replaced."""
    graph = list(graph)
    resolved = [(dependent, context.get(dependent, dependent)) for dependent in graph]
    checks = frozenset(
        target.dictionary_check
        for _, target in resolved
        if type(target) is dict_splitter and _hashable(target.dictionary_check)
    )
    replacements: dict[Dependent, Dependent] = {}
    counts: dict[str, int] = {}
    for dependent, target in resolved:
        for substitution in SUBSTITUTIONS:
            process = substitution.build(target, checks)
            if process is not None:
                replacements[dependent] = _with_process(target, process)
                counts[substitution.name] = counts.get(substitution.name, 0) + 1
                break
    return replacements, counts
