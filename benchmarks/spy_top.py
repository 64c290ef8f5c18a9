"""The top functions of a py-spy profile (``py-spy record --format raw``: collapsed stacks).

    python benchmarks/spy_top.py PROFILE.txt [--top 15] [--skip-idle]

Prints each function's share of the samples where it is on the stack (*total*) and where
it is the innermost frame (*self*), the shares of a few groups the issue names (the fast
regex and tokenizer, mwparserfromhell, asyncio/uvicorn/HTTP/mwapi, the estimator), and how
many samples were idle (the event loop waiting in ``select``/``epoll``, a worker waiting for
work), which ``--skip-idle`` leaves out of the shares. Garbage collection runs inside C
frames: it is counted in the Python frame that set it off (often an allocation-heavy one,
such as mwparserfromhell's parser).
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

IDLE = re.compile(
    r"\b(select|poll|epoll_wait|wait|_recv_bytes|recv|accept|_wait_for_tstate_lock)\b \("
)
GROUPS = {
    "fast regex (badwords/informals)": re.compile(
        r"\bregex_matches \(|\bLineMatches\.\w+ \([^)]*fast_features"
    ),
    "fast tokenizer": re.compile(r"\b(tokenize|era_tokens|wikitext_tokens) \([^)]*fast_features"),
    "mwparserfromhell": re.compile(r"mwparserfromhell"),
    "asyncio/uvicorn/HTTP/mwapi": re.compile(
        r"asyncio/|uvicorn|aiohttp|mwapi|httptools|starlette|fastapi"
    ),
    "estimator (sklearn)": re.compile(r"sklearn"),
}


def frames(stack: str) -> list[str]:
    return [f for f in stack.split(";") if f and not f.startswith(("process ", "thread "))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--skip-idle", action="store_true")
    args = parser.parse_args()
    total: Counter[str] = Counter()
    inner: Counter[str] = Counter()
    groups: Counter[str] = Counter()
    samples = idle = 0
    for line in args.profile.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        stack_frames = frames(stack)
        if not stack_frames:
            continue
        if args.skip_idle and IDLE.search(stack_frames[-1]):
            idle += count
            continue
        samples += count
        for name in set(re.sub(r":\d+\)$", ")", f) for f in stack_frames):
            total[name] += count
        inner[re.sub(r":\d+\)$", ")", stack_frames[-1])] += count
        for group, pattern in GROUPS.items():
            if pattern.search(stack):
                groups[group] += count
    print(f"{samples} busy samples" + (f", {idle} idle left out" if args.skip_idle else ""))
    print("\ngroups (share of busy samples with the group on the stack):")
    for group in GROUPS:
        print(f"  {100 * groups[group] / max(samples, 1):5.1f}%  {group}")
    print(f"\ntop {args.top} by self:")
    for name, count in inner.most_common(args.top):
        print(f"  {100 * count / max(samples, 1):5.1f}%  {name}")
    print(f"\ntop {args.top} by total:")
    for name, count in total.most_common(args.top):
        print(f"  {100 * count / max(samples, 1):5.1f}%  {name}")


if __name__ == "__main__":
    main()
