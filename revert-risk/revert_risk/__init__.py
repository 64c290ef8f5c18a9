"""The language-agnostic revert-risk model server (``python -m revert_risk``).

Modules: :mod:`.settings` (typed settings), :mod:`.model` (the KServe model: parse ->
fetch -> features -> predict -> format), :mod:`.request` (request parsing),
:mod:`.fetch` (batched MediaWiki lookups), :mod:`.features` (pure feature extraction),
:mod:`.classifier` (the LightGBM model and its metadata), :mod:`.events` (output events).
Training data, the training tool and the measurements are in ``revert_risk_tools``.
"""

__version__ = "0.1.0"
