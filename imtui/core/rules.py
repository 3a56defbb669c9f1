"""The rules for an account's fields and a client's name: one set, used by the config model, the forms and
dialogs, the imports and the CLI.

Each check returns ``None`` when the value is fine, or a sentence saying what is wrong and what to type.
Hints are softer: the value is allowed, but it is probably a mistake users are known to make. The config
model (:class:`imtui.core.config.AccountConfig`) runs the same checks, so a value the form refuses is also
refused in ``config.toml`` and from ``imtui accounts add``.

No imports beyond the standard library: the config model and the secret store both use this module.
"""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import urlsplit

from imtui.core.numbers import NumberRule

URL_SUGGESTIONS = (
    "https://api.cloud.im/marketplace/na",
    "https://api.cloud.im/marketplace/eu",
    "https://api-lab.cloud.im/marketplace/dev",
)

# marketplace codes seen in the wild (the <code> of cp.<code>.<region>.cloud.im)
MARKETPLACE_SUGGESTIONS = (
    "us", "ca", "mx", "br", "uk", "de", "fr", "it", "es", "nl", "be", "se", "dk", "no", "fi", "at", "ch",
    "pl", "pt", "au", "nz", "in", "sg", "stg",
)

ACCOUNT_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$"
NAME_PATTERN = re.compile(ACCOUNT_NAME_PATTERN)
CODE_PATTERN = re.compile(r"^[a-z]{2,3}$")
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}

#: the account's number fields (form field id -> rule); the model's bounds are the same
MAX_SEATS = NumberRule("Max seats per order", whole=True, positive=True, empty="for no limit")
MAX_TOTAL = NumberRule("Max order total", minimum=Decimal(0))
MARKUP = NumberRule("Markup", minimum=Decimal(-100), maximum=Decimal(1000))
#: a number of seats or units typed for an order (the purchase dialog, a seat change, the CLI)
SEATS = NumberRule("The number of seats", whole=True, positive=True)
NUMBER_FIELDS = {"max_seats": MAX_SEATS, "max_total": MAX_TOTAL, "markup": MARKUP}

#: the longest client name the config keeps (the model, the mapping dialog and the CSV import agree)
CLIENT_NAME_MAX = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def env_token(name: str) -> str:
    """The account's part of its environment variable names: upper case, every character other than
    A-Z and 0-9 turned into ``_`` (``uk-main`` -> ``UK_MAIN``). Two accounts may not share one."""
    return re.sub(r"[^A-Z0-9]", "_", name.upper())


def check_name(name: str, taken: set[str] | frozenset[str] = frozenset()) -> str | None:
    name = name.strip()
    if not name:
        return "Give the account a short name, e.g. uk-main."
    if not NAME_PATTERN.match(name):
        return "Use up to 40 letters, digits, '.', '-' or '_', starting with a letter or digit."
    clash = next((t for t in taken if env_token(t) == env_token(name)), None)
    if clash is not None:
        if clash.lower() == name.lower():
            return f"An account called {name} already exists; pick another name."
        return f"{name} is too close to {clash}: both would read IMTUI_{env_token(name)}_PASSWORD; pick another name."
    return None


def check_api_url(url: str) -> str | None:
    url = url.strip()
    if not url:
        return "Paste the API URL from the Marketplace API page of your control panel."
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "Type a full URL, e.g. https://api.cloud.im/marketplace/eu."
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        return "Use https: secrets must never travel unencrypted (http is allowed only for 127.0.0.1/localhost)."
    if parts.username or parts.password:
        return "Leave the username and password out of the URL; type them in their own fields."
    if parts.query or parts.fragment:
        return "Leave out '?' and '#' parts: the API URL ends with the region, e.g. /marketplace/eu."
    return None


def check_marketplace(code: str) -> str | None:
    code = code.strip()
    if not code:
        return "Type the marketplace code, e.g. us or uk."
    if code.lower() == "usa":
        return "usa is the Xvantage portal's host; the US marketplace code is us."
    if code != code.lower() and CODE_PATTERN.match(code.lower()):
        return f"Marketplace codes are lower case: type {code.lower()}."
    if not CODE_PATTERN.match(code):
        return "A marketplace code is two or three lower-case letters, e.g. us, uk, de."
    return None


def marketplace_hint(code: str) -> str | None:
    code = code.strip().lower()
    if code in ("mi", "la"):
        return (
            "Miami and Latin America run on a marketplace of their own: use the code and API URL shown on "
            "the Marketplace API page of that control panel."
        )
    return None


def check_username(username: str) -> str | None:
    if not username.strip():
        return "Type the API username (a dedicated API user, usually ending in .api)."
    if any(c.isspace() for c in username.strip()):
        return "An API username has no spaces."
    return None


def username_hint(username: str) -> str | None:
    username = username.strip()
    if username and not username.endswith(".api"):
        return "API usernames usually end in .api; this is the API user, not your own login."
    return None


def check_secret(value: str, what: str, *, required: bool = True) -> str | None:
    if not value.strip():
        return f"Type the {what}." if required else None
    if value != value.strip():
        return f"The {what} starts or ends with a space; paste it again without it."
    return None


def subscription_key_hint(key: str) -> str | None:
    key = key.strip()
    if key and not re.fullmatch(r"[0-9a-f]{32}", key):
        return "Subscription keys are usually 32 lower-case hex characters; check it was copied whole."
    return None


def check_client_name(name: str) -> str | None:
    """A client name as typed (the mapping dialog) or imported: what is wrong with it, or None."""
    name = name.strip()
    if not name:
        return "Type a client name."
    if _CONTROL.search(name):
        return "A client name cannot hold line breaks or control characters."
    if len(name) > CLIENT_NAME_MAX:
        return f"The client name is too long ({len(name)} characters, at most {CLIENT_NAME_MAX})."
    return None
