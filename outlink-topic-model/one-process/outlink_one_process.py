"""The outlink topic model in one process: the transformer and the predictor composed in
one server, for small deployments (one container instead of two).

    cd outlink-topic-model
    PYTHONPATH=model-server:transformer:one-process MODEL_PATH=... WIKI_URL=... \\
        python -m outlink_one_process

The transformer calls the predictor model's ``predict`` directly instead of over HTTP;
everything else (input checks, MediaWiki, the predictor's checks and errors, the response,
events) is the same code as in the pair, so the answers are byte for byte the same. Only
the transformer is served (``/v1/models/{INFERENCE_NAME}:predict``); settings are the
union of both servers' (``MODEL_PATH`` and ``MODEL_VERSION`` of the predictor, the rest
of the transformer; ``PREDICTOR_HOST`` is not used).
"""

from __future__ import annotations

from outlink_predictor.model import OutlinkPredictor
from outlink_predictor.settings import PredictorSettings
from outlink_transformer.model import OutlinkTransformer
from outlink_transformer.settings import TransformerSettings

from inference_common.model import JsonModel
from inference_common.resources import SharedResources
from inference_common.server import Service, serve
from inference_common.settings import load_settings


class OneProcessSettings(TransformerSettings, PredictorSettings):
    """The settings of both halves, read once."""


def make_models(
    settings: OneProcessSettings, resources: SharedResources | None = None
) -> list[JsonModel]:
    """The transformer, with the loaded predictor model as its predictor."""
    predictor = OutlinkPredictor(settings)
    predictor.load()
    return [OutlinkTransformer(settings, resources=resources, predictor=predictor)]


def main() -> None:
    settings = load_settings(OneProcessSettings)
    serve(lambda resources: Service(make_models(settings, resources)), settings)


if __name__ == "__main__":
    main()
