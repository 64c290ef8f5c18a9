"""The KServe manifests: generated from deploy/values.yaml and up to date, well formed, and
every environment variable they set is one the server in that image reads (compared with
the settings classes, parsed with ``ast``: the servers' dependencies cannot be imported
here), with a value of the right kind."""

from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from deploylib import IMAGES_BY_NAME, REPO, settings_fields, variant

DEPLOY = REPO / "deploy"
KSERVE_ENV = {"STORAGE_URI"}  # read by KServe's storage initializer, not by the server
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
QUANTITY = re.compile(r"^([0-9.]+)(m|Ki|Mi|Gi)?$")


def load_render() -> Any:
    spec = importlib.util.spec_from_file_location("render", DEPLOY / "render.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def manifest_files() -> list[Path]:
    return sorted((DEPLOY / "manifests").glob("*.yaml"))


def manifests() -> list[dict[str, Any]]:
    return [yaml.safe_load(path.read_text()) for path in manifest_files()]


def containers(manifest: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (component, container)
        for component in ("predictor", "transformer")
        if component in manifest["spec"]
        for container in manifest["spec"][component]["containers"]
    ]


def image_of(container: dict[str, Any]) -> str:
    """Which of our images a container runs (``{registry}-{image}:{tag}``)."""
    values = yaml.safe_load((DEPLOY / "values.yaml").read_text())
    repository, _, tag = container["image"].rpartition(":")
    assert tag == values["tag"]
    assert repository.startswith(values["registry"] + "-")
    name = repository[len(values["registry"]) + 1 :]
    assert name in IMAGES_BY_NAME, container["image"]
    return name


def env_of(container: dict[str, Any]) -> dict[str, str]:
    names = [item["name"] for item in container["env"]]
    assert len(names) == len(set(names)), f"duplicate env: {names}"
    return {item["name"]: item["value"] for item in container["env"]}


def quantity(value: str) -> float:
    match = QUANTITY.match(str(value))
    assert match, value
    number, unit = float(match.group(1)), match.group(2)
    return number * {None: 1, "m": 0.001, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}[unit]


def revscoring_model_types() -> set[str]:
    """The model type names the revscoring server knows (first argument of each entry of
    ``_TYPES`` in model_types.py)."""
    tree = ast.parse((REPO / "revscoring/revscoring_server/model_types.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "_TYPES" for target in node.targets
        ):
            assert isinstance(node.value, ast.Tuple)
            return {
                call.args[0].value
                for call in node.value.elts
                if isinstance(call, ast.Call) and isinstance(call.args[0], ast.Constant)
            }
    raise LookupError("_TYPES")


def test_manifests_are_rendered_from_values() -> None:
    rendered = load_render().render()
    on_disk = {path.name: path.read_text() for path in manifest_files()}
    assert on_disk == rendered, "run: python3 deploy/render.py"


def test_the_expected_services_are_deployed() -> None:
    by_image: dict[str, list[str]] = {}
    for manifest in manifests():
        for _, container in containers(manifest):
            by_image.setdefault(image_of(container), []).append(manifest["metadata"]["name"])
    assert set(by_image) == set(IMAGES_BY_NAME)
    wikis = {name.split("-")[0] for name in by_image["revscoring"]}
    assert len(by_image["revscoring"]) >= 5 and len(wikis) >= 3


@pytest.mark.parametrize("path", manifest_files(), ids=lambda path: path.stem)
def test_manifest_is_a_well_formed_inference_service(path: Path) -> None:
    manifest = yaml.safe_load(path.read_text())
    assert manifest["apiVersion"] == "serving.kserve.io/v1beta1"
    assert manifest["kind"] == "InferenceService"
    name = manifest["metadata"]["name"]
    assert DNS_LABEL.match(name) and len(name) <= 63 and path.stem == name
    assert DNS_LABEL.match(manifest["metadata"]["namespace"])
    assert set(manifest["spec"]) <= {"predictor", "transformer"}
    assert len(manifest["spec"]["predictor"]["containers"]) == 1
    for component, container in containers(manifest):
        assert container["name"] == "kserve-container"
        assert container["ports"] == [{"containerPort": 8080, "protocol": "TCP"}]
        assert isinstance(container["env"], list) and container["env"]
        for item in container["env"]:
            assert set(item) == {"name", "value"} and isinstance(item["value"], str), item
        resources = container["resources"]
        for kind in ("cpu", "memory"):
            request, limit = resources["requests"][kind], resources["limits"][kind]
            assert 0 < quantity(request) <= quantity(limit), (component, kind)


def _check_value(name: str, annotation: str, value: str) -> None:
    kinds = {part.strip() for part in annotation.split("|")}
    if "int" in kinds:
        int(value)
    elif "float" in kinds:
        float(value)
    elif "bool" in kinds:
        assert value.lower() in ("true", "false", "1", "0"), (name, value)
    elif "HttpUrl" in kinds:
        assert re.match(r"^https?://[^/\s]+", value), (name, value)
    elif "Path" in kinds:
        assert value.startswith("/"), (name, value)
    elif "LogLevel" in kinds:
        assert value in ("DEBUG", "INFO", "WARNING", "ERROR"), (name, value)


@pytest.mark.parametrize("path", manifest_files(), ids=lambda path: path.stem)
def test_env_is_exactly_what_the_server_reads(path: Path) -> None:
    manifest = yaml.safe_load(path.read_text())
    for component, container in containers(manifest):
        image = IMAGES_BY_NAME[image_of(container)]
        fields = settings_fields(REPO / image.settings_file)
        env = env_of(container)
        unknown = set(env) - set(fields) - KSERVE_ENV
        assert not unknown, f"{component} sets {sorted(unknown)}: {image.name} reads none of them"
        for name, value in env.items():
            if name in fields:
                _check_value(name, fields[name], value)
        # The model comes from storageUri, at the path the image expects it.
        has_model = "MODEL_PATH" in variant(image.blubber(), "production")["runs"]["environment"]
        assert ("STORAGE_URI" in env) == has_model, component
        if has_model:
            assert env["STORAGE_URI"].startswith(("s3://", "gs://", "https://", "pvc://"))
            assert "MODEL_PATH" not in env or env["MODEL_PATH"].startswith("/mnt/models/")


def test_revscoring_models_are_named_and_served_as_wiki_model() -> None:
    types = revscoring_model_types()
    for manifest in manifests():
        for _, container in containers(manifest):
            if image_of(container) != "revscoring":
                continue
            env = env_of(container)
            name = manifest["metadata"]["name"]
            assert env["INFERENCE_NAME"] == name
            wiki, _, model = name.partition("-")
            assert re.match(r"^[a-z0-9_]+wiki$", wiki) and model in types, name


def test_outlink_transformer_and_predictor_are_one_pair() -> None:
    (pair,) = [manifest for manifest in manifests() if "transformer" in manifest["spec"]]
    (predictor,) = pair["spec"]["predictor"]["containers"]
    (transformer,) = pair["spec"]["transformer"]["containers"]
    assert image_of(predictor) == "outlink-predictor"
    assert image_of(transformer) == "outlink-transformer"
    # The transformer calls the predictor by the same model name; KServe passes it
    # --predictor_host, so the manifest does not set PREDICTOR_HOST.
    assert env_of(transformer)["INFERENCE_NAME"] == env_of(predictor)["INFERENCE_NAME"]
    assert "PREDICTOR_HOST" not in env_of(transformer)
    assert "WIKI_URL" in env_of(transformer) and "WIKI_URL" not in env_of(predictor)
