"""The MSP's side of the demo: a client list as a PSA would export it, made from the sandbox's customers.

Ingram and the MSP name the same company differently, so the list mixes names that match exactly, names
that match after normalising ("ACME LIMITED" / "Acme Ltd"), near names that need a human ("Acme Holdings"),
and clients Ingram does not know. Deterministic: the same sandbox gives the same list.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

_SUFFIX = re.compile(r"[,\s]+(ltd\.?|limited|inc\.?|incorporated|llc|gmbh|corp\.?|co\.?|group, inc\.)$", re.IGNORECASE)

EXTRA_CLIENTS = (
    "Hillside Veterinary Practice",
    "Oakridge Primary School",
    "Kestrel Architects",
    "Marlow Family Office",
    "Northgate Chambers",
)


def demo_client_names(customer_names: Sequence[str], seed: int = 7) -> list[str]:
    """Client names for the demo: about half exact, a quarter respelled, some near misses, some extras."""
    rng = random.Random(seed)
    names: list[str] = []
    seen: set[str] = set()

    def add(name: str) -> None:
        key = name.casefold()
        if key not in seen:
            seen.add(key)
            names.append(name)

    for name in customer_names:
        roll = rng.random()
        if roll < 0.45:
            add(name)  # typed the same as Ingram has it
        elif roll < 0.70:
            bare = _SUFFIX.sub("", name).strip()
            add(bare.title() if name.isupper() else bare)  # "ACME LIMITED" -> "Acme": same after normalising
        elif roll < 0.80:
            words = _SUFFIX.sub("", name).split()
            if len(words) > 1:
                add(" ".join(words[:-1]) + " Services")  # a near miss: a suggestion, never an automatic match
        # else: a customer the MSP has no client for yet
    for extra in EXTRA_CLIENTS:
        add(extra)
    return names
