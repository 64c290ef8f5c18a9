"""The outlink topic model's predictor: a fastText model served by KServe.

Modules: :mod:`.settings` (the server's settings), :mod:`.model` (the KServe model),
:mod:`.prediction` (the protocol and its pure steps), :mod:`.taxonomy` (the 64 topics).
The training tool is ``outlink_predictor_tools.train``, beside this package.
"""
