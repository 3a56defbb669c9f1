"""Company names made comparable: :func:`normalise` and why two names are the same
(see :mod:`imtui.core.matching` for the rules)."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

__all__ = ["GENERIC_WORDS", "HOW_EXACT", "HOW_IGNORED", "HOW_MANUAL", "HOW_NORMALISED", "LEGAL_SUFFIXES", "normalise"]

HOW_EXACT = "exact"
HOW_NORMALISED = "normalised"
HOW_MANUAL = "manual"
HOW_IGNORED = "ignored"

#: Legal-form suffixes stripped from the end of a name, as people write them. Each is run through the
#: same normalisation as names, so "GmbH & Co. KG" is matched as the words ``gmbh and co kg``,
#: "L.L.C." as ``llc`` and "Limited" as ``ltd``.
LEGAL_SUFFIXES: tuple[str, ...] = (
    # English-speaking
    "Ltd", "Ltd.", "Limited", "Inc", "Inc.", "Incorporated", "LLC", "L.L.C.", "LLP", "L.L.P.", "LP",
    "PLC", "P.L.C.", "Co", "Co.", "Company", "Corp", "Corp.", "Corporation", "Limited Company",
    "Limited Liability Company", "Limited Liability Partnership", "Public Limited Company",
    "Pty", "Pty Ltd", "Pty Limited", "Pvt Ltd", "Private Limited", "Pte Ltd", "CIC",
    "Sdn Bhd", "Bhd",
    # German-speaking
    "GmbH", "mbH", "GmbH & Co KG", "GmbH & Co. KG", "AG & Co KG", "AG & Co. KG", "KG", "KGaA", "AG",
    "UG", "UG (haftungsbeschränkt)", "e.K.", "e.V.", "OHG", "GbR",
    # Benelux
    "BV", "B.V.", "NV", "N.V.", "BVBA", "SPRL", "VOF",
    # French / Spanish / Italian / Portuguese
    "SARL", "SAS", "SASU", "SA", "S.A.", "SL", "S.L.", "SRL", "Srl", "S.R.L.", "SpA", "S.p.A.", "Lda",
    "Ltda", "SE",
    # Nordic
    "Oy", "Oyj", "AB", "AS", "A/S", "ASA", "ApS", "HF", "EHF",
    # Central / Eastern Europe
    "Sp. z o.o.", "Sp z oo", "s.r.o.", "a.s.", "Kft", "Zrt", "d.o.o.",
    # Asia-Pacific
    "KK", "K.K.",
)

#: Words so common in company names that sharing them says little ("Acme Services" and "Bolt Services"
#: are not alike). They still count, at a fraction of the weight of a distinctive word like "acme".
GENERIC_WORDS: frozenset[str] = frozenset(
    """
    and of the for at in on a an uk us usa eu europe european international intl global group holdings
    holding services service solutions solution systems system technologies technology tech it ict
    consulting consultants consultancy construction partners partnership associates management
    enterprises enterprise industries industry trading networks network software digital computers
    computer data cloud communications media marketing design engineering logistics financial finance
    properties property investments capital ventures business centre center clinic medical dental
    health care school college trust foundation council
    """.split()
)

_TOKEN_SYNONYMS = {
    "company": "co",
    "corporation": "corp",
    "limited": "ltd",
    "incorporated": "inc",
    "brothers": "bros",
}
# a suffix right after one of these is part of the name ("Smith & Co")
_CONNECTORS = frozenset({"and", "und", "et", "of"})
_TRANSLIT = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "ħ": "h"}
)
_APOSTROPHES = re.compile(r"['’‘`´ʼ]")
_ABBREVIATION = re.compile(r"(?<![^\W\d_])[^\W\d_](?:[./][^\W\d_])+(?![^\W\d_])\.?")
_AND = re.compile(r"[&+]")
_PUNCTUATION = re.compile(r"[^\w\s]|_")


# --------------------------------------------------------------------------- normalisation


@dataclass(frozen=True, slots=True)
class _Analysis:
    """One name taken apart: what normalise() returns plus what it threw away (for the reasons)."""

    core: str  # normalise(name)
    tokens: tuple[str, ...]  # core.split()
    full_tokens: tuple[str, ...]  # before suffix stripping (after dropping "the")
    suffix: tuple[str, ...]  # the stripped suffix words, as written (lower case, pre-synonym)
    dropped_the: bool


def _fold(text: str) -> str:
    text = text.casefold().translate(_TRANSLIT)
    text = _APOSTROPHES.sub("", text)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _words(text: str) -> list[str]:
    """Steps 1-4: the name as lower-case ASCII-ish words, before synonyms, "the" and suffixes."""
    text = _fold(text)
    text = _ABBREVIATION.sub(lambda m: m.group().replace(".", "").replace("/", ""), text)
    text = _AND.sub(" and ", text)
    text = _PUNCTUATION.sub(" ", text)
    return text.split()


def _suffix_table() -> tuple[tuple[str, ...], ...]:
    seqs = {tuple(_TOKEN_SYNONYMS.get(w, w) for w in _words(s)) for s in LEGAL_SUFFIXES}
    seqs.discard(())
    return tuple(sorted(seqs, key=lambda s: (-len(s), s)))


_SUFFIXES = _suffix_table()
_SUFFIX_LAST_WORDS = frozenset(s[-1] for s in _SUFFIXES)


@functools.lru_cache(maxsize=65536)
def _analyse(name: str) -> _Analysis:
    raw = _words(name)
    canon = [_TOKEN_SYNONYMS.get(w, w) for w in raw]
    dropped_the = False
    if len(canon) > 1 and canon[0] == "the":
        canon, raw = canon[1:], raw[1:]
        dropped_the = True
    full = tuple(canon)
    end = len(canon)
    while end and canon[end - 1] in _SUFFIX_LAST_WORDS:
        for seq in _SUFFIXES:
            n = len(seq)
            if n <= end and tuple(canon[end - n : end]) == seq and (
                end == n or canon[end - n - 1] not in _CONNECTORS
            ):
                end -= n
                break
        else:
            break
    if end == 0:  # nothing but suffixes: keep the name whole
        end = len(canon)
    tokens = full[:end]
    return _Analysis(
        core=" ".join(tokens),
        tokens=tokens,
        full_tokens=full,
        suffix=tuple(raw[end:]),
        dropped_the=dropped_the,
    )


def normalise(name: str) -> str:
    """The comparable form of a company name: see the module docstring for the rules.

    >>> normalise("ACME LIMITED") == normalise("Acme Ltd.") == normalise("acme, ltd") == "acme"
    True
    >>> normalise("Müller & Söhne GmbH")
    'muller and sohne'
    >>> normalise("AB Electrical"), normalise("Smith & Co Ltd")
    ('ab electrical', 'smith and co')
    """
    return _analyse(name).core


_SUFFIX_DISPLAY = {
    "ltd": "Ltd", "limited": "Limited", "inc": "Inc", "incorporated": "Incorporated", "co": "Co",
    "company": "Company", "corp": "Corp", "corporation": "Corporation", "pty": "Pty", "gmbh": "GmbH",
    "mbh": "mbH", "and": "&", "ek": "e.K.", "ev": "e.V.", "oy": "Oy", "oyj": "Oyj", "aps": "ApS",
    "spa": "S.p.A.", "srl": "Srl", "sp": "Sp.", "kft": "Kft", "lda": "Lda", "ltda": "Ltda",
    "bhd": "Bhd", "sdn": "Sdn", "pte": "Pte", "pvt": "Pvt", "private": "Private", "public": "Public",
    "liability": "Liability", "partnership": "Partnership",
}


def _display_suffix(words: tuple[str, ...]) -> str:
    return " ".join(_SUFFIX_DISPLAY.get(w, w.upper()) for w in words)


def _accented(text: str) -> list[str]:
    folded = unicodedata.normalize("NFC", text.casefold())
    return sorted(c for c in folded if c.isalpha() and not c.isascii())


def _explain_normalised(a: str, b: str) -> str:
    """Why two different names normalise equal, in words: "same name after normalising (Ltd = Limited)"."""
    qa, qb = _analyse(a), _analyse(b)
    notes: list[str] = []
    if qa.suffix != qb.suffix:
        sa, sb = _display_suffix(qa.suffix), _display_suffix(qb.suffix)
        if sa.casefold() != sb.casefold():
            if sa and sb:
                notes.append(f"{sa} = {sb}")
            else:
                notes.append(f"ignoring {sa or sb}")
    if qa.dropped_the != qb.dropped_the:
        notes.append('ignoring "The"')
    if "and" in qa.tokens and bool(_AND.search(a)) != bool(_AND.search(b)):
        notes.append("& = and")
    if _accented(a) != _accented(b):
        notes.append("ignoring accents")
    if not notes:
        if a.casefold() == b.casefold():
            notes.append("ignoring case")
        else:
            notes.append("ignoring case, punctuation and spacing")
    return f"same name after normalising ({'; '.join(notes)})"
