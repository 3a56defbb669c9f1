"""Suggestions: which clients might be an Ingram customer, ranked, each with its reason in words.

:class:`ClientIndex` precomputes the MSP's clients once (normalised names, words, trigrams) so that
suggesting for thousands of customers stays fast; only exact and normalised equality ever reach
:data:`AUTO_THRESHOLD`, so nothing weaker is ever mapped without a person.
"""

from __future__ import annotations

import difflib
import functools
import heapq
import itertools
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from imtui.core.matching.names import (
    GENERIC_WORDS,
    HOW_EXACT,
    HOW_NORMALISED,
    _analyse,
    _Analysis,
    _explain_normalised,
    normalise,
)

__all__ = ["AUTO_THRESHOLD", "EXACT_SCORE", "MIN_SCORE", "NORMALISED_SCORE", "ClientIndex", "Suggestion", "suggest"]

EXACT_SCORE = 1.0
NORMALISED_SCORE = 0.95
#: A suggestion scoring at least this is an exact or normalised equality; weaker evidence (shared
#: words, similar spelling, different spacing) is capped at :data:`FUZZY_CAP`, always below it.
AUTO_THRESHOLD = 0.95
FUZZY_CAP = 0.9
#: Suggestions scoring below this are dropped as junk.
MIN_SCORE = 0.45


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
        found = self._equal(name, q)
        if len(found) < limit:
            for i, (score, reason) in self._similar(q, found, limit - len(found)).items():
                found[i] = Suggestion(self._clients[i], score, reason, "similar")
        return _ordered(found, limit)

    def _equal(self, name: str, q: _Analysis) -> dict[int, Suggestion]:
        """Clients equal to the name: identical, the same after normalising, or apart from spacing."""
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
        return found

    def _spelling(self, q_joined: str, found: dict[int, Suggestion]) -> dict[int, float]:
        """Spelling-only candidates: whole names alike even without a shared word. Trigram postings
        narrow 5,000 names to the few sharing a good part of the spelling, then difflib's cheap
        upper bounds (real_quick_ratio, quick_ratio) before the real ratio()."""
        spelling: dict[int, float] = {}
        if len(q_joined) < 4:
            return spelling
        joined_matcher = difflib.SequenceMatcher(None, autojunk=False)
        joined_matcher.set_seq2(q_joined)
        q_grams = _trigrams(q_joined)
        counts = Counter(itertools.chain.from_iterable(self._grams.get(g, ()) for g in q_grams))
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
        return spelling

    def _similar(self, q: _Analysis, found: dict[int, Suggestion], needed: int) -> dict[int, tuple[float, str]]:
        """The ``needed`` best similar clients not in ``found``: index -> (score, reason)."""
        # bar a candidate must clear: MIN_SCORE, or the needed-th best score so far
        # min-heap of (score, -alphabetical rank, index): the weakest, then alphabetically last, goes
        heap: list[tuple[float, int, int]] = []
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
        spelling = self._spelling("".join(q.tokens), found)

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
            soft_pairs, tok = self._soft_overlap(q_tokens, q_weights, q_sum, a.tokens, s, i, distinctive)
            if max(spell, _WORDS_WEIGHT * tok + (1 - _WORDS_WEIGHT) * matcher.quick_ratio()) < bar():
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
        return {i: results[i] for _, _, i in heap}

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
