"""Each image's Dockerfile (what `make images` builds with podman) and its Blubber file
(what the CI pipelines build) describe the same image: same base, apt packages,
requirements, users, working directory, environment, copied files, entry point and port.

The Dockerfile's `build` and `production` stages are the Blubber variants of those names.
"""

from __future__ import annotations

import shlex
from pathlib import PurePosixPath

import pytest

from deploylib import (
    HTTP_PORT,
    IMAGES,
    NOT_RUNTIME,
    PIPELINE,
    REPO,
    SHARED_RUNTIME,
    Dockerfile,
    Image,
    artifacts,
    builders,
    in_image,
    parse_dockerfile,
    variant,
)


@pytest.fixture(params=IMAGES, ids=lambda image: image.name)
def image(request: pytest.FixtureRequest) -> Image:
    return request.param


@pytest.fixture
def dockerfile(image: Image) -> Dockerfile:
    assert image.dockerfile_path.is_file(), f"no Dockerfile for {image.name}"
    return parse_dockerfile(image.dockerfile_path)


def test_stages_are_the_blubber_variants(dockerfile: Dockerfile) -> None:
    assert list(dockerfile.stages) == ["build", "production"]


def test_same_base_image(image: Image, dockerfile: Dockerfile) -> None:
    """FROM ${BASE_IMAGE} everywhere; its default is the Blubber base (scripts/images.sh
    passes a local debootstrap bookworm instead)."""
    assert dockerfile.global_args["BASE_IMAGE"] == image.blubber()["base"]
    for stage in dockerfile.stages.values():
        assert stage.base == "${BASE_IMAGE}"


@pytest.mark.parametrize("stage", ["build", "production"])
def test_same_apt_packages(image: Image, dockerfile: Dockerfile, stage: str) -> None:
    blubber = variant(image.blubber(), stage)["apt"]["packages"]
    assert sorted(dockerfile.stages[stage].apt_packages) == sorted(blubber)


def test_same_requirements(image: Image, dockerfile: Dockerfile) -> None:
    """The same requirements files, copied to the same place and installed from it, with
    the shared package copied before."""
    build = variant(image.blubber(), "build")
    workdir = build["lives"]["in"]
    stage = dockerfile.stages["build"]
    assert stage.workdir == str(in_image(".", workdir))

    requirements = [
        item
        for kind, config in builders(build)
        if kind == "python"
        for item in artifacts(config["requirements"])
    ]
    expected = [in_image(item["destination"], workdir) for item in requirements]
    assert stage.pip_requirements == expected
    copies = {destination: source for _, source, destination in stage.copies}
    for item, destination in zip(requirements, expected):
        assert copies[str(destination)] == item["source"]
    shared = {destination: source for destination, source in copies.items() if "python" in source}
    assert shared == {f"/srv/app/{source}": source for source in SHARED_RUNTIME}

    commands = [
        config["command"]
        for kind, config in builders(build)
        if kind == "custom" and "pip" in config.get("command", [])
    ]
    editables = [
        in_image(command[command.index("-e") + 1], workdir)
        for command in commands
        if "-e" in command
    ]
    assert stage.pip_editables == editables
    # The virtualenv is where Blubber's python builder makes it.
    assert any("python3 -m venv /opt/lib/venv" in run for run in stage.runs)


def test_same_test_suites_removed_after_install(image: Image, dockerfile: Dockerfile) -> None:
    """Both builds delete the installed packages' own test suites right after pip, with the
    same command (they are not served: about 140 MB of revscoring's image)."""
    build = variant(image.blubber(), "build")
    kinds = [kind for kind, _ in builders(build)]
    commands = [config["command"] for kind, config in builders(build) if kind == "custom"]
    finds = [command for command in commands if command[0] == "find"]
    assert len(finds) == 1, finds
    (command,) = finds
    python = kinds.index("python")
    assert [kind for kind, config in builders(build)][python + 1] == "custom"
    assert builders(build)[python + 1][1]["command"] == command, "right after pip"
    assert command[command.index("-path") + 1] == "*/site-packages/*"
    assert "-prune" in command and command[-4:] == ["rm", "-rf", "{}", "+"]

    runs = [shlex.split(run) for run in dockerfile.stages["build"].runs]
    (found,) = [run for run in runs if run[:1] == ["find"]]
    assert found == command
    pip = next(i for i, run in enumerate(runs) if "pip" in run and "install" in run)
    assert runs[pip + 1] == command, "right after pip"


def test_same_users(image: Image, dockerfile: Dockerfile) -> None:
    config = image.blubber()
    build, production = variant(config, "build"), variant(config, "production")
    lives, runs = build["lives"], production["runs"]
    assert dockerfile.stages["build"].user == f"{lives['uid']}:{lives['gid']}"
    assert dockerfile.stages["build"].users_created == {lives["as"]: lives["uid"]}
    final = dockerfile.stages["production"]
    owner = lives if runs.get("insecurely", False) else runs
    assert final.user == f"{owner['uid']}:{owner['gid']}"
    assert final.users_created == {lives["as"]: lives["uid"], runs["as"]: runs["uid"]}
    # Application files belong to the build user, not to the one that runs them.
    chowns = [run for run in final.runs if "chown" in run]
    assert not chowns, "nothing in the production image is handed to the runtime user"


def test_same_entry_point_working_directory_and_environment(
    image: Image, dockerfile: Dockerfile
) -> None:
    production = variant(image.blubber(), "production")
    final = dockerfile.stages["production"]
    assert final.entrypoint == production["entrypoint"]
    assert final.workdir == production["runs"].get("in", production["lives"]["in"])
    assert final.env == production["runs"]["environment"]


def test_same_port(image: Image, dockerfile: Dockerfile) -> None:
    final = dockerfile.stages["production"]
    environment = variant(image.blubber(), "production")["runs"]["environment"]
    assert final.expose == [str(HTTP_PORT)]
    assert final.env["HTTP_PORT"] == environment["HTTP_PORT"] == str(HTTP_PORT)


def test_same_files_copied_into_production(image: Image, dockerfile: Dockerfile) -> None:
    production = variant(image.blubber(), "production")
    workdir = production["lives"]["in"]
    blubber = sorted(
        (
            item["from"],
            item["source"],
            str(in_image(item["destination"], workdir)),
        )
        for item in artifacts(production["copies"])
    )
    assert sorted(dockerfile.stages["production"].copies) == blubber


def test_build_context_keeps_what_the_images_copy() -> None:
    """.pipeline/images.dockerignore (podman build --ignorefile) drops caches and virtual
    environments, never a path an image copies."""
    patterns = [
        line.strip()
        for line in (PIPELINE / "images.dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert {".git", ".venv", ".tox", ".cache", "models"} <= set(patterns)
    for image in IMAGES:
        for _, source, _ in parse_dockerfile(image.dockerfile_path).stages["build"].copies:
            top = PurePosixPath(source).parts[0]
            assert top not in patterns, (image.name, source)
            assert (REPO / source).exists(), (image.name, source)


def test_make_images_builds_and_runs_every_image() -> None:
    """`make images` runs scripts/images.sh, which knows every image (and how to ask it
    for a prediction)."""
    script = (REPO / "scripts" / "images.sh").read_text()
    (line,) = [line for line in script.splitlines() if line.startswith("ALL_IMAGES=(")]
    assert line[len("ALL_IMAGES=(") : -1].split() == [image.name for image in IMAGES]
    assert script.startswith("#!/usr/bin/env bash") and "\nset -euo pipefail\n" in script
    for image in IMAGES:
        assert f"    {image.name})\n" in script, f"no smoke test for {image.name}"
    makefile = (REPO / "Makefile").read_text()
    assert "\nimages:" in makefile and "scripts/images.sh all" in makefile


# Every Dockerfile of the repository: the images' and the one-process image's.
DOCKERFILES = sorted(
    {path.resolve() for path in [*PIPELINE.glob("*/Dockerfile"), *REPO.glob("*/*/Dockerfile")]}
)


def _files(source: str) -> list[str]:
    """The repository files a local COPY source brings, relative to the repository root."""
    path = REPO / source
    paths = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    return [str(p.relative_to(REPO)) for p in paths if "__pycache__" not in p.parts]


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda path: str(path.relative_to(REPO)))
def test_images_copy_runtime_code_only(path) -> None:
    """No image holds test support (inference_testing), tools (*_tools: training, demo,
    measurements), tests or demo code: of python/ they copy only the runtime package."""
    assert "one-process" in {p.parent.name for p in DOCKERFILES}
    for stage in parse_dockerfile(path).stages.values():
        for origin, source, _ in stage.copies:
            if origin != "local":
                continue
            if source.startswith("python"):
                assert source in SHARED_RUNTIME, (path, source)
            bad = [file for file in _files(source) if NOT_RUNTIME.search(file)]
            assert not bad, (path.name, source, bad[:5])


def test_blubber_images_copy_runtime_code_only(image: Image) -> None:
    """The same for the Blubber build and production variants (the test variant copies
    the service directory and python/ whole: it runs the tests)."""
    for name in ("build", "production"):
        merged = variant(image.blubber(), name)
        items = artifacts(merged.get("copies", []))
        for _, builder in builders(merged):
            items += artifacts(builder.get("requirements", []))
        for item in items:
            if item["from"] != "local":
                continue
            if item["source"].startswith("python"):
                assert item["source"] in SHARED_RUNTIME, (name, item)
            bad = [file for file in _files(item["source"]) if NOT_RUNTIME.search(file)]
            assert not bad, (image.name, name, item["source"], bad[:5])
