"""Seed people: customer and reseller JSON (addresses, contacts, tax ids) that look like each country's.

Every function draws from the ``random.Random`` it is given, in a fixed order: the same seed gives the same
customers byte for byte."""

from __future__ import annotations

import random
import unicodedata

from . import names as N

MARKETPLACE_COUNTRY = {"us": "US", "ca": "US", "uk": "GB", "gb": "GB", "ie": "GB", "de": "DE", "at": "DE", "ch": "DE"}

_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ı": "i", "ş": "s"})


def _slug(text: str) -> str:
    text = text.translate(_TRANSLIT)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _pattern(rng: random.Random, pattern: str) -> str:
    out = []
    for ch in pattern:
        if ch == "#":
            out.append(str(rng.randrange(10)))
        elif ch == "@":
            out.append(rng.choice("ABDEFGHJLNPQRSTUWXYZ"))
        else:
            out.append(ch)
    return "".join(out)


def _phone(rng: random.Random, country: str) -> str:
    if country == "US":
        return f"+1{rng.randint(201, 989)}555{rng.randint(0, 9999):04d}"
    if country == "GB":
        return f"+44{rng.choice(['20', '161', '121', '113', '117'])}{rng.randint(1000000, 9999999)}"
    return f"+49{rng.choice(['30', '40', '89', '221', '69'])}{rng.randint(1000000, 99999999)}"


def _company_domain(name: str, country: str) -> str:
    words = [w for w in name.split() if w not in ("&", "Inc", "Inc.", "LLC", "Ltd", "Ltd.", "Limited", "GmbH", "AG", "Co.", "KG", "plc", "LLP", "e.K.", "UG", "Corp.")]
    slug = _slug("".join(words[:2])) or "example"
    tld = {"US": "com", "GB": "co.uk", "DE": "de"}[country]
    return f"{slug}.{tld}"


def customer_json(rng: random.Random, cid: str, name: str, status: str, country: str, reseller_id: str, idx: int) -> dict:
    city, state, postal = rng.choice(N.CITIES[country])
    number = rng.randint(1, 2400) if country == "US" else rng.randint(1, 180)
    street = rng.choice(N.STREETS[country])
    street_address = f"{number} {street}" if country != "DE" else f"{street} {number}"
    address: dict = {"streetAddress": street_address}
    if rng.random() < 0.3:
        address["addressExtension"] = rng.choice(N.EXTENSIONS[country])
    address["postalCode"] = _pattern(rng, postal)
    address["city"] = city
    if state and country != "DE" or (state and rng.random() < 0.2):
        address["state"] = state
    address["countryCode"] = country
    domain = _company_domain(name, country)
    contacts = []
    kinds = ["admin"] + (["billing"] if rng.random() < 0.35 else []) + (["technical"] if rng.random() < 0.15 else [])
    for kind in kinds:
        first = rng.choice(N.FIRST_NAMES[country])
        last = rng.choice(N.LAST_NAMES[country])
        local = f"{_slug(first)}.{_slug(last)}" if kind == "admin" else kind if kind == "billing" else "it"
        contacts.append({
            "type": kind,
            "firstName": first,
            "lastName": last,
            "email": f"{local}@{domain}",
            "phoneNumber": _phone(rng, country),
        })
    cust: dict = {"id": cid}
    if rng.random() < 0.35 or idx < 3:
        cust["externalId"] = rng.choice(["CW-", "HALO-", "AT-", "EXT-"]) + str(rng.randint(10000, 99999))
    cust["status"] = status
    cust["name"] = name
    cust["address"] = address
    cust["contactPersons"] = contacts
    cust["language"] = N.LANGUAGE[country]
    if rng.random() < 0.6:
        if country == "US":
            cust["taxRegId"] = f"{rng.randint(10, 99)}-{rng.randint(1000000, 9999999)}"
        elif country == "GB":
            cust["taxRegId"] = f"GB{rng.randint(100000000, 999999999)}"
        else:
            cust["taxRegId"] = f"DE{rng.randint(100000000, 999999999)}"
    cust["resellerId"] = reseller_id
    return cust


def reseller_json(account, country: str) -> dict:
    city, state, _ = N.CITIES[country][0]
    suffix = {"US": "Inc.", "GB": "Ltd", "DE": "GmbH"}[country]
    address = {"streetAddress": {"US": "100 Commerce Parkway", "GB": "1 Station Road", "DE": "Hauptstraße 1"}[country],
               "postalCode": {"US": "92612", "GB": "EC1A 1BB", "DE": "10115"}[country],
               "city": city, "countryCode": country}
    if state and country == "US":
        address["state"] = state
    domain = {"US": "northwind-cloud.com", "GB": "northwind-cloud.co.uk", "DE": "northwind-cloud.de"}[country]
    return {
        "id": account.reseller_id,
        "status": "active",
        "name": f"Northwind Cloud Services {suffix}",
        "address": address,
        "contactPersons": [{"type": "admin", "firstName": "Alex", "lastName": "Morgan",
                            "email": f"alex.morgan@{domain}", "phoneNumber": {"US": "+19495550100", "GB": "+442079460000", "DE": "+4930901820"}[country]}],
        "language": N.LANGUAGE[country],
        "currency": account.currency,
        "customerClass": "Default",
    }


def company_name(rng: random.Random, country: str, used: set[str]) -> str:
    for _ in range(6):
        name = f"{rng.choice(N.COMPANY_FIRST[country])} {rng.choice(N.COMPANY_SECOND[country])} {rng.choice(N.SUFFIXES[country])}"
        if name not in used:
            break
    used.add(name)
    return name
