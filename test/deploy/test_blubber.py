"""Every Blubber file is valid Blubber v4 and everything it names exists; the pipelines in
.pipeline/config.yaml test and publish every image."""

from __future__ import annotations

import configparser
import json
from pathlib import PurePosixPath
from typing import Any

import pytest
import yaml

from deploylib import (
    artifacts,
    builders,
    variant,
    APP_ROOT,
    IMAGES,
    IMAGES_BY_NAME,
    PIPELINE,
    REPO,
    SCHEMA,
    SHARED_RUNTIME,
    VENV,
    Image,
    in_image,
    local_requirement_paths,
    repo_path,
    settings_env,
)

VARIANTS = ("build", "test", "production")
DICTIONARY_PREFIXES = ("libenchant", "hunspell-", "aspell-", "myspell-", "voikko-")


@pytest.fixture(params=IMAGES, ids=lambda image: image.name)
def image(request: pytest.FixtureRequest) -> Image:
    return request.param


def test_every_pipeline_directory_is_a_known_image() -> None:
    found = {path.parent.name for path in PIPELINE.glob("*/blubber.yaml")}
    assert found == set(IMAGES_BY_NAME)


def test_blubber_file_validates_against_the_schema(image: Image) -> None:
    if not SCHEMA.is_file():
        pytest.skip(f"the Blubber JSON schema is absent ({SCHEMA})")
    import jsonschema

    schema = json.loads(SCHEMA.read_text())
    jsonschema.validate(image.blubber(), schema)


def test_blubber_shape(image: Image) -> None:
    config = image.blubber()
    assert config["version"] == "v4"
    assert config["base"].startswith("docker-registry.wikimedia.org/bookworm:")
    assert set(VARIANTS) <= set(config["variants"])
    assert config["variants"]["test"]["includes"] == ["build"]
    for name, body in config["variants"].items():
        for included in body.get("includes", []):
            assert included in config["variants"], f"{name} includes unknown {included}"
        for copy in artifacts(body.get("copies", [])):
            assert copy["from"] == "local" or copy["from"] in config["variants"]


def test_production_runs_as_an_unprivileged_user_that_does_not_own_the_code(
    image: Image,
) -> None:
    """As Blubber intends: files owned by `lives`, the server run by `runs`. The one
    exception is an image that reads NLTK data: nltk (>= 3.10) refuses data owned by an
    account other than root and its own, and Blubber copies it as `lives`, so that image
    runs as `lives` (runs.insecurely, as Wikimedia's revscoring images do); never root."""
    production = variant(image.blubber(), "production")
    runs, lives = production["runs"], production["lives"]
    assert lives["uid"] != 0 and lives["as"] != "root"
    if runs.get("insecurely", False):
        assert "NLTK_DATA" in runs["environment"], "only for nltk's ownership check"
    else:
        assert runs["uid"] not in (0, lives["uid"])
        assert runs["as"] not in ("root", lives["as"])


def test_working_directory_is_the_service_directory(image: Image) -> None:
    production = variant(image.blubber(), "production")
    workdir = production["runs"].get("in", production["lives"]["in"])
    assert repo_path(PurePosixPath(workdir)) == REPO / image.service_dir


def test_entry_point_is_the_service_module_run_by_hand(image: Image) -> None:
    """``python -m PACKAGE`` from the service directory, with the image's virtualenv."""
    production = variant(image.blubber(), "production")
    assert production["entrypoint"] == [str(VENV / "bin" / "python3"), "-m", image.package]
    package = REPO / image.service_dir / image.package
    assert (package / "__main__.py").is_file()
    copied = {
        in_image(copy["destination"], production["lives"]["in"])
        for copy in artifacts(production["copies"])
        if copy["from"] == "local"
    }
    assert APP_ROOT / image.service_dir / image.package in copied


def test_local_sources_exist_and_land_where_the_repository_has_them(image: Image) -> None:
    config = image.blubber()
    for name in config["variants"]:
        merged = variant(config, name)
        workdir = merged["lives"]["in"]
        items = artifacts(merged.get("copies", []))
        for _, builder in builders(merged):
            items += artifacts(builder.get("requirements", []))
        for item in items:
            if item["from"] != "local":
                continue
            source = REPO / item["source"]
            assert source.exists(), f"{name}: {item['source']} does not exist"
            destination = in_image(item["destination"], workdir)
            # The image mirrors the repository under /srv/app, so relative paths (and
            # "-e ../python" in requirements files) mean the same thing in both.
            assert repo_path(destination) == source.resolve(), (name, item)


def test_model_and_port_settings(image: Image) -> None:
    environment = variant(image.blubber(), "production")["runs"]["environment"]
    assert environment["HTTP_PORT"] == "8080"
    if "MODEL_PATH" in environment:
        assert environment["MODEL_PATH"].startswith("/mnt/models/")
    readers = settings_env(REPO / image.settings_file) | {"PYTHONUNBUFFERED", "NLTK_DATA"}
    assert set(environment) <= readers


def test_requirements_are_installed_from_the_service_directory(image: Image) -> None:
    """The python builder installs the service's requirements.txt, and the shared package
    gets installed exactly once: from an ``-e`` line of the requirements, or by a builder."""
    build = variant(image.blubber(), "build")
    workdir = build["lives"]["in"]
    kinds = builders(build)
    python = [config for kind, config in kinds if kind == "python"]
    assert len(python) == 1 and python[0]["version"] == "python3"
    requirements = artifacts(python[0]["requirements"])
    assert [item["source"] for item in requirements] == [f"{image.service_dir}/requirements.txt"]
    requirements_file = REPO / requirements[0]["source"]

    shared = APP_ROOT / "python"
    from_requirements = [
        in_image(path, workdir) for path in local_requirement_paths(requirements_file)
    ]
    assert set(from_requirements) <= {shared}, "requirements name local paths beyond python/"
    from_builders = [
        config["command"]
        for kind, config in kinds
        if kind == "custom"
        and "pip" in config.get("command", [])
        and str(shared) in config["command"]
    ]
    assert len(from_requirements) + len(from_builders) == 1

    # Whatever installs it, the shared package is in place first.
    order = [kind for kind, _ in kinds]
    copies_shared = [
        index
        for index, (_, config) in enumerate(kinds)
        if {item["source"] for item in artifacts(config.get("requirements", []))}
        >= set(SHARED_RUNTIME)
    ]
    assert copies_shared, "no builder copies the shared package before installing"
    if from_requirements:
        assert copies_shared[0] < order.index("python")


def test_revscoring_installs_dictionaries_and_nltk_data_at_build_time() -> None:
    config = IMAGES_BY_NAME["revscoring"].blubber()
    production = variant(config, "production")
    lines = (REPO / "system-packages.txt").read_text().splitlines()
    system = [word for line in lines if not line.startswith("#") for word in line.split()]
    wanted = {package for package in system if package.startswith(DICTIONARY_PREFIXES)}
    assert wanted and wanted <= set(production["apt"]["packages"])

    nltk_data = production["runs"]["environment"]["NLTK_DATA"]
    downloads = [
        config["command"]
        for kind, config in builders(variant(config, "build"))
        if kind == "custom" and "nltk.downloader" in config.get("command", [])
    ]
    assert downloads and downloads[0][3:5] == ["-d", nltk_data]
    # what Lift Wing's production image downloads: stopwords for every language module,
    # wordnet/omw-1.4/sentiwordnet for enwiki draftquality's sentiment features
    assert set(downloads[0][5:]) == {"stopwords", "wordnet", "omw-1.4", "sentiwordnet"}
    copied = [copy for copy in artifacts(production["copies"]) if copy["from"] == "build"]
    assert {"from": "build", "source": nltk_data, "destination": nltk_data} in copied


def test_test_variant_runs_the_service_tox_env(image: Image) -> None:
    test = variant(image.blubber(), "test")
    entrypoint = test["entrypoint"]
    assert entrypoint[:5] == [
        str(VENV / "bin" / "tox"),
        "-c",
        "/srv/app/tox.ini",
        "-e",
        image.tox_env,
    ]
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(REPO / "tox.ini")
    assert tox.has_section(f"testenv:{image.tox_env}")
    # tox runs from the repository root mirrored at /srv/app: tox.ini and the files it
    # reads are copied there.
    copied = {copy["source"] for copy in artifacts(test["copies"])}
    assert {"tox.ini", "test/requirements.txt"} <= copied


# --- .pipeline/config.yaml -----------------------------------------------------------------


@pytest.fixture(scope="module")
def pipelines() -> dict[str, Any]:
    return yaml.safe_load((PIPELINE / "config.yaml").read_text())["pipelines"]


def test_every_image_has_a_test_and_a_publish_pipeline(image: Image, pipelines: dict) -> None:
    test = pipelines[image.name]
    assert test["blubberfile"] == f"{image.name}/blubber.yaml"
    assert (PIPELINE / test["blubberfile"]).is_file()
    stages = test["stages"]
    assert stages[0] == {"name": "run-test", "build": "test", "run": True}
    assert stages[1]["build"] == "production" and "publish" not in stages[1]

    publish = pipelines[f"{image.name}-publish"]
    assert publish["blubberfile"] == test["blubberfile"]
    (stage,) = publish["stages"]
    assert stage["build"] == "production"
    assert stage["publish"]["image"]["tags"] == ["stable"]
    assert stage["publish"]["image"]["name"].endswith(image.name)


def test_pipelines_name_only_known_blubber_files_and_variants(pipelines: dict) -> None:
    for name, pipeline in pipelines.items():
        assert (PIPELINE / pipeline["blubberfile"]).is_file(), name
        assert pipeline.get("directory", ".") == ".", "build context: the repository root"
        variants = yaml.safe_load((PIPELINE / pipeline["blubberfile"]).read_text())["variants"]
        for stage in pipeline["stages"]:
            assert stage["build"] in variants, (name, stage)
