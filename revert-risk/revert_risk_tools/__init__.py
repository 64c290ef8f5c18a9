"""Tools of the revert-risk service, beside it and never copied into its image.

:mod:`.synthetic` (the synthetic training edits), :mod:`.train` (``python -m
revert_risk_tools.train --out DIR``: the demo model) and :mod:`.bench` (``python -m
revert_risk_tools.bench``: the measurements quoted in the README).
"""
