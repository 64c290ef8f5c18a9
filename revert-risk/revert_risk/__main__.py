"""Entry point: ``python -m revert_risk`` (settings from the environment)."""

from inference_common.server import Service, serve
from inference_common.settings import load_settings

from .model import RevertRiskModel
from .settings import RevertRiskSettings


def main() -> None:
    settings = load_settings(RevertRiskSettings)
    serve(lambda resources: Service([RevertRiskModel(settings, resources=resources)]), settings)


if __name__ == "__main__":
    main()
