"""Shared utilities of the inference-services model servers.

Runtime code only (test support, incl. the embedded MediaWiki, is the separate
package ``inference_testing``). One concept per module:

- :mod:`.settings`   typed server settings, read from the environment once at start
- :mod:`.errors`     the error hierarchy (each error carries its HTTP status) and the one
                     place where errors become HTTP responses
- :mod:`.inputs`     request body decoding and field validation
- :mod:`.wikis`      Wikipedia language codes, wiki ids and hosts
- :mod:`.http`       the one outgoing HTTP client of a process and the one retry helper
- :mod:`.mediawiki`  the async MediaWiki Action API client (mwapi over the shared client)
- :mod:`.documents`  reading revision documents (main slot, text); no HTTP client
- :mod:`.edit_context`  an edit's revision, parent, user and page creation, one policy
- :mod:`.events`     revision-create / page-change event parsing and EventGate output
- :mod:`.pool`       a process pool for CPU-bound work that survives a crashed worker
- :mod:`.log`        logging, configured once at start, with request ids
- :mod:`.model`      the KServe ``Model`` base class of every service
- :mod:`.resources`  the one owner of a process's shared clients, pool, cache, engine
- :mod:`.metrics`    the HTTP metrics and their route kinds
- :mod:`.dataplane`  how request bodies (and CloudEvents) reach the models
- :mod:`.middleware` request ids, access log, metrics, and the limits of a request
- :mod:`.protocol`   uvicorn's HTTP protocol with a time limit on request headers
- :mod:`.app`        the KServe application (KServe 0.13 and 0.21 alike): ``build_app``
- :mod:`.post_only`  405 with ``Allow: POST`` and the body to send on POST-only routes
- :mod:`.lifespan`   the one startup and shutdown of a server process
- :mod:`.server`     the ``serve`` entry point (``Service``, ``uvicorn_config``)
"""

__version__ = "0.1.0"
