"""Matching Ingram Micro customers to the MSP's own client names.

An MSP calls its clients by its own names ("Acme Ltd"); the Marketplace calls the same company something
else ("ACME LIMITED", "Acme Holdings"). Each Ingram customer (per marketplace account) is mapped to one
local client name, and the mapping records *how* it was made:

- ``"exact"``: the two names are identical (surrounding whitespace aside);
- ``"normalised"``: the names are equal after :func:`normalise`;
- ``"manual"``: a person chose the client;
- ``"ignored"``: a person said this customer is not one of their clients;
- no mapping at all: unmapped.

Nothing is ever guessed silently: :func:`plan_auto_map` only proposes exact and normalised equalities,
and refuses (reports a :class:`Conflict`) whenever more than one answer is possible. Anything weaker
(shared words, similar spelling) is only a :class:`Suggestion` shown to a person, with a score always
below :data:`AUTO_THRESHOLD`.

Normalisation, in order (see :func:`normalise`):

1. casefold (``ß`` becomes ``ss``), then strip accents: NFKD, combining marks dropped, and the few
   Latin letters NFKD leaves alone transliterated (``ø``→o, ``æ``→ae, ``œ``→oe, ``ł``→l, ``đ``/``ð``→d,
   ``þ``→th, ``ı``→i);
2. apostrophes (``'`` ``’`` ``‘`` `````) are dropped without a space: "O'Brien" → "obrien";
3. dotted or slashed single-letter abbreviations are closed up: "L.L.C." → "llc", "S.p.A." → "spa",
   "e.K." → "ek", "A/S" → "as";
4. ``&`` and ``+`` become the word "and"; every other punctuation mark becomes a space; whitespace is
   collapsed;
5. a few spelled-out legal words are written one way: company → co, corporation → corp,
   limited → ltd, incorporated → inc, brothers → bros (so "Smith and Company" ≡ "Smith & Co");
6. a leading "the" is dropped (unless it is the whole name);
7. trailing legal-form suffixes (:data:`LEGAL_SUFFIXES`) are stripped repeatedly, longest first, so
   "Acme Pty Ltd", "Acme Co. Ltd" and "Acme GmbH & Co. KG" all become "acme". Only *trailing* words
   are stripped: "AB Electrical" stays "ab electrical" while "Electrical AB" is "electrical". A suffix
   right after "and"/"und"/"et"/"of" is part of the name and is kept: "Smith & Co Ltd" is
   "smith and co", not "smith". If every word is a suffix ("Limited Company") the name is kept whole.

Decisions worth knowing:

- "The Widget Company" ≡ "Widget Co" ≡ "Widget Ltd" ≡ "Widget": "company"/"co" are legal-form words.
- "Smith & Co" ≡ "Smith and Company Limited", but ≢ "Smith Ltd".
- "Acme Holdings" ≢ "Acme Ltd" and "Acme Group" ≢ "Acme": holdings/group are *not* suffixes (a holding
  company is often a different legal entity); they only come up as suggestions.
- Digits are kept: "Acme 2 Ltd" ≢ "Acme Ltd".
"""

from __future__ import annotations

import difflib
import functools
import heapq
import itertools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "AUTO_THRESHOLD",
    "EXACT_SCORE",
    "GENERIC_WORDS",
    "HOW_EXACT",
    "HOW_IGNORED",
    "HOW_MANUAL",
    "HOW_NORMALISED",
    "LEGAL_SUFFIXES",
    "MIN_SCORE",
    "NORMALISED_SCORE",
    "AutoMapPlan",
    "ClientIndex",
    "Conflict",
    "CustomerRef",
    "ExistingMapping",
    "PlannedMapping",
    "Suggestion",
    "normalise",
    "plan_auto_map",
    "suggest",
]

HOW_EXACT = "exact"
HOW_NORMALISED = "normalised"
HOW_MANUAL = "manual"
HOW_IGNORED = "ignored"

EXACT_SCORE = 1.0
NORMALISED_SCORE = 0.95
#: A suggestion scoring at least this is an exact or normalised equality; weaker evidence (shared
#: words, similar spelling, different spacing) is capped at :data:`FUZZY_CAP`, always below it.
AUTO_THRESHOLD = 0.95
FUZZY_CAP = 0.9
#: Suggestions scoring below this are dropped as junk.
MIN_SCORE = 0.45

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


# --------------------------------------------------------------------------- suggestions


@dataclass(frozen=True)
class Suggestion:
    """A client that might be the customer, for a person to confirm.

    ``kind`` is ``"exact"`` (score 1.0), ``"normalised"`` (0.95), ``"spacing"`` (same letters, different
    spacing, 0.9) or ``"similar"`` (shared words and/or similar spelling, below 0.9). Only exact and
    normalised suggestions reach :data:`AUTO_THRESHOLD`.
    """

    client: str
    score: float
    reason: str
    kind: str = "similar"

    @property
    def is_equal(self) -> bool:
        """True for exact and normalised equality, the only kinds auto-mapping may use."""
        return self.score >= AUTO_THRESHOLD


_SOFT_TOKEN_MIN = 0.8  # two words this alike (by SequenceMatcher ratio) count as the same word, partly
_SPELLING_MIN = 0.85  # whole names this alike (spaces ignored) are suggested on spelling alone
_SPELLING_WEIGHT = 0.85
_WORDS_WEIGHT = 0.6  # the rest is whole-string similarity
_GRAM_SHARE_MIN = 0.4  # a spelling candidate shares at least this share of the name's trigrams


class ClientIndex:
    """The MSP's clients, precomputed for fast lookups and suggestions.

    Building it normalises every name once and keeps: normalised name → clients, exact (stripped)
    name → client, name without spaces → clients, and word → clients (inverted index). Word weights
    are inverse document frequencies, reduced for :data:`GENERIC_WORDS`, so a shared rare word like
    "acme" counts more than "services". Duplicate names are kept once, in first-seen order.
    """

    __slots__ = (
        "_clients", "_analyses", "_by_exact", "_by_norm", "_by_joined", "_postings", "_weights",
        "_weight_sums", "_joined", "_grams", "_n", "_rank",
    )

    def __init__(self, clients: Iterable[str]) -> None:
        seen: set[str] = set()
        self._clients: list[str] = []
        for c in clients:
            if c not in seen and c.strip():
                seen.add(c)
                self._clients.append(c)
        self._analyses = [_analyse(c) for c in self._clients]
        self._by_exact: dict[str, list[int]] = {}
        self._by_norm: dict[str, list[int]] = {}
        self._by_joined: dict[str, list[int]] = {}
        self._postings: dict[str, list[int]] = {}
        self._joined: list[str] = []
        self._grams: dict[str, list[int]] = {}  # trigram of the space-less name -> clients
        for i, (c, a) in enumerate(zip(self._clients, self._analyses)):
            self._by_exact.setdefault(c.strip(), []).append(i)
            self._by_norm.setdefault(a.core, []).append(i)
            joined = "".join(a.tokens)
            self._joined.append(joined)
            for g in _trigrams(joined):
                self._grams.setdefault(g, []).append(i)
            for j in {joined, "".join(a.full_tokens)}:
                self._by_joined.setdefault(j, []).append(i)
            for t in set(a.tokens):
                self._postings.setdefault(t, []).append(i)
        self._n = len(self._clients)
        # alphabetical rank, to break ties between equal scores the same way whatever the input order
        order = sorted(range(self._n), key=lambda k: (self._clients[k].casefold(), self._clients[k]))
        self._rank = [0] * self._n
        for r, k in enumerate(order):
            self._rank[k] = r
        self._weights = {t: self._word_weight(t, len(ids)) for t, ids in self._postings.items()}
        self._weight_sums = [sum(self._weights[t] for t in set(a.tokens)) for a in self._analyses]

    # -- weights

    def _idf(self, df: int) -> float:
        return 1.0 + math.log((self._n + 1) / (df + 1))

    def _word_weight(self, token: str, df: int) -> float:
        w = self._idf(df)
        if token in GENERIC_WORDS or len(token) == 1:
            w *= 0.3
        return w

    def weight(self, token: str) -> float:
        """How much sharing this (normalised) word counts: rare words more, generic words less."""
        w = self._weights.get(token)
        return w if w is not None else self._word_weight(token, 0)

    # -- lookups

    @property
    def clients(self) -> tuple[str, ...]:
        return tuple(self._clients)

    def __len__(self) -> int:
        return self._n

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.strip() in self._by_exact

    def lookup_exact(self, name: str) -> list[str]:
        """Clients whose name is identical to ``name`` (surrounding whitespace aside)."""
        return [self._clients[i] for i in self._by_exact.get(name.strip(), ())]

    def lookup_normalised(self, name: str) -> list[str]:
        """Every client whose normalised name equals ``normalise(name)``, in index order."""
        return [self._clients[i] for i in self._by_norm.get(normalise(name), ())]

    # -- suggestions

    def suggest(self, name: str, limit: int = 5) -> list[Suggestion]:
        """Up to ``limit`` clients that might be ``name``, best first.

        Exact (1.0) > normalised (0.95) > same letters apart from spacing (0.9) > similar: a blend of
        weighted word overlap (0.6: half Jaccard, half overlap coefficient over normalised words,
        near-identical words counting partly) and whole-name spelling similarity (0.4: difflib ratio),
        or spelling alone when the space-less names are at least 85% alike; capped at 0.9. Scores
        below :data:`MIN_SCORE` are dropped. Ties are broken by client name: the order is deterministic.
        """
        if limit <= 0 or not self._n or not name.strip():
            return []
        q = _analyse(name)
        found: dict[int, Suggestion] = {}

        for i in self._by_exact.get(name.strip(), ()):
            found[i] = Suggestion(self._clients[i], EXACT_SCORE, "identical name", HOW_EXACT)
        for i in self._by_norm.get(q.core, ()):
            if i not in found:
                reason = _explain_normalised(name, self._clients[i])
                found[i] = Suggestion(self._clients[i], NORMALISED_SCORE, reason, HOW_NORMALISED)
        for j in {"".join(q.tokens), "".join(q.full_tokens)}:
            for i in self._by_joined.get(j, ()):
                if i not in found:
                    found[i] = Suggestion(
                        self._clients[i], FUZZY_CAP, "same name apart from spacing", "spacing"
                    )

        if len(found) >= limit:
            return _ordered(found, limit)

        # bar a candidate must clear: MIN_SCORE, or the limit-th best score so far
        # min-heap of (score, -alphabetical rank, index): the weakest, then alphabetically last, goes
        heap: list[tuple[float, int, int]] = []
        needed = limit - len(found)
        results: dict[int, tuple[float, str]] = {}

        def bar() -> float:
            return max(MIN_SCORE, heap[0][0]) if len(heap) >= needed else MIN_SCORE

        q_tokens = set(q.tokens)
        q_weights = {t: self.weight(t) for t in q_tokens}
        q_sum = sum(q_weights.values())
        shared: dict[int, float] = {}
        for t in q_tokens:
            w = q_weights[t]
            for i in self._postings.get(t, ()):
                shared[i] = shared.get(i, 0.0) + w

        matcher = difflib.SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(q.core)
        q_joined = "".join(q.tokens)
        joined_matcher = difflib.SequenceMatcher(None, autojunk=False)
        joined_matcher.set_seq2(q_joined)

        # spelling-only candidates: whole names alike even without a shared word. Trigram postings
        # narrow 5,000 names to the few sharing a good part of the spelling, then difflib's cheap
        # upper bounds (real_quick_ratio, quick_ratio) before the real ratio().
        spelling: dict[int, float] = {}
        if len(q_joined) >= 4:
            q_grams = _trigrams(q_joined)
            counts = Counter(
                itertools.chain.from_iterable(self._grams.get(g, ()) for g in q_grams)
            )
            need = _GRAM_SHARE_MIN * len(q_grams)
            for i, n in counts.items():
                if n < need or i in found:
                    continue
                joined_matcher.set_seq1(self._joined[i])
                if (
                    joined_matcher.real_quick_ratio() >= _SPELLING_MIN
                    and joined_matcher.quick_ratio() >= _SPELLING_MIN
                ):
                    r = joined_matcher.ratio()
                    if r >= _SPELLING_MIN:
                        spelling[i] = r

        candidates = sorted(
            (i for i in set(shared) | set(spelling) if i not in found),
            key=lambda i: (-self._word_score(shared.get(i, 0.0), q_sum, i, True), i),
        )
        for i in candidates:
            a = self._analyses[i]
            s = shared.get(i, 0.0)
            common_words = q_tokens.intersection(a.tokens)
            distinctive = any(_is_distinctive(t) for t in common_words)
            tok = self._word_score(s, q_sum, i, distinctive)
            spell = _SPELLING_WEIGHT * spelling[i] if i in spelling else 0.0
            # cheap upper bound before the soft-word pass and the full ratio()
            matcher.set_seq1(a.core)
            if max(spell, _WORDS_WEIGHT * _soft_upper(tok, q_tokens, a.tokens)
                   + (1 - _WORDS_WEIGHT) * matcher.real_quick_ratio()) < bar():
                continue
            soft_pairs, tok = self._soft_overlap(
                q_tokens, q_weights, q_sum, a.tokens, s, i, distinctive
            )
            qr = matcher.quick_ratio()
            if max(spell, _WORDS_WEIGHT * tok + (1 - _WORDS_WEIGHT) * qr) < bar():
                continue
            sim = matcher.ratio()
            blend = _WORDS_WEIGHT * tok + (1 - _WORDS_WEIGHT) * sim
            score = round(min(FUZZY_CAP, max(blend, spell)), 4)
            if score < bar():
                continue
            shared_words = sorted(common_words, key=lambda t: (-q_weights[t], t))
            reason = _similar_reason(shared_words, soft_pairs, sim, spelling.get(i), blend >= spell)
            results[i] = (score, reason)
            heapq.heappush(heap, (score, -self._rank[i], i))
            if len(heap) > needed:
                heapq.heappop(heap)

        for _, _, i in heap:
            score, reason = results[i]
            found[i] = Suggestion(self._clients[i], score, reason, "similar")
        return _ordered(found, limit)

    def _soft_overlap(
        self,
        q_tokens: set[str],
        q_weights: dict[str, float],
        q_sum: float,
        c_tokens: tuple[str, ...],
        shared: float,
        i: int,
        distinctive: bool,
    ) -> tuple[list[tuple[str, str]], float]:
        """Word overlap where near-identical words ("widgets"/"widgtes") count by their likeness."""
        union = q_sum + self._weight_sums[i] - shared
        smaller = min(q_sum, self._weight_sums[i])
        left = [t for t in q_tokens if t not in c_tokens and len(t) >= 4]
        right = [t for t in set(c_tokens) if t not in q_tokens and len(t) >= 4]
        pairs: list[tuple[str, str]] = []
        credit = 0.0
        if left and right:
            m = difflib.SequenceMatcher(None, autojunk=False)
            used: set[str] = set()
            for t in sorted(left, key=lambda t: (-q_weights[t], t)):
                m.set_seq2(t)
                best, best_r = None, _SOFT_TOKEN_MIN
                for u in sorted(right):
                    if u in used:
                        continue
                    m.set_seq1(u)
                    if m.real_quick_ratio() >= best_r and m.quick_ratio() >= best_r:
                        r = m.ratio()
                        if r >= best_r:
                            best, best_r = u, r
                if best is not None:
                    used.add(best)
                    pairs.append((t, best))
                    wq, wc = q_weights[t], self.weight(best)
                    credit += best_r * (wq + wc) / 2
                    union -= min(wq, wc)  # the pair is one word of the union, not two
        distinctive = distinctive or any(_is_distinctive(t) for t, _ in pairs)
        return pairs, _combine(shared + credit, union, smaller, distinctive)

    def _word_score(self, shared: float, q_sum: float, i: int, distinctive: bool) -> float:
        c_sum = self._weight_sums[i]
        return _combine(shared, q_sum + c_sum - shared, min(q_sum, c_sum), distinctive)


def _is_distinctive(token: str) -> bool:
    return len(token) > 1 and token not in GENERIC_WORDS


def _combine(common: float, union: float, smaller: float, distinctive: bool) -> float:
    """Half weighted Jaccard, half overlap coefficient (how much of the shorter name is shared):
    "Acme" is well inside "Acme Holdings", while "Acme North"/"Acme South" share little. When the
    shared words are all generic ("Services"), being inside another name means nothing: Jaccard only."""
    if common <= 0 or union <= 0 or smaller <= 0:
        return 0.0
    jaccard = min(1.0, common / union)
    if not distinctive:
        return jaccard
    return (jaccard + min(1.0, common / smaller)) / 2


def _trigrams(joined: str) -> set[str]:
    padded = f"^{joined}$"
    return {padded[k : k + 3] for k in range(len(padded) - 2)}


def _soft_upper(tok: float, q_tokens: set[str], c_tokens: tuple[str, ...]) -> float:
    """An upper bound of the soft overlap: exact overlap, or 1 if some words might pair softly."""
    if any(len(t) >= 4 and t not in c_tokens for t in q_tokens) and any(
        len(t) >= 4 and t not in q_tokens for t in c_tokens
    ):
        return 1.0
    return tok


def _similar_reason(
    shared_words: list[str],
    soft_pairs: list[tuple[str, str]],
    sim: float,
    spelling: float | None,
    words_led: bool,
) -> str:
    parts: list[str] = []
    if shared_words:
        parts.append("shares words: " + ", ".join(shared_words))
    if soft_pairs:
        parts.append("similar words: " + ", ".join(f"{a} ~ {b}" for a, b in soft_pairs))
    if spelling is not None and not words_led:
        parts.insert(0, f"similar spelling ({round(spelling * 100)}%)")
    elif sim >= 0.75 or not parts:
        parts.append(f"similar spelling ({round(sim * 100)}%)")
    return "; ".join(parts)


def _ordered(found: dict[int, Suggestion], limit: int) -> list[Suggestion]:
    return sorted(found.values(), key=lambda s: (-s.score, s.client.casefold(), s.client))[:limit]


@functools.lru_cache(maxsize=4)
def _cached_index(clients: tuple[str, ...]) -> ClientIndex:
    return ClientIndex(clients)


def suggest(customer_name: str, clients: Sequence[str], limit: int = 5) -> list[Suggestion]:
    """Rank ``clients`` for one customer name; see :meth:`ClientIndex.suggest`.

    Builds a :class:`ClientIndex` (the last few are cached by the clients' contents); for many customers
    against the same clients, build one index and call its ``suggest``.
    """
    if isinstance(clients, ClientIndex):
        return clients.suggest(customer_name, limit)
    return _cached_index(tuple(clients)).suggest(customer_name, limit)


# --------------------------------------------------------------------------- auto-mapping


@dataclass(frozen=True)
class CustomerRef:
    """An Ingram customer within one marketplace account."""

    account: str
    customer_id: str
    name: str


@dataclass(frozen=True)
class ExistingMapping:
    """A mapping already stored. ``how`` is "exact", "normalised", "manual" or "ignored"."""

    account: str
    customer_id: str
    client: str | None
    how: str


@dataclass(frozen=True)
class PlannedMapping:
    """A mapping auto-mapping would make: ``how`` is "exact" or "normalised"."""

    customer: CustomerRef
    client: str
    how: str


@dataclass(frozen=True)
class Conflict:
    """An unmapped customer auto-mapping will not map because more than one answer is possible."""

    customer: CustomerRef
    candidates: tuple[str, ...]
    reason: str


@dataclass
class AutoMapPlan:
    """What :func:`plan_auto_map` proposes; nothing is applied until the caller does it.

    ``unchanged`` counts customers that already had a mapping of any kind (left as they are), of which
    ``protected`` were set by hand ("manual") or "ignored". ``unmatched`` lists unmapped customers no
    client equals, exactly or after normalising (suggestions may still help a person with those).
    """

    to_apply: list[PlannedMapping]
    conflicts: list[Conflict]
    unchanged: int
    protected: int = 0
    unmatched: list[CustomerRef] = field(default_factory=list)

    def summary(self) -> str:
        """The plan in one sentence, e.g. "3 customers will be mapped (2 exact, 1 after normalising) ..."."""
        parts: list[str] = []
        n = len(self.to_apply)
        if n:
            exact = sum(1 for p in self.to_apply if p.how == HOW_EXACT)
            detail = []
            if exact:
                detail.append(f"{exact} exact")
            if n - exact:
                detail.append(f"{n - exact} after normalising")
            parts.append(f"{_count(n, 'customer')} will be mapped ({', '.join(detail)})")
        else:
            parts.append("no customer will be mapped")
        if self.conflicts:
            verb = "needs" if len(self.conflicts) == 1 else "need"
            parts.append(f"{_count(len(self.conflicts), 'customer')} {verb} a decision (more than one match)")
        if self.unchanged:
            s = f"{self.unchanged} already mapped, left as they are"
            if self.unchanged == 1:
                s = "1 already mapped, left as it is"
            if self.protected:
                s += f" ({self.protected} set by hand or ignored)"
            parts.append(s)
        if self.unmatched:
            verb = "has" if len(self.unmatched) == 1 else "have"
            parts.append(f"{len(self.unmatched)} {verb} no matching client")
        return "; ".join(parts) + "."


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _customer_key(c: CustomerRef) -> tuple[str, str, str, str]:
    return (c.account, c.name.casefold(), c.name, c.customer_id)


def _quote_list(names: Iterable[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


def plan_auto_map(
    customers: Sequence[CustomerRef],
    clients: Sequence[str] | ClientIndex,
    existing: Sequence[ExistingMapping],
) -> AutoMapPlan:
    """Plan exact and normalised mappings for the customers that have no mapping yet.

    Rules:

    - a customer with any existing mapping (exact, normalised, manual, ignored) is never touched;
    - exact name equality first; only if no client is identical, normalised equality;
    - two or more candidate clients → :class:`Conflict` ("2 clients match: ..."), not mapped;
    - one client claimed by two or more planned customers of the SAME account → all of them are
      conflicts ("client X also matches customer Y"); so is a customer whose client is already mapped
      (by an existing mapping) to another customer of the same account;
    - the same client matched in DIFFERENT accounts is fine (one client, several marketplaces).

    ``to_apply``, ``conflicts`` and ``unmatched`` are sorted by account, then customer name, then id.
    """
    index = clients if isinstance(clients, ClientIndex) else ClientIndex(clients)
    by_key = {(m.account, m.customer_id): m for m in existing}
    names = {(c.account, c.customer_id): c.name for c in customers}
    # client -> customers already mapped to it, per account
    taken: dict[tuple[str, str], list[str]] = {}
    for m in existing:
        if m.client is not None and m.how != HOW_IGNORED:
            taken.setdefault((m.account, m.client), []).append(m.customer_id)

    unchanged = protected = 0
    conflicts: list[Conflict] = []
    unmatched: list[CustomerRef] = []
    proposed: list[PlannedMapping] = []
    seen: set[tuple[str, str]] = set()
    for c in customers:
        key = (c.account, c.customer_id)
        if key in seen:
            continue
        seen.add(key)
        m = by_key.get(key)
        if m is not None:
            unchanged += 1
            if m.how in (HOW_MANUAL, HOW_IGNORED):
                protected += 1
            continue
        exact = index.lookup_exact(c.name)
        if len(exact) == 1:
            proposed.append(PlannedMapping(c, exact[0], HOW_EXACT))
            continue
        candidates = exact or index.lookup_normalised(c.name)
        if len(candidates) == 1:
            proposed.append(PlannedMapping(c, candidates[0], HOW_NORMALISED))
        elif candidates:
            cands = tuple(sorted(candidates, key=lambda s: (s.casefold(), s)))
            conflicts.append(
                Conflict(c, cands, f"{len(cands)} clients match: {_quote_list(cands)}")
            )
        else:
            unmatched.append(c)

    claims: dict[tuple[str, str], list[PlannedMapping]] = {}
    for p in proposed:
        claims.setdefault((p.customer.account, p.client), []).append(p)
    to_apply: list[PlannedMapping] = []
    for p in proposed:
        ckey = (p.customer.account, p.client)
        others = [o.customer for o in claims[ckey] if o is not p]
        already = [cid for cid in taken.get(ckey, ()) if cid != p.customer.customer_id]
        if others:
            others.sort(key=_customer_key)
            who = _quote_list(o.name for o in others)
            noun = "customer" if len(others) == 1 else "customers"
            reason = f'client "{p.client}" also matches {noun} {who}'
            conflicts.append(Conflict(p.customer, (p.client,), reason))
        elif already:
            who = _quote_list(names.get((p.customer.account, cid), cid) for cid in sorted(already))
            conflicts.append(
                Conflict(p.customer, (p.client,), f'client "{p.client}" is already mapped to customer {who}')
            )
        else:
            to_apply.append(p)

    to_apply.sort(key=lambda p: _customer_key(p.customer))
    conflicts.sort(key=lambda x: _customer_key(x.customer))
    unmatched.sort(key=_customer_key)
    return AutoMapPlan(to_apply, conflicts, unchanged, protected, unmatched)
