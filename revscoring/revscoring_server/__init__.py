"""The revscoring model server.

Importing the package puts the production spelling dictionaries in force (before anything
imports pyenchant): see :mod:`revscoring_server.spelling`.
"""

from .spelling import use_production_dictionaries

use_production_dictionaries()
