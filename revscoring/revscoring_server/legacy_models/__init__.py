"""Load ORES-era revscoring model binaries on today's stack and score them as they scored.

The ORES models were pickled by revscoring 2.2 - 2.10 with scikit-learn 0.19 - 0.22, deltas
0.4 - 0.6 and pyenchant 1.6 / 2.0. This package makes such a file load and score the way the
stack that trained it did, on revscoring 2.11.13 + scikit-learn 1.9.1, without touching any
library's global state (no module aliases in ``sys.modules``, no patched classes).

One module per layer (each step is recorded in ``LoadedModel.compat_steps`` when it applies):

* :mod:`.unpickle`: reading the file and unpickling it: renamed scikit-learn modules,
  classes and functions that no longer exist, old tree node arrays, and pinned spell-check
  dictionaries;
* :mod:`.estimators`: after loading, the attributes scikit-learn 1.9 expects of estimators
  pickled by 0.19 - 0.22;
* :mod:`.inputs`: at extraction, the root datasources whose implementation moved since the
  model was trained, given as root values or API documents;
* :mod:`.drift`: at extraction, the deltas tokenizer/segmenter of the training stack, chosen
  by the model's recorded ``revscoring_version``;
* :mod:`.loader`: :func:`load_model`, :class:`LoadedModel`, :func:`extract_features`,
  :func:`context_key`, :func:`score` (the API; see its docstring);
* :mod:`.errors`: the errors of extraction. A file that cannot load raises the shared
  :class:`inference_common.errors.ModelLoadError`.

Spell checking needs no emulation beyond pinning: a model's pickled feature graph carries its
own enchant dictionaries (revscoring < 2.6.2 English: one ``en`` Dict; later: en_US, en_GB and
en_AU), so today's language modules are never consulted. Each pickled Dict is reopened by its
tag with the service's Enchant configuration, and must open the provider and file production
opens (:data:`revscoring_server.spelling.DICTIONARIES`, which pins the short tags old models
carry: ``en``, ``de``, ``pt``).

``load_model`` collects scikit-learn's version warnings with ``warnings.catch_warnings``,
which is process-wide while it runs: load models at start, not from concurrent threads.
"""

from __future__ import annotations

from .errors import ExtractionError, FeatureExtractionError, MissingInputError
from .loader import LoadedModel, context_key, extract_features, load_model, score

__all__ = [
    "ExtractionError",
    "FeatureExtractionError",
    "LoadedModel",
    "MissingInputError",
    "context_key",
    "extract_features",
    "load_model",
    "score",
]
