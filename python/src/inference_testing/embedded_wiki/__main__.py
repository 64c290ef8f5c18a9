"""Command line of the embedded wiki.

``python -m inference_testing.embedded_wiki start [--port 8180] [--dir DIR]``
    copy the seeded template into DIR (default ``.cache/embedded-wiki``), serve it in the
    background, write ``php.pid``, ``instance.json`` and ``seed.json`` there and print the
    API URL;
``python -m inference_testing.embedded_wiki stop [--dir DIR]``
    stop that server and its workers;
``python -m inference_testing.embedded_wiki status [--dir DIR]``
    print whether it runs (exit status 0) or not (exit status 1);
``python -m inference_testing.embedded_wiki template``
    build the seeded template if needed and print its directory.

The template cache is ``<repo root or cwd>/.cache`` unless ``$EMBEDDED_WIKI_CACHE`` or
``--cache`` says otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from . import (
    DEFAULT_PORT,
    TEMPLATE_PREFIX,
    EmbeddedWiki,
    EmbeddedWikiError,
    default_cache_root,
    ensure_installed,
    ensure_template,
    seed_fingerprint,
)

DEFAULT_DIR = Path(".cache") / "embedded-wiki"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m inference_testing.embedded_wiki",
        description="A seeded MediaWiki on loopback for demos and tests.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("start", help="start a fresh seeded wiki in the background")
    start.add_argument("--port", type=int, default=DEFAULT_PORT)
    for command in (start, commands.add_parser("stop"), commands.add_parser("status")):
        command.add_argument("--dir", type=Path, default=DEFAULT_DIR, dest="directory")
    template = commands.add_parser("template", help="build the seeded template")
    for command in (start, template):
        command.add_argument("--cache", type=Path, default=None, help="template cache root")
    return parser


def _start(directory: Path, port: int, cache: Path | None) -> int:
    ensure_installed()
    root = cache or default_cache_root()
    if not (root / f"{TEMPLATE_PREFIX}{seed_fingerprint()}").exists():
        print(f"building the seeded wiki template under {root} ...", file=sys.stderr)
    wiki = EmbeddedWiki.from_template(directory, port, cache)
    wiki.start()
    print(f"embedded wiki running (pid {wiki.pid}) in {wiki.directory}", file=sys.stderr)
    print(wiki.api_url)
    return 0


def _stop(directory: Path) -> int:
    wiki = EmbeddedWiki.open(directory)
    if not wiki.is_running():
        wiki.stop()  # clears stale pid files
        print(f"not running ({directory})")
        return 0
    wiki.stop()
    print(f"stopped {wiki.api_url}")
    return 0


def _status(directory: Path) -> int:
    wiki = EmbeddedWiki.open(directory)
    if not wiki.is_running():
        print(f"not running ({directory})")
        return 1
    try:
        wiki.api(action="query", meta="siteinfo", timeout=5)
    except (OSError, ValueError) as exc:
        print(f"running (pid {wiki.pid}) but {wiki.api_url} does not answer: {exc}")
        return 1
    print(f"running {wiki.api_url} (pid {wiki.pid})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "start":
            return _start(args.directory, args.port, args.cache)
        if args.command == "stop":
            return _stop(args.directory)
        if args.command == "status":
            return _status(args.directory)
        print(ensure_template(args.cache))
        return 0
    except EmbeddedWikiError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
