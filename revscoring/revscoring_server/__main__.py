"""Entry point: ``INFERENCE_NAME=enwiki-damaging MODEL_PATH=... python -m revscoring_server``."""

from inference_common.server import serve
from inference_common.settings import load_settings

from .model import build_service
from .settings import RevscoringSettings


def main() -> None:
    settings = load_settings(RevscoringSettings)
    serve(lambda resources: build_service(settings, resources), settings)


if __name__ == "__main__":
    main()
