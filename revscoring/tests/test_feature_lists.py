"""Every feature list production built the 110 Lift Wing models from imports with the
service's requirements and system packages: the language resources (enchant dictionaries,
NLTK stopwords, hanziconv, langdetect, ...) are all installed by the project's own files."""

from __future__ import annotations

import importlib
import importlib.util

import pytest

from revscoring_tools.liftwing_models import FEATURE_LISTS, TOPIC_FEATURE_LISTS


@pytest.mark.parametrize("module", FEATURE_LISTS)
def test_feature_list_imports(module: str) -> None:
    features = importlib.import_module(module)
    # each production feature list module exposes at least one list of revscoring features
    lists = [v for v in vars(features).values() if isinstance(v, list) and v]
    assert lists, f"{module} defines no feature list"


@pytest.mark.parametrize("module", sorted(TOPIC_FEATURE_LISTS))
def test_topic_feature_list_is_installed_and_names_its_vectors(module: str) -> None:
    """Topic lists load a word2vec file when imported (provided by `make catalog`, not pip):
    here only that drafttopic ships the module and which file it needs."""
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None, f"{module} is not installed"
    with open(spec.origin, encoding="utf-8") as source:
        assert TOPIC_FEATURE_LISTS[module] in source.read()
