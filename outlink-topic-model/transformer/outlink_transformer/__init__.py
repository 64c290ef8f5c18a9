"""The outlink topic model's transformer: from a page to its outlinks' Wikidata ids,
scored by the predictor over HTTP (KServe's transformer pattern).

Modules: :mod:`.settings`, :mod:`.model` (the KServe model: thin orchestration),
:mod:`.request` (input checks), :mod:`.outlinks` (MediaWiki fetch and the feature
string), :mod:`.predictor_client` (the HTTP side of the predictor protocol),
:mod:`.output` (Lift Wing's response shape).
"""
