"""MediaWiki Action API answers (``formatversion=2``) for the demo corpus.

The answers have the exact shape the revscoring server receives:

* revision and parent revision: ``action=query&prop=revisions&revids=N&rvslots=main``
  ``&rvprop=ids|timestamp|user|userid|comment|size|flags|content|contentmodel``;
* user: ``action=query&list=users&ususers=NAME``
  ``&usprop=groups|registration|editcount|emailable|gender``;
* page creation: ``action=query&prop=revisions&pageids=N&rvdir=newer&rvlimit=1``
  ``&rvprop=ids|timestamp|user|userid|comment|size|flags|contentmodel``.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from inference_common.documents import EditContext
from revscoring_server.model_types import ContentModel, RevisionNeeds

from ..responses import edit_context_from_responses

Doc = dict[str, Any]

_EPOCH = datetime(2021, 3, 1, tzinfo=timezone.utc)
_FORMATS = {ContentModel.WIKITEXT: "text/x-wiki", ContentModel.WIKIBASE_ITEM: "application/json"}


@dataclass(frozen=True)
class User:
    """An editor: anonymous (``userid`` 0, an IP address as name) or registered."""

    name: str
    userid: int
    kind: str  # "anon", "newcomer", "regular" or "veteran"
    registration: datetime | None = None
    editcount: int = 0
    groups: tuple[str, ...] = ()
    emailable: bool = False
    gender: str = "unknown"

    @property
    def anonymous(self) -> bool:
        """True for an IP editor."""
        return self.userid == 0


@dataclass(frozen=True)
class Page:
    """A page: id, namespace and full title (with the namespace prefix)."""

    pageid: int
    ns: int
    title: str


@dataclass(frozen=True)
class Revision:
    """One saved revision of a page."""

    revid: int
    parentid: int
    user: User
    timestamp: datetime
    comment: str
    text: str
    minor: bool = False
    content_model: ContentModel = ContentModel.WIKITEXT


@dataclass(frozen=True)
class ApiResponses:
    """The API answers about one revision that a model type needs (``None`` where
    the model type does not need that document or there is none)."""

    rev_id: int
    revision: Doc
    parent: Doc | None = None
    users: Doc | None = None
    page_creation: Doc | None = None

    def docs(self) -> EditContext:
        """The documents about the revision, picked out of the answers."""
        return edit_context_from_responses(
            self.rev_id, self.revision, self.parent, self.users, self.page_creation
        )


def timestamp(moment: datetime) -> str:
    """MediaWiki's ISO 8601 timestamp format."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def moment(rng: random.Random) -> datetime:
    """A time in the spring of 2021, to the second."""
    return _EPOCH + timedelta(seconds=rng.randrange(90 * 24 * 3600))


def make_user(rng: random.Random, kind: str, serial: int, when: datetime) -> User:
    """An editor of ``kind`` (``anon``, ``newcomer``, ``regular``, ``veteran``) as of the
    edit time ``when``; ``serial`` makes names and ids unique."""
    if kind == "anon":
        if rng.random() < 0.2:
            return User(f"2001:DB8:{serial:X}:0:0:0:0:{rng.randint(1, 0xFFFF):X}", 0, kind)
        return User(f"{rng.choice(('198.51.100', '203.0.113'))}.{serial % 250 + 1}", 0, kind)
    base = rng.choice(("Wikiwriter", "Reader", "Edits", "Historybuff", "Sciencefan", "Mapmaker"))
    name = f"{base}{serial}"
    if kind == "newcomer":
        age = timedelta(minutes=rng.randint(3, 60 * 24 * 3))
        return User(name, 40_000_000 + serial, kind, when - age, rng.randint(0, 9), ("*", "user"))
    groups = ("*", "user", "autoconfirmed")
    if kind == "regular":
        age = timedelta(days=rng.randint(60, 900))
        return User(
            name, 30_000_000 + serial, kind, when - age, rng.randint(150, 4000), groups,
            emailable=rng.random() < 0.6, gender=rng.choice(("unknown", "female", "male")),
        )  # fmt: skip
    extra = rng.choice(
        (
            ("extendedconfirmed",),
            ("extendedconfirmed", "rollbacker"),
            ("extendedconfirmed", "reviewer", "patroller"),
            ("sysop",),
        )
    )
    age = timedelta(days=rng.randint(2000, 6000))
    return User(
        name, 1_000_000 + serial, kind, when - age, rng.randint(8000, 90000), groups + extra,
        emailable=True, gender=rng.choice(("unknown", "female", "male")),
    )  # fmt: skip


def revision_doc(revision: Revision, with_content: bool = True) -> Doc:
    """One ``revisions[]`` item of a ``prop=revisions`` answer."""
    doc: Doc = {
        "revid": revision.revid,
        "parentid": revision.parentid,
        "minor": revision.minor,
        "user": revision.user.name,
        "userid": revision.user.userid,
        "timestamp": timestamp(revision.timestamp),
        "size": len(revision.text.encode("utf-8")),
        "comment": revision.comment,
    }
    if revision.user.anonymous:
        doc["anon"] = True
    if with_content:
        doc["slots"] = {
            "main": {
                "contentmodel": revision.content_model.value,
                "contentformat": _FORMATS[revision.content_model],
                "content": revision.text,
            }
        }
    else:
        doc["contentmodel"] = revision.content_model.value
    return doc


def revisions_response(page: Page, revision: Revision, with_content: bool = True) -> Doc:
    """The answer of ``prop=revisions`` for one revision of ``page``."""
    page_doc = {
        "pageid": page.pageid,
        "ns": page.ns,
        "title": page.title,
        "revisions": [revision_doc(revision, with_content)],
    }
    return {"batchcomplete": True, "query": {"pages": [page_doc]}}


def page_creation_response(page: Page, first: Revision) -> Doc:
    """The answer of ``prop=revisions&pageids=N&rvdir=newer&rvlimit=1`` (it continues,
    as the page has later revisions)."""
    answer = revisions_response(page, first, with_content=False)
    answer["continue"] = {"rvcontinue": f"{first.revid + 1}", "continue": "||"}
    return answer


def users_response(user: User) -> Doc:
    """The answer of ``list=users`` for one registered user."""
    doc: Doc = {
        "userid": user.userid,
        "name": user.name,
        "editcount": user.editcount,
        "registration": timestamp(user.registration) if user.registration else None,
        "groups": list(user.groups),
        "gender": user.gender,
    }
    if user.emailable:
        doc["emailable"] = True
    return {"batchcomplete": True, "query": {"users": [doc]}}


def responses(
    needs: RevisionNeeds,
    page: Page,
    revision: Revision,
    parent: Revision | None = None,
    creation: Revision | None = None,
) -> ApiResponses:
    """The answers a model type with ``needs`` fetches for ``revision``."""
    parent_answer = None
    if needs.parent and revision.parentid:
        if parent is None or parent.revid != revision.parentid:
            raise ValueError("the parent revision is needed and must match parentid")
        parent_answer = revisions_response(page, parent)
    users = None
    if needs.user_info and not revision.user.anonymous:
        users = users_response(revision.user)
    creation_answer = None
    if needs.page_creation:
        first = creation or (revision if revision.parentid == 0 else None)
        if first is None:
            raise ValueError("the page creation revision is needed")
        creation_answer = page_creation_response(page, first)
    return ApiResponses(
        revision.revid, revisions_response(page, revision), parent_answer, users, creation_answer
    )
