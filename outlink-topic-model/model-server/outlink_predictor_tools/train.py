"""Train a small outlink topic model (fastText, one-vs-all) on deterministic synthetic data.

    python -m outlink_predictor_tools.train --out DIR [--force]

writes ``DIR/model.bin`` (what the predictor loads from ``MODEL_PATH``) and
``DIR/model.json`` (how it was made). The production model is trained by Wikimedia on
real Wikipedia outlinks; this one stands in for it in tests, demos and containers.

The data: every one of the 64 topics (:mod:`.taxonomy`) owns a pool of Wikidata ids,
made of real, well-known ids that belong to it (:data:`ANCHORS`, including every id the
embedded test wiki's pages link to) and synthetic ids (``Q900000000`` and up, far above
any id Wikidata has given out). An example article has one topic, sometimes two, plus the
starred parents they imply, and 1 to about 60 links: to ids of its topics' pools (an
anchor brings all its topics into the labels), often to a few ids of an unrelated topic,
and to generic ids that any article may link to. Every anchor also appears in a few
examples of its own topics, so none is out of vocabulary. A seeded
:class:`random.Random` makes the data the same on every run, and fastText trains on one
thread with a fixed seed.

:func:`ensure_model` reuses a model already in ``DIR`` when the training data, the
parameters and the fastText version hash to the same key, so tests train once.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import random
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from outlink_predictor.taxonomy import LABEL_PREFIX, TOPICS, parent_of

# Real Wikidata ids and the topics an article linking to them is likely about.
ANCHORS: dict[str, tuple[str, ...]] = {
    # people
    "Q5": ("Culture.Biography.Biography*",),  # human
    "Q6581097": ("Culture.Biography.Biography*",),  # male
    "Q6581072": ("Culture.Biography.Women",),  # female
    "Q82955": ("History_and_Society.Politics_and_government",),  # politician
    "Q937857": ("Culture.Sports",),  # association football player
    # literature and media
    "Q36180": ("Culture.Literature",),  # writer
    "Q6625963": ("Culture.Literature",),  # novelist
    "Q8261": ("Culture.Literature", "Culture.Media.Books"),  # novel
    "Q571": ("Culture.Media.Books", "Culture.Literature"),  # book
    "Q7725634": ("Culture.Literature",),  # literary work
    "Q1667921": ("Culture.Literature", "Culture.Media.Books"),  # novel series
    "Q132311": ("Culture.Literature",),  # fantasy (genre)
    "Q8274": ("Culture.Visual_arts.Comics_and_Anime",),  # manga
    "Q1004": ("Culture.Visual_arts.Comics_and_Anime",),  # comics
    "Q1107": ("Culture.Visual_arts.Comics_and_Anime",),  # anime
    "Q11424": ("Culture.Media.Films",),  # film
    "Q33999": ("Culture.Media.Entertainment", "Culture.Performing_arts"),  # actor
    "Q5398426": ("Culture.Media.Television",),  # television series
    "Q7889": ("Culture.Media.Video_games",),  # video game
    "Q638": ("Culture.Media.Music",),  # music
    "Q482994": ("Culture.Media.Music",),  # album
    "Q177220": ("Culture.Media.Music",),  # singer
    "Q872": ("Culture.Media.Radio",),  # radio
    "Q7397": ("Culture.Media.Software",),  # software
    "Q11635": ("Culture.Performing_arts",),  # theatre
    "Q735": ("Culture.Visual_arts.Visual_arts*",),  # art
    "Q3305213": ("Culture.Visual_arts.Visual_arts*",),  # painting
    "Q12271": ("Culture.Visual_arts.Architecture",),  # architecture
    "Q41176": ("Culture.Visual_arts.Architecture",),  # building
    "Q12684": ("Culture.Visual_arts.Fashion",),  # fashion
    "Q2095": ("Culture.Food_and_drink",),  # food
    "Q40050": ("Culture.Food_and_drink",),  # drink
    "Q75": ("Culture.Internet_culture",),  # Internet
    "Q52": ("Culture.Internet_culture",),  # Wikipedia
    "Q34770": ("Culture.Linguistics",),  # language
    "Q8162": ("Culture.Linguistics",),  # linguistics
    "Q1860": ("Culture.Linguistics",),  # English
    "Q9174": ("Culture.Philosophy_and_religion",),  # religion
    "Q5891": ("Culture.Philosophy_and_religion",),  # philosophy
    "Q349": ("Culture.Sports",),  # sport
    "Q2736": ("Culture.Sports",),  # association football
    # places
    "Q2": ("Geography.Geographical", "STEM.Earth_and_environment"),  # Earth
    "Q515": ("Geography.Geographical",),  # city
    "Q8502": ("Geography.Geographical", "STEM.Earth_and_environment"),  # mountain
    "Q4022": ("Geography.Geographical",),  # river
    "Q30": ("Geography.Regions.Americas.North_America",),  # United States
    "Q16": ("Geography.Regions.Americas.North_America",),  # Canada
    "Q800": ("Geography.Regions.Americas.Central_America",),  # Costa Rica
    "Q155": ("Geography.Regions.Americas.South_America",),  # Brazil
    "Q414": ("Geography.Regions.Americas.South_America",),  # Argentina
    "Q145": ("Geography.Regions.Europe.Northern_Europe",),  # United Kingdom
    "Q84": ("Geography.Regions.Europe.Northern_Europe",),  # London
    "Q34": ("Geography.Regions.Europe.Northern_Europe",),  # Sweden
    "Q142": ("Geography.Regions.Europe.Western_Europe",),  # France
    "Q90": ("Geography.Regions.Europe.Western_Europe",),  # Paris
    "Q183": ("Geography.Regions.Europe.Western_Europe",),  # Germany
    "Q38": ("Geography.Regions.Europe.Southern_Europe",),  # Italy
    "Q29": ("Geography.Regions.Europe.Southern_Europe",),  # Spain
    "Q36": ("Geography.Regions.Europe.Eastern_Europe",),  # Poland
    "Q46": ("Geography.Regions.Europe.Europe*",),  # Europe
    "Q159": ("Geography.Regions.Europe.Eastern_Europe", "Geography.Regions.Asia.North_Asia"),
    "Q148": ("Geography.Regions.Asia.East_Asia",),  # China
    "Q17": ("Geography.Regions.Asia.East_Asia",),  # Japan
    "Q668": ("Geography.Regions.Asia.South_Asia",),  # India
    "Q252": ("Geography.Regions.Asia.Southeast_Asia",),  # Indonesia
    "Q794": ("Geography.Regions.Asia.West_Asia",),  # Iran
    "Q232": ("Geography.Regions.Asia.Central_Asia",),  # Kazakhstan
    "Q48": ("Geography.Regions.Asia.Asia*",),  # Asia
    "Q15": ("Geography.Regions.Africa.Africa*",),  # Africa
    "Q974": ("Geography.Regions.Africa.Central_Africa",),  # DR Congo
    "Q114": ("Geography.Regions.Africa.Eastern_Africa",),  # Kenya
    "Q79": ("Geography.Regions.Africa.Northern_Africa",),  # Egypt
    "Q258": ("Geography.Regions.Africa.Southern_Africa",),  # South Africa
    "Q1033": ("Geography.Regions.Africa.Western_Africa",),  # Nigeria
    "Q408": ("Geography.Regions.Oceania",),  # Australia
    "Q664": ("Geography.Regions.Oceania",),  # New Zealand
    # history and society
    "Q8134": ("History_and_Society.Business_and_economics",),  # economics
    "Q783794": ("History_and_Society.Business_and_economics",),  # company
    "Q8434": ("History_and_Society.Education",),  # education
    "Q3918": ("History_and_Society.Education",),  # university
    "Q309": ("History_and_Society.History",),  # history
    "Q198": ("History_and_Society.Military_and_warfare",),  # war
    "Q178561": ("History_and_Society.Military_and_warfare",),  # battle
    "Q7163": ("History_and_Society.Politics_and_government",),  # politics
    "Q7278": ("History_and_Society.Politics_and_government",),  # political party
    "Q8425": ("History_and_Society.Society",),  # society
    "Q7590": ("History_and_Society.Transportation",),  # transport
    "Q1420": ("History_and_Society.Transportation",),  # car
    "Q11446": ("History_and_Society.Transportation",),  # ship
    # STEM
    "Q420": ("STEM.Biology",),  # biology
    "Q7868": ("STEM.Biology",),  # cell
    "Q2329": ("STEM.Chemistry",),  # chemistry
    "Q11344": ("STEM.Chemistry",),  # chemical element
    "Q21198": ("STEM.Computing",),  # computer science
    "Q11660": ("STEM.Computing",),  # artificial intelligence
    "Q1069": ("STEM.Earth_and_environment",),  # geology
    "Q11023": ("STEM.Engineering",),  # engineering
    "Q7075": ("STEM.Libraries_&_Information",),  # library
    "Q395": ("STEM.Mathematics",),  # mathematics
    "Q11190": ("STEM.Medicine_&_Health",),  # medicine
    "Q12136": ("STEM.Medicine_&_Health",),  # disease
    "Q413": ("STEM.Physics",),  # physics
    "Q336": ("STEM.STEM*",),  # science
    "Q525": ("STEM.Space",),  # Sun
    "Q111": ("STEM.Space",),  # Mars
    "Q11016": ("STEM.Technology",),  # technology
}

# The embedded test wiki (inference_testing.embedded_wiki.seed) gives its pages synthetic
# ids: hand-written articles Q7000001.., the pages "Wings of Fire (novel series)" links to
# Q7100001.. (in the seed's order), minor planet stubs Q7200001... A test checks that every
# id its outlink pages link to is here, so a real page of that wiki gets sensible topics.
LIT = "Culture.Literature"
BOOKS = "Culture.Media.Books"
BIO = "Culture.Biography.Biography*"
WOMEN = "Culture.Biography.Women"
FOOD = "Culture.Food_and_drink"
SEEDED: dict[str, tuple[str, ...]] = {
    "Q7000001": ("Culture.Visual_arts.Architecture", "History_and_Society.Transportation"),
    "Q7000002": ("STEM.Biology",),  # Honey bee
    "Q7000003": ("STEM.Earth_and_environment", "Geography.Regions.Europe.Southern_Europe"),
    "Q7000004": ("Culture.Sports",),  # Chess
    "Q7000005": ("Culture.Sports", "Geography.Regions.Europe.Western_Europe"),  # Tour de France
    "Q7000006": ("Geography.Geographical", "Geography.Regions.Europe.Europe*"),  # Danube
    "Q7000007": (FOOD,),  # Sourdough
    "Q7000008": (FOOD, "Geography.Regions.Asia.East_Asia"),  # Green tea
    "Q7000009": (LIT, BOOKS),  # Wings of Fire (novel series)
    "Q7000010": (FOOD, "Geography.Regions.Europe.Northern_Europe"),  # Ploughman's lunch
    "Q7000011": (FOOD, "Geography.Regions.Europe.Western_Europe"),  # Stroopwafel
    "Q7000012": (FOOD, "Geography.Regions.Europe.Western_Europe"),  # Schwarzwälder Kirschtorte
    "Q7100001": (BIO, WOMEN, LIT),  # Tui T. Sutherland
    "Q7100002": (BIO, "Culture.Visual_arts.Visual_arts*"),  # Joy Ang
    "Q7100003": (BIO, "Culture.Visual_arts.Comics_and_Anime"),  # Mike Holmes (illustrator)
    "Q7100004": (LIT,),  # Fantasy
    "Q7100005": (LIT,),  # Middle-grade literature
    "Q7100006": ("History_and_Society.Business_and_economics", BOOKS),  # Scholastic Corporation
    "Q7100007": (BOOKS,),  # Audiobook
    "Q7100008": (BOOKS, LIT),  # Book series
    "Q7100009": (LIT,),  # Children's literature
    "Q7100010": ("Culture.Philosophy_and_religion",),  # Dragon
    "Q7100011": (BOOKS,),  # The New York Times Best Seller list
    "Q7100012": ("Culture.Media.Media*", "Geography.Regions.Americas.North_America"),  # NYT
    "Q7100013": (LIT,),  # Pyrrhia
    "Q7100014": (LIT,),  # Pantala
    "Q7100015": (LIT,),  # Worldbuilding
    "Q7100016": (BOOKS,),  # Kirkus Reviews
    "Q7100017": ("Culture.Philosophy_and_religion",),  # Prophecy
    "Q7100018": (LIT, BOOKS),  # The Dragonet Prophecy
    "Q7100019": (LIT, BOOKS),  # The Lost Heir
    "Q7100020": (LIT, BOOKS),  # The Hidden Kingdom
    "Q7100021": (LIT, BOOKS),  # The Dark Secret
    "Q7100022": (LIT, BOOKS),  # The Brightest Night
    "Q7100023": (LIT, BOOKS),  # Darkstalker (novel)
    "Q7100024": (LIT, BOOKS),  # Warriors (novel series)
    "Q7100025": (BOOKS,),  # Publishers Weekly
    "Q7100026": ("Culture.Visual_arts.Comics_and_Anime",),  # Graphic novel
    "Q7100027": ("Culture.Media.Television", "Culture.Internet_culture"),  # Netflix
    "Q7100028": ("Culture.Media.Television",),  # Animated series
    "Q7100029": (BIO, WOMEN, "Culture.Media.Films"),  # Ava DuVernay
}
SEEDED.update({f"Q{7200001 + i}": ("STEM.Space",) for i in range(600)})  # minor planets
ANCHORS.update(SEEDED)

# fastText parameters. bucket=0: no hashed n-gram rows, so the file stays small (no
# subwords or word n-grams are used); thread=1 with a seed: the same model every run.
PARAMS: dict[str, Any] = {
    "loss": "ova",
    "dim": 50,
    "epoch": 25,
    "lr": 0.2,
    "minCount": 1,
    "wordNgrams": 1,
    "bucket": 0,
    "thread": 1,
    "seed": 1,
    "verbose": 0,
}
SYNTHETIC_BASE = 900_000_000  # synthetic ids are Q900000000 and up
GENERIC_BASE = 899_000_000  # ids any article may link to (years, countries, ...)


@dataclass(frozen=True)
class DataConfig:
    """The knobs of the synthetic data (part of the cache key)."""

    seed: int = 20240601
    examples_per_topic: int = 120
    synthetic_per_topic: int = 40
    generic_ids: int = 300
    second_topic_rate: float = 0.35
    off_topic_rate: float = 0.5


def topic_pools(config: DataConfig) -> dict[str, list[str]]:
    """Each topic's ids: its anchors first, then its synthetic ids."""
    pools: dict[str, list[str]] = {topic: [] for topic in TOPICS}
    for qid, topics in ANCHORS.items():
        for topic in topics:
            pools[topic].append(qid)
    for index, topic in enumerate(TOPICS):
        start = SYNTHETIC_BASE + index * 1000
        pools[topic].extend(f"Q{start + j}" for j in range(config.synthetic_per_topic))
    return pools


def with_parents(topics: set[str]) -> set[str]:
    return topics | {p for p in map(parent_of, topics) if p is not None}


def make_examples(config: DataConfig = DataConfig()) -> list[str]:
    """The training lines: ``__label__A __label__B Q1 Q2 ...``, deterministic."""
    rng = random.Random(config.seed)
    pools = topic_pools(config)
    anchors = {topic: [q for q in pool if q in ANCHORS] for topic, pool in pools.items()}
    synthetic = {topic: [q for q in pool if q not in ANCHORS] for topic, pool in pools.items()}
    generic = [f"Q{GENERIC_BASE + j}" for j in range(config.generic_ids)]
    lines = []

    def line(labels: set[str], links: list[str]) -> str:
        links = list(dict.fromkeys(links))
        rng.shuffle(links)
        label_part = " ".join(LABEL_PREFIX + label for label in sorted(with_parents(labels)))
        return f"{label_part} {' '.join(links)}"

    for topic in TOPICS:
        for _ in range(config.examples_per_topic):
            chosen = {topic}
            if rng.random() < config.second_topic_rate:
                chosen.add(rng.choice(TOPICS))
            labels = set(chosen)
            links: list[str] = []
            # Short and long articles alike, so that a page with two links is scored as
            # confidently as one with fifty.
            scale = rng.choice((1, 1, 2, 4, 8))
            for label in sorted(with_parents(chosen)):
                count = rng.randint(1, 2 * scale) if label in chosen else rng.randint(0, scale)
                for _ in range(count):
                    if anchors[label] and rng.random() < 0.5:
                        qid = rng.choice(anchors[label])
                        labels.update(ANCHORS[qid])  # an anchor means all its topics
                    else:
                        qid = rng.choice(synthetic[label])
                    links.append(qid)
            # Articles also link to things off their topics, and to generic things.
            if rng.random() < config.off_topic_rate:
                other = rng.choice(TOPICS)
                if other not in labels:
                    links.extend(rng.choice(synthetic[other]) for _ in range(rng.randint(1, scale)))
            links.extend(rng.choice(generic) for _ in range(rng.randint(0, 2 * scale)))
            lines.append(line(labels, links))
    # Every anchor in a few examples of its own topics, so that none is out of vocabulary.
    by_topics: dict[tuple[str, ...], list[str]] = {}
    for qid, topics in ANCHORS.items():
        by_topics.setdefault(tuple(sorted(topics)), []).append(qid)
    for _ in range(3):
        for topics, group in sorted(by_topics.items()):
            group = list(group)
            rng.shuffle(group)
            for start in range(0, len(group), 8):
                extra = [rng.choice(generic) for _ in range(rng.randint(0, 4))]
                lines.append(line(set(topics), group[start : start + 8] + extra))
    rng.shuffle(lines)
    return lines


def cache_key(lines: list[str], params: dict[str, Any]) -> str:
    """What the model depends on: the data, the parameters and the fastText build."""
    digest = hashlib.sha256()
    digest.update(json.dumps(params, sort_keys=True).encode())
    digest.update(version("fasttext-wheel").encode())
    for line in lines:
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()


def train(lines: list[str], out: Path, params: dict[str, Any] = PARAMS) -> float:
    """Train on ``lines`` and save the model at ``out`` (atomically). Returns seconds."""
    import fasttext  # the training tool is the only part that trains

    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent) as work:
        data = Path(work) / "train.txt"
        data.write_text("\n".join(lines) + "\n", encoding="utf-8")
        started = time.perf_counter()
        model = fasttext.train_supervised(input=str(data), **params)
        seconds = time.perf_counter() - started
        partial = Path(work) / "model.bin"
        model.save_model(str(partial))
        os.replace(partial, out)
    return seconds


def ensure_model(directory: str | Path, *, force: bool = False) -> Path:
    """``directory/model.bin``, trained unless one made from the same key is there."""
    directory = Path(directory)
    model_path = directory / "model.bin"
    info_path = directory / "model.json"
    config = DataConfig()
    lines = make_examples(config)
    key = cache_key(lines, PARAMS)
    if not force and model_path.is_file() and info_path.is_file():
        try:
            if json.loads(info_path.read_text())["cache_key"] == key:
                return model_path
        except (ValueError, KeyError):
            pass
    seconds = train(lines, model_path, PARAMS)
    info = {
        "cache_key": key,
        "examples": len(lines),
        "labels": len(TOPICS),
        "params": PARAMS,
        "data": asdict(config),
        "fasttext": version("fasttext-wheel"),
        "train_seconds": round(seconds, 3),
        "model_sha256": hashlib.sha256(model_path.read_bytes()).hexdigest(),
    }
    info_path.write_text(json.dumps(info, indent=2) + "\n")
    return model_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m outlink_predictor_tools.train",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", required=True, type=Path, help="directory for model.bin")
    parser.add_argument("--force", action="store_true", help="train even if cached")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        path = ensure_model(args.out, force=args.force)
    info = json.loads((args.out / "model.json").read_text())
    print(
        f"{path}: {info['examples']} examples, {info['labels']} labels, "
        f"trained in {info['train_seconds']}s (this run {time.perf_counter() - started:.2f}s)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
