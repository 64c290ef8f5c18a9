"""Test support of the inference-services model servers (never installed in an image).

- :mod:`.harness`        the shared bad-input tables, :func:`~.harness.assert_error`, and
                         running a server's real entry point as a process (``serving``)
- :mod:`.embedded_wiki`  a real MediaWiki on loopback for the tests and the demo, with its
                         CLI (``python -m inference_testing.embedded_wiki``) and its pytest
                         plugin (``pytest_plugins = ["inference_testing.embedded_wiki.fixtures"]``)
- :mod:`.gateway`        the front door (``gateway/``: keys, rendered configuration, a real
                         ``haproxy``) in front of servers a test started, and its tokens
- :mod:`.hypothesis_profiles` a pytest plugin: more Hypothesis examples when ``CI`` is set
"""
