"""Validate objects as the Kubernetes API server validates a custom resource with
``kubectl apply --validate=strict``: against the structural ``openAPIV3Schema`` of the
CRD's served version, where an unknown field is an error.

The CRD's schema is turned into a JSON Schema (draft 4, the closest to OpenAPI v3.0) with
the rules a structural schema leaves implicit made explicit:

* an object with no ``additionalProperties`` and no ``x-kubernetes-preserve-unknown-fields``
  accepts only its ``properties`` (none if it lists none): the API server prunes anything
  else, and strict validation reports it as an unknown field;
* ``x-kubernetes-preserve-unknown-fields: true`` keeps unknown fields (the listed ones are
  still validated);
* ``x-kubernetes-int-or-string: true`` accepts an integer or a string;
* ``x-kubernetes-embedded-resource: true`` is an object with ``apiVersion``, ``kind`` and
  ``metadata`` (an ObjectMeta) besides its own properties;
* ``nullable: true`` accepts null (otherwise null is a type error);
* ``x-kubernetes-list-type: set`` / ``map`` lists may not repeat an item / a key
  (``x-kubernetes-list-map-keys``), which the API server rejects as duplicates;
* the root ``metadata`` is an ObjectMeta (the API server validates it itself, whatever the
  CRD says), root ``apiVersion`` and ``kind`` are required.

Not evaluated: ``x-kubernetes-validations`` (CEL) rules (:func:`crd_schema` refuses a
schema that has any, so they cannot be skipped silently) and string ``format`` checks.
Objects that are not custom resources (Deployment, Service, ...) have no schema offline
(no Kubernetes OpenAPI document is available here): :func:`check_builtin` checks their
required fields and top-level shape only. Also: YAML with a repeated key is an error
(:func:`load_all`), as kubectl's strict decoding reports duplicate fields.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

import jsonschema
import yaml

# --- YAML: strict decoding -------------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects a key repeated in one mapping."""


def _mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    keys = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in keys:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate field {key!r}", key_node.start_mark
            )
        keys.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load_all(text: str) -> list[dict[str, Any]]:
    """The objects of a (multi-document) YAML text; a repeated key is an error."""
    return [doc for doc in yaml.load_all(text, Loader=_StrictLoader) if doc is not None]


# --- ObjectMeta (validated by the API server, not by the CRD schema) -------------------------

_STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
OBJECT_META: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "generateName": {"type": "string"},
        "namespace": {"type": "string"},
        "labels": _STRING_MAP,
        "annotations": _STRING_MAP,
        "finalizers": {"type": "array", "items": {"type": "string"}},
        "ownerReferences": {"type": "array", "items": {"type": "object"}},
        "uid": {"type": "string"},
        "resourceVersion": {"type": "string"},
        "generation": {"type": "integer"},
        "creationTimestamp": {"type": ["string", "null"]},
        "deletionTimestamp": {"type": "string"},
        "deletionGracePeriodSeconds": {"type": "integer"},
        "managedFields": {"type": "array", "items": {"type": "object"}},
        "selfLink": {"type": "string"},
    },
    "additionalProperties": False,
}

DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")


def check_object_meta(meta: Any, path: str = "metadata") -> list[str]:
    """What the API server's ObjectMeta validation would reject (the common rules)."""
    errors = [
        f"{_path(path, error.absolute_path)}: {error.message}"
        for error in jsonschema.Draft4Validator(OBJECT_META).iter_errors(meta)
    ]
    return errors or _meta_rules(meta, path)


def _meta_rules(meta: dict[str, Any], path: str) -> list[str]:
    """Name, namespace and label rules of a schema-valid ObjectMeta."""
    errors = []
    name, namespace = meta.get("name"), meta.get("namespace")
    if not name:
        errors.append(f"{path}.name: required")
    elif len(name) > 253 or not DNS_SUBDOMAIN.match(name):
        errors.append(f"{path}.name: {name!r} is not a DNS-1123 subdomain")
    if namespace is not None and (len(namespace) > 63 or not DNS_LABEL.match(namespace)):
        errors.append(f"{path}.namespace: {namespace!r} is not a DNS-1123 label")
    for key, value in meta.get("labels", {}).items():
        prefix, _, label = key.rpartition("/")
        if (
            (prefix and not DNS_SUBDOMAIN.match(prefix))
            or len(label) > 63
            or not (LABEL_NAME.match(label))
        ):
            errors.append(f"{path}.labels: bad label name {key!r}")
        if len(value) > 63 or not LABEL_VALUE.match(value):
            errors.append(f"{path}.labels.{key}: bad label value {value!r}")
    return errors


# --- CRD schema -> JSON Schema ---------------------------------------------------------------

_COPIED = (
    "enum",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "required",
    "x-kubernetes-list-type",
    "x-kubernetes-list-map-keys",
    "default",  # no effect on validation; a list-map key may default (ports' protocol)
)
_IGNORED = ("description", "format", "example", "title", "x-kubernetes-map-type")


def to_json_schema(node: dict[str, Any]) -> dict[str, Any]:
    """One structural-schema node as a JSON Schema node (see the module docstring)."""
    unknown = (
        set(node)
        - set(_COPIED)
        - set(_IGNORED)
        - {
            "type",
            "properties",
            "items",
            "additionalProperties",
            "allOf",
            "anyOf",
            "oneOf",
            "not",
            "nullable",
            "x-kubernetes-preserve-unknown-fields",
            "x-kubernetes-int-or-string",
            "x-kubernetes-embedded-resource",
        }
    )
    if unknown:  # e.g. x-kubernetes-validations: never skip a rule silently
        raise NotImplementedError(f"schema keywords not handled: {sorted(unknown)}")
    out: dict[str, Any] = {key: node[key] for key in _COPIED if key in node}
    preserve = node.get("x-kubernetes-preserve-unknown-fields", False)
    kind = node.get("type")
    if node.get("x-kubernetes-int-or-string"):
        kind = None
        out.setdefault("anyOf", [{"type": "integer"}, {"type": "string"}])
    if kind is not None:
        out["type"] = [kind, "null"] if node.get("nullable") else kind
    for key in ("allOf", "anyOf", "oneOf"):
        if key in node:
            out[key] = [to_json_schema(item) for item in node[key]]
    if "not" in node:
        out["not"] = to_json_schema(node["not"])
    if "items" in node:
        out["items"] = to_json_schema(node["items"])
    properties = {name: to_json_schema(value) for name, value in node.get("properties", {}).items()}
    if node.get("x-kubernetes-embedded-resource"):
        properties.setdefault("apiVersion", {"type": "string"})
        properties.setdefault("kind", {"type": "string"})
        properties["metadata"] = OBJECT_META
        out["required"] = sorted({*out.get("required", []), "apiVersion", "kind"})
    if properties or "properties" in node:
        out["properties"] = properties
    if isinstance(node.get("additionalProperties"), dict):
        out["additionalProperties"] = to_json_schema(node["additionalProperties"])
    elif "additionalProperties" in node:
        out["additionalProperties"] = node["additionalProperties"]
    elif kind == "object" and not preserve:
        out["additionalProperties"] = False  # structural schema: unknown fields pruned
        out.setdefault("properties", {})
    return out


@lru_cache(maxsize=None)
def crd_schema(crd_path: Path, api_version: str, kind: str) -> dict[str, Any]:
    """The JSON Schema of ``kind`` at ``api_version`` (``group/version``), from the
    ``openAPIV3Schema`` of that served version of the CRD."""
    group, _, version = api_version.rpartition("/")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # 2 MB of YAML: libyaml if any
    (crd,) = [doc for doc in yaml.load_all(crd_path.read_text(), Loader=loader) if doc]
    assert crd["kind"] == "CustomResourceDefinition", crd_path
    spec = crd["spec"]
    if spec["group"] != group or spec["names"]["kind"] != kind:
        raise LookupError(f"{crd_path} defines {spec['names']['kind']} of {spec['group']}")
    served = [v for v in spec["versions"] if v["name"] == version and v.get("served")]
    if not served:
        raise LookupError(f"{api_version} is not a served version of {crd_path.name}")
    root = to_json_schema(served[0]["schema"]["openAPIV3Schema"])
    properties = root.setdefault("properties", {})
    properties["apiVersion"] = {"enum": [api_version]}
    properties["kind"] = {"enum": [kind]}
    properties["metadata"] = OBJECT_META
    root["required"] = sorted({*root.get("required", []), "apiVersion", "kind", "metadata"})
    return root


# --- validation ------------------------------------------------------------------------------


def _list_type(validator: Any, list_type: str, instance: Any, schema: dict) -> Iterator:
    if not isinstance(instance, list) or list_type not in ("set", "map"):
        return
    keys = schema.get("x-kubernetes-list-map-keys", [])
    defaults = {
        key: value["default"]
        for key, value in schema.get("items", {}).get("properties", {}).items()
        if "default" in value
    }
    seen = []
    for index, item in enumerate(instance):
        if list_type == "map":
            if not isinstance(item, dict):
                continue
            item = {**defaults, **item}  # the API server defaults before it validates
            missing = [key for key in keys if key not in item]
            if missing:
                yield jsonschema.ValidationError(f"item {index} has no map key {missing}")
                continue
            identity: Any = tuple(item[key] for key in keys)
        else:
            identity = item
        if identity in seen:
            yield jsonschema.ValidationError(f"duplicate {list_type} entry {identity!r}")
        seen.append(identity)


_Validator = jsonschema.validators.extend(
    jsonschema.Draft4Validator, {"x-kubernetes-list-type": _list_type}
)


def _path(prefix: str, parts: Any) -> str:
    text = prefix
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def validate(instance: Any, schema: dict[str, Any]) -> list[str]:
    """Every error (``path: message``), in path order; empty when valid."""
    errors = sorted(
        _Validator(schema).iter_errors(instance), key=lambda error: list(map(str, error.path))
    )
    found = [f"{_path('', error.absolute_path).lstrip('.')}: {error.message}" for error in errors]
    if not found and isinstance(instance, dict):
        found += _meta_rules(instance["metadata"], "metadata")
    return found


# --- built-in kinds: no OpenAPI offline, the required shape only -----------------------------

BUILTIN_REQUIRED: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {
    # (apiVersion, kind) -> dotted path -> required keys under it
    ("apps/v1", "Deployment"): {
        "spec": ("selector", "template"),
        "spec.selector": ("matchLabels",),
        "spec.template": ("metadata", "spec"),
        "spec.template.spec": ("containers",),
    },
    ("v1", "Service"): {"spec": ("selector", "ports")},
    ("v1", "PersistentVolumeClaim"): {
        "spec": ("accessModes", "resources"),
        "spec.resources": ("requests",),
        "spec.resources.requests": ("storage",),
    },
}
BUILTIN_TOP_LEVEL = {"apiVersion", "kind", "metadata", "spec"}
CONTAINER_REQUIRED = ("name", "image")


def _at(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return None
        obj = obj[part]
    return obj


def check_builtin(obj: dict[str, Any]) -> list[str]:
    """Structural checks of a built-in object (Deployment, Service, PVC): known kind,
    only apiVersion/kind/metadata/spec at the top, a valid ObjectMeta with a namespace, the
    keys each kind requires, and a name and image for every container."""
    key = (obj.get("apiVersion"), obj.get("kind"))
    if key not in BUILTIN_REQUIRED:
        return [f"{key}: not a kind these checks know"]
    errors = [f"{name}: unknown field" for name in sorted(set(obj) - BUILTIN_TOP_LEVEL)]
    errors += [f"{name}: required" for name in sorted(BUILTIN_TOP_LEVEL - set(obj))]
    errors += check_object_meta(obj.get("metadata"))
    if isinstance(obj.get("metadata"), dict) and "namespace" not in obj["metadata"]:
        errors.append("metadata.namespace: required")
    for dotted, required in BUILTIN_REQUIRED[key].items():
        value = _at(obj, dotted)
        if not isinstance(value, dict):
            errors.append(f"{dotted}: must be an object")
            continue
        errors += [f"{dotted}.{name}: required" for name in required if name not in value]
    for index, container in enumerate(_at(obj, "spec.template.spec.containers") or []):
        errors += [
            f"spec.template.spec.containers[{index}].{name}: required"
            for name in CONTAINER_REQUIRED
            if name not in container
        ]
    return errors
