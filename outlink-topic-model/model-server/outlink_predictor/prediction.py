"""The predictor's protocol, and the pure steps between a request and its response.

The protocol (internal, between the transformer and the predictor; KServe V1)::

    POST /v1/models/{INFERENCE_NAME}:predict
    {"features_str": "Q1 Q42 Q5",   required: the page's outlinks as Wikidata ids,
                                    separated by spaces; "" for a page without any
     "threshold": 0.5,              optional, a number in [0, 1], default 0.5
     "debug": false,                optional: true returns every topic, whatever its score
     "lang": "en", "page_title": "...", "page_id": 1}
                                    optional context, ignored by the prediction

    200 {"results": [{"topic": "Culture.Literature", "score": 0.99}, ...],
         "model_version": "..."}

``results`` holds the topics whose score is at least ``threshold`` (all 64 with
``debug``), highest score first, ties by topic name; scores are floats in [0, 1]. Ids the
model does not know add nothing: a page whose outlinks are all unknown gets the scores
of an empty page, which are below any useful threshold. Errors are
``{"error": {"type", "message"}}`` with a 4xx (``InvalidInput``) or 5xx status.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from inference_common.errors import InvalidInput
from inference_common.inputs import optional_bool, optional_float

from .taxonomy import LABEL_PREFIX

DEFAULT_THRESHOLD = 0.5
# 1000 ids of up to 11 characters and their spaces, with room to spare.
MAX_FEATURES_CHARS = 20_000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class OutlinksRequest:
    """What one prediction needs."""

    features_str: str
    threshold: float = DEFAULT_THRESHOLD
    debug: bool = False


def parse_request(body: Mapping[str, Any]) -> OutlinksRequest:
    """The request, checked: a 400 ``InvalidInput`` names the first bad field."""
    if "features_str" not in body:
        raise InvalidInput("missing field 'features_str'")
    features = body["features_str"]
    if not isinstance(features, str):
        raise InvalidInput("features_str must be a string of space-separated Wikidata ids")
    if len(features) > MAX_FEATURES_CHARS:
        raise InvalidInput(f"features_str is longer than {MAX_FEATURES_CHARS} characters")
    if _CONTROL.search(features):
        # fastText reads one line and splits on any whitespace; only spaces are allowed.
        raise InvalidInput("features_str must not contain control characters")
    return OutlinksRequest(
        features_str=features,
        threshold=optional_float(body, "threshold", DEFAULT_THRESHOLD, minimum=0.0, maximum=1.0),
        debug=optional_bool(body, "debug"),
    )


def rank(labels: Iterable[str], scores: Iterable[float]) -> list[tuple[str, float]]:
    """fastText's labels and scores as ``(topic, score)``: prefix stripped, scores as
    Python floats clipped to [0, 1], highest first, ties by topic name."""
    ranked = []
    for label, score in zip(labels, scores):
        topic = label[len(LABEL_PREFIX) :] if label.startswith(LABEL_PREFIX) else label
        value = float(score)
        value = 0.0 if math.isnan(value) else min(1.0, max(0.0, value))
        ranked.append((topic, value))
    ranked.sort(key=lambda item: (-item[1], item[0]))
    return ranked


def select(
    ranked: Iterable[tuple[str, float]], threshold: float, debug: bool = False
) -> list[dict[str, Any]]:
    """The results: topics scoring at least ``threshold``, or every topic with ``debug``."""
    return [
        {"topic": topic, "score": score} for topic, score in ranked if debug or score >= threshold
    ]
