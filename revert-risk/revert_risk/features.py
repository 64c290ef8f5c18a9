"""Language-agnostic features of one edit, computed from MediaWiki API documents.

Everything here is a pure function of plain data (the JSON the Action API answers with
``formatversion=2``), so tests inject documents and a process pool can run it:

- ``revision``: the edit (``prop=revisions`` with ``rvslots=main`` and content, plus the
  ``page`` object the shared client adds: ``{"pageid", "ns", "title"}``);
- ``parent``: its parent revision with content, or ``None`` when the edit created the page;
- ``user``: the editor's ``list=users`` entry (``editcount``, ``registration``, ``groups``),
  or ``None`` when the editor is anonymous or hidden;
- ``page_creation``: the page's first revision (only its ``timestamp`` is read), or
  ``None`` when the edit created the page.

:func:`extract_features` returns a dict whose keys are :data:`FEATURE_NAMES`, in order;
:func:`feature_row` turns it into the list a classifier takes. Unknown facts are NaN
(every gradient-boosting library here handles missing values natively).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Mapping

import mwparserfromhell
from mwparserfromhell.nodes import ExternalLink, Heading, Tag, Template, Wikilink

from inference_common.errors import TextDeleted, UnsupportedContent
from inference_common.documents import main_slot, require_text

# The structure counted in the wikitext of a revision and of its parent.
WIKITEXT_COUNTS: tuple[str, ...] = (
    "wikilinks",
    "external_links",
    "references",
    "templates",
    "media",
    "categories",
    "headings",
    "tables",
)

# The classifier's input, in order. A model's metadata must list exactly these names.
FEATURE_NAMES: tuple[str, ...] = (
    # size
    "size_before",
    "size_change",
    "size_change_ratio",
    # wikitext structure: count in the revision minus count in its parent
    *(f"{name}_change" for name in WIKITEXT_COUNTS),
    # user
    "user_is_anonymous",
    "user_is_bot",
    "user_is_privileged",
    "user_edit_count_log",
    "user_account_age_days",
    # page
    "page_namespace",
    "page_is_creation",
    "page_age_days",
    # edit metadata
    "comment_length",
    "is_minor",
    # time of the edit (UTC)
    "hour_of_day",
    "day_of_week",
)

# Namespace prefixes of files and categories in the most-edited Wikipedias (canonical
# English names plus common local names and aliases). Links with other local prefixes
# count as ordinary wikilinks; media are also recognised by their file extension.
MEDIA_PREFIXES = frozenset("""
    file image media datei bild medium fichier archivo imagen immagine ficheiro imagem
    arquivo bestand afbeelding plik grafika файл изображение зображення слика податотека
    ファイル 画像 文件 檔案 图像 圖像 파일 그림 ملف صورة پرونده تصویر קובץ תמונה
    tiedosto kuva fil bilde billede soubor obrázek súbor dosya resim berkas gambar fitxer
    fișier imagine tập_tin hình αρχείο εικόνα fájl kép failas datoteka slika
    """.split())
CATEGORY_PREFIXES = frozenset("""
    category kategorie catégorie categoría categoria categorie kategoria kategori
    категория категорія категорија カテゴリ 分类 分類 카테고리 분류 تصنيف رده קטגוריה
    luokka kategória kategorija thể_loại κατηγορία flokkur kategooria
    """.split())
MEDIA_EXTENSIONS = (
    ".jpg",
    ".jpeg",
    ".png",
    ".gif",
    ".svg",
    ".tif",
    ".tiff",
    ".webp",
    ".webm",
    ".ogg",
    ".ogv",
    ".oga",
    ".mp3",
    ".wav",
    ".flac",
    ".pdf",
    ".djvu",
    ".stl",
    ".mid",
)
# User groups whose members' edits are rarely reverted (local rights of the big wikis).
PRIVILEGED_GROUPS = frozenset(
    {
        "sysop",
        "bureaucrat",
        "rollbacker",
        "autoreviewer",
        "autopatrolled",
        "editor",
        "reviewer",
        "extendedconfirmed",
        "patroller",
        "interface-admin",
        "checkuser",
        "suppress",
        "eliminator",
        "templateeditor",
    }
)
WIKITEXT_MODELS = frozenset({"wikitext"})


def _namespace_prefix(target: str) -> str:
    """``" File : Foo.jpg"`` -> ``"file"`` (the text before the first colon, normalised)."""
    prefix, colon, _ = target.strip().lstrip(":").partition(":")
    if not colon:
        return ""
    return "_".join(prefix.strip().replace("_", " ").split()).casefold()


def wikitext_counts(text: str) -> dict[str, int]:
    """Count links, references, templates, media, categories, headings and tables.

    One parse and one walk over every node (nested ones included: a link inside a
    reference or a template parameter counts). A ``<gallery>`` counts one medium per
    non-empty line.
    """
    counts = dict.fromkeys(WIKITEXT_COUNTS, 0)
    for node in mwparserfromhell.parse(text, skip_style_tags=True).ifilter(recursive=True):
        if isinstance(node, Wikilink):
            target = str(node.title)
            prefix = _namespace_prefix(target)
            if prefix in CATEGORY_PREFIXES and not target.lstrip().startswith(":"):
                counts["categories"] += 1
            elif prefix in MEDIA_PREFIXES or (
                prefix and target.strip().lower().endswith(MEDIA_EXTENSIONS)
            ):
                counts["media"] += 1
            else:
                counts["wikilinks"] += 1
        elif isinstance(node, Template):
            counts["templates"] += 1
        elif isinstance(node, ExternalLink):
            counts["external_links"] += 1
        elif isinstance(node, Heading):
            counts["headings"] += 1
        elif isinstance(node, Tag):
            name = str(node.tag).strip().lower()
            if name == "ref":
                counts["references"] += 1
            elif name == "table":
                counts["tables"] += 1
            elif name == "gallery" and node.contents is not None:
                counts["media"] += sum(
                    1 for line in str(node.contents).splitlines() if line.strip()
                )
    return counts


def parse_timestamp(value: Any) -> dt.datetime | None:
    """MediaWiki's ``2024-01-02T03:04:05Z`` as an aware datetime (None if absent/bad)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.timezone.utc)
    except ValueError:
        return None


def _days(later: dt.datetime | None, earlier: dt.datetime | None) -> float:
    if later is None or earlier is None:
        return math.nan
    return max(0.0, (later - earlier).total_seconds() / 86400.0)


def revision_text(revision: Mapping[str, Any]) -> str:
    """The revision's wikitext; :class:`TextDeleted` if hidden, :class:`UnsupportedContent`
    if its content model is not wikitext."""
    text = require_text(revision)
    main = main_slot(revision)
    model = main.get("contentmodel", revision.get("contentmodel", "wikitext"))
    if model not in WIKITEXT_MODELS:
        raise UnsupportedContent(
            f"revision {revision.get('revid')} has content model {str(model)[:40]!r}; "
            "only wikitext can be scored"
        )
    return text


def _size(revision: Mapping[str, Any], text: str) -> int:
    size = revision.get("size")
    if isinstance(size, int) and not isinstance(size, bool) and size >= 0:
        return size
    return len(text.encode("utf-8"))


def _user_features(
    revision: Mapping[str, Any], user: Mapping[str, Any] | None, when: dt.datetime | None
) -> dict[str, float]:
    anonymous = bool(revision.get("anon") or revision.get("temp")) or (
        not revision.get("userhidden") and not revision.get("userid")
    )
    if anonymous:
        return {
            "user_is_anonymous": 1.0,
            "user_is_bot": 0.0,
            "user_is_privileged": 0.0,
            "user_edit_count_log": 0.0,
            "user_account_age_days": 0.0,
        }
    usable = user is not None and not user.get("missing") and not user.get("invalid")
    groups = set(user.get("groups") or ()) if usable and user else set()
    edit_count = user.get("editcount") if usable and user else None
    registration = parse_timestamp(user.get("registration")) if usable and user else None
    return {
        "user_is_anonymous": 0.0,
        "user_is_bot": 1.0 if "bot" in groups else 0.0,
        "user_is_privileged": 1.0 if groups & PRIVILEGED_GROUPS else 0.0,
        "user_edit_count_log": (
            math.log1p(edit_count) if isinstance(edit_count, int) and edit_count >= 0 else math.nan
        ),
        "user_account_age_days": _days(when, registration),
    }


def extract_features(
    revision: Mapping[str, Any],
    parent: Mapping[str, Any] | None,
    user: Mapping[str, Any] | None,
    page_creation: Mapping[str, Any] | None,
) -> dict[str, float]:
    """The features of the edit ``revision`` (see the module docstring for the documents).

    Raises :class:`TextDeleted` when the text of the revision or of its parent is hidden,
    and :class:`UnsupportedContent` for content that is not wikitext.
    """
    text = revision_text(revision)
    if parent is not None:
        try:
            parent_text = revision_text(parent)
        except TextDeleted:
            raise TextDeleted(
                f"the text of revision {parent.get('revid')}, the parent of revision "
                f"{revision.get('revid')}, is deleted or suppressed"
            ) from None
    else:
        parent_text = ""
    size = _size(revision, text)
    size_before = _size(parent, parent_text) if parent is not None else 0
    counts = wikitext_counts(text)
    parent_counts = wikitext_counts(parent_text) if parent_text else dict.fromkeys(counts, 0)

    when = parse_timestamp(revision.get("timestamp"))
    created = parse_timestamp(page_creation.get("timestamp")) if page_creation else None
    page = revision.get("page") or {}
    namespace = page.get("ns", revision.get("ns"))
    comment = revision.get("comment")

    features: dict[str, float] = {
        "size_before": float(size_before),
        "size_change": float(size - size_before),
        "size_change_ratio": (size - size_before) / max(size_before, 1),
    }
    for name in WIKITEXT_COUNTS:
        features[f"{name}_change"] = float(counts[name] - parent_counts[name])
    features.update(_user_features(revision, user, when))
    features.update(
        {
            "page_namespace": float(namespace) if isinstance(namespace, int) else math.nan,
            "page_is_creation": 1.0 if parent is None else 0.0,
            "page_age_days": 0.0 if parent is None else _days(when, created),
            "comment_length": (
                float(len(comment))
                if isinstance(comment, str) and not revision.get("commenthidden")
                else math.nan
            ),
            "is_minor": 1.0 if revision.get("minor") else 0.0,
            "hour_of_day": float(when.hour) if when else math.nan,
            "day_of_week": float(when.weekday()) if when else math.nan,
        }
    )
    return {name: features[name] for name in FEATURE_NAMES}


def feature_row(features: Mapping[str, float]) -> list[float]:
    """The features in :data:`FEATURE_NAMES` order, as a classifier takes them."""
    return [float(features[name]) for name in FEATURE_NAMES]
