"""The sandbox product catalog (shared by every account, priced per currency).

Microsoft NCE seat products exist three times under one MPN, as in the real
marketplace: monthly term billed monthly (``P1M``/``P1M``, 20 % dearer), yearly
term billed monthly (``P1Y``/``P1M``) and yearly term billed yearly
(``P1Y``/``P1Y``).  An order naming only such an MPN is ambiguous.  Dropbox
exists twice under one MPN (monthly and yearly terms).  The Azure plan has no
minimum/maximum quantity and no prices (usage rated).

Two oddities production shows are kept on purpose: Google Workspace products need an activation parameter
(``domain``) in the sales order (the yaml's Product schema has no field that says so; a client learns it from
``POST /validation/parameters``, see :mod:`.parameters`), and Dropbox and Bitdefender lines report their
quantities as numeric strings (``"5.0"``) in subscription and order details.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")

#: price multiplier applied to the USD list price for each account currency
CURRENCY_FACTORS: dict[str, Decimal] = {
    "USD": Decimal("1"),
    "GBP": Decimal("0.82"),
    "EUR": Decimal("0.94"),
    "CAD": Decimal("1.36"),
    "AUD": Decimal("1.52"),
}
COST_FACTOR = Decimal("0.88")


def money(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class CatalogProduct:
    """One orderable product (one MPN + term + billing combination)."""

    index: int
    id: str
    mpn: str
    vendor: str
    name: str
    service_name: str
    usd_price: Decimal | None  # per billing period; None = usage rated (no prices)
    minimum: int | None
    maximum: int | None
    subscription_period: tuple[str, int]
    billing_period: tuple[str, int]
    billing_model: str
    weight: int  # how common it is in seed data
    #: names of the activation parameters a sales order must carry (see parameters.py)
    parameters: tuple[str, ...] = ()
    #: details show this product's quantities as numeric strings ("5.0"), as some vendors' plugins do
    quantity_as_text: bool = False

    def price(self, currency: str) -> Decimal:
        if self.usd_price is None:
            return Decimal("0.00")
        factor = CURRENCY_FACTORS.get(currency, Decimal("1"))
        return (self.usd_price * factor).quantize(CENT, rounding=ROUND_HALF_UP)

    def cost(self, currency: str) -> Decimal:
        return (self.price(currency) * COST_FACTOR).quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def term_label(self) -> str:
        return f"P{self.subscription_period[1]}{self.subscription_period[0][0].upper()}"

    def to_json(self, currency: str) -> dict:
        d: dict = {
            "id": self.id,
            "mpn": self.mpn,
            "vendor": self.vendor,
            "name": self.name,
            "serviceName": self.service_name,
        }
        if self.minimum is not None:
            d["minimumQuantity"] = str(self.minimum)
        if self.maximum is not None:
            d["maximumQuantity"] = str(self.maximum)
        if self.usd_price is None:
            d["prices"] = []
            d["costs"] = []
        else:
            d["prices"] = [{"amount": money(self.price(currency)), "currency": currency, "type": "recurring"}]
            d["costs"] = [{"amount": money(self.cost(currency)), "currency": currency, "type": "recurring"}]
        d["billingPeriod"] = {"type": self.billing_period[0], "duration": self.billing_period[1]}
        d["subscriptionPeriod"] = {"type": self.subscription_period[0], "duration": self.subscription_period[1]}
        d["billingModel"] = self.billing_model
        return d


# (mpn, name, USD monthly price on a yearly term, min, max, weight)
_NCE_SEATS = [
    ("CFQ7TTC0LH18:0001", "Microsoft 365 Business Basic", "6.00", 1, 300, 30),
    ("CFQ7TTC0LDPB:0001", "Microsoft 365 Business Standard", "12.50", 1, 300, 30),
    ("CFQ7TTC0LCHC:0002", "Microsoft 365 Business Premium", "22.00", 1, 300, 26),
    ("CFQ7TTC0LFLX:0001", "Microsoft 365 E3", "36.00", 1, 10000, 8),
    ("CFQ7TTC0LFLZ:0002", "Microsoft 365 E5", "57.00", 1, 10000, 3),
    ("CFQ7TTC0LF8Q:0001", "Office 365 E1", "10.00", 1, 10000, 4),
    ("CFQ7TTC0LH16:0001", "Exchange Online (Plan 1)", "4.00", 1, 10000, 14),
    ("CFQ7TTC0RM8K:0001", "Microsoft Teams Essentials", "4.00", 1, 300, 5),
    ("CFQ7TTC0MM8R:0002", "Microsoft 365 Copilot", "30.00", 1, 10000, 4),
    ("CFQ7TTC0LH1G:0001", "Microsoft 365 Apps for business", "8.25", 1, 300, 6),
    ("CFQ7TTC0LFK5:0001", "Microsoft Entra ID P1", "6.00", 1, 10000, 3),
    ("CFQ7TTC0LHSV:0001", "Visio Plan 2", "15.00", 1, 10000, 2),
]

_TEXT_QUANTITY_VENDORS = ("Dropbox", "Bitdefender")
_MONTH = ("month", 1)
_YEAR = ("year", 1)


def _build() -> list[CatalogProduct]:
    rows: list[CatalogProduct] = []

    def add(mpn, vendor, name, service, usd, mn, mx, term, billing, model, weight, parameters=()):
        idx = len(rows)
        rows.append(
            CatalogProduct(
                index=idx,
                id=f"PRD{104201 + idx * 7:06d}",
                mpn=mpn,
                vendor=vendor,
                name=name,
                service_name=service,
                usd_price=None if usd is None else Decimal(usd),
                minimum=mn,
                maximum=mx,
                subscription_period=term,
                billing_period=billing,
                billing_model=model,
                weight=weight,
                parameters=parameters,
                quantity_as_text=vendor in _TEXT_QUANTITY_VENDORS,
            )
        )

    for mpn, name, usd, mn, mx, weight in _NCE_SEATS:
        yearly_monthly = Decimal(usd)
        monthly = (yearly_monthly * Decimal("1.2")).quantize(CENT)
        yearly_yearly = yearly_monthly * 12
        add(mpn, "Microsoft", name, "MICROSOFT_NCE", monthly, mn, mx, _MONTH, _MONTH, "chargeBeforeBillingPeriod", weight)
        add(mpn, "Microsoft", name, "MICROSOFT_NCE", yearly_monthly, mn, mx, _YEAR, _MONTH, "chargeBeforeBillingPeriod", weight * 2)
        add(mpn, "Microsoft", name, "MICROSOFT_NCE", yearly_yearly, mn, mx, _YEAR, _YEAR, "chargeBeforeSubscriptionPeriod", weight)

    add("DZH318Z0BPS6:0001", "Microsoft", "Azure plan", "MICROSOFT_AZURE", None, None, None, _MONTH, _MONTH, "chargeExternalRating", 10)
    add("ACR-CPC-WKS-STD", "Acronis", "Acronis Cyber Protect Cloud - Workstation", "ACRONIS_CYBER_CLOUD", "5.50", 1, 10000, _MONTH, _MONTH, "chargeAfterBillingPeriod", 8)
    add("ACR-CPC-SRV-STD", "Acronis", "Acronis Cyber Protect Cloud - Server", "ACRONIS_CYBER_CLOUD", "28.00", 1, 10000, _MONTH, _MONTH, "chargeAfterBillingPeriod", 4)
    add("ACR-CPC-M365-SEAT", "Acronis", "Acronis Cyber Protect Cloud - Microsoft 365 seat", "ACRONIS_CYBER_CLOUD", "2.20", 1, 10000, _MONTH, _MONTH, "chargeAfterBillingPeriod", 5)
    add("DBX-BUS-STD", "Dropbox", "Dropbox Business Standard", "DROPBOX_BUSINESS", "18.00", 3, 1000, _MONTH, _MONTH, "chargeBeforeBillingPeriod", 3)
    add("DBX-BUS-STD", "Dropbox", "Dropbox Business Standard", "DROPBOX_BUSINESS", "180.00", 3, 1000, _YEAR, _YEAR, "chargeBeforeSubscriptionPeriod", 3)
    add("DBX-BUS-ADV", "Dropbox", "Dropbox Business Advanced", "DROPBOX_BUSINESS", "30.00", 3, 1000, _MONTH, _MONTH, "chargeBeforeBillingPeriod", 2)
    add("65304522BA01A12", "Adobe", "Acrobat Pro for teams", "ADOBE_VIP_MARKETPLACE", "239.88", 1, 1000, _YEAR, _YEAR, "chargeBeforeSubscriptionPeriod", 4)
    add("65297920BA01A12", "Adobe", "Creative Cloud All Apps for teams", "ADOBE_VIP_MARKETPLACE", "1079.88", 1, 1000, _YEAR, _YEAR, "chargeBeforeSubscriptionPeriod", 2)
    add("BD-GZ-BS-M", "Bitdefender", "Bitdefender GravityZone Business Security", "BITDEFENDER_GRAVITYZONE", "2.50", 3, 5000, _MONTH, _MONTH, "chargeAfterBillingPeriod", 3)
    # appended last: the ids of the products above stay what they were
    add("GWS-BUS-STARTER", "Google", "Google Workspace Business Starter", "GOOGLE_WORKSPACE", "7.00", 1, 300, _MONTH, _MONTH, "chargeAfterBillingPeriod", 3, ("domain",))
    add("GWS-BUS-STD", "Google", "Google Workspace Business Standard", "GOOGLE_WORKSPACE", "14.00", 1, 300, _YEAR, _MONTH, "chargeBeforeBillingPeriod", 2, ("domain",))
    return rows


PRODUCTS: list[CatalogProduct] = _build()
AZURE_PLAN = next(p for p in PRODUCTS if p.mpn == "DZH318Z0BPS6:0001")
#: the base licence and the add-on of the seed's multi-line subscriptions (one subscription, two product lines)
BUNDLE_BASE = next(p for p in PRODUCTS if p.mpn == "ACR-CPC-WKS-STD")
BUNDLE_ADDONS = [p for p in PRODUCTS if p.mpn in ("ACR-CPC-SRV-STD", "ACR-CPC-M365-SEAT")]
#: a product that needs the ``domain`` activation parameter
DOMAIN_PRODUCT = next(p for p in PRODUCTS if p.mpn == "GWS-BUS-STARTER")
#: a product whose quantities show as text
TEXT_QUANTITY_PRODUCT = next(p for p in PRODUCTS if p.mpn == "DBX-BUS-STD")

#: Internal plans are sold outside the catalog; their subscriptions have no products.
INTERNAL_PLAN_NAMES = ["Ingram Micro Cloud Support - Premier", "MSP Onboarding Services (internal)"]
