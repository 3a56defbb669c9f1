"""Customer ↔ client name matching: normalise, suggestions, the auto-mapping plan."""

from __future__ import annotations

import random
import time

import pytest

from imtui.core.matching import (
    AUTO_THRESHOLD,
    MIN_SCORE,
    AutoMapPlan,
    ClientIndex,
    Conflict,
    CustomerRef,
    ExistingMapping,
    PlannedMapping,
    Suggestion,
    normalise,
    plan_auto_map,
    suggest,
)

# --------------------------------------------------------------------------- normalise

SAME = [
    # English suffixes
    ("ACME LIMITED", "Acme Ltd"),
    ("Acme Ltd", "Acme Ltd."),
    ("Acme Ltd", "acme, ltd"),
    ("Acme Limited", "Acme"),
    ("Acme Inc", "Acme Incorporated"),
    ("Acme Inc.", "ACME, INC."),
    ("Acme LLC", "Acme L.L.C."),
    ("Acme LLC", "Acme Limited Liability Company"),
    ("Acme LLP", "Acme"),
    ("Acme PLC", "Acme p.l.c."),
    ("Acme Corp", "Acme Corporation"),
    ("Acme Co. Ltd", "Acme"),
    ("Acme Pty Ltd", "Acme Pty Limited"),
    ("Acme Pty Ltd", "ACME PTY. LTD."),
    ("Acme Pty", "Acme"),
    # German-speaking
    ("Müller GmbH", "Muller"),
    ("Acme GmbH & Co. KG", "Acme"),
    ("Acme GmbH & Co KG", "Acme GmbH"),
    ("Acme AG", "Acme"),
    ("Acme KG", "Acme"),
    ("Acme UG (haftungsbeschränkt)", "Acme UG"),
    ("Acme e.K.", "Acme"),
    # Benelux, French, Spanish, Italian
    ("Acme BV", "Acme B.V."),
    ("Acme NV", "Acme N.V."),
    ("Acme SARL", "Acme"),
    ("Acme SAS", "Acme"),
    ("Acme SA", "Acme S.A."),
    ("Acme SRL", "Acme S.r.l."),
    ("Acme S.p.A.", "Acme SpA"),
    # Nordic
    ("Electrical AB", "Electrical"),
    ("Acme Oy", "Acme"),
    ("Acme AS", "Acme A/S"),
    ("Acme ApS", "Acme"),
    # &, +, and
    ("Müller & Söhne GmbH", "Muller and Sohne"),
    ("Smith & Jones", "Smith and Jones"),
    ("Smith + Jones Ltd", "Smith and Jones"),
    ("Smith & Co Ltd", "Smith and Company Limited"),
    ("Smith & Co", "Smith and Co."),
    # accents and special letters
    ("Café Rouge", "Cafe Rouge"),
    ("Société Générale SA", "Societe Generale"),
    ("Straße Bau", "Strasse Bau"),
    ("Ørsted A/S", "Orsted"),
    ("Łódź Trading", "Lodz Trading"),
    ("Ñandú SL", "Nandu"),
    # The
    ("The Widget Company", "Widget Co"),
    ("The Widget Company", "Widget Ltd"),
    ("The Acme Group", "Acme Group"),
    # punctuation, apostrophes, whitespace, case
    ("O'Brien Ltd", "OBrien Limited"),
    ("O’Brien Ltd", "O'Brien"),
    ("Acme Ltd!", "Acme"),
    ("  Acme   Widgets  ", "Acme Widgets"),
    ("Acme-Widgets", "Acme Widgets"),
    ("Acme (UK) Ltd", "Acme UK"),
    ("ACME\tWIDGETS", "acme widgets"),
    ("I.B.M. Corp", "IBM"),
    ("Ｆｕｌｌｗｉｄｔｈ", "Fullwidth"),
]

DIFFERENT = [
    ("Acme North Ltd", "Acme South Ltd"),
    ("Acme Holdings", "Acme Ltd"),
    ("Acme Group", "Acme"),
    ("Smith Consulting", "Smith Construction"),
    ("AB Electrical", "Electrical"),
    ("AB Electrical", "Electrical AB"),
    ("Smith & Co Ltd", "Smith Ltd"),
    ("Acme 2 Ltd", "Acme Ltd"),
    ("Acme Services", "Acme"),
    ("SA Power", "Power"),
    ("Co-op Bank", "Bank"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_normalise_equal(a: str, b: str) -> None:
    assert normalise(a) == normalise(b), (normalise(a), normalise(b))
    assert normalise(a)  # never empty


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_normalise_different(a: str, b: str) -> None:
    assert normalise(a) != normalise(b)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ACME LIMITED", "acme"),
        ("Müller & Söhne GmbH", "muller and sohne"),
        ("O'Brien", "obrien"),
        ("AB Electrical", "ab electrical"),
        ("Electrical AB", "electrical"),
        ("Smith & Co Ltd", "smith and co"),
        ("The Widget Company", "widget"),
        ("Acme Co. Ltd", "acme"),
        ("Acme, Inc.", "acme"),
        ("Acme GmbH & Co. KG", "acme"),
        ("Acme   North    Ltd", "acme north"),
        ("Acme Ltd Ltd", "acme"),
        ("Acme Holdings Ltd", "acme holdings"),
        ("Dr. Smith's Dental", "dr smiths dental"),
        ("Acme 24/7 Ltd", "acme 24 7"),
    ],
)
def test_normalise_values(name: str, expected: str) -> None:
    assert normalise(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Limited Company", "ltd co"),  # all suffixes: kept whole, not emptied
        ("Ltd", "ltd"),
        ("Co.", "co"),
        ("The", "the"),
        ("The Co", "co"),
        ("AB", "ab"),
        ("", ""),
        ("  ", ""),
        ("&", "and"),
        ("...", ""),
    ],
)
def test_normalise_never_strips_a_name_to_nothing(name: str, expected: str) -> None:
    assert normalise(name) == expected


def test_normalise_only_strips_trailing_suffixes() -> None:
    assert normalise("AB Electrical AB") == "ab electrical"
    assert normalise("Ltd Plumbing") == "ltd plumbing"
    assert normalise("GmbH Services GmbH") == "gmbh services"


def test_normalise_is_idempotent_on_its_output() -> None:
    for a, b in SAME:
        assert normalise(normalise(a)) == normalise(a)


# --------------------------------------------------------------------------- suggestions


def test_suggest_exact_ranks_first() -> None:
    got = suggest("Acme Ltd", ["ACME LIMITED", "Acme Ltd", "Acme Holdings"])
    assert [s.client for s in got][:2] == ["Acme Ltd", "ACME LIMITED"]
    assert got[0] == Suggestion("Acme Ltd", 1.0, "identical name", "exact")
    assert got[1].score == 0.95
    assert got[1].kind == "normalised"
    assert got[1].reason == "same name after normalising (Ltd = Limited)"
    assert got[2].client == "Acme Holdings"
    assert got[2].score < AUTO_THRESHOLD
    assert "acme" in got[2].reason


@pytest.mark.parametrize(
    ("customer", "client", "reason_has"),
    [
        ("ACME LIMITED", "Acme Ltd", "Limited = Ltd"),
        ("Acme", "Acme Ltd", "ignoring Ltd"),
        ("Müller & Söhne GmbH", "Muller and Sohne", "& = and"),
        ("Müller & Söhne GmbH", "Muller and Sohne", "accents"),
        ("The Widget Company", "Widget Co", '"The"'),
        ("ACME", "acme", "ignoring case"),
        ("Café Ltd", "Cafe", "ignoring Ltd; ignoring accents"),
        ("Acme GmbH & Co. KG", "Acme", "(ignoring GmbH & Co KG)"),
    ],
)
def test_normalised_reason_says_what_differed(customer: str, client: str, reason_has: str) -> None:
    (top,) = suggest(customer, [client])
    assert top.kind == "normalised"
    assert top.reason.startswith("same name after normalising (")
    assert reason_has in top.reason


@pytest.mark.parametrize(
    ("customer", "client"),
    [
        ("Acme North Ltd", "Acme South Ltd"),
        ("Acme Holdings", "Acme Ltd"),
        ("Smith Consulting", "Smith Construction"),
        ("AB Electrical", "Electrical Ltd"),
        ("Smith & Co Ltd", "Smith Ltd"),
    ],
)
def test_near_duplicates_are_never_suggested_as_the_same(customer: str, client: str) -> None:
    for s in suggest(customer, [client, "Unrelated Plumbing"]):
        assert s.score < AUTO_THRESHOLD
        assert not s.is_equal
        assert s.kind == "similar"
        assert "same name" not in s.reason
    index = ClientIndex([client])
    assert index.lookup_normalised(customer) == []


def test_near_duplicate_is_a_low_word_overlap_suggestion() -> None:
    got = suggest("Acme North Ltd", ["Acme South Ltd", "Acme North Limited", "Bolt Services"])
    assert got[0].client == "Acme North Limited" and got[0].kind == "normalised"
    assert got[1].client == "Acme South Ltd"
    assert got[1].reason.startswith("shares words: acme")
    assert MIN_SCORE <= got[1].score < AUTO_THRESHOLD
    assert "Bolt Services" not in [s.client for s in got]


def test_distinctive_words_count_more_than_generic_ones() -> None:
    clients = ["Acme Plumbing", "Bolt Services", "Crane Services", "Delta Services", "Echo Services"]
    got = suggest("Acme Services", clients)
    assert got[0].client == "Acme Plumbing"
    assert got[0].reason.startswith("shares words: acme")
    assert all(s.client == "Acme Plumbing" or s.score < got[0].score for s in got)


def test_sharing_only_generic_words_is_junk() -> None:
    clients = ["Melon Group GmbH", "Telac Group Pty Ltd", "Bolt Services", "Crane IT Services Ltd"]
    assert suggest("Group", clients) == []
    assert suggest("Acme Services", clients) == []


def test_shared_words_reason_lists_words_rarest_first() -> None:
    clients = ["Acme Widgets Services", "Acme Gadgets", "Acme Tools", "Bolt Widgets"]
    got = suggest("Acme Widgets", clients)
    assert got[0].client == "Acme Widgets Services"
    assert got[0].reason.startswith("shares words: widgets, acme")


def test_typo_is_suggested_by_spelling() -> None:
    got = suggest("Acme Widgtes", ["Acme Widgets Ltd", "Zebra Paints"])
    assert [s.client for s in got] == ["Acme Widgets Ltd"]
    assert "widgtes ~ widgets" in got[0].reason
    assert 0.7 < got[0].score < AUTO_THRESHOLD


def test_spelling_only_match_without_shared_word() -> None:
    got = suggest("Acmee Plumbing Ltd", ["Acme Plumbng", "Zebra Paints"])
    assert [s.client for s in got] == ["Acme Plumbng"]
    assert "similar spelling (" in got[0].reason
    assert got[0].score < AUTO_THRESHOLD


def test_spacing_difference_is_strong_but_not_automatic() -> None:
    (top,) = suggest("AcmeCorp", ["Acme Corp", "Zebra"])[:1]
    assert top.client == "Acme Corp"
    assert top.kind == "spacing"
    assert top.score < AUTO_THRESHOLD
    assert top.reason == "same name apart from spacing"


def test_junk_is_dropped() -> None:
    assert suggest("Acme Ltd", ["Zebra Paints", "Quantum Bakery", "Services Ltd"]) == []
    assert suggest("", ["Acme"]) == []
    assert suggest("Acme", []) == []
    assert suggest("Acme", ["Acme"], limit=0) == []


def test_suggest_respects_limit_and_is_deterministic() -> None:
    clients = [f"Acme {w}" for w in ("North", "South", "East", "West", "Central", "Alpha", "Beta")]
    a = suggest("Acme", clients, limit=3)
    b = suggest("Acme", list(reversed(clients)), limit=3)
    assert len(a) == 3
    assert a == b
    scores = [s.score for s in suggest("Acme", clients, limit=10)]
    assert scores == sorted(scores, reverse=True)


def test_ties_break_by_client_name() -> None:
    got = suggest("acme", ["ACME LTD", "Acme Limited", "acme inc"])
    assert [s.client for s in got] == ["acme inc", "Acme Limited", "ACME LTD"]
    assert {s.score for s in got} == {0.95}


def test_scores_are_in_range() -> None:
    clients = ["Acme Ltd", "Acme Holdings", "Acme Widgets", "Widgets R Us", "Smith Consulting"]
    for q in ["Acme", "ACME WIDGETS LTD", "Smith Construction", "Widget"]:
        for s in suggest(q, clients, limit=10):
            assert 0.0 <= s.score <= 1.0
            assert s.score >= MIN_SCORE
            assert s.reason


def test_client_index_lookups() -> None:
    index = ClientIndex(["Acme Ltd", "ACME LIMITED", "Bolt", "Acme Ltd", " Bolt "])
    assert len(index) == 4  # exact duplicates kept once
    assert index.lookup_normalised("acme") == ["Acme Ltd", "ACME LIMITED"]
    assert index.lookup_normalised("Acme Holdings") == []
    assert index.lookup_exact("Acme Ltd") == ["Acme Ltd"]
    assert index.lookup_exact("Bolt") == ["Bolt", " Bolt "]
    assert "Acme Ltd" in index and "acme ltd" not in index
    assert index.weight("acme") > index.weight("services")


def test_suggest_accepts_an_index() -> None:
    index = ClientIndex(["Acme Ltd"])
    assert suggest("ACME LIMITED", index) == index.suggest("ACME LIMITED")


# --------------------------------------------------------------------------- performance sanity


def _fake_clients(n: int, seed: int = 7) -> list[str]:
    rnd = random.Random(seed)
    syll = ["ac", "me", "bol", "tra", "vex", "lon", "quin", "sta", "dor", "mel", "fin", "gra", "zen",
            "cor", "tel", "nov", "pra", "sil", "ver", "kan", "bri", "tor", "lex", "mar"]
    generic = ["Services", "Solutions", "Consulting", "Group", "IT", "Systems", "Partners", "Dental"]
    suffixes = ["Ltd", "Limited", "Inc", "LLC", "GmbH", "Pty Ltd", "BV", "", "", ""]
    names: set[str] = set()
    while len(names) < n:
        parts = ["".join(rnd.choice(syll) for _ in range(rnd.randint(2, 3))).capitalize()]
        if rnd.random() < 0.5:
            parts.append("".join(rnd.choice(syll) for _ in range(2)).capitalize())
        if rnd.random() < 0.7:
            parts.append(rnd.choice(generic))
        if s := rnd.choice(suffixes):
            parts.append(s)
        names.add(" ".join(parts))
    return sorted(names)


def test_five_thousand_clients() -> None:
    clients = _fake_clients(5000) + ["Zyxo Widgets Ltd", "Zyxo Holdings"]
    t0 = time.perf_counter()
    index = ClientIndex(clients)
    t1 = time.perf_counter()
    got = index.suggest("ZYXO WIDGETS LIMITED")
    t2 = time.perf_counter()
    print(f"\nindex build {len(clients)}: {(t1 - t0) * 1000:.1f} ms; suggest: {(t2 - t1) * 1000:.2f} ms")
    assert len(index) == len(clients)
    assert got[0] == Suggestion(
        "Zyxo Widgets Ltd", 0.95, "same name after normalising (Limited = Ltd)", "normalised"
    )
    assert got[1].client == "Zyxo Holdings"
    assert got[1].reason.startswith("shares words: zyxo")
    # a typo of a random client finds it first
    target = clients[1234]
    typo = target[:3] + target[4] + target[3] + target[5:]
    assert index.suggest(typo)[0].client == target


def test_index_agrees_with_brute_force_on_spelling_candidates() -> None:
    """The trigram prefilter loses no client a full scan would suggest on spelling."""
    clients = _fake_clients(600, seed=3)
    index = ClientIndex(clients)
    rnd = random.Random(5)
    for target in rnd.sample(clients, 25):
        q = target.replace("a", "e", 1).upper()
        best = index.suggest(q, limit=50)
        brute = [s for c in clients for s in ClientIndex([c]).suggest(q) if s.score >= MIN_SCORE]
        brute_top = {s.client for s in brute if s.score >= 0.75}
        assert brute_top <= {s.client for s in best}


# --------------------------------------------------------------------------- plan_auto_map


def _c(name: str, cid: str | None = None, account: str = "A1") -> CustomerRef:
    return CustomerRef(account, cid or name.casefold().replace(" ", "-"), name)


def test_plan_exact_then_normalised() -> None:
    customers = [_c("Acme Ltd"), _c("BOLT LIMITED"), _c("Nobody Known")]
    plan = plan_auto_map(customers, ["Acme Ltd", "Bolt Ltd"], [])
    assert plan.to_apply == [
        PlannedMapping(customers[0], "Acme Ltd", "exact"),
        PlannedMapping(customers[1], "Bolt Ltd", "normalised"),
    ]
    assert plan.conflicts == []
    assert plan.unchanged == 0
    assert plan.unmatched == [customers[2]]


def test_plan_prefers_exact_over_normalised_candidates() -> None:
    c = _c("Acme Ltd")
    plan = plan_auto_map([c], ["ACME LIMITED", "Acme Ltd"], [])
    assert plan.to_apply == [PlannedMapping(c, "Acme Ltd", "exact")]
    assert plan.conflicts == []


def test_plan_two_candidate_clients_is_a_conflict() -> None:
    c = _c("Acme")
    plan = plan_auto_map([c], ["Acme Ltd", "ACME LIMITED", "Bolt"], [])
    assert plan.to_apply == []
    assert plan.conflicts == [
        Conflict(c, ("ACME LIMITED", "Acme Ltd"), '2 clients match: "ACME LIMITED", "Acme Ltd"')
    ]


def test_plan_one_client_claimed_by_two_customers_of_one_account() -> None:
    a, b = _c("Acme Ltd", "1"), _c("ACME LIMITED", "2")
    other = _c("Bolt", "3")
    plan = plan_auto_map([a, b, other], ["Acme Ltd", "Bolt"], [])
    assert plan.to_apply == [PlannedMapping(other, "Bolt", "exact")]
    assert plan.conflicts == [
        Conflict(b, ("Acme Ltd",), 'client "Acme Ltd" also matches customer "Acme Ltd"'),
        Conflict(a, ("Acme Ltd",), 'client "Acme Ltd" also matches customer "ACME LIMITED"'),
    ]


def test_plan_same_client_in_different_accounts_is_fine() -> None:
    a = _c("Acme Ltd", "1", account="UK")
    b = _c("ACME LIMITED", "9", account="IE")
    plan = plan_auto_map([a, b], ["Acme Ltd"], [])
    assert plan.conflicts == []
    assert plan.to_apply == [
        PlannedMapping(b, "Acme Ltd", "normalised"),
        PlannedMapping(a, "Acme Ltd", "exact"),
    ]


@pytest.mark.parametrize("how", ["manual", "ignored", "exact", "normalised"])
def test_plan_never_touches_an_existing_mapping(how: str) -> None:
    c = _c("Acme Ltd", "1")
    existing = [ExistingMapping("A1", "1", None if how == "ignored" else "Someone Else", how)]
    plan = plan_auto_map([c], ["Acme Ltd"], existing)
    assert plan.to_apply == [] and plan.conflicts == []
    assert plan.unchanged == 1
    assert plan.protected == (1 if how in ("manual", "ignored") else 0)


def test_plan_client_already_mapped_in_the_same_account_is_a_conflict() -> None:
    old, new = _c("Acme Holdings", "1"), _c("Acme Ltd", "2")
    existing = [ExistingMapping("A1", "1", "Acme Ltd", "manual")]
    plan = plan_auto_map([old, new], ["Acme Ltd"], existing)
    assert plan.to_apply == []
    assert plan.conflicts == [
        Conflict(new, ("Acme Ltd",), 'client "Acme Ltd" is already mapped to customer "Acme Holdings"')
    ]
    # in another account the same existing mapping does not matter
    elsewhere = _c("Acme Ltd", "2", account="A2")
    plan = plan_auto_map([elsewhere], ["Acme Ltd"], existing)
    assert plan.to_apply == [PlannedMapping(elsewhere, "Acme Ltd", "exact")]


def test_plan_ignored_mapping_does_not_claim_a_client() -> None:
    existing = [ExistingMapping("A1", "1", "Acme Ltd", "ignored")]
    c = _c("Acme Ltd", "2")
    plan = plan_auto_map([_c("Acme Ltd", "1"), c], ["Acme Ltd"], existing)
    assert plan.to_apply == [PlannedMapping(c, "Acme Ltd", "exact")]


def test_plan_never_maps_near_duplicates() -> None:
    customers = [_c("Acme North Ltd"), _c("Acme Holdings"), _c("Smith Consulting")]
    plan = plan_auto_map(customers, ["Acme South Ltd", "Acme Ltd", "Smith Construction"], [])
    assert plan.to_apply == [] and plan.conflicts == []
    assert len(plan.unmatched) == 3


def test_plan_is_deterministic_and_sorted() -> None:
    customers = [_c(n, str(i), account=acc) for i, (n, acc) in enumerate(
        [("zeta ltd", "B"), ("Alpha", "B"), ("Mid", "A"), ("alpha ltd", "A")]
    )]
    clients = ["Zeta", "Alpha", "Mid"]
    plans = [plan_auto_map(order, clients, []) for order in (customers, customers[::-1])]
    assert plans[0] == plans[1]
    assert [(p.customer.account, p.customer.name) for p in plans[0].to_apply] == [
        ("A", "alpha ltd"), ("A", "Mid"), ("B", "Alpha"), ("B", "zeta ltd"),
    ]


def test_plan_duplicate_customer_refs_counted_once() -> None:
    c = _c("Acme Ltd", "1")
    plan = plan_auto_map([c, c], ["Acme Ltd"], [])
    assert plan.to_apply == [PlannedMapping(c, "Acme Ltd", "exact")]
    assert plan.conflicts == []


def test_plan_summary_in_words() -> None:
    customers = [_c("Acme Ltd", "1"), _c("BOLT LIMITED", "2"), _c("Crane", "3"), _c("Kept", "4"),
                 _c("Nobody", "5")]
    existing = [ExistingMapping("A1", "4", "Kept", "manual")]
    plan = plan_auto_map(customers, ["Acme Ltd", "Bolt Ltd", "Crane Ltd", "CRANE LIMITED"], existing)
    assert isinstance(plan, AutoMapPlan)
    assert plan.summary() == (
        "2 customers will be mapped (1 exact, 1 after normalising); "
        "1 customer needs a decision (more than one match); "
        "1 already mapped, left as it is (1 set by hand or ignored); "
        "1 has no matching client."
    )
    assert plan_auto_map([], [], []).summary() == "no customer will be mapped."
