"""The KServe manifests: generated from deploy/values.yaml and up to date, valid against
KServe's InferenceService CRD (strictly: an unknown field is an error, see kubeschema.py),
well formed, and every environment variable they set is one the server in that image reads
(compared with the settings classes, parsed with ``ast``: the servers' dependencies cannot
be imported here), with a value of the right kind. Also: scaling below each server's
concurrency limit, revscoring's shared Redis, and the word vectors of the topic models."""

from __future__ import annotations

import ast
import copy
import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

import kubeschema
from deploylib import IMAGES_BY_NAME, KSERVE_CRD, REPO, settings_fields, variant

DEPLOY = REPO / "deploy"
KSERVE_ENV = {"STORAGE_URI"}  # read by KServe's storage initializer, not by the server
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
ISVC_NAME = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")  # KServe's webhook: IsvcNameFmt
QUANTITY = re.compile(r"^([0-9.]+)(m|Ki|Mi|Gi)?$")
ISVC_API = "serving.kserve.io/v1beta1"


def load_render() -> Any:
    spec = importlib.util.spec_from_file_location("render", DEPLOY / "render.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def all_manifest_files() -> list[Path]:
    return sorted((DEPLOY / "manifests").glob("*.yaml"))


def objects() -> list[dict[str, Any]]:
    """Every object of every manifest file."""
    return [obj for path in all_manifest_files() for obj in kubeschema.load_all(path.read_text())]


def manifest_files() -> list[Path]:
    """The InferenceService manifests (one per file, named after it)."""
    return [
        path
        for path in all_manifest_files()
        if [obj["kind"] for obj in kubeschema.load_all(path.read_text())] == ["InferenceService"]
    ]


def manifests() -> list[dict[str, Any]]:
    return [yaml.safe_load(path.read_text()) for path in manifest_files()]


def values() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "values.yaml").read_text())


def isvc_schema() -> dict[str, Any]:
    assert KSERVE_CRD.is_file(), f"KServe's CRD is absent: {KSERVE_CRD} (set SHARED_DIR)"
    return kubeschema.crd_schema(KSERVE_CRD, ISVC_API, "InferenceService")


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
    on_disk = {path.name: path.read_text() for path in all_manifest_files()}
    assert on_disk == rendered, "run: python3 deploy/render.py"


def test_the_expected_services_are_deployed() -> None:
    by_image: dict[str, list[str]] = {}
    for manifest in manifests():
        for _, container in containers(manifest):
            by_image.setdefault(image_of(container), []).append(manifest["metadata"]["name"])
    assert set(by_image) == set(IMAGES_BY_NAME)
    wikis = {name.split("-")[0] for name in by_image["revscoring"]}
    assert len(by_image["revscoring"]) >= 5 and len(wikis) >= 3


def test_every_manifest_file_is_an_inference_service_or_a_known_object() -> None:
    kinds = {
        path.name: [obj["kind"] for obj in kubeschema.load_all(path.read_text())]
        for path in all_manifest_files()
    }
    others = {name: found for name, found in kinds.items() if found != ["InferenceService"]}
    vectors = values()["word_vectors"]["model_types"]
    topic_namespaces = {
        service["namespace"]
        for service in values()["inference_services"]
        # the topic models, and a consolidated server (MODELS_DIR), which serves them too
        if service["name"].partition("-")[2] in vectors
        or "MODELS_DIR" in service["predictor"].get("env", {})
    }
    assert others == {
        "revscoring-score-cache.yaml": ["Deployment", "Service"],
        "revscoring-word2vec.yaml": ["PersistentVolumeClaim"] * len(topic_namespaces),
    }


@pytest.mark.parametrize("path", manifest_files(), ids=lambda path: path.stem)
def test_manifest_is_valid_against_kserve_crd(path: Path) -> None:
    """As `kubectl apply --validate=strict` would check it: KServe's openAPIV3Schema of
    the served v1beta1, unknown fields rejected, duplicate keys rejected."""
    (manifest,) = kubeschema.load_all(path.read_text())
    assert kubeschema.validate(manifest, isvc_schema()) == []


@pytest.mark.parametrize(
    "where, field",
    [
        ("", "status2"),
        ("metadata", "label"),
        ("spec", "predictors"),
        ("spec.predictor", "storageUri"),  # not in this CRD: only model.storageUri, storageUris
        ("spec.predictor", "scaleTargetUtilization"),
        ("spec.predictor.containers.0", "envs"),
        ("spec.predictor.containers.0.resources", "request"),
        ("spec.predictor.containers.0.ports.0", "port"),
        ("spec.transformer.containers.0.env.0", "valueFrom2"),
    ],
)
def test_crd_validation_rejects_an_unknown_field(where: str, field: str) -> None:
    (path,) = [path for path in manifest_files() if path.stem == "outlink-topic-model"]
    manifest = yaml.safe_load(path.read_text())
    assert kubeschema.validate(manifest, isvc_schema()) == []
    broken = copy.deepcopy(manifest)
    target = broken
    for part in filter(None, where.split(".")):
        target = target[int(part)] if part.isdigit() else target[part]
    target[field] = "x"
    errors = kubeschema.validate(broken, isvc_schema())
    assert len(errors) == 1 and f"'{field}' was unexpected" in errors[0], errors
    assert errors[0].startswith(where.replace(".0", "[0]") + ":"), errors


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda p: p.update(scaleTarget="4"), "is not of type 'integer'"),
        (lambda p: p.update(scaleMetric="latency"), "is not one of"),
        (lambda p: p["containers"][0]["resources"]["limits"].update(cpu="2 cores"), "match"),
        (lambda p: p["containers"][0]["env"].append(p["containers"][0]["env"][0]), "duplicate"),
        (lambda p: p["containers"][0].pop("name"), "'name' is a required property"),
    ],
)
def test_crd_validation_rejects_bad_values(change: Any, message: str) -> None:
    manifest = copy.deepcopy(manifests()[0])
    change(manifest["spec"]["predictor"])
    errors = kubeschema.validate(manifest, isvc_schema())
    assert len(errors) == 1 and message in errors[0], errors


def test_a_repeated_yaml_key_is_an_error() -> None:
    text = (manifest_files()[0]).read_text().replace("spec:\n", "spec:\n  predictor: {}\n", 1)
    with pytest.raises(yaml.YAMLError, match="duplicate field 'predictor'"):
        kubeschema.load_all(text)


def test_other_objects_have_the_shape_their_kind_requires() -> None:
    """No Kubernetes OpenAPI document is available offline: the Deployment, Service and
    PersistentVolumeClaims are checked for their required fields and top-level shape."""
    others = [obj for obj in objects() if obj["kind"] != "InferenceService"]
    assert others
    for obj in others:
        assert kubeschema.check_builtin(obj) == [], obj["metadata"]["name"]
        broken = {**copy.deepcopy(obj), "sepc": {}}
        assert kubeschema.check_builtin(broken) == ["sepc: unknown field"]
        required = kubeschema.BUILTIN_REQUIRED[(obj["apiVersion"], obj["kind"])]
        for dotted, keys in required.items():
            for key in keys:
                broken = copy.deepcopy(obj)
                parent = broken
                for part in dotted.split("."):
                    parent = parent[part]
                del parent[key]
                assert f"{dotted}.{key}: required" in kubeschema.check_builtin(broken)


@pytest.mark.parametrize("path", manifest_files(), ids=lambda path: path.stem)
def test_manifest_is_a_well_formed_inference_service(path: Path) -> None:
    manifest = yaml.safe_load(path.read_text())
    assert manifest["apiVersion"] == ISVC_API
    assert manifest["kind"] == "InferenceService"
    name = manifest["metadata"]["name"]
    assert ISVC_NAME.match(name) and len(name) <= 63 and path.stem == name
    assert DNS_LABEL.match(manifest["metadata"]["namespace"])
    assert set(manifest["spec"]) <= {"predictor", "transformer"}
    assert len(manifest["spec"]["predictor"]["containers"]) == 1
    assert "storageUris" not in manifest["spec"]["predictor"]  # KServe: not with STORAGE_URI
    for component, container in containers(manifest):
        assert container["name"] == "kserve-container"
        assert container["ports"] == [{"containerPort": 8080, "protocol": "TCP"}]
        assert isinstance(container["env"], list) and container["env"]
        assert set(container) - {"name", "image", "env", "ports", "resources"} <= {"volumeMounts"}
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


def serves_catalogue(manifest: dict[str, Any]) -> bool:
    """The consolidated shape: one revscoring server for every model under MODELS_DIR."""
    (container,) = manifest["spec"]["predictor"]["containers"]
    return image_of(container) == "revscoring" and "MODELS_DIR" in env_of(container)


def test_revscoring_models_are_named_and_served_as_wiki_model() -> None:
    types = revscoring_model_types()
    for manifest in manifests():
        for _, container in containers(manifest):
            if image_of(container) != "revscoring" or serves_catalogue(manifest):
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


# --- scaling out -------------------------------------------------------------------------------


def components(manifest: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (name, manifest["spec"][name])
        for name in ("predictor", "transformer")
        if name in manifest["spec"]
    ]


@pytest.mark.parametrize("path", manifest_files(), ids=lambda path: path.stem)
def test_scale_target_is_below_the_servers_concurrency_limit(path: Path) -> None:
    """Every component scales on concurrency, with a target the server can hold: KServe
    adds a replica when the average in-flight requests pass scaleTarget, and the server
    answers a fast 503 beyond MAX_CONCURRENT_REQUESTS (set explicitly, not left at the
    default)."""
    manifest = yaml.safe_load(path.read_text())
    for component, spec in components(manifest):
        (container,) = spec["containers"]
        env = env_of(container)
        assert spec["scaleMetric"] == "concurrency", component
        assert 1 <= spec["minReplicas"] <= spec["maxReplicas"], component
        assert 0 < spec["scaleTarget"] < int(env["MAX_CONCURRENT_REQUESTS"]), component


def test_cpu_requests_cover_the_process_pool() -> None:
    """A revscoring server with N pool workers can keep N cores busy, plus its main
    process: its CPU request is at least N cores."""
    for manifest in manifests():
        for _, container in containers(manifest):
            workers = int(env_of(container).get("PROCESS_POOL_WORKERS", "0"))
            request = quantity(container["resources"]["requests"]["cpu"])
            assert request >= max(workers, 0.1), (manifest["metadata"]["name"], workers)


def test_revscoring_replicas_share_one_redis() -> None:
    (deployment,) = [obj for obj in objects() if obj["kind"] == "Deployment"]
    (service,) = [obj for obj in objects() if obj["kind"] == "Service"]
    assert service["metadata"]["namespace"] == deployment["metadata"]["namespace"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    assert service["spec"]["selector"].items() <= pod_labels.items()
    (redis,) = deployment["spec"]["template"]["spec"]["containers"]
    (port,) = service["spec"]["ports"]
    assert port["targetPort"] in [p["name"] for p in redis["ports"]]
    url = (
        f"redis://{service['metadata']['name']}.{service['metadata']['namespace']}"
        f".svc.cluster.local:{port['port']}/0"
    )
    urls = {
        env_of(container).get("REDIS_URL")
        for manifest in manifests()
        for _, container in containers(manifest)
        if image_of(container) == "revscoring"
    }
    assert urls == {url}
    assert not any(
        "REDIS_URL" in env_of(container)
        for manifest in manifests()
        for _, container in containers(manifest)
        if image_of(container) != "revscoring"
    )
    # A cache: no snapshots, no append-only file; bounded, least recently used evicted.
    args = redis["command"]
    assert args[0] == "redis-server"
    options = dict(zip(args[1::2], args[2::2]))
    assert options["--save"] == "" and options["--appendonly"] == "no"
    assert options["--maxmemory-policy"] == "allkeys-lru"
    assert options["--port"] == str(port["port"])
    match = re.fullmatch(r"(\d+)mb", options["--maxmemory"])
    assert match, options["--maxmemory"]
    maxmemory = int(match.group(1)) * 2**20
    # Redis uses more than maxmemory (allocator fragmentation, client buffers).
    assert quantity(redis["resources"]["requests"]["memory"]) >= 1.2 * maxmemory
    assert "volumes" not in deployment["spec"]["template"]["spec"]


# --- word vectors of the topic models (issue #12) ---------------------------------------------


def drafttopic_model_types() -> set[str]:
    """The model types of the drafttopic family in model_types.py (their feature lists
    load word vectors)."""
    tree = ast.parse((REPO / "revscoring/revscoring_server/model_types.py").read_text())
    return {
        call.args[0].value
        for call in ast.walk(tree)
        if isinstance(call, ast.Call)
        and len(call.args) > 1
        and isinstance(call.args[0], ast.Constant)
        and ast.unparse(call.args[1]) == "Family.DRAFTTOPIC"
    }


def test_values_name_every_drafttopic_model_type() -> None:
    assert set(values()["word_vectors"]["model_types"]) == drafttopic_model_types()
    assert drafttopic_model_types() == {"articletopic", "drafttopic", "itemtopic"}


def test_topic_models_mount_the_word_vectors_read_only() -> None:
    claims = {
        (obj["metadata"]["namespace"], obj["metadata"]["name"]): obj
        for obj in objects()
        if obj["kind"] == "PersistentVolumeClaim"
    }
    used = set()
    topic_models = 0
    for manifest in manifests():
        predictor = manifest["spec"]["predictor"]
        (container,) = predictor["containers"]
        if image_of(container) != "revscoring":
            assert "WORD2VEC_DIR" not in env_of(container) and "volumes" not in predictor
            continue
        model = manifest["metadata"]["name"].partition("-")[2]
        env = env_of(container)
        if model not in drafttopic_model_types() and not serves_catalogue(manifest):
            assert "WORD2VEC_DIR" not in env and "volumeMounts" not in container, model
            assert "volumes" not in predictor
            continue
        topic_models += 1
        (mount,) = container["volumeMounts"]
        assert mount["readOnly"] is True and env["WORD2VEC_DIR"] == mount["mountPath"]
        assert not mount["mountPath"].startswith("/mnt/models")  # KServe's model directory
        (volume,) = [v for v in predictor["volumes"] if v["name"] == mount["name"]]
        claim = volume["persistentVolumeClaim"]
        assert claim["readOnly"] is True
        key = (manifest["metadata"]["namespace"], claim["claimName"])
        assert key in claims, f"no PersistentVolumeClaim {key}"
        assert "ReadOnlyMany" in claims[key]["spec"]["accessModes"]
        used.add(key)
    assert topic_models >= 1
    assert used == set(claims), "a claim no InferenceService mounts"


# --- the consolidated shape: the catalogue behind one InferenceService (issue #19) ------------

CATALOG_MD = REPO / "revscoring" / "CATALOG.md"


def measured_catalogue_mib() -> float:
    """The PSS of the whole catalogue server's process tree after scoring every model, as
    ``make catalog-server`` wrote it in revscoring/CATALOG.md."""
    text = CATALOG_MD.read_text()
    match = re.search(r"\| PSS of the tree, after scoring every model \| (\d+) MiB \|", text)
    assert match, "revscoring/CATALOG.md has no catalogue server measurement: make catalog-server"
    return float(match.group(1))


def test_the_catalogue_is_served_by_one_inference_service_beside_the_per_model_ones() -> None:
    catalogue = [manifest for manifest in manifests() if serves_catalogue(manifest)]
    per_model = [
        manifest
        for manifest in manifests()
        if not serves_catalogue(manifest)
        and image_of(manifest["spec"]["predictor"]["containers"][0]) == "revscoring"
    ]
    assert len(catalogue) == 1 and per_model
    (manifest,) = catalogue
    (container,) = manifest["spec"]["predictor"]["containers"]
    env = env_of(container)
    # every model under KServe's model directory, no single-model settings
    assert env["MODELS_DIR"] == "/mnt/models"
    assert "INFERENCE_NAME" not in env and "MODEL_PATH" not in env
    assert env["STORAGE_URI"].startswith(("s3://", "gs://", "https://", "pvc://"))
    # as measured: 2 workers load the models, the server process holds their info only
    assert env["PROCESS_POOL_WORKERS"] == "2" and env["POOL_MIN_BYTES"] == "0"
    assert "REDIS_URL" in env  # replicas share the score cache, as the per-model ones do
    # it serves the topic models: word vectors mounted read-only
    (mount,) = container["volumeMounts"]
    assert mount["readOnly"] is True and env["WORD2VEC_DIR"] == mount["mountPath"]


def test_the_catalogue_replica_is_sized_from_the_measurement() -> None:
    """Memory request >= the measured PSS of the whole process tree (the pages a replica
    really needs) with 10% headroom; the limit above the request; CPU for 2 workers;
    more than one replica (one pod serves every wiki: losing it loses them all)."""
    (manifest,) = [manifest for manifest in manifests() if serves_catalogue(manifest)]
    predictor = manifest["spec"]["predictor"]
    (container,) = predictor["containers"]
    measured = measured_catalogue_mib() * 2**20
    requests, limits = container["resources"]["requests"], container["resources"]["limits"]
    assert quantity(requests["memory"]) >= 1.1 * measured
    assert quantity(limits["memory"]) >= 1.25 * quantity(requests["memory"])
    assert quantity(requests["cpu"]) >= 2
    assert 2 <= predictor["minReplicas"] < predictor["maxReplicas"]
