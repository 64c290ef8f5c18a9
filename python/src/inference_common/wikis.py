"""Wikipedia language codes, wiki ids (database names) and hosts.

A wiki id is the wiki's database name (``enwiki``, ``eswikibooks``, ``wikidatawiki``,
``translatewiki``). Lift Wing names its models ``{wiki}wiki-{model}``, which for a sister
project gives ``eswikibookswiki``: :func:`canonical_wiki_id` accepts both spellings.

Request data never chooses a host freely: a ``lang`` must be one of the known Wikipedia
language codes below, and the host is built from it (``{lang}.wikipedia.org``).
"""

from __future__ import annotations

import re

# The language editions of Wikipedia (subdomains of wikipedia.org).
WIKIPEDIA_LANGUAGES: frozenset[str] = frozenset("""
    aa ab ace ady af ak als alt am ami an ang anp ar arc ary arz as ast atj av avk awa ay
    az azb ba ban bar bat-smg bbc bcl bdr be be-tarask be-x-old bew bg bh bi bjn blk bm bn
    bo bpy br bs btm bug bxr ca cbk-zam cdo ce ceb ch cho chr chy ckb co cr crh cs csb cu
    cv cy da dag de dga din diq dsb dtp dty dv dz ee el eml en eo es et eu ext fa fat ff
    fi fiu-vro fj fo fon fr frp frr fur fy ga gag gan gcr gd gl glk gn gom gor got gpe gu
    guc gur guw gv ha hak haw he hi hif ho hr hsb ht hu hy hyw hz ia iba id ie ig igl ii ik
    ilo inh io is it iu ja jam jbo jv ka kaa kab kbd kbp kcg kg kge ki kj kk kl km kn knc
    ko koi kr krc ks ksh ku kus kv kw ky la lad lb lbe lez lfn lg li lij lld lmo ln lo lrc
    lt ltg lv mad mai map-bms mdf mg mh mhr mi min mk ml mn mni mnw mo mos mr mrj ms mt mus
    mwl my myv mzn na nah nap nds nds-nl ne new ng nia nl nn no nov nqo nr nrm nso nup nv
    ny oc olo om or os pa pag pam pap pcd pcm pdc pfl pi pih pl pms pnb pnt ps pt pwn qu
    rm rmy rn ro roa-rup roa-tara rsk ru rue rup rw sa sah sat sc scn sco sd se sg sgs sh
    shi shn si simple sk skr sl sm smn sn so sq sr srn ss st stq su sv sw syl szl szy ta
    tay tcy tdd te tet tg th ti tig tk tl tly tn to tpi tr trv ts tt tum tw ty tyv udm ug
    uk ur uz ve vec vep vi vls vo vro wa war wo wuu xal xh xmf yi yo yue za zea zgh zh
    zh-classical zh-min-nan zh-yue zu
    """.split())

# Wiki ids that are not "{lang}wiki" on wikipedia.org.
_SPECIAL_HOSTS = {
    "wikidatawiki": "www.wikidata.org",
    "testwikidatawiki": "test.wikidata.org",
    "commonswiki": "commons.wikimedia.org",
    "metawiki": "meta.wikimedia.org",
    "mediawikiwiki": "www.mediawiki.org",
    "specieswiki": "species.wikimedia.org",
    "testwiki": "test.wikipedia.org",
    "translatewiki": "translatewiki.net",
}
_FAMILIES = (
    "wiktionary",
    "wikibooks",
    "wikinews",
    "wikiquote",
    "wikisource",
    "wikiversity",
    "wikivoyage",
)
_WIKI_ID = re.compile(r"^[a-z][a-z0-9_]{1,40}$")


def is_wikipedia_language(lang: str) -> bool:
    return lang in WIKIPEDIA_LANGUAGES


def wikipedia_host(lang: str) -> str:
    """``en`` -> ``en.wikipedia.org``. Only for known language codes."""
    if lang not in WIKIPEDIA_LANGUAGES:
        raise ValueError(f"not a Wikipedia language code: {lang!r}")
    return f"{lang}.wikipedia.org"


def wiki_id_for_language(lang: str) -> str:
    """``en`` -> ``enwiki``, ``zh-min-nan`` -> ``zh_min_nanwiki``."""
    return lang.replace("-", "_") + "wiki"


def canonical_wiki_id(name: str) -> str:
    """The database name of a wiki, given it or Lift Wing's ``{wiki}wiki`` spelling of it:
    ``eswikibookswiki`` -> ``eswikibooks``, ``enwiki`` / ``wikidatawiki`` / ``translatewiki``
    unchanged. ``ValueError`` for anything that is not a known wiki."""
    if not _WIKI_ID.match(name):
        raise ValueError(f"not a wiki id: {name!r}")
    if name.endswith("wiki") and name[: -len("wiki")].endswith(_FAMILIES):
        name = name[: -len("wiki")]  # Lift Wing's eswikibookswiki
    _host(name)
    return name


def host_for_wiki_id(wiki_id: str) -> str:
    """The public host of a wiki id: ``enwiki`` -> ``en.wikipedia.org``,
    ``eswikibooks`` (or Lift Wing's ``eswikibookswiki``) -> ``es.wikibooks.org``,
    ``wikidatawiki`` -> ``www.wikidata.org``, ``translatewiki`` -> ``translatewiki.net``."""
    return _host(canonical_wiki_id(wiki_id))


def _host(wiki_id: str) -> str:
    if wiki_id in _SPECIAL_HOSTS:
        return _SPECIAL_HOSTS[wiki_id]
    for family in _FAMILIES:
        if wiki_id.endswith(family):
            lang = wiki_id[: -len(family)].replace("_", "-")
            if lang in WIKIPEDIA_LANGUAGES:
                return f"{lang}.{family}.org"
    if wiki_id.endswith("wiki"):
        lang = wiki_id[: -len("wiki")].replace("_", "-")
        if lang in WIKIPEDIA_LANGUAGES:
            return f"{lang}.wikipedia.org"
    raise ValueError(f"unknown wiki id: {wiki_id!r}")
