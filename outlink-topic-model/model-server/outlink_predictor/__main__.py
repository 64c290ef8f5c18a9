"""Entry point: ``python -m outlink_predictor`` serves the predictor on ``HTTP_PORT``."""

from inference_common.server import Service, serve
from inference_common.settings import load_settings

from .model import OutlinkPredictor
from .settings import PredictorSettings


def main() -> None:
    settings = load_settings(PredictorSettings)
    serve(lambda resources: Service([OutlinkPredictor(settings)]), settings)


if __name__ == "__main__":
    main()
