"""Entry point: ``python -m revert_risk`` (settings from the environment)."""

from inference_common.server import serve
from inference_common.settings import load_settings

from .model import RevertRiskModel
from .settings import Settings


def main() -> None:
    settings = load_settings(Settings)
    serve(lambda: [RevertRiskModel(settings)], settings)


if __name__ == "__main__":
    main()
