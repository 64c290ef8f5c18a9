"""How request bodies reach the models: KServe's data plane, with one decoding of
CloudEvents and none of JSON (the models decode every body alike)."""

from __future__ import annotations

from typing import Any

import cloudevents.exceptions as cloudevents_errors
from cloudevents.http import from_http
from cloudevents.sdk.converters.util import has_binary_headers
from kserve.protocol.dataplane import DataPlane
from kserve.utils.utils import is_structured_cloudevent

from .errors import InvalidInput
from .inputs import decode_body


class JsonDataPlane(DataPlane):
    """KServe's data plane, but every request body reaches the model as the raw bytes sent
    (or a CloudEvent's raw data), whatever the Content-Type: :func:`.inputs.decode_body`
    (called by :meth:`.JsonModel.preprocess`) is the one parser, so a body gets the same
    answer as JSON, form, text or an event. KServe's own decoding differs by Content-Type
    (and in 0.13 fails with a 500 on an empty binary CloudEvent)."""

    def decode(  # type: ignore[override]
        self,
        body: Any,
        headers: dict[str, str] | None,
        protocol_version: str | None = None,  # KServe 0.21 passes these; the body decides
        model_name: str | None = None,
    ) -> tuple[Any, dict]:
        headers = {key.lower(): value for key, value in (headers or {}).items()}
        if has_binary_headers(headers):
            try:  # the identity unmarshaller keeps the data as the bytes that were sent
                event = from_http(headers, body, lambda data: data)
            except cloudevents_errors.GenericException as error:
                raise InvalidInput(f"invalid CloudEvent headers: {error}") from None
            data = event.get_data()
            return (b"" if data is None else data), event.get_attributes()
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "application/cloudevents+json":  # a structured CloudEvent
            document = decode_body(body)
            if is_structured_cloudevent(document):
                attributes = dict(document)
                return attributes.pop("data"), attributes
            return document, {}
        return body, {}
