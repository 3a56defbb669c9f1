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

from imtui.core.matching.automap import (
    AutoMapPlan,
    Conflict,
    CustomerRef,
    ExistingMapping,
    PlannedMapping,
    plan_auto_map,
)
from imtui.core.matching.names import (
    GENERIC_WORDS,
    HOW_EXACT,
    HOW_IGNORED,
    HOW_MANUAL,
    HOW_NORMALISED,
    LEGAL_SUFFIXES,
    normalise,
)
from imtui.core.matching.suggest import (
    AUTO_THRESHOLD,
    EXACT_SCORE,
    MIN_SCORE,
    NORMALISED_SCORE,
    ClientIndex,
    Suggestion,
    suggest,
)

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

