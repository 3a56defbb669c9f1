"""Reseller logins of the sandbox: one ``SandboxAccount`` per marketplace account, and the three demo ones."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

REGION_RE = re.compile(r"/marketplace/([^/?#]+)")


@dataclass
class SandboxAccount:
    """One reseller login. Each account sees only its own customers, subscriptions, orders."""

    name: str
    base_url: str
    marketplace: str
    username: str
    password: str = field(repr=False)  # even fake secrets stay out of reprs, logs and tracebacks
    subscription_key: str = field(repr=False)
    currency: str = "USD"
    reseller_id: str = ""
    #: ISO country of the seed customers ("US", "GB", "DE"); "" = from the marketplace code
    country: str = ""

    @property
    def region(self) -> str | None:
        m = REGION_RE.search(self.base_url)
        return m.group(1) if m else None


def default_accounts(seed: int = 42) -> list[SandboxAccount]:
    """The three demo accounts; passwords and subscription keys derive from the seed."""
    rng = random.Random(f"imtui-sandbox-accounts:{seed}")
    specs = [
        ("us-demo", "na", "us", "USD", "US"),
        ("uk-demo", "eu", "uk", "GBP", "GB"),
        ("de-demo", "eu", "de", "EUR", "DE"),
    ]
    out = []
    for i, (name, region, mkt, cur, country) in enumerate(specs):
        key = f"{rng.getrandbits(128):032x}"
        out.append(SandboxAccount(
            name=name,
            base_url=f"https://sandbox.imtui.invalid/marketplace/{region}",
            marketplace=mkt,
            username=f"northwind-{mkt}.api",
            password=_password(rng),
            subscription_key=key,
            currency=cur,
            reseller_id=str((i + 1) * 1_000_000 + 1),
            country=country,
        ))
    return out


def _password(rng: random.Random) -> str:
    lower, upper, digits, special = "abcdefghijkmnpqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ", "23456789", "!#$%*+-?@"
    chars = [rng.choice(lower), rng.choice(upper), rng.choice(digits), rng.choice(special)]
    chars += [rng.choice(lower + upper + digits + special) for _ in range(12)]
    rng.shuffle(chars)
    return "".join(chars)
