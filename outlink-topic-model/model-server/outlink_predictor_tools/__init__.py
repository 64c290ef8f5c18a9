"""Tools of the outlink predictor, beside it and never copied into its image.

:mod:`.train` (``python -m outlink_predictor_tools.train --out DIR``: the demo fastText model).
"""
