"""The shared edit-context fetch: its calls (rounds, batching) and its missing-data policy,
against a stand-in wiki that answers the real client's API calls from dicts."""

import asyncio
from typing import Any, Mapping

import pytest

from inference_common.edit_context import ContextNeeds, EditContext, Hint, fetch_edit_contexts
from inference_common.errors import RevisionNotFound, TextDeleted, UserDeleted
from inference_common.documents import main_slot
from inference_common.http import HttpClient
from inference_common.mediawiki import Endpoint, MediaWikiClient

ENDPOINT = Endpoint("http://wiki.invalid/w/api.php", None, "en.wikipedia.org")
# revscoring's edit models read the user; revert-risk's features define unknown user facts
REVSCORING = ContextNeeds(user_required=True)
REVERT_RISK = ContextNeeds(user_required=False)


def revision(rev_id: int, parent: int = 0, user: str | None = "Alice", **extra: Any) -> dict:
    doc: dict[str, Any] = {"revid": rev_id, "parentid": parent, "timestamp": "2024-01-01T00:00:00Z"}
    if user is not None:
        doc.update(user=user, userid=7)
    doc["slots"] = {"main": {"content": f"text {rev_id}", "contentmodel": "wikitext"}}
    doc.update(extra)
    return doc


class StandInWiki(MediaWikiClient):
    """The real client's batching and classification; API calls answered from dicts, each
    call recorded with the round (the number of calls already answered) it was sent in."""

    def __init__(self, revisions: list[dict], users: list[str]) -> None:
        super().__init__(HttpClient(user_agent="tests"))  # never used: no call goes out
        self.docs = {r["revid"]: r for r in revisions}
        self.names = set(users)
        self.calls: list[dict[str, Any]] = []
        self.rounds: list[int] = []
        self._answered = 0

    async def call(self, endpoint: Endpoint, params: Mapping[str, Any]) -> dict[str, Any]:
        self.calls.append(dict(params))
        self.rounds.append(self._answered)
        await asyncio.sleep(0.01)  # concurrent calls of one round are all sent before this
        self._answered += 1
        if params.get("list") == "users":
            return {"query": {"users": [self._user(n) for n in params["ususers"]]}}
        if "pageids" in params:
            return {
                "query": {"pages": [{"pageid": params["pageids"], "revisions": [{"revid": 1}]}]}
            }
        ids = list(params["revids"])
        pages = [
            {"pageid": 5, "ns": 0, "title": "A", "revisions": [self.docs[i]]}
            for i in ids
            if i in self.docs
        ]
        bad = [{"revid": i, "missing": True} for i in ids if i not in self.docs]
        return {"query": {"pages": pages, "badrevids": bad}}

    def _user(self, name: str) -> dict[str, Any]:
        if name in self.names:
            return {"name": name, "userid": 7, "editcount": 3, "groups": ["user"]}
        return {"name": name, "missing": True}

    def kinds(self) -> list[str]:
        return [
            "users" if c.get("list") == "users" else "creation" if "pageids" in c else "revisions"
            for c in self.calls
        ]


async def fetch(wiki: StandInWiki, ids: list[int], needs: ContextNeeds, **options: Any) -> dict:
    return await fetch_edit_contexts(wiki, ENDPOINT, ids, needs, **options)


@pytest.mark.parametrize("needs", [REVSCORING, REVERT_RISK])
async def test_a_missing_parent_is_revision_not_found_for_every_model(needs) -> None:
    wiki = StandInWiki([revision(11, parent=10)], ["Alice"])
    [error] = (await fetch(wiki, [11], needs)).values()
    assert isinstance(error, RevisionNotFound)
    assert error.message == "revision 10, the parent of revision 11, does not exist or was deleted"


@pytest.mark.parametrize("needs", [REVSCORING, REVERT_RISK])
async def test_a_hidden_parent_text_is_text_deleted_for_every_model(needs) -> None:
    hidden = revision(10, slots={"main": {"texthidden": True}})
    wiki = StandInWiki([revision(11, parent=10), hidden], ["Alice"])
    [error] = (await fetch(wiki, [11], needs)).values()
    assert isinstance(error, TextDeleted) and "the parent of revision 11" in error.message


@pytest.mark.parametrize("user", ["hidden", "vanished"])
async def test_an_unavailable_user_fails_only_a_model_that_reads_it(user: str) -> None:
    if user == "hidden":
        edit = revision(11, parent=10, user=None, userhidden=True)
    else:
        edit = revision(11, parent=10, user="Renamed")
    wiki = StandInWiki([edit, revision(10)], ["Alice"])
    [error] = (await fetch(wiki, [11], REVSCORING)).values()
    assert isinstance(error, UserDeleted)
    [context] = (await fetch(wiki, [11], REVERT_RISK)).values()
    assert isinstance(context, EditContext) and context.user is None
    assert context.parent is not None and context.parent["revid"] == 10


async def test_two_rounds_without_hints_and_parents_in_the_batch_not_fetched_again() -> None:
    wiki = StandInWiki([revision(12, parent=11), revision(11, parent=10), revision(10)], ["Alice"])
    contexts = await fetch(wiki, [12, 11], REVERT_RISK)
    assert all(isinstance(c, EditContext) for c in contexts.values())
    assert contexts[12].parent["revid"] == 11 and contexts[11].parent["revid"] == 10
    assert wiki.kinds()[0] == "revisions"
    assert sorted(wiki.kinds()[1:]) == ["creation", "revisions", "users"]
    assert [list(c["revids"]) for c in wiki.calls if "revids" in c] == [[12, 11], [10]]
    assert wiki.rounds == [0, 1, 1, 1]  # the revisions, then parents + users + creation


async def test_hints_fetch_parent_and_user_in_the_first_round() -> None:
    wiki = StandInWiki([revision(11, parent=10), revision(10)], ["Alice"])
    hinted = await fetch(wiki, [11], REVSCORING, hints={11: Hint(parent_id=10, user_name="Alice")})
    unhinted = await fetch(StandInWiki(list(wiki.docs.values()), ["Alice"]), [11], REVSCORING)
    assert hinted == unhinted
    first_round = [kind for kind, r in zip(wiki.kinds(), wiki.rounds) if r == 0]
    assert sorted(first_round) == ["revisions", "revisions", "users"]
    assert wiki.kinds().count("revisions") == 2 and wiki.kinds().count("users") == 1


async def test_a_wrong_hint_costs_a_call_not_a_wrong_context() -> None:
    wiki = StandInWiki([revision(11, parent=10), revision(10), revision(9)], ["Alice", "Bob"])
    hinted = await fetch(wiki, [11], REVSCORING, hints={11: Hint(parent_id=9, user_name="Bob")})
    assert hinted[11].parent["revid"] == 10 and hinted[11].user["name"] == "Alice"


def test_main_slot() -> None:
    assert main_slot(revision(1)) == {"content": "text 1", "contentmodel": "wikitext"}
    assert main_slot({"slots": None}) == {} and main_slot({}) == {}
