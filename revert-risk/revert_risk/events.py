"""The ``mediawiki/page/prediction_classification_change`` event of a scored input event
(the shared :func:`~inference_common.events.prediction_change_event` restates a
revision-create input in the page-change shape)."""

from __future__ import annotations

from typing import Any

from inference_common.events import RevisionEvent, prediction_change_event


def prediction_event(
    event: RevisionEvent,
    *,
    model_name: str,
    model_version: str,
    prediction: bool,
    probability: float,
    stream: str,
) -> dict[str, Any]:
    """The output event for one scored input event."""
    return prediction_change_event(
        event,
        model_name=model_name,
        model_version=model_version,
        predictions=[str(prediction).lower()],
        probabilities={"true": probability, "false": 1.0 - probability},
        stream=stream,
    )
