"""The errors feature extraction of a legacy model raises.

A file that cannot be loaded raises the shared
:class:`inference_common.errors.ModelLoadError` (the server exits with its one line);
these two are raised while solving features and are translated into the shared hierarchy
by :func:`revscoring_server.scoring.translate_error`.
"""

from __future__ import annotations


class ExtractionError(Exception):
    """Base of the errors of feature extraction; every message is one line."""


class MissingInputError(ExtractionError):
    """Extraction needs a datasource value that was not given."""


class FeatureExtractionError(ExtractionError):
    """A feature's code failed on the given values."""


def one_line(message: str, limit: int = 300) -> str:
    text = " ".join(message.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
