"""Entry point: ``python -m outlink_transformer [--predictor_host HOST[:PORT]]``.

``--predictor_host`` is KServe's own flag (how KServe starts a transformer); without it,
``PREDICTOR_HOST`` from the environment is used.
"""

import sys

from kserve.model_server import parser

from inference_common.server import Service, serve
from inference_common.settings import load_settings

from .model import OutlinkTransformer
from .settings import TransformerSettings


def main(argv: list[str] | None = None) -> None:
    args, _ = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    overrides = {"predictor_host": args.predictor_host} if args.predictor_host else {}
    settings = load_settings(TransformerSettings, **overrides)
    if not settings.predictor_host:
        print(
            "configuration error: PREDICTOR_HOST is required (or --predictor_host)", file=sys.stderr
        )
        raise SystemExit(2)
    serve(lambda resources: Service([OutlinkTransformer(settings, resources=resources)]), settings)


if __name__ == "__main__":
    main()
