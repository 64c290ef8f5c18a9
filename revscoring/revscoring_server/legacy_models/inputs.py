"""A legacy model's inputs: its root datasources, given as root values or API documents.

Datasources whose implementation moved since the model was trained: revscoring 2.2 had
``revision.timestamp`` and the like as roots the API extractor filled in, revscoring 2.11
derives them (:func:`input_context`). The values extraction starts from become a solve
cache (:func:`root_cache`); a value the model needs and was not given raises
:class:`.errors.MissingInputError` naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from types import MappingProxyType
from typing import Any

from revscoring.datasources import Datasource, revision_oriented
from revscoring.dependencies import Dependent, expand
from revscoring.dependencies.dependent import not_implemented
from revscoring.extractors.api import revision_oriented as api_revision_oriented

from .errors import MissingInputError

# Root datasources revscoring 2.11 derives from a ``*_str`` datasource (``revision.timestamp``
# from ``revision.timestamp_str``, ...). revscoring 2.2 had them as roots that the API
# extractor filled in directly, so old pickles hold them unimplemented.
_TODAY_DERIVED: Mapping[str, Datasource] = MappingProxyType(
    {
        datasource.name: datasource
        for datasource in revision_oriented.revision
        if datasource.process is not not_implemented
    }
)
_STRING_INPUTS: Mapping[str, str] = MappingProxyType(
    {
        name: datasource.dependencies[0].name
        for name, datasource in _TODAY_DERIVED.items()
        if [d.name for d in datasource.dependencies] == [name + "_str"]
    }
)


def root_cache(values: Mapping[str, Any]) -> dict[Dependent, Any]:
    """The solve cache for the given values. A timestamp given as text (as in JSON) goes to
    its ``*_str`` datasource, from which revscoring 2.11 derives the Timestamp."""
    cache: dict[Dependent, Any] = {}
    for name, value in values.items():
        if name in _STRING_INPUTS and (value is None or isinstance(value, str)):
            name = _STRING_INPUTS[name]
        cache[Datasource(name)] = value
    return cache


def input_context(graph: list[Dependent], steps: list[str]) -> dict[Dependent, Dependent]:
    """Implementations for the unimplemented (root) datasources of the model's graph.

    * an old root that revscoring 2.11 derives (``revision.timestamp``, ...) gets today's
      same-named, implemented datasource: revscoring replaces a dependent found in the
      solve context, matching by name;
    * roots that are read from API documents get revscoring's own API-extractor derivations,
      so that the documents can be given instead of root values;
    * every other root fails with a :class:`MissingInputError` naming it.
    """
    implemented = {d.name for d in graph if getattr(d, "process", None) is not not_implemented}
    context: dict[Dependent, Dependent] = {
        d: d for d in _api_document_context() if d.name not in implemented
    }
    replaced = []
    for dependent in graph:
        if getattr(dependent, "process", None) is not not_implemented:
            continue
        if dependent.name in _TODAY_DERIVED:
            context[dependent] = _TODAY_DERIVED[dependent.name]
            replaced.append(dependent.name)
        elif dependent not in context:
            context[dependent] = _input_placeholder(dependent.name)
    for dependent in expand(list(context.values())):
        if dependent.process is not_implemented and dependent not in context:
            context[dependent] = _input_placeholder(dependent.name)
    if replaced:
        steps.append(
            "old root datasources derived as in revscoring 2.11: " + ", ".join(sorted(replaced))
        )
    return context


def _api_document_context() -> list[Dependent]:
    """revscoring's API-extractor datasources (``revision.text`` read from
    ``revision.doc['slots']['main']['*']``, ...) with the documents themselves as inputs."""
    documents = _InputDocuments()
    tree = api_revision_oriented.Revision(
        revision_oriented.revision,
        documents,
        documents.get_rev_doc_by_id(revision_oriented.revision),
        id_datasource=revision_oriented.revision.id,
    )
    dependents = [dependent for dependent in tree if dependent.process is not not_implemented]
    for document in documents.created:
        read_from = sorted(d.name for d in dependents if document in d.dependencies)
        document.process = partial(_missing_input, document.name, tuple(read_from))
    return dependents


class _InputDocuments:
    """Stands where revscoring's ``api.Extractor`` fetches documents: here they are inputs,
    named as the extractor names them."""

    def __init__(self) -> None:
        self.created: list[Datasource] = []

    def _document(self, name: str) -> Datasource:
        document = _input_placeholder(name)
        self.created.append(document)
        return document

    def get_rev_doc_by_id(self, revision: Any) -> Datasource:
        return self._document(revision._name + ".doc")

    def get_page_creation_rev_doc(self, page: Any) -> Datasource:
        return self._document(page.creation._name + ".doc")

    def get_user_info_doc(self, user: Any) -> Datasource:
        return self._document(user.info._name + ".doc")

    def get_last_user_rev_doc(self, revision: Any) -> Datasource:
        return self._document(revision.user.last_revision._name + ".doc")

    def get_property_suggestion_search_doc(self, page: Any) -> Datasource:
        return self._document(page.suggested.properties.name + ".doc")


def _input_placeholder(name: str) -> Datasource:
    return Datasource(name, partial(_missing_input, name, ()))


def _missing_input(name: str, read_from: tuple[str, ...]) -> Any:
    if read_from:
        shown = ", ".join(read_from[:4]) + (", ..." if len(read_from) > 4 else "")
        raise MissingInputError(f"no value for {name!r} nor for the values read from it ({shown})")
    raise MissingInputError(f"no value for datasource {name!r}")
