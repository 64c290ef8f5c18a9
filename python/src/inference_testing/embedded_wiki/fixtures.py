"""pytest plugin with a session-scoped embedded wiki.

Use it from a service's ``conftest.py``::

    pytest_plugins = ["inference_testing.embedded_wiki.fixtures"]

    def test_something(embedded_wiki):
        embedded_wiki.api_url      # http://127.0.0.1:PORT/w/api.php
        embedded_wiki.base_url     # http://127.0.0.1:PORT (WIKI_URL for a server)
        embedded_wiki.port
        embedded_wiki.seed["revisions"]["good_edit"]

The seeded wiki is built once into the template cache (see
:func:`inference_testing.embedded_wiki.ensure_template`) and copied into a temporary
directory per session, then served on a free loopback port and stopped at the end.
"""

from __future__ import annotations

from typing import Iterator

import pytest

from . import EmbeddedWiki


@pytest.fixture(scope="session")
def embedded_wiki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedWiki]:
    """A started copy of the seeded wiki, shared by the whole test session."""
    wiki = EmbeddedWiki.launch(tmp_path_factory.mktemp("embedded-wiki"))
    try:
        yield wiki
    finally:
        wiki.stop()
