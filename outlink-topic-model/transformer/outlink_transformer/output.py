"""The transformer's response, Lift Wing's shape::

    {"prediction": {"article": "https://en.wikipedia.org/wiki/Wings_of_Fire_(novel_series)",
                    "results": [{"topic": "Culture.Literature", "score": 0.99}, ...]}}

and the reading of the predictor's answer it is made from.
"""

from __future__ import annotations

import math
from typing import Any, Mapping
from urllib.parse import quote

from inference_common.errors import UpstreamError

# Characters MediaWiki leaves as they are in article URLs (wfUrlencode).
_URL_SAFE = ";@$!*(),/~:"


def article_url(lang: str, title: str | None, page_id: int | None) -> str:
    """``https://en.wikipedia.org/wiki/Wings_of_Fire_(novel_series)``; by id when the
    title is unknown (a ``features_str`` request by ``page_id``)."""
    if title is not None:
        return f"https://{lang}.wikipedia.org/wiki/{quote(title.replace(' ', '_'), safe=_URL_SAFE)}"
    return f"https://{lang}.wikipedia.org/wiki?curid={page_id}"


def read_answer(answer: Mapping[str, Any]) -> tuple[list[dict[str, Any]], str]:
    """The results and model version of a predictor answer, checked (a predictor in
    another process is an upstream whose answers are not trusted blindly)."""
    results = answer.get("results")
    version = answer.get("model_version", "")
    if not isinstance(results, list) or not isinstance(version, str):
        raise UpstreamError("the predictor answered without 'results' and 'model_version'")
    checked = []
    for item in results:
        topic = item.get("topic") if isinstance(item, dict) else None
        score = item.get("score") if isinstance(item, dict) else None
        if (
            not isinstance(topic, str)
            or isinstance(score, bool)
            or not isinstance(score, (int, float))
            or not math.isfinite(score)
        ):
            raise UpstreamError("the predictor answered a result that is not {topic, score}")
        checked.append({"topic": topic, "score": float(score)})
    return checked, version


def above(results: list[dict[str, Any]], threshold: float) -> list[dict[str, Any]]:
    """The results scoring at least ``threshold`` (the predictor's own rule)."""
    return [result for result in results if result["score"] >= threshold]


def response(lang: str, title: str | None, page_id: int | None, results: list) -> dict:
    return {"prediction": {"article": article_url(lang, title, page_id), "results": results}}
