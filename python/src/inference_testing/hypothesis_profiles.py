"""Hypothesis example counts: Hypothesis' own (100 a property) on a workstation, and the
``ci`` profile, :data:`CI_FACTOR` times as many, when the ``CI`` environment variable is
set (tox passes it through). A pytest plugin: every test suite's conftest lists it in
``pytest_plugins``; a test that sets its own ``max_examples`` passes it through
:func:`examples` so that CI raises it too.
"""

from __future__ import annotations

import os

from hypothesis import settings

CI = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")
CI_FACTOR = 3  # what `make test` affords within its 20 minutes (README: Tests)

settings.register_profile(
    "ci", max_examples=settings.get_profile("default").max_examples * CI_FACTOR
)
if CI:
    settings.load_profile("ci")


def examples(count: int) -> int:
    """A test's own example count, multiplied under CI like the profile's."""
    return count * CI_FACTOR if CI else count
