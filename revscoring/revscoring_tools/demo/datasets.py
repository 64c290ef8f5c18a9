"""The labelled demo corpus: API answers about revisions, with their labels.

Every dataset is a pure function of a seed and a size. An :class:`Observation` holds the
MediaWiki API answers the revscoring server would fetch for one revision (only those its
model type needs, see :mod:`..model_types`) and the labels of that revision for one or
more model types (an edit is labelled for damaging, goodfaith and reverted at once).
"""

import copy
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from revscoring_server.model_types import MODEL_TYPES, ContentModel, RevisionNeeds
from . import api_docs, edits, items, lexicon, text
from .api_docs import ApiResponses, Page, Revision

Label = bool | str | tuple[str, ...]

DRAFT_NAMESPACE = 118
DRAFT_QUALITY_CLASSES: tuple[str, ...] = ("OK", "attack", "spam", "vandalism")
_EDIT_GROUPS = (("good", 0.5), ("goodfaith-damage", 0.17), ("vandalism", 0.33))
_EDITORS = {
    "good": (("anon", 0.2), ("newcomer", 0.15), ("regular", 0.35), ("veteran", 0.3)),
    "goodfaith-damage": (("anon", 0.45), ("newcomer", 0.45), ("regular", 0.1)),
    "vandalism": (("anon", 0.7), ("newcomer", 0.3)),
}
_REVERT_NOISE = 0.06  # share of edits whose "reverted" label disagrees with "damaging"


@dataclass(frozen=True)
class Observation:
    """One revision as the API describes it, with its labels by model type."""

    responses: ApiResponses
    labels: Mapping[str, Label]
    kind: str  # how it was made, e.g. "vandalism:blanking" or "article:B"


def _weighted(rng: random.Random, choices: tuple[tuple[str, float], ...]) -> str:
    names, weights = zip(*choices)
    return rng.choices(names, weights=weights)[0]


def _needs(*type_names: str) -> RevisionNeeds:
    """What the model types trained on a dataset need, together."""
    needs = [MODEL_TYPES[name].needs for name in type_names]
    return RevisionNeeds(
        parent=any(n.parent for n in needs),
        user_info=any(n.user_info for n in needs),
        page_creation=any(n.page_creation for n in needs),
    )


def _ids(serial: int) -> tuple[int, int]:
    """A (page id, revision id) pair unique to ``serial``."""
    return 60_000 + serial, 1_000_000 + 10 * serial


# -- edits ------------------------------------------------------------------------------


def edit_observation(rng: random.Random, serial: int, group: str) -> Observation:
    """An edit of ``group`` (``good``, ``goodfaith-damage``, ``vandalism``) to a fresh
    article, labelled for damaging, goodfaith and reverted."""
    subject = text.random_subject(rng)
    shape = text.QUALITY_SHAPES[rng.choice(("Start", "C", "C", "B"))]
    parent_text = text.compose_article(rng, subject, shape)
    edit_function = edits.pick_edit(rng, group)
    if edit_function is edits.copyedit:
        parent_text = edits.with_typos(rng, parent_text)
    edit = edit_function(rng, subject, parent_text)
    pageid, revid = _ids(serial)
    when = api_docs.moment(rng)
    parent_user = api_docs.make_user(rng, rng.choice(("regular", "veteran")), serial, when)
    parent = Revision(revid - 3, revid - 7, parent_user, when.replace(year=2020), "", parent_text)
    user = api_docs.make_user(rng, _weighted(rng, _EDITORS[group]), serial + 5000, when)
    revision = Revision(revid, parent.revid, user, when, edit.comment, edit.text, edit.minor)
    page = Page(pageid, 0, subject.title)
    needs = _needs("damaging", "goodfaith", "reverted")
    reverted = edit.damaging != (rng.random() < _REVERT_NOISE)
    labels = {"damaging": edit.damaging, "goodfaith": edit.goodfaith, "reverted": reverted}
    return Observation(api_docs.responses(needs, page, revision, parent), labels, edit.kind)


def edit_observations(seed: int, count: int) -> list[Observation]:
    """``count`` edits: about half good, a sixth good-faith damage, a third vandalism."""
    rng = random.Random(seed)
    return [edit_observation(rng, i, _weighted(rng, _EDIT_GROUPS)) for i in range(count)]


# -- articles ---------------------------------------------------------------------------


def _creation(
    rng: random.Random, serial: int, page: Page, wikitext: str, model: ContentModel
) -> Revision:
    """The first revision of ``page``, by a registered editor."""
    when = api_docs.moment(rng)
    user = api_docs.make_user(rng, rng.choice(("newcomer", "regular")), serial, when)
    _, revid = _ids(serial)
    return Revision(revid, 0, user, when, "Created page", wikitext, False, model)


def article_observations(seed: int, count: int) -> list[Observation]:
    """``count`` articles, in equal numbers per enwiki quality class (Stub .. FA), each
    labelled with its quality class and its topics."""
    rng = random.Random(seed)
    needs = _needs("articlequality", "articletopic")
    observations = []
    for serial in range(count):
        quality = text.QUALITY_CLASSES[serial % len(text.QUALITY_CLASSES)]
        subject = text.random_subject(rng)
        wikitext = text.compose_article(rng, subject, text.QUALITY_SHAPES[quality])
        pageid, revid = _ids(serial)
        when = api_docs.moment(rng)
        user = api_docs.make_user(rng, rng.choice(("regular", "veteran")), serial, when)
        revision = Revision(revid, revid - 4, user, when, "", wikitext)
        page = Page(pageid, 0, subject.title)
        responses = _text_only(needs, page, revision)
        labels: dict[str, Label] = {"articlequality": quality, "articletopic": subject.labels}
        observations.append(Observation(responses, labels, f"article:{quality}"))
    return observations


def _text_only(needs: RevisionNeeds, page: Page, revision: Revision) -> ApiResponses:
    if needs.parent or needs.user_info or needs.page_creation:
        raise ValueError("this dataset only provides the revision itself")
    return api_docs.responses(needs, page, revision)


# -- drafts -----------------------------------------------------------------------------


def _draft_page(rng: random.Random, serial: int, title: str) -> Page:
    pageid, _ = _ids(serial)
    if rng.random() < 0.4:
        return Page(pageid, DRAFT_NAMESPACE, f"Draft:{title}")
    return Page(pageid, 0, title)


def _spam_text(rng: random.Random, subject: text.Subject) -> str:
    org = subject.facts["org"]
    sentences = [text.fill(rng, s, subject) for s in rng.sample(lexicon.SPAM_SENTENCES, 4)]
    services = "\n".join(
        f"* {s}" for s in rng.sample(("Digital marketing", "SEO", "Web design", "Consulting",
                                      "Premium cleaning", "Luxury travel", "Crypto trading"), 3)
    )  # fmt: skip
    domain = org.lower().replace(" ", "")
    return (
        f"'''{org}''' {sentences[0].split(' ', 2)[-1]} {' '.join(sentences[1:])}\n\n"
        f"== Services ==\n{services}\n\n"
        f"== Contact ==\nVisit [http://www.{domain}.example.com our official website] "
        f"or email info@{domain}.example.com.\n"
    )


def _short_text(rng: random.Random, subject: text.Subject, pool: tuple[str, ...]) -> str:
    lines = [text.fill(rng, s, subject) for s in rng.sample(pool, rng.randint(1, 3))]
    if rng.random() < 0.3:
        lines.insert(0, f"'''{subject.facts['first']} {subject.facts['last']}'''")
    return "\n\n".join(lines) + "\n"


def draft_text(rng: random.Random, subject: text.Subject, quality: str) -> str:
    """The first revision of a new page of draftquality class ``quality``."""
    if quality == "OK":
        shape = text.QUALITY_SHAPES[rng.choice(("Stub", "Stub", "Start", "C"))]
        return text.compose_article(rng, subject, shape)
    if quality == "spam":
        return _spam_text(rng, subject)
    if quality == "attack":
        return _short_text(rng, subject, lexicon.ATTACK_SENTENCES)
    pool = lexicon.HOAX_SENTENCES + lexicon.VANDAL_PHRASES + lexicon.NONSENSE
    return _short_text(rng, subject, pool)


def _draft_title(subject: text.Subject, quality: str) -> str:
    if quality == "OK":
        return subject.title
    if quality == "spam":
        return subject.facts["org"]
    return f"{subject.facts['first']} {subject.facts['last']}"


def draft_quality_observations(seed: int, count: int) -> list[Observation]:
    """``count`` page creations, in equal numbers OK, attack, spam and vandalism."""
    rng = random.Random(seed)
    needs = _needs("draftquality")
    observations = []
    for serial in range(count):
        quality = DRAFT_QUALITY_CLASSES[serial % len(DRAFT_QUALITY_CLASSES)]
        subject = text.random_subject(rng)
        title = _draft_title(subject, quality)
        page = _draft_page(rng, serial, title)
        wikitext = draft_text(rng, subject, quality)
        revision = _creation(rng, serial, page, wikitext, ContentModel.WIKITEXT)
        responses = _text_only(needs, page, revision)
        observations.append(Observation(responses, {"draftquality": quality}, f"draft:{quality}"))
    return observations


def draft_topic_observations(seed: int, count: int) -> list[Observation]:
    """``count`` new articles and drafts (first revisions, stub to start length),
    labelled with their topics."""
    rng = random.Random(seed)
    needs = _needs("drafttopic")
    observations = []
    for serial in range(count):
        subject = text.random_subject(rng)
        shape = text.QUALITY_SHAPES[rng.choice(("Stub", "Stub", "Start"))]
        page = _draft_page(rng, serial, subject.title)
        wikitext = text.compose_article(rng, subject, shape)
        revision = _creation(rng, serial, page, wikitext, ContentModel.WIKITEXT)
        responses = _text_only(needs, page, revision)
        labels = {"drafttopic": subject.labels}
        observations.append(Observation(responses, labels, f"draft:{subject.kind.key}"))
    return observations


# -- Wikidata items ---------------------------------------------------------------------


def item_observations(seed: int, count: int) -> list[Observation]:
    """``count`` Wikidata items, in equal numbers per quality class (A .. E), each
    labelled with its quality class and its topics."""
    rng = random.Random(seed)
    needs = _needs("itemquality", "itemtopic")
    observations = []
    for serial in range(count):
        quality = items.ITEM_QUALITY_CLASSES[serial % len(items.ITEM_QUALITY_CLASSES)]
        subject = text.random_subject(rng)
        pageid, revid = _ids(serial)
        entity_id = f"Q{9_000_000 + serial}"
        entity = items.make_item(
            rng, entity_id, subject.kind, quality, subject.title, subject.country
        )
        when = api_docs.moment(rng)
        user = api_docs.make_user(rng, rng.choice(("regular", "veteran", "anon")), serial, when)
        comment = "/* wbeditentity-update:0| */"
        revision = Revision(revid, revid - 2, user, when, comment, items.item_text(entity),
                            False, ContentModel.WIKIBASE_ITEM)  # fmt: skip
        responses = _text_only(needs, Page(pageid, 0, entity_id), revision)
        labels: dict[str, Label] = {"itemquality": quality, "itemtopic": subject.labels}
        observations.append(Observation(responses, labels, f"item:{quality}"))
    return observations


_WRONG_DESCRIPTIONS = ("city in France", "footballer", "novel by an unknown author",
                       "species of frog", "my favourite thing", "band")  # fmt: skip


def _item_edit(
    rng: random.Random, group: str, parent: items.Json, subject: text.Subject
) -> tuple[items.Json, str]:
    """The item after an edit of ``group`` to ``parent``, and the edit summary."""
    child = copy.deepcopy(parent)
    if group == "good":  # statements added: the item as a richer one would be
        richer = items.make_item(rng, parent["id"], subject.kind, rng.choice("AB"),
                                 subject.title, subject.country)  # fmt: skip
        child["claims"] = {**richer["claims"], **child["claims"]}
        return child, "/* wbeditentity-update:0| */"
    if group == "vandalism":
        phrase = text.fill(rng, rng.choice(lexicon.VANDAL_PHRASES), subject)
        if rng.random() < 0.5 or not child["claims"]:
            child["labels"]["en"] = {"language": "en", "value": phrase.upper()}
            return child, f"/* wbsetlabel-set:1|en */ {phrase.upper()}"
        child["claims"] = dict(list(child["claims"].items())[:1])
        return child, "/* wbremoveclaims-remove:1| */"
    # good faith, but damaging: a wrong description in the editor's language
    wrong = rng.choice(_WRONG_DESCRIPTIONS)
    child.setdefault("descriptions", {})["en"] = {"language": "en", "value": wrong}
    return child, f"/* wbsetdescription-set:1|en */ {wrong}"


def item_edit_observations(seed: int, count: int) -> list[Observation]:
    """``count`` edits of Wikidata items (the edit types on Wikidata score the entity JSON
    of an edit and its parent): about half good (statements added), a sixth good-faith
    damage (a wrong description), a third vandalism (an insulting label, statements
    removed)."""
    rng = random.Random(seed)
    needs = _needs("damaging", "goodfaith", "reverted")
    observations = []
    for serial in range(count):
        group = _weighted(rng, _EDIT_GROUPS)
        subject = text.random_subject(rng)
        pageid, revid = _ids(serial)
        entity_id = f"Q{9_500_000 + serial}"
        parent_entity = items.make_item(rng, entity_id, subject.kind, rng.choice("CDE"),
                                        subject.title, subject.country)  # fmt: skip
        child_entity, comment = _item_edit(rng, group, parent_entity, subject)
        when = api_docs.moment(rng)
        parent_user = api_docs.make_user(rng, rng.choice(("regular", "veteran")), serial, when)
        item = ContentModel.WIKIBASE_ITEM
        parent_text, text_after = items.item_text(parent_entity), items.item_text(child_entity)
        parent = Revision(revid - 3, revid - 7, parent_user, when.replace(year=2020), "",
                          parent_text, False, item)  # fmt: skip
        user = api_docs.make_user(rng, _weighted(rng, _EDITORS[group]), serial + 5000, when)
        revision = Revision(revid, parent.revid, user, when, comment, text_after, False, item)
        damaging, goodfaith = group != "good", group != "vandalism"
        reverted = damaging != (rng.random() < _REVERT_NOISE)
        labels = {"damaging": damaging, "goodfaith": goodfaith, "reverted": reverted}
        responses = api_docs.responses(needs, Page(pageid, 0, entity_id), revision, parent)
        observations.append(Observation(responses, labels, f"item-edit:{group}"))
    return observations


DATASETS: Mapping[str, Callable[[int, int], list[Observation]]] = MappingProxyType(
    {
        "enwiki-edits": edit_observations,
        "enwiki-articles": article_observations,
        "enwiki-drafts": draft_quality_observations,
        "enwiki-new-articles": draft_topic_observations,
        "wikidatawiki-items": item_observations,
        "wikidatawiki-edits": item_edit_observations,
    }
)
"""Dataset builders by name: ``builder(seed, count) -> observations``."""


def labels_of(observations: list[Observation], model_type: str) -> list[Any]:
    """The labels of ``observations`` for ``model_type``, as revscoring takes them
    (a list of labels for multilabel types)."""
    values = [observation.labels[model_type] for observation in observations]
    return [list(v) if isinstance(v, tuple) else v for v in values]
