"""Spell checking resolves as in Lift Wing's production image, whatever else is installed.

Every language tag a served model opens (found by importing the production feature lists
and collecting the pyenchant Dicts revscoring's language modules hold) must open the
provider and the dictionary file of :data:`revscoring_server.spelling.DICTIONARIES`. Run
on a machine with ``aspell-en`` installed, this is what shows the ordering beats Enchant's
default (which opens en_US/en_GB/en_AU with aspell)."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import enchant
import pytest
from revscoring.languages.features import Dictionary
from revscoring.languages.features.dictionary import MultiDictChecker

from revscoring_server import spelling
from revscoring_server.spelling import DICTIONARIES, ENCHANT_CONFIG_DIR
from revscoring_tools.liftwing_models import FEATURE_LISTS

from .support import REPO_DIR, SERVICE_DIR

HUNSPELL_DIRS = (ENCHANT_CONFIG_DIR / "hunspell", spelling.HUNSPELL_DIR)


def tags_served_models_open() -> set[str]:
    for module in FEATURE_LISTS:
        importlib.import_module(module)
    tags = set()
    for name, module in list(sys.modules.items()):
        if not name.startswith("revscoring.languages.") or module is None:
            continue
        for value in vars(module).values():
            if isinstance(value, Dictionary):  # its check is a Dict's or a module function's
                value = getattr(value.revision.datasources.dictionary_check, "__self__", None)
            if isinstance(value, enchant.Dict):
                tags.add(value.tag)
            if isinstance(value, MultiDictChecker):  # en, de, pt
                tags.update(inner.tag for inner in value.dicts)
    return tags


SERVED_TAGS = sorted(tags_served_models_open())


def test_the_service_configuration_is_in_force() -> None:
    assert os.environ["ENCHANT_CONFIG_DIR"] == str(ENCHANT_CONFIG_DIR)
    assert enchant.get_user_config_dir() == str(ENCHANT_CONFIG_DIR)
    assert (ENCHANT_CONFIG_DIR / "enchant.ordering").is_file()


def test_every_tag_served_models_open_has_a_production_dictionary() -> None:
    assert set(SERVED_TAGS) <= set(DICTIONARIES), set(SERVED_TAGS) - set(DICTIONARIES)
    # The table also has the short tags of ORES-era model files (de, en, pt: legacy_models) and
    # bn and ta, whose dictionaries production installs but revscoring 2.11 no longer opens
    # (commented out in its bengali and tamil modules).
    assert set(DICTIONARIES) - set(SERVED_TAGS) == {"de", "en", "pt", "bn", "ta"}


@pytest.mark.parametrize("tag", sorted(DICTIONARIES))
def test_tag_opens_the_production_provider(tag: str) -> None:
    expected = DICTIONARIES[tag]
    assert expected.file.is_file(), f"{expected.file} ({expected.package}) is not installed"
    assert enchant.Dict(tag).provider.name == expected.provider


def hunspell_candidates(tag: str) -> list[Path]:
    """The .dic files Enchant 2.3's hunspell provider may open for ``tag``, in its search
    order: an exact ``<tag>.dic`` (first directory wins), else any ``<tag><punct>*.dic`` in
    directory-listing order, which the filesystem decides."""
    for directory in HUNSPELL_DIRS:
        exact = directory / f"{tag}.dic"
        if exact.is_file() and exact.with_suffix(".aff").is_file():
            return [exact]
    return sorted(
        path
        for directory in HUNSPELL_DIRS
        if directory.is_dir()
        for path in directory.glob(f"{tag}*.dic")
        if len(path.stem) > len(tag)
        and not path.stem[len(tag)].isalnum()
        and path.with_suffix(".aff").is_file()
    )


@pytest.mark.parametrize(
    "tag", sorted(t for t, d in DICTIONARIES.items() if d.provider == "hunspell")
)
def test_hunspell_tag_opens_exactly_the_production_file(tag: str) -> None:
    """Every file Enchant could pick for the tag is the expected one (linked files count as
    their target): the choice never depends on directory order."""
    candidates = {path.resolve() for path in hunspell_candidates(tag)}
    assert candidates == {DICTIONARIES[tag].file.resolve()}, candidates


def dictionary_words(path: Path, every: int = 97) -> list[str]:
    """Every ``every``-th word of a hunspell .dic, decoded with its .aff's SET encoding."""
    encoding = "utf-8"
    for line in path.with_suffix(".aff").read_bytes().splitlines():
        if line.startswith(b"SET "):
            encoding = line.split()[1].decode()
    lines = path.read_bytes().splitlines()[1::every]
    return [line.decode(encoding, "replace").split("/")[0].strip() for line in lines if line]


@pytest.mark.parametrize(
    ("tag", "other"),
    [("sr", "sr_Latn_RS"), ("hu", "hu_HU"), ("pt", "pt_PT"), ("de", "de_CH"), ("en", "en_GB")],
)
def test_pinned_short_tag_checks_words_as_the_production_file(tag: str, other: str) -> None:
    """What the pinned tag accepts is what its production file accepts, on words sampled
    from both it and the file it could otherwise have opened (some of which the two
    disagree on)."""
    expected = DICTIONARIES[tag]
    assert tag in spelling.PINNED_TAGS
    words = dictionary_words(expected.file) + dictionary_words(
        spelling.HUNSPELL_DIR / f"{other}.dic"
    )
    words = [w for w in words if w]
    pinned_dict = enchant.Dict(tag)
    pinned = [pinned_dict.check(w) for w in words]
    full = enchant.Dict(expected.name)
    if full.tag == expected.name:  # the production file also opens under its own name
        assert pinned == [full.check(w) for w in words]
    alternative = enchant.Dict(other)
    if alternative.tag == other:
        assert pinned != [alternative.check(w) for w in words], f"{tag} checks as {other}"
    else:  # sr_Latn_RS has no tag of its own: the words of its file are not all accepted
        assert not all(pinned), f"{tag} accepts every word of {other}"


@pytest.mark.parametrize(
    "tag", sorted(t for t, d in DICTIONARIES.items() if d.provider == "aspell")
)
def test_aspell_only_languages_are_aspell_first(tag: str) -> None:
    """Production has only an aspell dictionary for these: aspell is tried first, so a
    hunspell dictionary installed on some machine cannot take over."""
    ordering = (ENCHANT_CONFIG_DIR / "enchant.ordering").read_text().splitlines()
    assert f"{tag}:aspell,hunspell" in ordering


def test_english_is_hunspell_even_where_aspell_english_is_installed() -> None:
    """Enchant's own ordering file puts aspell first for en_*; the service's overrides it."""
    system = Path("/usr/share/enchant-2/enchant.ordering")
    overridden = [
        line.split(":")[0]
        for line in (system.read_text().splitlines() if system.is_file() else [])
        if ":" in line and not line.startswith("*")
    ]
    ours = dict(
        line.split(":", 1)
        for line in (ENCHANT_CONFIG_DIR / "enchant.ordering").read_text().splitlines()
    )
    for tag in overridden:
        assert tag in ours, f"Enchant's ordering for {tag} would apply"
    for tag in ("en_US", "en_GB", "en_AU", "en"):
        assert ours[tag].startswith("hunspell,")
        assert enchant.Dict(tag).provider.name == "hunspell"


def test_the_production_dictionary_packages_are_installed_by_the_project() -> None:
    system = set((REPO_DIR / "system-packages.txt").read_text().split())
    wanted = {d.package for d in DICTIONARIES.values()}
    assert wanted <= system, wanted - system
    assert "aspell-en" not in system


def test_child_processes_inherit_the_configuration() -> None:
    """Pool workers and tools are child processes: they see the same Enchant setup."""
    code = (
        "import enchant; print(enchant.get_user_config_dir(), enchant.Dict('en_US').provider.name)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split() == [str(ENCHANT_CONFIG_DIR), "hunspell"]


def test_importing_enchant_first_is_refused() -> None:
    env = {k: v for k, v in os.environ.items() if k != "ENCHANT_CONFIG_DIR"}
    done = subprocess.run(
        [sys.executable, "-c", "import enchant, revscoring_server"],
        cwd=SERVICE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "SpellingSetupError" in done.stderr and "import revscoring_server first" in done.stderr
