"""Spell checking resolves as in Lift Wing's production image, whatever else is installed.

Every language tag a served model opens (found by importing the production feature lists
and collecting the pyenchant Dicts revscoring's language modules hold) must open the
provider and the dictionary file of :data:`revscoring_server.spelling.DICTIONARIES`. What
Enchant opened is observed, not rebuilt: for every tag of the table, words sampled from the
production file (and from others) get the same answers from ``enchant.Dict(tag)`` as from
that file loaded on its own (an Enchant broker in a child process whose configuration
directory holds only links to the pinned files, under names nothing else has) or, for the
aspell languages, from aspell with that language. A stray dictionary anywhere Enchant
looks (an en_US copied as ``fr.dic`` into a directory of ``XDG_DATA_DIRS``) is caught: see
``test_a_stray_dictionary_in_an_xdg_data_dir_is_caught``. Run on a machine with
``aspell-en`` installed, this is also what shows the ordering beats Enchant's default
(which opens en_US/en_GB/en_AU with aspell)."""

from __future__ import annotations

import importlib
import json
import os
import shutil
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


def dictionary_words(path: Path, every: int = 97) -> list[str]:
    """Every ``every``-th word of a hunspell .dic, decoded with its .aff's SET encoding."""
    encoding = "utf-8"
    for line in path.with_suffix(".aff").read_bytes().splitlines():
        if line.startswith(b"SET "):
            encoding = line.split()[1].decode()
    lines = path.read_bytes().splitlines()[1::every]
    return [line.decode(encoding, "replace").split("/")[0].strip() for line in lines if line]


def sample_words(dictionary: spelling.Dictionary, count: int = 150) -> list[str]:
    """About ``count`` words spread over the dictionary's own word list."""
    if dictionary.provider == "hunspell":
        size = dictionary.file.read_bytes().count(b"\n")
        words = dictionary_words(dictionary.file, every=max(1, size // count))
    else:
        dump = subprocess.run(
            ["aspell", "-d", dictionary.file.stem, "--encoding=utf-8", "dump", "master"],
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout.decode("utf-8", "replace")
        lines = dump.splitlines()
        words = [line.split("/")[0].strip() for line in lines[:: max(1, len(lines) // count)]]
    return [word for word in words if word]


# Every tag is also asked words of other languages' files (which its own mostly rejects),
# so that a file of another language in its place disagrees on many words.
OTHER_WORDS = [
    word
    for name in ("en_US", "fr", "de_DE", "sr_Latn_RS", "hu_HU", "pt_PT", "en_GB")
    for word in dictionary_words(spelling.HUNSPELL_DIR / f"{name}.dic", every=4001)
    if word
]


@pytest.fixture(scope="module")
def words() -> dict[str, list[str]]:
    return {tag: sample_words(dictionary) + OTHER_WORDS for tag, dictionary in DICTIONARIES.items()}


# Run in a child process with ENCHANT_CONFIG_DIR set to a private directory: its hunspell/
# holds links to the pinned files only, as pinnedaa.dic/.aff, pinnedab... (names no other
# dictionary has: Enchant takes an exact <tag>.dic from its configuration directory first),
# and its ordering tries aspell first for the aspell languages. It never imports
# revscoring_server. stdin: {"tags": {oracle tag: [words]}}; stdout: {oracle tag:
# [provider, [answers]]}.
ORACLE = """
import gc, json, sys
import enchant
request = json.load(sys.stdin)
answers = {}
for tag, words in request["tags"].items():
    checker = enchant.Dict(tag)
    assert checker.tag == tag, (checker.tag, tag)
    answers[tag] = [checker.provider.name, [checker.check(word) for word in words]]
    del checker
    gc.collect()
json.dump(answers, sys.stdout)
"""


def oracle_answers(
    tmp_path: Path, words: dict[str, list[str]], files: dict[str, spelling.Dictionary]
) -> dict[str, tuple[str, list[bool]]]:
    """``{key: (provider, answers)}``: ``words[key]`` checked by ``files[key]`` alone."""
    config = tmp_path / "oracle-enchant"
    (config / "hunspell").mkdir(parents=True)
    nowhere = tmp_path / "no-xdg-data"
    nowhere.mkdir()
    ordering = ["*:hunspell"]
    oracle_tags = {}
    for index, (key, dictionary) in enumerate(sorted(files.items())):
        if dictionary.provider == "hunspell":
            oracle_tag = "pinned" + chr(97 + index // 26) + chr(97 + index % 26)
            for suffix in (".dic", ".aff"):
                (config / "hunspell" / (oracle_tag + suffix)).symlink_to(
                    dictionary.file.with_suffix(suffix)
                )
        else:
            oracle_tag = dictionary.file.stem
            ordering.append(f"{oracle_tag}:aspell")
        oracle_tags[key] = oracle_tag
    (config / "enchant.ordering").write_text("\n".join(ordering) + "\n")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("XDG_")},
        "ENCHANT_CONFIG_DIR": str(config),
        "XDG_DATA_HOME": str(nowhere),
        "XDG_DATA_DIRS": str(nowhere),
        "XDG_CONFIG_HOME": str(nowhere),
        "XDG_CONFIG_DIRS": str(nowhere),
    }
    request = {"tags": {oracle_tags[key]: words[key] for key in files}}
    done = subprocess.run(
        [sys.executable, "-c", ORACLE],
        input=json.dumps(request),
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    answers = json.loads(done.stdout)
    return {key: tuple(answers[oracle_tags[key]]) for key in files}


@pytest.fixture(scope="module")
def oracle(
    words: dict[str, list[str]], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[str, list[bool]]]:
    return oracle_answers(tmp_path_factory.mktemp("oracle"), words, dict(DICTIONARIES))


def disagreements(
    tag: str, words: list[str], answers: list[bool], oracle: tuple[str, list[bool]]
) -> list[str]:
    """The words on which ``answers`` (Enchant's for ``tag``) differ from the oracle's."""
    return [
        f"{word!r}: {answer} (production file: {expected})"
        for word, answer, expected in zip(words, answers, oracle[1])
        if answer != expected
    ]


@pytest.mark.parametrize("tag", sorted(DICTIONARIES))
def test_tag_checks_words_as_its_production_dictionary(
    tag: str, words: dict[str, list[str]], oracle: dict[str, tuple[str, list[bool]]]
) -> None:
    """What ``enchant.Dict(tag)`` answers is what the production file alone answers, on
    words it accepts and words it rejects."""
    expected = DICTIONARIES[tag]
    provider, expected_answers = oracle[tag]
    assert provider == expected.provider
    assert any(expected_answers) and not all(expected_answers), "the sample cannot tell"
    checker = enchant.Dict(tag)
    assert checker.provider.name == expected.provider
    answers = [checker.check(word) for word in words[tag]]
    wrong = disagreements(tag, words[tag], answers, oracle[tag])
    assert not wrong, f"{tag}: {len(wrong)} of {len(answers)} words differ: {wrong[:5]}"


# The words of the stray-dictionary case, checked in a child process that imports
# revscoring_server (the service's configuration) with a stray fr.dic in XDG_DATA_DIRS.
SERVICE = """
import json, sys
import revscoring_server
import enchant
request = json.load(sys.stdin)
checker = enchant.Dict(request["tag"])
json.dump([checker.provider.name, [checker.check(word) for word in request["words"]]],
          sys.stdout)
"""


def test_a_stray_dictionary_in_an_xdg_data_dir_is_caught(
    tmp_path: Path, words: dict[str, list[str]], oracle: dict[str, tuple[str, list[bool]]]
) -> None:
    """An en_US dictionary copied as ``fr.dic`` into ``<dir>/hunspell`` for a ``dir`` of
    ``$XDG_DATA_DIRS`` (searched by Enchant's hunspell provider, and missed by a lookup
    rebuilt over the service's directory and /usr/share/hunspell): ``Dict("fr")`` is still
    hunspell, but it accepts "the" and rejects "maison", and the comparison with the
    production file says so."""
    stray = tmp_path / "xdg-data" / "hunspell"  # its parent goes first in XDG_DATA_DIRS
    stray.mkdir(parents=True)
    for suffix in (".dic", ".aff"):
        shutil.copyfile(spelling.HUNSPELL_DIR / f"en_US{suffix}", stray / f"fr{suffix}")
    probe = ["the", "maison"] + words["fr"]
    env = {k: v for k, v in os.environ.items() if k != "ENCHANT_CONFIG_DIR"}

    def service(extra: dict[str, str]) -> tuple[str, list[bool]]:
        done = subprocess.run(
            [sys.executable, "-c", SERVICE],
            input=json.dumps({"tag": "fr", "words": probe}),
            env={**env, **extra},
            cwd=SERVICE_DIR,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        provider, answers = json.loads(done.stdout)
        return provider, answers

    provider, answers = service({"XDG_DATA_DIRS": f"{stray.parent}:/usr/local/share:/usr/share"})
    assert provider == DICTIONARIES["fr"].provider  # the provider name cannot tell
    assert answers[:2] == [True, False]
    french = (oracle["fr"][0], [False, True] + oracle["fr"][1])
    assert len(disagreements("fr", probe, answers, french)) > len(probe) // 4
    # without the stray file, the same child process agrees with the production file
    provider, answers = service({"XDG_DATA_DIRS": "/usr/local/share:/usr/share"})
    assert not disagreements("fr", probe, answers, french)


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
