#!/usr/bin/env bash
# Build every model server image with podman and prove each one answers.
#
#   scripts/images.sh [all|base|build|smoke|contents|report|clean] [IMAGE ...]  (`make images`: all)
#
# base   a Debian bookworm base image from debootstrap (--variant=minbase), committed with
#        buildah (cached: made once, reused until `clean`);
# build  each image from its .pipeline/<image>/Dockerfile, FROM that base;
# smoke  runs each image with the demo models mounted read-only at /mnt/models and
#        -p HOST:8080, against the embedded MediaWiki, and gets a real prediction with
#        curl; then writes image sizes and start-up times to deploy/IMAGES.md;
# contents  checks inside each image that it holds runtime code only (smoke does it too).
#
# No Docker engine is needed: podman/buildah with private storage (vfs driver) under
# .cache/images, the runc runtime and explicit ulimits (crun fails on hosts with hybrid
# cgroups). Missing tools are installed with apt.
#
# Environment: IMAGES_CACHE (default .cache/images), SHARED_DIR (default ../shared: the
# NLTK stopwords for offline builds), MODELS (default ./models), WIKI_PORT (8180),
# VENV (.venv: where the embedded wiki's Python lives), KEEP_RUNNING=1 (leave the
# containers up after smoke).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${IMAGES_CACHE:-$ROOT/.cache/images}
SHARED=${SHARED_DIR:-$ROOT/../shared}
MODELS=${MODELS:-$ROOT/models}
VENV=${VENV:-$ROOT/.venv}
[[ $VENV = /* ]] || VENV=$PWD/$VENV
WIKI_PORT=${WIKI_PORT:-8180}
PREFIX=localhost/inference-services
BASE_TAG=$PREFIX/bookworm-minbase:latest
ALL_IMAGES=(revscoring outlink-predictor outlink-transformer revert-risk)
REPORT=$ROOT/deploy/IMAGES.md

log() { printf '[images] %s\n' "$*" >&2; }
die() {
    printf '[images] error: %s\n' "$*" >&2
    exit 1
}

# --- tools and private storage ------------------------------------------------------------

ensure_tools() {
    local missing=() tool
    for tool in podman buildah debootstrap runc slirp4netns curl; do
        command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
    done
    if ((${#missing[@]})); then
        log "installing with apt: ${missing[*]}"
        local sudo=""
        [ "$(id -u)" = 0 ] || sudo=sudo
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" uidmap containernetworking-plugins >/dev/null
    fi
}

setup_storage() {
    mkdir -p "$CACHE/storage" "$CACHE/run" "$CACHE/tmp"
    cat >"$CACHE/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$CACHE/storage"
runroot = "$CACHE/run"
EOF
    export CONTAINERS_STORAGE_CONF=$CACHE/storage.conf
    export TMPDIR=$CACHE/tmp
    export BUILDAH_ISOLATION=chroot
}

# --- the base image --------------------------------------------------------------------------

build_base() {
    if podman image exists "$BASE_TAG"; then
        log "base image $BASE_TAG is cached"
        return
    fi
    local rootfs=$CACHE/rootfs started
    started=$(date +%s)
    if [ ! -e "$rootfs/.complete" ]; then
        rm -rf "$rootfs"
        log "debootstrap --variant=minbase bookworm (about a minute)"
        debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian \
            >"$CACHE/debootstrap.log" 2>&1 || die "debootstrap failed: see $CACHE/debootstrap.log"
        # What Debian's own container images do: security updates in the sources, no
        # package caches or lists, no recommends.
        cat >"$rootfs/etc/apt/sources.list" <<EOF
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
        printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
            >"$rootfs/etc/apt/apt.conf.d/90no-recommends"
        rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
        touch "$rootfs/.complete"
    fi
    local ctr mnt
    ctr=$(buildah from scratch)
    mnt=$(buildah mount "$ctr")
    tar -C "$rootfs" --exclude=./.complete --exclude='./dev/*' --exclude='./proc/*' \
        --exclude='./sys/*' -cf - . | tar -C "$mnt" -xf -
    buildah unmount "$ctr" >/dev/null
    buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        --cmd /bin/bash --label org.opencontainers.image.description="Debian bookworm \
(debootstrap --variant=minbase)" "$ctr"
    buildah commit --quiet --rm "$ctr" "$BASE_TAG" >/dev/null
    log "base image $BASE_TAG built in $(($(date +%s) - started))s"
}

# --- the images ----------------------------------------------------------------------------

dockerfile_of() { printf '%s/.pipeline/%s/Dockerfile' "$ROOT" "$1"; }

build_image() {
    local image=$1 started log_file=$CACHE/build-$1.log
    local args=(
        --file "$(dockerfile_of "$image")" --ignorefile "$ROOT/.pipeline/images.dockerignore"
        --tag "$PREFIX/$image:latest" --build-arg "BASE_IMAGE=$BASE_TAG"
        # No intermediate layers: with the vfs driver each one is a full copy of the
        # image's files (gigabytes). Rebuilds are skipped instead when nothing changed.
        --isolation chroot --layers=false --ulimit nofile=20000:20000
    )
    # pip inside the build trusts what the host trusts (a TLS-re-signing proxy, if any).
    if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
        args+=(--volume /etc/ssl/certs/ca-certificates.crt:/run/host-ca.crt:ro
            --build-arg PIP_CERT=/run/host-ca.crt)
    fi
    # Offline builds: NLTK data prepared on the host instead of nltk's downloader.
    if [ -f "$SHARED/nltk_data/corpora/stopwords.zip" ]; then
        args+=(--volume "$(cd "$SHARED/nltk_data" && pwd):/run/nltk_data:ro")
    fi
    started=$(date +%s)
    log "building $PREFIX/$image (log: ${log_file#"$ROOT"/})"
    if ! podman build "${args[@]}" "$ROOT" >"$log_file" 2>&1; then
        tail -n 30 "$log_file" >&2
        die "building $image failed: see $log_file"
    fi
    echo $(($(date +%s) - started)) >"$CACHE/build-$image.seconds"
    log "built $PREFIX/$image in $(cat "$CACHE/build-$image.seconds")s"
}

# A digest of what an image is built from: its Dockerfile and the files it copies
# (the shared runtime package and the service packages, minus what the ignore file drops).
inputs_digest() {
    local dockerfile
    dockerfile=$(dockerfile_of "$1")
    {
        cat "$dockerfile" "$BASE_ID_FILE"
        # shellcheck disable=SC2046
        (cd "$ROOT" && tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
            --exclude=__pycache__ --exclude='*.pyc' --exclude=.cache --exclude=.hypothesis \
            --exclude=.pytest_cache --exclude='*.egg-info' -cf - \
            $(sed -n 's/^COPY .* \([a-z][^ ]*\) [^ ]*$/\1/p' "$dockerfile" | sort -u))
    } | sha256sum | cut -c1-16
}

build_images() {
    build_base
    podman image inspect -f '{{.Id}}' "$BASE_TAG" >"$CACHE/base.id"
    BASE_ID_FILE=$CACHE/base.id
    local image digest
    for image in "$@"; do
        [ -f "$(dockerfile_of "$image")" ] || die "no Dockerfile for $image"
        digest=$(inputs_digest "$image")
        if podman image exists "$PREFIX/$image:latest" &&
            [ "$(cat "$CACHE/build-$image.digest" 2>/dev/null)" = "$digest" ]; then
            log "$PREFIX/$image is up to date (inputs $digest)"
            continue
        fi
        build_image "$image"
        echo "$digest" >"$CACHE/build-$image.digest"
        podman image prune -f >/dev/null 2>&1 || true
    done
}

# --- smoke test: run each image against the embedded MediaWiki --------------------------------

RUN_OPTS=(
    --runtime runc --ulimit nofile=20000:20000 --ulimit nproc=32768:32768
    # slirp4netns with host loopback: the container reaches the host's 127.0.0.1 (the
    # embedded wiki, another container's published port) at 10.0.2.2.
    --network slirp4netns:allow_host_loopback=true
)
HOST_FROM_CONTAINER=10.0.2.2
WIKI_DIR=$CACHE/wiki
STARTED_CONTAINERS=()
WIKI_STARTED=""

now_ms() { date +%s%3N; }
seconds_since() { awk -v a="$1" -v b="$(now_ms)" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
    local port=$1
    until port_free "$port"; do port=$((port + 1)); done
    echo "$port"
}

wiki_python() {
    local venv
    for venv in revscoring revert-risk outlink tools; do
        if [ -x "$VENV/$venv/bin/python" ] &&
            "$VENV/$venv/bin/python" -c 'import inference_testing.embedded_wiki' 2>/dev/null; then
            echo "$VENV/$venv/bin/python"
            return
        fi
    done
    die "no virtualenv with inference_testing under $VENV (run: make venvs)"
}

start_wiki() {
    local python
    python=$(wiki_python)
    WIKI_PORT=$(free_port "$WIKI_PORT")
    log "starting the embedded MediaWiki on 127.0.0.1:$WIKI_PORT"
    (cd "$ROOT" && "$python" -m inference_testing.embedded_wiki start --port "$WIKI_PORT" \
        --dir "$WIKI_DIR") >"$CACHE/wiki.log" 2>&1 || {
        cat "$CACHE/wiki.log" >&2
        die "the embedded wiki did not start"
    }
    WIKI_STARTED=$python
}

stop_wiki() {
    if [ -n "$WIKI_STARTED" ]; then
        (cd "$ROOT" && "$WIKI_STARTED" -m inference_testing.embedded_wiki stop --dir "$WIKI_DIR") \
            >/dev/null 2>&1 || true
        WIKI_STARTED=""
    fi
}

seed() { python3 -c 'import json, sys
value = json.load(open(sys.argv[1]))
for key in sys.argv[2:]:
    value = value[key]
print(json.dumps(value) if isinstance(value, (dict, list)) else value)' "$WIKI_DIR/seed.json" "$@"; }

cleanup() {
    local status=$?
    if [ "${KEEP_RUNNING:-0}" != 1 ]; then
        local name
        for name in "${STARTED_CONTAINERS[@]}"; do
            podman rm -f "$name" >/dev/null 2>&1 || true
        done
        stop_wiki
    fi
    return $status
}

# A model directory as the server's user (uid 900) can read it. Files only root can read
# (e.g. written through tempfile.mkstemp, mode 0600) are copied, with a warning.
readable_models() {
    local directory=$1 name=$2
    [ -d "$directory" ] || die "no model directory $directory (run: make models)"
    if [ -z "$(find "$directory" ! -perm -o=r -print -quit)" ]; then
        echo "$directory"
        return
    fi
    log "warning: files under ${directory#"$ROOT"/} are not world-readable; serving a copy"
    rm -rf "$CACHE/models/$name"
    mkdir -p "$CACHE/models"
    cp -R "$directory" "$CACHE/models/$name"
    chmod -R a+rX "$CACHE/models/$name"
    echo "$CACHE/models/$name"
}

# run_server NAME HOST_PORT MODEL_NAME MODEL_DIR|- [podman options] -- [server arguments]
# Starts a container, waits until the model says it is ready and records the seconds.
run_server() {
    local name=$1 port=$2 model=$3 models=$4
    shift 4
    local options=() arguments=()
    while (($#)) && [ "$1" != -- ]; do
        options+=("$1")
        shift
    done
    (($#)) && shift
    arguments=("$@")
    [ "$models" = - ] || options+=(-v "$models:/mnt/models:ro")
    local container=inference-services-smoke-$name started created
    podman rm -f "$container" >/dev/null 2>&1 || true
    # create, then start: with the vfs driver, creating a container copies the image's
    # files, which a registry-backed overlay runtime does not; it is reported apart.
    started=$(now_ms)
    podman create --name "$container" "${RUN_OPTS[@]}" -p "$port:8080" "${options[@]}" \
        "$PREFIX/$name:latest" "${arguments[@]}" >/dev/null
    STARTED_CONTAINERS+=("$container")
    created=$(seconds_since "$started")
    started=$(now_ms)
    podman start "$container" >/dev/null
    local deadline=$((started + 300000))
    until curl -sf "http://127.0.0.1:$port/v1/models/$model" 2>/dev/null |
        grep -Eq '"ready": ?true'; do
        if [ "$(podman inspect -f '{{.State.Running}}' "$container" 2>/dev/null)" != true ]; then
            podman logs "$container" 2>&1 | tail -n 20 >&2
            die "$name exited before it was ready"
        fi
        if (($(now_ms) > deadline)); then
            podman logs "$container" 2>&1 | tail -n 20 >&2
            die "$name was not ready within 300 s"
        fi
        sleep 0.2
    done
    local seconds
    seconds=$(seconds_since "$started")
    if [ "${RECORD:-1}" != 0 ]; then
        echo "$seconds" >"$CACHE/startup-$name.seconds"
        echo "$created" >"$CACHE/create-$name.seconds"
    fi
    log "$name ready on 127.0.0.1:$port ${seconds}s after start (created in ${created}s)"
}

stop_server() { podman rm -f "inference-services-smoke-$1" >/dev/null 2>&1 || true; }

# predict NAME PORT MODEL BODY EXPECTED: one real prediction; EXPECTED is a key the answer
# must hold. The request and the answer go to the report.
predict() {
    local name=$1 port=$2 model=$3 body=$4 expected=$5 answer status
    answer=$(curl -s -w '\n%{http_code}' -X POST \
        "http://127.0.0.1:$port/v1/models/$model:predict" -d "$body")
    status=${answer##*$'\n'}
    answer=${answer%$'\n'*}
    if [ "$status" != 200 ] || ! grep -q "\"$expected\"" <<<"$answer"; then
        podman logs "inference-services-smoke-$name" 2>&1 | tail -n 20 >&2
        die "$name: $model answered $status: $answer"
    fi
    log "$name: $model answered 200: ${answer:0:160}"
    printf '%s\t%s\t%s\n' "$model" "$body" "$answer" >>"$CACHE/predictions-$name.tsv"
}

smoke_one() {
    local image=$1 port vandalism good title qids
    vandalism=$(seed revisions vandalism)
    good=$(seed revisions good_edit)
    port=$(free_port 8080)
    rm -f "$CACHE/predictions-$image.tsv"
    case $image in
    revscoring)
        local models=$MODELS/revscoring
        [ -d "$models" ] || models=$MODELS
        run_server revscoring "$port" enwiki-damaging "$(readable_models "$models" revscoring)" \
            -e MODELS_DIR=/mnt/models -e WORD2VEC_DIR=/mnt/models/word2vec \
            -e "WIKI_URL=http://$HOST_FROM_CONTAINER:$WIKI_PORT"
        predict revscoring "$port" enwiki-damaging "{\"rev_id\": $vandalism}" probability
        predict revscoring "$port" enwiki-articlequality "{\"rev_id\": $good}" probability
        # a topic model: drafttopic's feature list on the mounted word vectors (gensim)
        predict revscoring "$port" enwiki-articletopic "{\"rev_id\": $good}" probability
        stop_server revscoring
        ;;
    revert-risk)
        run_server revert-risk "$port" revertrisk-language-agnostic \
            "$(readable_models "$MODELS/revertrisk-language-agnostic" revert-risk)" \
            -e "WIKI_URL=http://$HOST_FROM_CONTAINER:$WIKI_PORT"
        predict revert-risk "$port" revertrisk-language-agnostic \
            "{\"lang\": \"en\", \"rev_id\": $vandalism}" probabilities
        stop_server revert-risk
        ;;
    outlink-predictor)
        qids=$(seed pages outlinks expected_qids | python3 -c 'import json, sys
print(" ".join(json.load(sys.stdin)))')
        run_server outlink-predictor "$port" outlink-topic-model \
            "$(readable_models "$MODELS/outlink-topic-model" outlink)"
        predict outlink-predictor "$port" outlink-topic-model \
            "{\"features_str\": \"$qids\"}" results
        stop_server outlink-predictor
        ;;
    outlink-transformer)
        # The pair, as KServe runs it: the transformer calls the predictor (here through
        # the predictor container's published port on the host).
        local predictor_port
        predictor_port=$(free_port $((port + 1)))
        RECORD=0 run_server outlink-predictor "$predictor_port" outlink-topic-model \
            "$(readable_models "$MODELS/outlink-topic-model" outlink)"
        title=$(seed pages outlinks title)
        run_server outlink-transformer "$port" outlink-topic-model - \
            -e "WIKI_URL=http://$HOST_FROM_CONTAINER:$WIKI_PORT" \
            -- --predictor_host "$HOST_FROM_CONTAINER:$predictor_port"
        predict outlink-transformer "$port" outlink-topic-model \
            "{\"lang\": \"en\", \"page_title\": \"$title\"}" results
        stop_server outlink-transformer
        stop_server outlink-predictor
        ;;
    *) die "no smoke test for $image" ;;
    esac
}

# check_contents IMAGE: what of the project the image holds, checked inside it. No test
# support (inference_testing, the embedded wiki), no *_tools package (training, demo,
# measurements), no tests or demo code anywhere in the image; revscoring's en_US spelling
# dictionary is Hunspell's, as in production. The findings go to the report.
check_contents() {
    local image=$1 out=$CACHE/contents-$image.txt found
    # shellcheck disable=SC2016
    if ! found=$(podman run --rm --runtime runc --ulimit nofile=20000:20000 \
        --ulimit nproc=32768:32768 --network none --entrypoint /bin/sh \
        "$PREFIX/$image:latest" -c '
        cd /srv/app
        printf "packages:"
        for d in $(find /srv/app -name __init__.py ! -path "*/__pycache__/*" -exec dirname {} \; \
            | sort); do
            [ -f "$(dirname "$d")/__init__.py" ] || printf " %s" "${d#/srv/app/}"
        done
        echo " ($(find /srv/app -name __pycache__ -prune -o -type f -print | wc -l) files)"
        bad=$(find / -xdev \( -path /proc -o -path /sys \) -prune -o \( \
            -name "inference_testing*" -o -name "*_tools" -o -name embedded_wiki \) -print \
            2>/dev/null; find /srv/app \( -name tests -o -name "test_*.py" -o -name conftest.py \
            -o -name demo -o -name "*.wikitext" \) -print)
        [ -z "$bad" ] || { echo "not runtime code: $bad"; exit 1; }
        /opt/lib/venv/bin/python3 -c "import importlib.util as u, sys
sys.exit(u.find_spec(\"inference_testing\") is not None)" || { echo "inference_testing importable"; exit 1; }
        echo "checked: no inference_testing, *_tools, embedded_wiki, tests or demo code"
        if [ -d /srv/app/revscoring ]; then
            cd /srv/app/revscoring && /opt/lib/venv/bin/python3 -c "import revscoring_server, enchant
name = enchant.Dict(\"en_US\").provider.name
print(\"en_US spelling:\", name)
assert name == \"hunspell\", name" || exit 1
            echo "nltk_data: $(cd /opt/lib/nltk_data && find . -name "*.zip" | cut -c3- | sort | tr "\n" " ")"
        fi
        du -sm /opt/lib/venv /usr/share/hunspell /usr/share/myspell /var/lib/aspell \
            /usr/lib/aspell /usr/lib/voikko /usr/share/voikko 2>/dev/null | sed "s/^/MB /"
        ' 2>&1); then
        printf '%s\n' "$found" >&2
        die "$image holds more than runtime code (or a check failed)"
    fi
    printf '%s\n' "$found" >"$out"
    log "$image contents: $(grep -v '^MB ' "$out" | tr '\n' ';')"
}

smoke() {
    trap cleanup EXIT
    start_wiki
    local image
    for image in "$@"; do
        podman image exists "$PREFIX/$image:latest" || build_images "$image"
        check_contents "$image"
        smoke_one "$image"
    done
    write_report
}

# --- the report ------------------------------------------------------------------------------

write_report() {
    local image
    for image in "${ALL_IMAGES[@]}"; do
        podman image exists "$PREFIX/$image:latest" || continue
        podman image inspect -f '{{.Size}}' "$PREFIX/$image:latest" >"$CACHE/size-$image.bytes"
    done
    podman image inspect -f '{{.Size}}' "$BASE_TAG" >"$CACHE/size-base.bytes"
    python3 - "$CACHE" "$REPORT" "${ALL_IMAGES[@]}" <<'PY'
import datetime
import json
import subprocess
import sys
from pathlib import Path

cache, report, images = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]
# What follows this line in the report is written by hand (before/after, what changed and
# why): kept as it is.
MARKER = "<!-- Written by hand from here on: scripts/images.sh keeps it. -->"
previous = report.read_text() if report.exists() else ""
kept = previous[previous.index(MARKER) :] if MARKER in previous else MARKER + "\n"


def read(name):
    path = cache / name
    return path.read_text().strip() if path.exists() else None


def size(name):
    value = read(f"size-{name}.bytes")
    return f"{int(value) / 1e6:,.0f} MB" if value else "-"


def clip(text, limit=150):
    return text if len(text) <= limit else text[: limit - 3] + "..."


podman = subprocess.run(["podman", "--version"], capture_output=True, text=True).stdout.strip()
lines = [
    "# Images: sizes and start-up times",
    "",
    "Measured by `make images` (`scripts/images.sh`), "
    f"{datetime.date.today().isoformat()}, on a 2-core machine: {podman} with vfs storage and "
    "the runc runtime, every image `FROM` a Debian bookworm base made with `debootstrap "
    f"--variant=minbase` ({size('base')}). The tables are regenerated on every run; the "
    "part after them (before and after, what changed) is written by hand.",
    "",
    "| image | size | start-up to ready | container create (vfs) | last build |",
    "| --- | ---: | ---: | ---: | ---: |",
]


def seconds(name):
    value = read(name)
    return f"{value} s" if value else "-"


for image in images:
    lines.append(
        f"| `{image}` | {size(image)} | {seconds(f'startup-{image}.seconds')} "
        f"| {seconds(f'create-{image}.seconds')} | {seconds(f'build-{image}.seconds')} |"
    )
lines += [
    "",
    "- **size**: uncompressed, as `podman image inspect` reports it (a registry stores it",
    "  compressed). Most of it is the Python stack every server shares: KServe pulls pandas,",
    "  grpcio and the Kubernetes client (and, in revscoring's 0.13.1, ray; the others run 0.21).",
    "- **start-up to ready**: from `podman start` to `GET /v1/models/{name}` answering",
    "  `\"ready\": true` (process start, Python imports, model load), with the demo models of",
    "  `make models` mounted read-only at `/mnt/models`; revscoring loads all nine of them",
    "  (`MODELS_DIR`).",
    "- **container create**: `podman create`, which with the vfs storage driver used here",
    "  copies the whole image (overlay storage, as on Kubernetes nodes, does not).",
    "- **last build**: wall time of the image's most recent `podman build` (no layer cache,",
    "  every wheel downloaded from PyPI); an image whose inputs did not change since is not",
    "  rebuilt.",
    "",
    "## Contents",
    "",
    "Checked inside each image (`scripts/images.sh contents`, also part of `smoke`): the",
    "project's packages under `/srv/app`, and that nothing anywhere in the image is test",
    "support (`inference_testing`, the embedded wiki), a `*_tools` package (training, demo,",
    "measurements), tests or demo code. Revscoring also opens `en_US` through its server's",
    "Enchant configuration and must get Hunspell, as production does.",
    "",
    "| image | project packages (files) | checks | venv | spelling dictionaries |",
    "| --- | --- | --- | ---: | ---: |",
]
for image in images:
    text = read(f"contents-{image}.txt")
    if text is None:
        lines.append(f"| `{image}` | not checked | - | - | - |")
        continue
    facts = dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)
    mb = {}
    for line in text.splitlines():
        if line.startswith("MB "):
            value, path = line[3:].split(maxsplit=1)
            mb[path] = int(value)
    packages = facts.get("packages", "-").split(" (")
    names = ", ".join(f"`{name}`" for name in packages[0].split())
    files = f" ({packages[1]}" if len(packages) > 1 else ""
    checks = ["no test, tools or demo code"]
    if "en_US spelling" in facts:
        checks.append(f"`en_US`: {facts['en_US spelling']}")
    if "nltk_data" in facts:
        checks.append(f"NLTK data: {facts['nltk_data'].strip()}")
    dictionaries = sum(v for k, v in mb.items() if k != "/opt/lib/venv")
    lines.append(
        f"| `{image}` | {names}{files} | {'; '.join(checks)} "
        f"| {mb.get('/opt/lib/venv', '-')} MB | {dictionaries or '-'}"
        f"{' MB' if dictionaries else ''} |"
    )
lines += [
    "",
    "## Predictions",
    "",
    "Each image answered these real requests (HTTP 200). Revscoring, revert-risk and the",
    "outlink transformer read the revisions and pages from the embedded MediaWiki on the",
    "host's loopback (`WIKI_URL=http://10.0.2.2:PORT`, slirp4netns with",
    "`allow_host_loopback`); the transformer then called the predictor container. The",
    "predictor alone was sent the Wikidata ids of that page's outlinks (KServe V1, the",
    "transformer's protocol).",
    "",
    "| image | model | request | answer (start) |",
    "| --- | --- | --- | --- |",
]
for image in images:
    path = cache / f"predictions-{image}.tsv"
    if not path.exists():
        lines.append(f"| `{image}` | - | not run | - |")
        continue
    for row in path.read_text().splitlines():
        model, body, answer = row.split("\t", 2)
        answer = clip(json.dumps(json.loads(answer), separators=(", ", ": ")))
        lines.append(f"| `{image}` | `{model}` | `{clip(body, 90)}` | `{answer}` |")
report.write_text("\n".join(lines) + "\n\n" + kept)
print(report.read_text())
PY
}

# --- entry ---------------------------------------------------------------------------------

main() {
    local command=${1:-all}
    [ $# -gt 0 ] && shift
    local images=("$@")
    ((${#images[@]})) || images=("${ALL_IMAGES[@]}")
    ensure_tools
    setup_storage
    case $command in
    base) build_base ;;
    build) build_images "${images[@]}" ;;
    smoke) smoke "${images[@]}" ;;
    all)
        build_images "${images[@]}"
        smoke "${images[@]}"
        ;;
    contents)
        local image
        for image in "${images[@]}"; do check_contents "$image"; done
        ;;
    report) write_report ;;
    clean)
        podman rm -af >/dev/null 2>&1 || true
        podman rmi -af >/dev/null 2>&1 || true
        rm -rf "$CACHE"
        ;;
    *) die "unknown command $command (all, base, build, smoke, contents, report, clean)" ;;
    esac
}

main "$@"
