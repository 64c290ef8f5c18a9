"""``python -m revscoring_tools.demo --out DIR [--only NAME,...] [--force]``.

Trains the demo models that are missing or were trained by other code and writes
``DIR/{wiki}-{model}/model.bin`` (plus ``training.json``); ``--force`` retrains all.
"""

import argparse
import sys
import time
from collections.abc import Sequence

from .catalog import DEMO_MODEL_NAMES
from .training import TrainingReport, ensure_demo_models_report


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line options."""
    parser = argparse.ArgumentParser(
        prog="python -m revscoring_tools.demo",
        description="Train the demo revscoring models (one per model type).",
    )
    parser.add_argument("--out", required=True, help="directory to write {wiki}-{model}/ to")
    parser.add_argument(
        "--only",
        type=lambda value: [name.strip() for name in value.split(",") if name.strip()],
        help="comma-separated model names, of: " + ", ".join(DEMO_MODEL_NAMES),
    )
    parser.add_argument(
        "--force", action="store_true", help="retrain even the models that are up to date"
    )
    args = parser.parse_args(argv)
    unknown = sorted(set(args.only or ()) - set(DEMO_MODEL_NAMES))
    if unknown:
        parser.error(f"unknown model(s): {', '.join(unknown)}")
    return args


def format_report(report: TrainingReport) -> str:
    """One line of the summary table."""
    status = "trained" if report.trained else "up to date"
    test = "-" if report.test_score is None else f"{report.test_score:.2f}"
    return (
        f"{report.name:26} {status:10} {report.observations:4d} obs "
        f"({report.train_observations}/{report.test_observations}) "
        f"{report.features:3d} features {report.seconds:6.2f}s "
        f"{report.size_bytes / 1024:7.1f} KiB  held-out {test}  {report.path}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line tool."""
    args = parse_args(argv)
    start = time.perf_counter()
    reports = ensure_demo_models_report(args.out, args.only, args.force)
    for report in reports:
        print(format_report(report))
    print(f"{len(reports)} demo models in {time.perf_counter() - start:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
