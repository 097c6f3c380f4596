"""Dotted quads that are versions or object identifiers, not IPv4 addresses.

``4.3.2.1`` is a valid IPv4 address and a valid four-part version; ``2.5.4.3`` is one and
the OID of an LDAP ``cn``. What is written around the four numbers tells them apart:

- a longer dotted run that starts with 0, 1 or 2, the root arcs of every OID
  (``1.3.6.1.4.1.311.21.8``, ``.1.3.6.1.2.1.1.5.0``) and of most long versions; an
  address has exactly four parts (``192.168.1.1.1`` still holds one, and so does an
  SNMP index: ``ipAdEntIfIndex.192.168.1.10``);
- a version word as its label, the nearest word before (``is``, ``no``, ``number``
  skipped): ``version 4.3.2.1``, ``Release 2.0.1.0``, ``build 10.0.1.5``, ``Firmware
  1.0.2.15``, ``AssemblyVersion("1.0.0.0")`` (any word that ends in ``version``);
  farther away it may be about something else (``the build server 10.0.0.5``);
- an OID word or a dependency bump among the four words before (numbers not counted):
  ``OID 2.5.4.3``, ``attributetypes: ( 2.5.4.3``, ``Bump libfoo from 1.2.3.4 to 1.2.3.5``;
- a pre-release tag right after: ``1.2.3.4-beta``, ``2.0.0.1rc1``; a release date right
  after, on a line that starts with it, as changelog headings are written: ``### 3.2.1.4
  (2024-02-11)``, ``## [1.2.3.4] - 2024-02-11``;
- a version specifier right before: ``foo==1.2.3.4``, ``>=1.2.0.0``, ``^1.2.3.4``, or a
  product name and a slash, as User-Agent and Server headers write versions:
  ``nginx/1.25.3.1``, ``Chrome/120.0.6099.109``;
- an LDAP schema's ``NAME`` right after (RFC 4512): ``( 2.5.4.3 NAME 'cn' ...``.
- a section word as its label (``Section 1.2.3.4``, ``clause``, ``Art.``, ``§``): the
  number of a part of a document.

And an IPv6-shaped match is no address inside a run of colon-joined hex pairs (a MAC,
EUI-64 or fingerprint).

Words are matched lower case and without accents; the lists hold the words release
notes, changelogs, package managers and directory schemas use, in English and the
languages of :mod:`guard.pii.telephony`.
"""

from __future__ import annotations

import re

from guard.pii.recognizers import plain, words

VERSION_WORDS = frozenset({
    "version", "versions", "ver", "release", "released", "releases", "build", "builds",
    "firmware", "fw", "kernel", "bios", "patch", "hotfix", "sdk", "runtime", "revision",
    "rev", "versie", "versione", "versao", "versiones",
})
"""Words that label a dotted quad as a version when they are the nearest word before it."""
SECTION_WORDS = frozenset({
    # numbered parts of documents, standards and contracts: "Section 1.2.3.4", "Art. 4.3.2.1"
    "section", "sec", "clause", "chapter", "ch", "article", "art", "paragraph", "para",
    "subsection", "item", "step", "figure", "fig", "table", "annex", "appendix", "rule",
    "requirement", "control", "abschnitt", "kapitel", "artikel", "absatz", "ziffer",
    "chapitre", "paragraphe", "alinea", "seccion", "capitulo", "articulo", "apartado",
    "sezione", "capitolo", "articolo", "paragrafo", "hoofdstuk", "paragraaf", "secao",
    "artigo", "rozdzial", "punkt", "madde", "bolum",
})
"""Words that label a dotted quad as the number of a part of a document, when they are the
nearest word before it (``§`` right before does the same)."""
FILLERS = frozenset({"is", "was", "no", "nr", "number", "to", "v"})
OID_WORDS = frozenset({
    # object identifiers (X.660, SNMP MIBs, LDAP and X.509 schemas), dependency bumps
    "oid", "oids", "objectidentifier", "attributetype", "attributetypes",
    "objectclass", "objectclasses", "ldapsyntaxes", "matchingrules", "bump", "bumps",
    "bumped",
})
"""Words that say so among the four words before."""
WORDS_BEFORE = 4
_TAG = re.compile(r"[-+~_.]?(?:alpha|beta|rc|dev|pre|preview|snapshot|final|nightly|lts)",
                  re.IGNORECASE)
_DOTTED_AFTER = re.compile(r"(?:\.\d+)*")
_DOTTED_BEFORE = re.compile(r"(?:\d+\.)+\Z")
_SCHEMA_NAME = re.compile(r"\s+NAME\s+['(]")
_RELEASE_DATE = re.compile(r"\]?\s*[(\[\-\u2013\u2014]\s*(?:19|20)\d\d-\d\d-\d\d")
_PRODUCT = re.compile(r"(?<![\w/.:-])[A-Za-z][\w.+-]*/\Z")
SPECIFIERS = ("==", ">=", "<=", "~=", "!=", "^", "~", ">", "<")


def not_an_address(text: str, start: int, end: int) -> bool:
    """Whether the IPv4-shaped ``text[start:end]`` is a version or an OID instead."""
    value = text[start:end]
    if ":" in value:
        return _hex_pairs(text, start, end)
    if value.count(".") != 3:
        return False
    if _oid_run(text, start, end):
        return True
    if _TAG.match(text, end) or _SCHEMA_NAME.match(text, end) or _heading(text, start, end):
        return True
    if text[max(0, start - 2):start].endswith(SPECIFIERS) or _PRODUCT.search(
            text, max(0, start - 40), start):
        return True
    before = [w for w in words(plain(text[max(0, start - 80):start].lower())) if not w.isdigit()]
    if any(w in OID_WORDS for w in before[-WORDS_BEFORE:]):
        return True
    if text[max(0, start - 3):start].rstrip().endswith("\u00a7"):
        return True
    label = next((w for w in reversed(before) if w not in FILLERS), "")
    return label in VERSION_WORDS or label in SECTION_WORDS or label.endswith("version")


_HEX_RUN = re.compile(r"[0-9A-Fa-f:]*")
_HEX_BACK = re.compile(r"[0-9A-Fa-f:]*\Z")
MIN_PAIRS = 6


def _hex_pairs(text: str, start: int, end: int) -> bool:
    """Whether the IPv6-shaped match lies in a run of six or more colon-joined pairs of hex
    digits and nothing else: a MAC or EUI-64 address, a key or certificate fingerprint
    (``de:ad:be:ef:00:11:22:33``). An IPv6 address is written in groups of one to four
    digits with its zeros dropped, never all in pairs."""
    back = _HEX_BACK.search(text, max(0, start - 120), start)
    ahead = _HEX_RUN.match(text, end)
    run = (back.group() if back else "") + text[start:end] + (ahead.group() if ahead else "")
    groups = run.split(":")
    return len(groups) >= MIN_PAIRS and all(len(g) == 2 for g in groups)


def _heading(text: str, start: int, end: int) -> bool:
    """Whether the quad opens a changelog heading: only ``#``, ``[``, ``v``, ``*`` or
    spaces before it on its line, a release date after it."""
    line = text.rfind("\n", max(0, start - 40), start) + 1
    opens = line > 0 or start < 40
    return (opens and not text[line:start].strip("#[*v \t")
            and _RELEASE_DATE.match(text, end) is not None)


def _oid_run(text: str, start: int, end: int) -> bool:
    """Whether the quad is part of a longer run of dotted numbers whose first is 0, 1, 2."""
    after = _DOTTED_AFTER.match(text, end)
    before = _DOTTED_BEFORE.search(text, max(0, start - 80), start)
    if not (after and after.group()) and not before:
        return False
    run = (before.group() if before else "") + text[start:end]
    return run.lstrip(".").split(".", 1)[0] in ("0", "1", "2")
