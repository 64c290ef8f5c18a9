"""The project's own demo models, one for every revscoring model type.

``python -m revscoring_tools.demo --out DIR`` (or :func:`ensure_demo_models`) trains
and writes ``DIR/{wiki}-{model}/model.bin`` in revscoring's own model format for
enwiki-damaging, enwiki-goodfaith, enwiki-reverted, enwiki-articlequality,
enwiki-draftquality, enwiki-articletopic, enwiki-drafttopic, wikidatawiki-itemquality and
wikidatawiki-itemtopic. They are trained with revscoring's ``GradientBoosting`` on the
real ORES feature lists (draftquality without its 3 sentiment features, see
:mod:`.features`; the topic lists over small word vectors that :mod:`.vectors` trains and
``DIR/word2vec/`` holds under the production file names), over a small
labelled corpus that this package generates deterministically (:mod:`.datasets`) as the
MediaWiki API answers the server would fetch, turned into features by
:mod:`revscoring_server.revision_docs`, the same code the server uses.

They are demo models: small, trained on synthetic text, good enough to exercise the
server end to end and to behave sensibly (vandalism scores as damaging), not to judge
real edits.
"""

from .catalog import DEMO_MODEL_NAMES, DEMO_MODELS, DEMO_VERSION, DemoModel, demo_model
from .training import (
    TrainingReport,
    ensure_demo_models,
    ensure_demo_models_report,
    fingerprint,
    train_demo_models,
)

__all__ = [
    "DEMO_MODELS",
    "DEMO_MODEL_NAMES",
    "DEMO_VERSION",
    "DemoModel",
    "TrainingReport",
    "demo_model",
    "ensure_demo_models",
    "ensure_demo_models_report",
    "fingerprint",
    "train_demo_models",
]
