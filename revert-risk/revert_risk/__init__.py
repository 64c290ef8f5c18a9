"""The language-agnostic revert-risk model server (``python -m revert_risk``).

Modules: :mod:`.settings` (typed settings), :mod:`.model` (the KServe model: parse ->
fetch -> features -> predict -> format), :mod:`.request` (request parsing),
:mod:`.fetch` (batched MediaWiki lookups), :mod:`.features` (pure feature extraction),
:mod:`.classifier` (the LightGBM model and its metadata), :mod:`.events` (output events),
:mod:`.synthetic` and :mod:`.train` (training data and tool), :mod:`.bench` (measurements).
"""

__version__ = "0.1.0"
