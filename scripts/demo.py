"""`make demo` / `make stop`: the embedded wiki and every model server on localhost.

    python scripts/demo.py start   # started in the background; logs in .cache/demo/*.log
    python scripts/demo.py stop

Run by the revscoring virtualenv's Python (any venv with `inference_common` will do).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATE = ROOT / ".cache" / "demo"
VENV = ROOT / os.environ.get("VENV", ".venv")
WIKI_PORT = int(os.environ.get("WIKI_PORT", "8180"))
WIKI_DIR = STATE / "wiki"
WIKI_URL = f"http://127.0.0.1:{WIKI_PORT}"
MODELS = ROOT / "models"
NLTK_DATA = os.environ.get("NLTK_DATA", str(ROOT.parent / "shared" / "nltk_data"))
# The front door (gateway/): HAProxy on 8000 in front of the servers below (by image name),
# with a development key pair for bearer tokens; its stats and metrics on 8404.
GATEWAY_PORT = 8000
GATEWAY_DIR = STATE / "gateway"

# name, service dir, venv, module + args, port, extra env
SERVERS = [
    (
        "revscoring",
        "revscoring",
        "revscoring",
        ["revscoring_server"],
        8080,
        {
            "MODELS_DIR": str(MODELS / "revscoring"),
            "WORD2VEC_DIR": str(MODELS / "revscoring" / "word2vec"),
            "NLTK_DATA": NLTK_DATA,
        },
    ),
    (
        "outlink-predictor",
        "outlink-topic-model/model-server",
        "outlink",
        ["outlink_predictor"],
        8082,
        {"MODEL_PATH": str(MODELS / "outlink-topic-model" / "model.bin")},
    ),
    (
        "outlink-transformer",
        "outlink-topic-model/transformer",
        "outlink",
        ["outlink_transformer", "--predictor_host", "127.0.0.1:8082"],
        8081,
        {},
    ),
    (
        "revert-risk",
        "revert-risk",
        "revert-risk",
        ["revert_risk"],
        8083,
        {"MODEL_PATH": str(MODELS / "revertrisk-language-agnostic" / "model.txt")},
    ),
]


def _python(venv: str) -> str:
    return str(VENV / venv / "bin" / "python")


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/health/ready", timeout=2) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


def start() -> None:
    STATE.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            _python("revscoring"),
            "-m",
            "inference_testing.embedded_wiki",
            "start",
            "--port",
            str(WIKI_PORT),
            "--dir",
            str(WIKI_DIR),
        ],
        check=True,
    )
    seed = json.loads((WIKI_DIR / "seed.json").read_text())
    for name, directory, venv, args, port, extra in SERVERS:
        if _ready(port):
            print(f"{name}: already answering on port {port}")
            continue
        env = {**os.environ, "WIKI_URL": WIKI_URL, "HTTP_PORT": str(port), **extra}
        log = open(STATE / f"{name}.log", "ab")
        process = subprocess.Popen(
            [_python(venv), "-m", *args],
            cwd=ROOT / directory,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        (STATE / f"{name}.pid").write_text(str(process.pid))
    deadline = time.monotonic() + 180
    for name, _, _, _, port, _ in SERVERS:
        while not _ready(port):
            if time.monotonic() > deadline:
                sys.exit(f"{name} did not become ready; see {STATE / (name + '.log')}")
            time.sleep(0.5)
        print(f"{name}: ready on http://127.0.0.1:{port}")
    start_gateway()
    print_examples(seed)


def _gateway_ready() -> bool:
    url = f"http://127.0.0.1:{GATEWAY_PORT}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


def start_gateway() -> None:
    """Key pair, configuration rendered from deploy/values.yaml, haproxy as a child."""
    if _gateway_ready():
        print(f"gateway: already answering on port {GATEWAY_PORT}")
        return
    python = _python("gateway")
    subprocess.run(
        [python, "gateway/tokens.py", "keys", str(GATEWAY_DIR)],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    backends = [f"--backend={name}=127.0.0.1:{port}" for name, _, _, _, port, _ in SERVERS]
    rendered = subprocess.run(
        [
            python,
            "gateway/render.py",
            "--out",
            str(GATEWAY_DIR),
            "--public-key",
            str(GATEWAY_DIR / "jwt-public.pem"),
            "--bind",
            f"127.0.0.1:{GATEWAY_PORT}",
            *backends,
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    log = open(STATE / "gateway.log", "ab")
    process = subprocess.Popen(
        [haproxy, "-db", "-f", rendered.stdout.strip()],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    (STATE / "gateway.pid").write_text(str(process.pid))
    deadline = time.monotonic() + 10
    while not _gateway_ready():
        if time.monotonic() > deadline or process.poll() is not None:
            sys.exit(f"the gateway did not start; see {STATE / 'gateway.log'}")
        time.sleep(0.2)
    print(f"gateway: ready on http://127.0.0.1:{GATEWAY_PORT} (stats: :8404/stats)")


def gateway_examples(seed: dict) -> list[str]:
    """curl lines through the front door: both forms, with and without a token."""
    import yaml

    values = yaml.safe_load((ROOT / "deploy" / "values.yaml").read_text())
    gateway = values["gateway"]
    namespace = {s["name"]: s["namespace"] for s in values["inference_services"]}
    experimental = [n for n, ns in namespace.items() if ns == gateway["experimental_namespace"]]
    good, vandalism = seed["revisions"]["good_edit"], seed["revisions"]["vandalism"]
    item = seed["revisions"]["item"]
    door, prefix = f"localhost:{GATEWAY_PORT}", gateway["api_prefix"]

    def discovery(model: str, rev_id: int) -> str:
        host = f"{model}.{namespace[model]}.{gateway['discovery_domain']}"
        return (
            f"curl -s -X POST {door}/v1/models/{model}:predict -H 'Host: {host}'"
            f" -d '{{\"rev_id\": {rev_id}}}'"
        )

    return [
        f"curl -s -X POST {door}{prefix}/v1/models/enwiki-damaging:predict"
        f" -d '{{\"rev_id\": {vandalism}}}'",
        discovery("enwiki-goodfaith", good),
        *(discovery(model, item) for model in experimental),
        "TOKEN=$(make -s token CLASS=established-user SUB=alice)",
        f"curl -s -X POST {door}{prefix}/v1/models/revertrisk-language-agnostic:predict"
        f' -H "Authorization: Bearer $TOKEN" -d \'{{"lang": "en", "rev_id": {vandalism}}}\'',
        f'curl -s -H "Authorization: Bearer $TOKEN"'
        f" '{door}{prefix}/v3/scores/enwiki/?models=damaging|goodfaith&revids={good}|{vandalism}'",
    ]


def print_examples(seed: dict) -> None:
    revisions = seed["revisions"]
    good, vandalism = revisions["good_edit"], revisions["vandalism"]
    outlinks = seed["pages"]["outlinks"]["title"]
    predict = "curl -s -X POST localhost:{port}/v1/models/{model}:predict -d '{body}'"
    lines = [
        predict.format(port=8080, model="enwiki-damaging", body=f'{{"rev_id": {vandalism}}}'),
        predict.format(port=8080, model="enwiki-damaging", body=f'{{"rev_id": {good}}}'),
        predict.format(
            port=8080,
            model="enwiki-articlequality",
            body=f'{{"rev_id": {good}, "extended_output": true}}',
        ),
        f"curl -s 'localhost:8080/v3/scores/enwiki/?models=damaging|goodfaith"
        f"&revids={good}|{vandalism}'",
        predict.format(
            port=8081,
            model="outlink-topic-model",
            body=f'{{"lang": "en", "page_title": "{outlinks}"}}',
        ),
        predict.format(
            port=8083,
            model="revertrisk-language-agnostic",
            body=f'{{"lang": "en", "rev_id": {vandalism}}}',
        ),
        predict.format(
            port=8080, model="enwiki-damaging", body=f'{{"rev_id": {seed["missing_rev_id"]}}}'
        ),
    ]
    print(f"\nThe embedded MediaWiki: {WIKI_URL}/w/api.php\n\nTry:")
    for line in lines:
        print("  " + line)
    print(
        f"\nThrough the front door (HAProxy on {GATEWAY_PORT}: Lift Wing's API-gateway and"
        " discovery forms, bearer tokens, rate limits; gateway/README.md):"
    )
    for line in gateway_examples(seed):
        print("  " + line)
    print(
        "\nBrowsable API docs (Try it out works): http://localhost:8080/docs, "
        "http://localhost:8081/docs, http://localhost:8082/docs, http://localhost:8083/docs"
    )
    print("\nStop everything with: make stop")


def stop() -> None:
    for name in ["gateway", *(server[0] for server in SERVERS)]:
        pid_file = STATE / f"{name}.pid"
        if pid_file.exists():
            try:
                os.killpg(int(pid_file.read_text()), signal.SIGTERM)
                print(f"{name}: stopped")
            except ProcessLookupError:
                pass
            pid_file.unlink()
    if WIKI_DIR.exists():
        subprocess.run(
            [
                _python("revscoring"),
                "-m",
                "inference_testing.embedded_wiki",
                "stop",
                "--dir",
                str(WIKI_DIR),
            ],
            check=False,
        )


if __name__ == "__main__":
    {"start": start, "stop": stop}[sys.argv[1] if len(sys.argv) > 1 else "start"]()
