"""Which spelling dictionary each language tag opens: the one Lift Wing's production opens.

revscoring's language modules ask Enchant (through pyenchant) for a dictionary by tag
(``enchant.Dict("nl")``, ``"en_US"``, ...) and count the words it knows. Which provider and
which file answer depend on the machine: Enchant's default ordering prefers aspell for
``en_*`` (so installing ``aspell-en`` silently swaps English from hunspell to aspell, and
moves enwiki scores by up to 0.2), and a short tag with no ``<tag>.dic`` opens the first
``<tag>_*.dic`` the directory listing happens to return (``"sr"``: Cyrillic ``sr_RS`` or
Latin ``sr_Latn_RS``).

The service therefore ships its own Enchant configuration directory (``enchant/`` beside
this module) and points ``ENCHANT_CONFIG_DIR`` at it before pyenchant creates its broker
(pyenchant does that when ``enchant`` is first imported; :func:`use_production_dictionaries`
runs from the package's ``__init__``, so the server, its pool workers and every tool that
imports ``revscoring_server`` get it):

* ``enchant/enchant.ordering``: hunspell first, as in production, which installs only
  hunspell dictionaries for every language except bn, el, is, pl, ro, sv, ta and uk (aspell
  only: aspell first there, so a local hunspell dictionary cannot take over) and fi
  (voikko);
* ``enchant/hunspell/<tag>.dic``: links that pin the short tags with several different
  candidate files (Enchant's hunspell provider takes an exact ``<tag>.dic`` from this
  directory before scanning the system's).

:data:`DICTIONARIES` is the expected result, tag by tag; ``tests/test_spelling.py`` checks
that every tag a served model opens resolves to it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

ENCHANT_CONFIG_DIR = Path(__file__).resolve().with_name("enchant")
HUNSPELL_DIR = Path("/usr/share/hunspell")
ASPELL_DIR = Path("/usr/lib/aspell")


@dataclass(frozen=True)
class Dictionary:
    """The dictionary production opens for a tag."""

    provider: str  # the Enchant provider: "hunspell" or "aspell"
    file: Path  # the dictionary file it reads (a symlink's target, for linked files)
    package: str  # the Debian (bookworm) package installing it

    @property
    def name(self) -> str:
        """``sr_RS`` for ``/usr/share/hunspell/sr_RS.dic``."""
        return self.file.stem


def _hunspell(file: str, package: str) -> Dictionary:
    return Dictionary("hunspell", HUNSPELL_DIR / f"{file}.dic", package)


def _aspell(tag: str, package: str) -> Dictionary:
    return Dictionary("aspell", ASPELL_DIR / f"{tag}.multi", package)


DICTIONARIES: Mapping[str, Dictionary] = MappingProxyType(
    {
        # tags revscoring 2.11's language modules open
        "ar": _hunspell("ar", "hunspell-ar"),
        "bn": _aspell("bn", "aspell-bn"),
        "bs": _hunspell("bs_BA", "hunspell-bs"),
        "ca": _hunspell("ca", "hunspell-ca"),
        "cs": _hunspell("cs_CZ", "hunspell-cs"),
        "de_AT": _hunspell("de_AT", "hunspell-de-at"),
        "de_CH": _hunspell("de_CH", "hunspell-de-ch"),
        "de_DE": _hunspell("de_DE", "hunspell-de-de"),
        "el": _aspell("el", "aspell-el"),
        "en_AU": _hunspell("en_AU", "hunspell-en-au"),
        "en_GB": _hunspell("en_GB", "hunspell-en-gb"),
        "en_US": _hunspell("en_US", "hunspell-en-us"),
        "es": _hunspell("es_ES", "hunspell-es"),
        "et": _hunspell("et_EE", "myspell-et"),
        "eu": _hunspell("eu", "hunspell-eu"),
        "fa": _hunspell("fa_IR", "myspell-fa"),  # fa.dic links to fa_IR.dic
        "fr": _hunspell("fr", "hunspell-fr"),  # fr.dic: from its dependency hunspell-fr-classical
        "gl": _hunspell("gl_ES", "hunspell-gl"),
        "he": _hunspell("he_IL", "hunspell-he"),
        "hi": _hunspell("hi_IN", "hunspell-hi"),
        "hr": _hunspell("hr_HR", "hunspell-hr"),
        # hu_HU_u8 (UTF-8) or hu_HU (ISO-8859-2, which rejects ~1% of the words the UTF-8
        # one accepts, e.g. "vádlás"): pinned to the UTF-8 one
        "hu": _hunspell("hu_HU_u8", "myspell-hu"),
        "id": _hunspell("id_ID", "hunspell-id"),
        "is": _aspell("is", "aspell-is"),
        "it": _hunspell("it_IT", "hunspell-it"),  # it_CH links to it_IT
        "lv": _hunspell("lv_LV", "hunspell-lv"),
        "nb": _hunspell("nb_NO", "myspell-nb"),
        "nl": _hunspell("nl", "hunspell-nl"),
        "pl": _aspell("pl", "aspell-pl"),
        "pt_BR": _hunspell("pt_BR", "hunspell-pt-br"),
        "pt_PT": _hunspell("pt_PT", "hunspell-pt-pt"),
        "ro": _aspell("ro", "aspell-ro"),
        "ru": _hunspell("ru_RU", "hunspell-ru"),
        # sr_RS (Cyrillic; sr_ME links to it) or sr_Latn_RS: pinned to the Cyrillic one
        "sr": _hunspell("sr_RS", "hunspell-sr"),
        "sv": _aspell("sv", "aspell-sv"),
        "ta": _aspell("ta", "aspell-ta"),
        "uk": _aspell("uk", "aspell-uk"),
        "vi": _hunspell("vi_VN", "hunspell-vi"),
        # short tags ORES-era model files carry in pickled Dicts (legacy_models.unpickle): pinned
        "de": _hunspell("de_DE", "hunspell-de-de"),
        "en": _hunspell("en_US", "hunspell-en-us"),
        "pt": _hunspell("pt_BR", "hunspell-pt-br"),
    }
)
"""Language tag -> the dictionary production opens for it."""

PINNED_TAGS: frozenset[str] = frozenset(
    path.stem for path in (ENCHANT_CONFIG_DIR / "hunspell").glob("*.dic")
)
"""Short tags whose hunspell file is pinned by a link in ``enchant/hunspell/``."""


class SpellingSetupError(RuntimeError):
    """pyenchant was set up before the production ordering could be put in force."""


def use_production_dictionaries() -> None:
    """Point Enchant at the service's configuration (see the module's docstring).

    Must run before ``enchant`` is first imported: pyenchant creates its broker, which reads
    the ordering once, at import. Child processes inherit the setting through the
    environment.
    """
    wanted = str(ENCHANT_CONFIG_DIR)
    if "enchant" in sys.modules and os.environ.get("ENCHANT_CONFIG_DIR") != wanted:
        raise SpellingSetupError(
            "pyenchant was imported before revscoring_server, so its broker does not use the "
            f"service's Enchant configuration ({wanted}): import revscoring_server first"
        )
    os.environ["ENCHANT_CONFIG_DIR"] = wanted
