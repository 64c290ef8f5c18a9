"""Feature drift emulation: tokenize and segment wikitext as the model's training stack did.

revscoring's wikitext features depend on the deltas library's tokenizer and paragraph
segmenter, which changed between the deltas lines revscoring 2.x required (0.4 - 0.7). A
model's pickled feature graph calls today's deltas by name, so an ORES-era model would see
other tokens than it was trained on. :func:`drift_context` gives same-named replacements
that compute as the model's deltas line did, chosen by the ``revscoring_version`` the model
recorded (:func:`recorded_revscoring_version`, :func:`deltas_era`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from typing import Any

from deltas import wikitext_split
from deltas.segmenters import MatchableSegment, ParagraphsSentencesAndWhitespace, Segment
from deltas.segmenters import paragraphs_sentences_and_whitespace as deltas_psw
from deltas.tokenizers import RegexTokenizer, Token
from revscoring import Model
from revscoring.datasources import Datasource
from revscoring.dependencies import Dependent
from revscoring.features.wikitext.datasources import tokenized


def recorded_revscoring_version(model: Model) -> str | None:
    """The revscoring version the model was trained with, as it recorded it (or None)."""
    try:
        return str(model.info["environment"]["revscoring_version"])
    except (KeyError, TypeError, AttributeError):
        return None


@dataclass(frozen=True)
class DeltasEra:
    """A deltas release line, the first revscoring release that required it, and how its
    wikitext tokenizer and paragraph segmenter differ from deltas 0.7 (revscoring 2.11)."""

    deltas: str
    first_revscoring: tuple[int, ...]
    lexicon: tuple[tuple[str, str], ...] | None  # None: tokenizes as deltas 0.7
    old_paragraphs: bool


_LEXICON_07: tuple[tuple[str, str], ...] = tuple(wikitext_split.lexicon)

# deltas 0.4: the same token types in another order (comments, urls and words before
# whitespace, ``tab_close`` before ``bar``, so ``|}`` is one token), a greedier url, ref tags
# without ``/`` inside, and newline alternations that take ``\n`` before ``\n\r``.
_ORDER_04 = (
    "comment_start comment_end url entity cjk ref_open ref_close ref_singleton tag number "
    "japan_punct danda bold italic word period qmark epoint comma colon scolon break "
    "whitespace dbrack_open dbrack_close brack_open brack_close paren_open paren_close "
    "tab_open tab_close dcurly_open dcurly_close curly_open curly_close equals bar etc"
).split()
_PATTERNS_04 = {
    "url": (
        r"((bitcoin|geo|magnet|mailto|news|sips?|tel|urn)\:|"
        r"((|ftp|ftps|git|gopher|https?|ircs?|mms|nntp|redis|sftp|ssh|svn|telnet|worldwind|xmpp)"
        r"\:)?\/\/)[^\s/$.?#].[^\s]*"
    ),
    "ref_open": r"<ref\b[^>/]*>",
    "ref_singleton": r"<ref\b[^>/]*/>",
    "break": r"(\n|\n\r|\r\n)\s*(\n|\n\r|\r\n)+",
    "whitespace": r"(\n|\n\r|[^\S\n\r]+)",
}

# deltas 0.6: deltas 0.7's order, but numbers keep their decimal/thousands separators
# ("2.500" is one token) and CJK characters run together as one ``cjk_word`` token (Hangul
# included). The Hangul ranges were written with an en dash, so they are single characters.
_CJK_CHARS_06 = (
    r"\u4E00-\u62FF\u3400-\u4DFF\U00020000-\U000215FF\uF900-\uFAFF\U0002F800-\U0002FA1F"
    r"\u6300-\u77FF\u7800-\u8CFF\u8D00-\u9FCC\U00021600-\U000230FF\U00023100-\U000245FF"
    r"\U00024600-\U000260FF\U00026100-\U000275FF\U00027600-\U000290FF\U00029100-\U0002A6DF"
    r"\u4E00-\u9FCB\uF900-\uFA6A\u3220-\u3243\u3280-\u337F"
    r"\u3041-\u3096\u30A0-\u30FF\u3400-\u4DB5\u2E80-\u2FD5\uFF5F-\uFF9F\u31F0-\u31FF"
    "\\uAC00-\\uD7AF\\u1100-\\u11FF\\u3130\u2013\\u318F\\uA960\u2013\\uA97F\\uD7B0\u2013\\uD7FF"
)
_PATTERNS_06 = {
    "number": r"[0-9]+([\,\.][0-9]+)*(e[0-9]+)*|([\.\,][0-9]+)+(e[0-9]+)*",
    "cjk_word": (
        rf"(?=[{_CJK_CHARS_06}])[{_CJK_CHARS_06}]*(?:[\'’](?:[{_CJK_CHARS_06}]+|(?=(?:$|\s))))*"
    ),
}


def _lexicon_04() -> tuple[tuple[str, str], ...]:
    patterns = dict(_LEXICON_07)
    patterns.update(_PATTERNS_04)
    return tuple((name, patterns[name]) for name in _ORDER_04)


def _lexicon_06() -> tuple[tuple[str, str], ...]:
    renamed = [("cjk_word" if name == "cjk" else name, pattern) for name, pattern in _LEXICON_07]
    return tuple((name, _PATTERNS_06.get(name, pattern)) for name, pattern in renamed)


# Newest first. revscoring's requirements: 2.0 - 2.7 deltas 0.4.x, 2.8 0.5.x, 2.9 - 2.10 0.6.x,
# 2.11 0.7.x. deltas 0.5 tokenizes as 0.7 does; every deltas before 0.7 let a sentence run on
# across a paragraph break.
_DELTAS_ERAS: tuple[DeltasEra, ...] = (
    DeltasEra("0.7", (2, 11), None, old_paragraphs=False),
    DeltasEra("0.6", (2, 9), _lexicon_06(), old_paragraphs=True),
    DeltasEra("0.5", (2, 8), None, old_paragraphs=True),
    DeltasEra("0.4", (0,), _lexicon_04(), old_paragraphs=True),
)


def deltas_era(revscoring_version: str | None) -> DeltasEra:
    """The deltas line the model's revscoring used; today's when the version is unknown."""
    if revscoring_version is None:
        return _DELTAS_ERAS[0]
    version = tuple(int(part) for part in re.findall(r"\d+", revscoring_version)[:3])
    return next(era for era in _DELTAS_ERAS if version >= era.first_revscoring)


def drift_context(
    graph: list[Dependent], era: DeltasEra, steps: list[str]
) -> dict[Dependent, Dependent]:
    """Same-named replacements for the model's tokenizing and segmenting datasources that
    compute as the model's deltas line did. The pickled graph calls today's deltas by name
    (``tokenized._process_tokens``, ``ParagraphsSentencesAndWhitespace.segment``)."""
    tokenizer = RegexTokenizer(list(era.lexicon)) if era.lexicon else None
    context: dict[Dependent, Dependent] = {}
    for dependent in graph:
        process = getattr(dependent, "process", None)
        if tokenizer is not None and process is tokenized._process_tokens:
            context[dependent] = Datasource(
                dependent.name, partial(_tokenize, tokenizer), depends_on=dependent.dependencies
            )
            steps.append(f"wikitext tokenized as deltas {era.deltas} did")
        elif era.old_paragraphs and _is_paragraph_segmenter(process):
            context[dependent] = Datasource(
                dependent.name,
                partial(_segment_before_deltas_07, process.__self__),
                depends_on=dependent.dependencies,
            )
            steps.append(f"paragraphs segmented as deltas {era.deltas} did")
    return context


def _tokenize(tokenizer: RegexTokenizer, text: str | None) -> list[Token]:
    return tokenizer.tokenize(text or "")


def _is_paragraph_segmenter(process: Any) -> bool:
    return (
        isinstance(getattr(process, "__self__", None), ParagraphsSentencesAndWhitespace)
        and getattr(process, "__func__", None) is ParagraphsSentencesAndWhitespace.segment
    )


def _segment_before_deltas_07(
    segmenter: ParagraphsSentencesAndWhitespace, tokens: list[Token]
) -> Segment:
    """Paragraphs, sentences and whitespace as deltas 0.4 - 0.6 segmented them.

    Same tree as today's segmenter, with one difference: deltas 0.7 ends a sentence at a
    paragraph break; before, a sentence ran on across breaks until a sentence end (with at
    least ``min_sentence`` non-whitespace tokens, outside brackets/refs/templates), so text
    without a final period swallowed the following paragraphs.
    """
    tokens = list(tokens)
    segments = Segment()
    position = 0
    while position < len(tokens):
        if tokens[position].type in segmenter.whitespace:
            segments.append(Segment(position, [tokens[position]]))
            position += 1
            continue
        paragraph = MatchableSegment(position)
        while position < len(tokens) and tokens[position].type not in segmenter.paragraph_end:
            token_type = tokens[position].type
            if token_type == "tab_open":
                part, position = _table(tokens, position)
            elif token_type in segmenter.whitespace:
                part, position = Segment(position, [tokens[position]]), position + 1
            else:
                part, position = _run_on_sentence(segmenter, tokens, position)
            paragraph.append(part)
        segments.append(paragraph)
    return segments


def _table(tokens: list[Token], start: int) -> tuple[MatchableSegment, int]:
    """A ``{| ... |}`` table, nested tables included, as one sentence."""
    table = MatchableSegment(start, [tokens[start]])
    depth, position = 1, start + 1
    while position < len(tokens) and depth > 0:
        depth += (tokens[position].type == "tab_open") - (tokens[position].type == "tab_close")
        table.append(tokens[position])
        position += 1
    return table, position


def _run_on_sentence(
    segmenter: ParagraphsSentencesAndWhitespace, tokens: list[Token], start: int
) -> tuple[MatchableSegment, int]:
    sentence = MatchableSegment(start, [tokens[start]])
    depth = int(tokens[start].type in deltas_psw.SUB_OPEN)
    position = start + 1
    while position < len(tokens):
        token = tokens[position]
        depth += (token.type in deltas_psw.SUB_OPEN) - (token.type in deltas_psw.SUB_CLOSE)
        sentence.append(token)
        position += 1
        if token.type in segmenter.sentence_end and depth <= 0:
            words = sum(part.type not in segmenter.whitespace for part in sentence)
            if words >= segmenter.min_sentence:
                break
    return sentence, position
