"""What the deploy tests read: the images (Blubber files, Dockerfiles), the settings each
server reads, and a small Dockerfile parser. Standard library and PyYAML only: the deploy
env cannot import the services (their dependency sets conflict)."""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
PIPELINE = REPO / ".pipeline"
# The shared files beside the checkout (SHARED_DIR, as for `make images`; default ../shared).
SCHEMAS = Path(os.environ.get("SHARED_DIR", REPO.parent / "shared")) / "schemas"
SCHEMA = SCHEMAS / "blubber-config.schema.json"
KSERVE_CRD = SCHEMAS / "kserve-inferenceservice-crd.yaml"  # KServe's InferenceService CRD

APP_ROOT = PurePosixPath("/srv/app")  # the repository's root inside every image
VENV = PurePosixPath("/opt/lib/venv")
HTTP_PORT = 8080

# What an image holds of python/: the shared package's metadata and its runtime package,
# never its test support (inference_testing) or its tests (the test variants copy all of it).
SHARED_RUNTIME = ("python/pyproject.toml", "python/src/inference_common")
# Never in an image: test support, the tools packages beside the services, tests, demo code.
NOT_RUNTIME = re.compile(r"(^|/)(inference_testing|tests?|[a-z_]+_tools|demo|benchmarks)(/|$)")


@dataclass(frozen=True)
class Image:
    """One image: its Blubber file, its Dockerfile and the server it runs."""

    name: str
    service_dir: str  # relative to the repository root
    package: str  # python -m PACKAGE, run from service_dir
    settings_file: str  # the service's settings.py, relative to the repository root
    tox_env: str

    @property
    def blubber_path(self) -> Path:
        return PIPELINE / self.name / "blubber.yaml"

    @property
    def dockerfile_path(self) -> Path:
        return PIPELINE / self.name / "Dockerfile"

    def blubber(self) -> dict[str, Any]:
        return yaml.safe_load(self.blubber_path.read_text())


IMAGES = (
    Image(
        "revscoring",
        "revscoring",
        "revscoring_server",
        "revscoring/revscoring_server/settings.py",
        "revscoring",
    ),
    Image(
        "outlink-predictor",
        "outlink-topic-model/model-server",
        "outlink_predictor",
        "outlink-topic-model/model-server/outlink_predictor/settings.py",
        "outlink",
    ),
    Image(
        "outlink-transformer",
        "outlink-topic-model/transformer",
        "outlink_transformer",
        "outlink-topic-model/transformer/outlink_transformer/settings.py",
        "outlink",
    ),
    Image(
        "revert-risk",
        "revert-risk",
        "revert_risk",
        "revert-risk/revert_risk/settings.py",
        "revert-risk",
    ),
)
IMAGES_BY_NAME = {image.name: image for image in IMAGES}


# --- Blubber: variants as Blubber merges them ------------------------------------------------


def variant(config: dict[str, Any], name: str) -> dict[str, Any]:
    """A variant merged with what it includes and the top level, as Blubber merges them:
    sequences appended, scalars overridden."""

    def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
        result = dict(base)
        for key, value in over.items():
            if key in result and isinstance(result[key], dict) and isinstance(value, dict):
                result[key] = merge(result[key], value)
            elif key in result and isinstance(result[key], list) and isinstance(value, list):
                result[key] = result[key] + value
            else:
                result[key] = value
        return result

    top = {key: value for key, value in config.items() if key not in ("variants", "version")}
    own = config["variants"][name]
    merged: dict[str, Any] = top
    for included in own.get("includes", []):
        merged = merge(merged, variant(config, included))
    return merge(merged, {key: value for key, value in own.items() if key != "includes"})


def builders(merged: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(kind, config) of the variant's builders in order (``python:`` then ``builders:``)."""
    found = [("python", merged["python"])] if "python" in merged else []
    for item in merged.get("builders", []):
        ((kind, config),) = item.items()
        found.append((kind, config))
    return found


def artifacts(items: list[Any]) -> list[dict[str, str]]:
    """Copies / requirements in longhand form."""
    result = []
    for item in items:
        if isinstance(item, str):
            result.append({"from": "local", "source": item, "destination": item})
        else:
            result.append({"destination": item["source"], **item})
    return result


# --- paths inside an image -------------------------------------------------------------------


def in_image(path: str, workdir: str) -> PurePosixPath:
    """An image path, absolute (relative ones are relative to ``workdir``), normalised."""
    joined = PurePosixPath(workdir) / path
    parts: list[str] = []
    for part in joined.parts[1:]:
        if part == "..":
            if parts:
                parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return PurePosixPath("/", *parts)


def repo_path(image_path: PurePosixPath) -> Path | None:
    """The repository file an image path under /srv/app mirrors (None outside it)."""
    try:
        return REPO / image_path.relative_to(APP_ROOT)
    except ValueError:
        return None


# --- requirements files ----------------------------------------------------------------------


def local_requirement_paths(requirements: Path) -> list[str]:
    """The local paths (``-e PATH``, ``./PATH``, ``../PATH``) a requirements file names."""
    paths = []
    for raw in requirements.read_text().splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("-e ", "--editable ")):
            paths.append(line.split(None, 1)[1].strip())
        elif line.startswith(("./", "../", "/")):
            paths.append(line)
    return paths


# --- settings: the environment each server reads ---------------------------------------------


def _class_fields(tree: ast.Module, class_name: str) -> tuple[dict[str, str], list[str]]:
    """Field name -> annotation (source text) of a class, and its base class names."""
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            fields = {
                stmt.target.id: ast.unparse(stmt.annotation)
                for stmt in node.body
                if isinstance(stmt, ast.AnnAssign)
                and isinstance(stmt.target, ast.Name)
                and not stmt.target.id.startswith("_")
                and stmt.target.id != "model_config"
            }
            bases = [base.id for base in node.bases if isinstance(base, ast.Name)]
            return fields, bases
    raise LookupError(class_name)


SHARED_SETTINGS = REPO / "python" / "src" / "inference_common" / "settings.py"


def settings_fields(settings_file: Path) -> dict[str, str]:
    """Environment variable -> annotation of every setting a server reads: the fields of
    ``ServerSettings`` and of the ``ServerSettings`` subclass(es) in ``settings_file``,
    in capitals (pydantic-settings: case-insensitive, no prefix)."""
    shared_tree = ast.parse(SHARED_SETTINGS.read_text())
    fields, _ = _class_fields(shared_tree, "ServerSettings")
    tree = ast.parse(settings_file.read_text())
    found = False
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            own, bases = _class_fields(tree, node.name)
            if "ServerSettings" in bases:
                fields = {**fields, **own}
                found = True
    if not found:
        raise LookupError(f"no ServerSettings subclass in {settings_file}")
    return {name.upper(): annotation for name, annotation in fields.items()}


def settings_env(settings_file: Path) -> set[str]:
    """The environment variables a server's settings read."""
    return set(settings_fields(settings_file))


# --- Dockerfiles -------------------------------------------------------------------------------


@dataclass
class Stage:
    """One build stage: what the lockstep tests compare."""

    name: str
    base: str
    apt_packages: list[str] = field(default_factory=list)
    copies: list[tuple[str, str, str]] = field(default_factory=list)  # from, src, dest
    runs: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    user: str | None = None
    workdir: str = "/"
    users_created: dict[str, int] = field(default_factory=dict)  # name -> uid
    entrypoint: list[str] | None = None
    expose: list[str] = field(default_factory=list)
    pip_requirements: list[PurePosixPath] = field(default_factory=list)  # absolute
    pip_editables: list[PurePosixPath] = field(default_factory=list)


@dataclass
class Dockerfile:
    global_args: dict[str, str]
    stages: dict[str, Stage]


def _instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuations joined and comments dropped."""
    result = []
    current = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not current):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        keyword, _, rest = current.strip().partition(" ")
        result.append((keyword.upper(), rest.strip()))
        current = ""
    if current.strip():
        raise ValueError("Dockerfile ends inside a continued line")
    return result


def _split_commands(shell: str) -> list[list[str]]:
    """A RUN line's simple commands (split on && ; ||), each as words."""
    words = shlex.split(shell, posix=True)
    commands: list[list[str]] = [[]]
    for word in words:
        if word in ("&&", "||", ";", "then", "else", "fi", "if"):
            commands.append([])
        else:
            commands[-1].append(word.rstrip(";"))
    return [command for command in commands if command]


def parse_dockerfile(path: Path) -> Dockerfile:
    """The stages of a Dockerfile, with what each installs, copies and runs."""
    global_args: dict[str, str] = {}
    stages: dict[str, Stage] = {}
    stage: Stage | None = None
    for keyword, rest in _instructions(path.read_text()):
        if keyword == "ARG" and stage is None:
            name, _, default = rest.partition("=")
            global_args[name] = default
        elif keyword == "FROM":
            words = rest.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else str(len(stages))
            stage = stages[name] = Stage(name=name, base=words[0])
        elif stage is None:
            raise ValueError(f"{keyword} before FROM in {path}")
        elif keyword == "RUN":
            stage.runs.append(rest)
            _read_run(stage, rest)
        elif keyword == "COPY":
            words = rest.split()
            options = [word for word in words if word.startswith("--")]
            paths = [word for word in words if not word.startswith("--")]
            source_stage = next(
                (option.split("=", 1)[1] for option in options if option.startswith("--from=")),
                "local",
            )
            for source in paths[:-1]:
                stage.copies.append((source_stage, source, str(in_image(paths[-1], stage.workdir))))
        elif keyword == "ENV":
            for item in shlex.split(rest):
                key, _, value = item.partition("=")
                stage.env[key] = value
        elif keyword == "USER":
            stage.user = rest
        elif keyword == "WORKDIR":
            stage.workdir = str(in_image(rest, stage.workdir))
        elif keyword == "ENTRYPOINT":
            stage.entrypoint = json.loads(rest)
        elif keyword == "EXPOSE":
            stage.expose.extend(rest.split())
    return Dockerfile(global_args, stages)


def _read_run(stage: Stage, shell: str) -> None:
    for command in _split_commands(shell):
        if "apt-get" in command and "install" in command:
            after = command[command.index("install") + 1 :]
            stage.apt_packages.extend(word for word in after if not word.startswith("-"))
        if command[0] == "useradd":
            uid = int(command[command.index("-u") + 1])
            stage.users_created[command[-1]] = uid
        if len(command) > 3 and command[1:4] == ["-m", "pip", "install"]:
            words = command[4:]
            for index, word in enumerate(words):
                if word == "-r":
                    stage.pip_requirements.append(in_image(words[index + 1], stage.workdir))
                if word == "-e":
                    stage.pip_editables.append(in_image(words[index + 1], stage.workdir))


def expand(value: str, args: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: args.get(m.group(1) or m.group(2), ""), value)
