"""The embedded wiki: the seed manifest agrees with what the real MediaWiki API answers,
the seed data is deterministic and realistic, and servers stop without leftovers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

import inference_testing.embedded_wiki as embedded_wiki_module
from inference_testing.embedded_wiki import (
    EmbeddedWiki,
    EmbeddedWikiError,
    PortInUseError,
    _group_alive,
    free_port,
    port_is_free,
    seed,
)

pytest_plugins = ["inference_testing.embedded_wiki.fixtures"]

REVISION_PROPS = "content|ids|timestamp|user|userid|comment|size|flags|contentmodel|sha1"


def api_get(api_url: str, **params: Any) -> dict[str, Any]:
    """One Action API request with urllib, independent of the class under test."""
    query = urllib.parse.urlencode({"format": "json", "formatversion": "2", **params})
    request = urllib.request.Request(f"{api_url}?{query}", headers={"User-Agent": "tests/0.1"})
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.loads(response.read())
    assert "error" not in answer, answer
    return answer


def api_continued(api_url: str, **params: Any) -> Iterator[dict[str, Any]]:
    """Every batch of a query, following ``continue``."""
    cont: dict[str, Any] = {}
    while True:
        answer = api_get(api_url, **params, **cont)
        yield answer
        if "continue" not in answer:
            return
        cont = answer["continue"]


def revisions_by_id(api_url: str, rev_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Revisions (with their page title) by id, 50 per request."""
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(rev_ids), 50):
        batch = "|".join(str(rev_id) for rev_id in rev_ids[start : start + 50])
        answer = api_get(
            api_url,
            action="query",
            prop="revisions",
            revids=batch,
            rvslots="main",
            rvprop=REVISION_PROPS,
        )
        for page in answer["query"].get("pages", []):
            for rev in page["revisions"]:
                found[rev["revid"]] = {**rev, "title": page["title"]}
    return found


@pytest.fixture(scope="module")
def wiki(embedded_wiki: EmbeddedWiki) -> EmbeddedWiki:
    return embedded_wiki


@pytest.fixture(scope="module")
def manifest(wiki: EmbeddedWiki) -> dict[str, Any]:
    return wiki.seed


@pytest.fixture(scope="module")
def labelled(wiki: EmbeddedWiki, manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The labelled revisions as the API reports them, by label."""
    ids = manifest["revisions"]
    found = revisions_by_id(wiki.api_url, sorted(ids.values()))
    return {label: found[rev_id] for label, rev_id in ids.items() if rev_id in found}


def content(rev: dict[str, Any]) -> str:
    return rev["slots"]["main"]["content"]


# --- the server --------------------------------------------------------------------------


def test_fixture_exposes_urls_and_port(wiki: EmbeddedWiki) -> None:
    assert wiki.api_url == f"http://127.0.0.1:{wiki.port}/w/api.php"
    assert wiki.base_url == f"http://127.0.0.1:{wiki.port}"
    general = api_get(wiki.api_url, action="query", meta="siteinfo")["query"]["general"]
    assert general["generator"].startswith("MediaWiki 1.")
    assert general["server"] == wiki.base_url


def test_recent_changes_hold_the_seeded_history(wiki: EmbeddedWiki) -> None:
    answer = api_get(wiki.api_url, action="query", list="recentchanges", rclimit=5)
    assert len(answer["query"]["recentchanges"]) == 5


# --- revisions -----------------------------------------------------------------------


def test_labelled_revisions_exist_except_deleted(manifest: dict, labelled: dict) -> None:
    assert set(manifest["revisions"]) - set(labelled) == {"deleted_page"}


def test_page_creation_has_no_parent(wiki: EmbeddedWiki, labelled: dict) -> None:
    creation = labelled["page_creation"]
    assert creation["parentid"] == 0
    first = api_get(
        wiki.api_url,
        action="query",
        prop="revisions",
        titles=creation["title"],
        rvdir="newer",
        rvlimit=1,
        rvprop="ids",
    )
    assert first["query"]["pages"][0]["revisions"][0]["revid"] == creation["revid"]


def test_anonymous_and_bot_edits(manifest: dict, labelled: dict) -> None:
    anon = labelled["anon_edit"]
    assert anon["anon"] and anon["userid"] == 0 and anon["minor"]
    assert anon["user"] == manifest["ips"]["good_faith"]
    bot = labelled["bot_edit"]
    assert bot["user"] == manifest["users"]["bot"]["name"] and bot["minor"]
    assert bot["userid"] == manifest["users"]["bot"]["user_id"]


def test_vandalism_and_its_revert(labelled: dict, wiki: EmbeddedWiki) -> None:
    vandalism, revert = labelled["vandalism"], labelled["revert"]
    assert vandalism["anon"] and "SHIT" in content(vandalism)
    assert revert["parentid"] == vandalism["revid"]
    assert revert["comment"].startswith(
        f"Reverted edits by [[Special:Contributions/{vandalism['user']}"
    )
    before = revisions_by_id(wiki.api_url, [vandalism["parentid"]])[vandalism["parentid"]]
    assert revert["sha1"] == before["sha1"] and content(revert) == content(before)
    assert vandalism["size"] < before["size"]


def test_good_edit_adds_a_sourced_section(labelled: dict, wiki: EmbeddedWiki) -> None:
    good = labelled["good_edit"]
    parent = revisions_by_id(wiki.api_url, [good["parentid"]])[good["parentid"]]
    assert "== Behaviour ==" in content(good) and "== Behaviour ==" not in content(parent)
    assert content(good).count("<ref") > content(parent).count("<ref")


def test_hidden_text_hidden_user_and_deleted_page(manifest: dict, labelled: dict) -> None:
    text_deleted = labelled["text_deleted"]
    assert text_deleted["slots"]["main"].get("texthidden") is True
    assert "content" not in text_deleted["slots"]["main"]
    assert labelled["user_hidden"].get("userhidden") is True
    assert "user" not in labelled["user_hidden"]
    assert labelled["text_deleted_revert"]["parentid"] == text_deleted["revid"]


def test_deleted_and_missing_revisions_are_badrevids(wiki: EmbeddedWiki, manifest: dict) -> None:
    deleted = manifest["revisions"]["deleted_page"]
    missing = manifest["missing_rev_id"]
    answer = api_get(wiki.api_url, action="query", prop="revisions", revids=f"{deleted}|{missing}")
    assert set(answer["query"]["badrevids"]) == {str(deleted), str(missing)}
    assert not manifest["pages"]["deleted"]["exists"]


def test_dutch_and_german_articles(labelled: dict, manifest: dict) -> None:
    assert "stroop" in content(labelled["nl_article"])
    assert "Kirschwasser" in content(labelled["de_article"])
    damaging = labelled["de_damaging"]
    assert damaging["anon"] and "EKELHAFT" in content(damaging)
    assert labelled["de_revert"]["sha1"] == labelled["de_article"]["sha1"]
    assert len(manifest["nl_article_revisions"]) >= 3
    assert len(manifest["de_article_revisions"]) >= 4


def test_items_are_wikibase_json(labelled: dict, manifest: dict) -> None:
    for label, qid in (("item", "Q42"), ("item_city", "Q64"), ("item_sparse", "Q104567890")):
        rev = labelled[label]
        assert rev["title"] == qid
        assert rev["slots"]["main"]["contentmodel"] == "json"
        entity = json.loads(content(rev))
        assert entity["id"] == qid and entity["type"] == "item"
        assert rev["revid"] == manifest["items"][qid]["latest_rev_id"]
    assert "P31" in json.loads(content(labelled["item"]))["claims"]
    assert json.loads(content(labelled["item_sparse"]))["sitelinks"] == {}


def test_all_article_revisions(wiki: EmbeddedWiki, manifest: dict) -> None:
    ids = manifest["all_article_revisions"]
    assert len(ids) >= 40 and ids == sorted(set(ids))
    found = revisions_by_id(wiki.api_url, ids)
    assert set(found) == set(ids)
    assert all(
        content(rev) and rev["slots"]["main"]["contentmodel"] == "wikitext"
        for rev in found.values()
    )
    users = {rev.get("user") for rev in found.values()}
    assert len(users) >= 8  # registered users, IPs and a bot


def test_articles_histories_and_sizes(wiki: EmbeddedWiki, manifest: dict) -> None:
    for title, article in manifest["articles"].items():
        answer = api_get(
            wiki.api_url,
            action="query",
            prop="revisions",
            titles=title,
            rvlimit="max",
            rvdir="newer",
            rvprop="ids|size|timestamp",
        )
        page = answer["query"]["pages"][0]
        assert page["pageid"] == article["page_id"]
        revs = page["revisions"]
        assert [rev["revid"] for rev in revs] == article["revisions"]
        assert [rev["parentid"] for rev in revs[1:]] == article["revisions"][:-1]
        timestamps = [rev["timestamp"] for rev in revs]
        assert timestamps == sorted(timestamps) and len(set(timestamps)) == len(timestamps)
        if article["lang"] == "en" and len(revs) >= 6:
            assert 10_000 <= revs[-1]["size"] <= 30_000, title
    big = [
        a for a in manifest["articles"].values() if a["lang"] == "en" and len(a["revisions"]) >= 6
    ]
    assert len(big) >= 8


def test_users_match_the_api(wiki: EmbeddedWiki, manifest: dict) -> None:
    users = manifest["users"]
    answer = api_get(
        wiki.api_url,
        action="query",
        list="users",
        ususers="|".join(user["name"] for user in users.values()),
        usprop="groups|registration|editcount|emailable|gender",
    )
    reported = {user["name"]: user for user in answer["query"]["users"]}
    for user in users.values():
        api_user = reported[user["name"]]
        assert api_user["userid"] == user["user_id"]
        assert set(user["groups"]) <= set(api_user["groups"])
        assert api_user["registration"] == user["registration"]
        assert api_user["editcount"] == user["editcount"]
        assert api_user["gender"] == user["gender"]
        assert bool(api_user.get("emailable")) == user["emailable"]
    assert "bot" in users["bot"]["groups"] and "sysop" in users["sysop"]["groups"]
    registrations = sorted(user["registration"] for user in users.values())
    assert registrations[0][:4] < "2008" < "2020" < registrations[-1][:4]
    assert len({user["editcount"] for user in users.values()}) == len(users)


# --- pages for the outlink topic model ---------------------------------------------------


def outlink_pages(api_url: str, title: str) -> tuple[list[dict], list[dict], int]:
    """All pages the outlinks query yields, the redirects it followed, and the number of
    requests it took."""
    pages: dict[str, dict] = {}
    redirects: list[dict] = []
    requests = 0
    for answer in api_continued(
        api_url,
        action="query",
        generator="links",
        titles=title,
        gplnamespace=0,
        gpllimit="max",
        prop="pageprops",
        ppprop="wikibase_item",
        redirects=1,
    ):
        requests += 1
        query = answer.get("query", {})
        redirects.extend(query.get("redirects", []))
        for page in query.get("pages", []):
            merged = pages.setdefault(page["title"], {})
            merged.update(page)
    return list(pages.values()), redirects, requests


def qids(pages: list[dict]) -> list[str]:
    return sorted(
        p["pageprops"]["wikibase_item"] for p in pages if "wikibase_item" in p.get("pageprops", {})
    )


def test_outlinks_page(wiki: EmbeddedWiki, manifest: dict) -> None:
    spec = manifest["pages"]["outlinks"]
    pages, redirects, _ = outlink_pages(wiki.api_url, spec["title"])
    assert qids(pages) == spec["expected_qids"] and len(spec["expected_qids"]) >= 25
    assert {r["from"]: r["to"] for r in redirects} == spec["redirects"]
    missing = {p["title"] for p in pages if p.get("missing")}
    assert missing == set(spec["missing_titles"])
    titles = {p["title"] for p in pages}
    assert not titles & set(spec["other_namespace_titles"])
    assert set(spec["without_qid_titles"]) <= titles
    assert all(p["ns"] == 0 for p in pages)


def test_no_outlinks_page(wiki: EmbeddedWiki, manifest: dict) -> None:
    spec = manifest["pages"]["no_outlinks"]
    pages, _, _ = outlink_pages(wiki.api_url, spec["title"])
    assert pages == []


def test_many_outlinks_page_needs_continuation(wiki: EmbeddedWiki, manifest: dict) -> None:
    spec = manifest["pages"]["many_outlinks"]
    pages, _, requests = outlink_pages(wiki.api_url, spec["title"])
    assert requests >= 2 and spec["link_count"] > 500
    assert len(pages) == spec["link_count"]
    assert qids(pages) == spec["expected_qids"]
    assert len(spec["expected_qids"]) > 0.9 * spec["link_count"]


def test_redirect(wiki: EmbeddedWiki, manifest: dict) -> None:
    spec = manifest["pages"]["redirect"]
    answer = api_get(wiki.api_url, action="query", titles=spec["title"], redirects=1)
    assert answer["query"]["redirects"][0]["to"] == spec["target"]
    assert answer["query"]["pages"][0]["pageid"] == spec["target_page_id"]


# --- lifecycle ---------------------------------------------------------------------------


def test_stop_leaves_nothing_running(tmp_path: Path, wiki: EmbeddedWiki) -> None:
    other = EmbeddedWiki.launch(tmp_path / "wiki")
    pid, port = other.pid, other.port
    assert pid is not None and other.is_running()
    with pytest.raises(EmbeddedWikiError, match="already runs"):
        EmbeddedWiki(tmp_path / "wiki", port=port).start()
    with pytest.raises(PortInUseError):
        EmbeddedWiki.from_template(tmp_path / "second", port=port).start()
    other.stop()
    assert not _group_alive(pid) and port_is_free(port)
    assert not (tmp_path / "wiki" / "php.pid").exists()
    other.stop()  # idempotent


def test_refuses_to_replace_a_foreign_directory(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(EmbeddedWikiError, match="not an embedded wiki"):
        EmbeddedWiki.from_template(tmp_path)
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_missing_mediawiki_without_root_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(embedded_wiki_module, "INSTALL_PHP", tmp_path / "install.php")
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(EmbeddedWikiError, match="apt-get install -y --no-install-recommends"):
        embedded_wiki_module.ensure_installed()


def test_cli_start_status_stop(tmp_path: Path, wiki: EmbeddedWiki) -> None:
    directory, port = tmp_path / "cli-wiki", free_port()

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "inference_testing.embedded_wiki",
                *args,
                "--dir",
                str(directory),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env=dict(os.environ),
        )

    started = cli("start", "--port", str(port))
    assert started.returncode == 0, started.stderr
    api_url = started.stdout.strip()
    assert api_url == f"http://127.0.0.1:{port}/w/api.php"
    try:
        assert cli("status").returncode == 0
        manifest = json.loads((directory / "seed.json").read_text())
        assert manifest == wiki.seed
        pid = int((directory / "php.pid").read_text())
        assert api_get(api_url, action="query", meta="siteinfo")["query"]["general"]
    finally:
        stopped = cli("stop")
    assert stopped.returncode == 0, stopped.stderr
    assert not _group_alive(pid) and port_is_free(port)
    assert cli("status").returncode == 1


# --- the seed itself (no wiki needed) ----------------------------------------------------


@pytest.mark.parametrize("spec", seed.ARTICLES, ids=lambda spec: spec.title)
def test_latest_revision_is_the_article_file(spec: seed.ArticleSpec) -> None:
    final_text = spec.final_text
    assert seed.render_article(final_text, seed.FINAL, spec.copyedits) == final_text
    for _, later in spec.copyedits:
        assert final_text.count(later) == 1
    assert seed.article_revisions(spec)[-1].text == final_text


def test_plan_is_deterministic_and_ordered() -> None:
    first, second = seed.build_plan(), seed.build_plan()
    assert first == second
    timestamps = [rev.timestamp for rev in first.revisions]
    assert timestamps == sorted(timestamps)
    assert len(seed.export_xml(first.revisions)) > 500_000
