"""Word vectors of the topic models (drafttopic's feature lists), found in ``WORD2VEC_DIR``.

drafttopic's feature list modules (``drafttopic.feature_lists.enwiki``, ``...wikidata``)
load a gensim ``KeyedVectors`` file *when they are imported*, by calling
``revscoring.datasources.meta.vectorizers.word2vec.load_gensim_kv(filename=...)``, which
tries revscoring's search directories (``vectorizers.ASSET_SEARCH_DIRS``: ``word2vec/``
under the working directory, then the literal relative paths ``~/.word2vec/`` and
``/var/share/word2vec/``) and raises a multi-line ``FileNotFoundError`` without the file
name when none has it. Unpickling a topic model imports that module.

So before the unpickler imports a module, :func:`import_feature_module` reads which
vector files the module's source asks for (a static scan of its ``load_gensim_kv`` /
``load_word2vec`` calls with a literal ``filename``), fails with one line naming the
first missing file, and imports the module with revscoring's search path set to
``WORD2VEC_DIR`` alone, for the duration of that import only (the list is restored
afterwards; loading happens at start-up, one model after another). Without
``WORD2VEC_DIR`` revscoring's own search directories are used, unchanged.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

_LOADERS = frozenset({"load_gensim_kv", "load_word2vec"})
_IMPORT_LOCK = threading.Lock()


class MissingWordVectors(Exception):
    """A feature list needs a word vector file that is not in the searched directories."""


@lru_cache(maxsize=None)
def vector_files(module: str) -> tuple[str, ...]:
    """The vector file names that importing ``module`` loads (``()`` for most modules).

    Only a module's own source is read (not executed); a module that cannot be found is
    left to the importer to report."""
    if module in sys.modules and not hasattr(sys.modules[module], "__file__"):
        return ()
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return ()
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return ()
    try:
        source = Path(spec.origin).read_text(encoding="utf-8")
    except OSError:
        return ()
    if not any(loader in source for loader in _LOADERS):
        return ()
    names = []
    for node in ast.walk(ast.parse(source, spec.origin)):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        called = function.attr if isinstance(function, ast.Attribute) else None
        if called not in _LOADERS:
            continue
        for keyword in node.keywords:
            if keyword.arg == "filename" and isinstance(keyword.value, ast.Constant):
                names.append(str(keyword.value.value))
    return tuple(names)


def search_dirs(word2vec_dir: Path | None) -> list[str]:
    """Where the vector files are looked for: ``WORD2VEC_DIR``, or revscoring's defaults."""
    if word2vec_dir is not None:
        return [str(word2vec_dir)]
    from revscoring.datasources.meta import vectorizers

    return list(vectorizers.ASSET_SEARCH_DIRS)


@contextmanager
def _searching(directories: list[str]) -> Iterator[None]:
    from revscoring.datasources.meta import vectorizers

    saved = list(vectorizers.ASSET_SEARCH_DIRS)
    vectorizers.ASSET_SEARCH_DIRS[:] = directories
    try:
        yield
    finally:
        vectorizers.ASSET_SEARCH_DIRS[:] = saved


def import_feature_module(module: str, word2vec_dir: Path | None) -> None:
    """Import ``module`` (if not imported yet) so that its word vectors come from
    ``word2vec_dir``; :class:`MissingWordVectors` names a missing file."""
    if module in sys.modules:
        return
    files = vector_files(module)
    if not files:
        return
    directories = search_dirs(word2vec_dir)
    for name in files:
        if not any((Path(directory) / name).is_file() for directory in directories):
            where = (
                f"WORD2VEC_DIR {word2vec_dir}"
                if word2vec_dir is not None
                else "revscoring's search directories "
                + ", ".join(directories)
                + " (set WORD2VEC_DIR)"
            )
            raise MissingWordVectors(
                f"{module} needs the word vectors {name}, not found in {where}"
            )
    with _IMPORT_LOCK, _searching(directories):
        importlib.import_module(module)
