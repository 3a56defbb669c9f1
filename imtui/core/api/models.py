"""Pydantic models of the Marketplace API's resources, tolerant of what production sends.

Tolerance rules (MARKETPLACE_API.md):
- enumerations grow: ``status``/``type`` fields are plain strings, an unknown value is kept as it came;
- quantities arrive as numbers or numeric strings (``"2.0"``): both parse, integral ones become ``int``;
- money is ``{"amount": "70.50", "currency": "USD"}``: ``Money`` holds a ``Decimal`` and its currency and
  refuses to add different currencies;
- periods are objects and render in ISO 8601 (``P1M``, ``P1Y``), never sent as ISO strings;
- optional fields may be missing, unknown fields are ignored, a malformed date becomes ``None``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, SecretStr, ValidationError
from pydantic.alias_generators import to_camel

from imtui.core.api.money import (  # noqa: F401 - re-exported: models is where callers look for them
    CurrencyMismatchError,
    Money,
    OptMoney,
    _to_decimal,
    totals_by_currency,
)


def _to_quantity(value: Any) -> int | Decimal | None:
    number = _to_decimal(value)
    if number is None or not number.is_finite():
        return None
    if number == number.to_integral_value():
        return int(number)
    return number


def _to_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _to_datetime(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    text = str(value).strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        parsed = _to_date(text)
        return datetime(parsed.year, parsed.month, parsed.day) if parsed else None


def _to_str(value: Any) -> Any:
    # ids sometimes arrive as numbers; keep them as the numeric strings the API documents
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return str(value)
    return value


def _request_quantity(value: Any) -> int | Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("a quantity is a number of seats, not true or false")
    number = _to_quantity(value)
    if number is None:
        raise ValueError(f"{value!r} is not a number of seats")
    return number


def _quantity_out(value: int | Decimal | None) -> int | float | None:
    """Quantities go out as JSON numbers: whole ones as integers, anything else as a plain number."""
    if value is None or isinstance(value, int):
        return value
    return int(value) if value == value.to_integral_value() else float(value)


def _fields(exc: ValidationError, *, reasons: bool = False) -> list[str]:
    """The fields a validation failed on, with our own reason for a value error when asked; never pydantic's
    text, never the input."""
    fields: list[str] = []
    for item in exc.errors(include_url=False, include_input=False):
        loc = ".".join(str(part) for part in item.get("loc", ()) if "[" not in str(part))
        if reasons:
            why = str(item.get("ctx", {}).get("error", "")) if item.get("type") == "value_error" else "missing or not valid"
            loc = f"{loc or 'value'} ({why})"
        if loc and loc not in fields:
            fields.append(loc)
    return fields


def field_problems(exc: ValidationError) -> str:
    """Which fields of an answer could not be read, in plain words."""
    fields = _fields(exc)
    if not fields:
        return "not an object" if exc.error_count() == 1 else f"{exc.error_count()} problems"
    shown = ", ".join(fields[:4]) + (f" and {len(fields) - 4} more" if len(fields) > 4 else "")
    return f"unreadable field(s): {shown}"


class OrderRequestError(ValueError):
    """An order or estimate request that cannot be built from the values given (said without pydantic text)."""


Quantity = Annotated[int | Decimal | None, BeforeValidator(_to_quantity)]
#: a quantity in a request: checked on the way in, a JSON number on the way out
RequestQuantity = Annotated[
    int | Decimal | None, BeforeValidator(_request_quantity), PlainSerializer(_quantity_out, when_used="json")
]
OptDate = Annotated[date | None, BeforeValidator(_to_date)]
OptDateTime = Annotated[datetime | None, BeforeValidator(_to_datetime)]
Id = Annotated[str | None, BeforeValidator(_to_str)]
# a name or status sent as null reads as empty / "unknown" instead of failing the whole row
Text = Annotated[str, BeforeValidator(lambda v: "" if v is None else v)]
Status = Annotated[str, BeforeValidator(lambda v: "unknown" if v is None else v)]


class ApiModel(BaseModel):
    """Base: camelCase aliases, unknown fields ignored, snake_case access."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=False
    )


_ISO_UNIT = {"day": "D", "month": "M", "year": "Y"}


class Period(ApiModel):
    """A term or billing period: ``{"type": "month", "duration": 1}``. Shown as ``P1M``."""

    type: Status = "unknown"
    duration: Quantity = None

    model_config = ConfigDict(extra="ignore", frozen=True)

    @property
    def iso(self) -> str:
        unit = _ISO_UNIT.get(self.type)
        if unit and self.duration is not None:
            return f"P{self.duration}{unit}"
        if self.type == "statement_day":
            return "statement day"
        return "unknown" if self.type == "unknown" else self.type

    def __str__(self) -> str:
        return self.iso

    def to_api(self) -> dict[str, Any]:
        return {"type": self.type, "duration": self.duration}

    @classmethod
    def from_iso(cls, text: str) -> "Period":
        """``P1M`` → month/1. For building requests from what the user picked."""
        text = text.strip().upper()
        units = {v: k for k, v in _ISO_UNIT.items()}
        if len(text) >= 3 and text[0] == "P" and text[-1] in units and text[1:-1].isdigit():
            return cls(type=units[text[-1]], duration=int(text[1:-1]))
        raise ValueError(f"not an ISO 8601 period like P1M or P1Y: {text!r}")


class Token(ApiModel):
    token: SecretStr
    expires_in_seconds: Annotated[int, BeforeValidator(lambda v: int(_to_decimal(v) or 0))] = 0


class Pagination(ApiModel):
    offset: int = 0
    limit: int = 0
    total: int | None = None


class Address(ApiModel):
    street_address: str | None = None
    address_extension: str | None = None
    postal_code: str | None = None
    city: str | None = None
    state: str | None = None
    country_code: str | None = None

    def one_line(self) -> str:
        parts = [self.street_address, self.address_extension, self.postal_code, self.city, self.state, self.country_code]
        return ", ".join(p for p in parts if p)


class ContactPerson(ApiModel):
    type: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone_number: str | None = None


class Customer(ApiModel):
    id: Id = None
    name: Text = ""
    status: Status = "unknown"
    external_id: str | None = None
    address: Address | None = None
    contact_persons: list[ContactPerson] = Field(default_factory=list)
    language: str | None = None
    tax_reg_id: str | None = None
    reseller_id: Id = None
    attributes: dict[str, Any] = Field(default_factory=dict)

    @property
    def city(self) -> str:
        return (self.address.city if self.address else None) or ""

    @property
    def country(self) -> str:
        return (self.address.country_code if self.address else None) or ""


class Reseller(ApiModel):
    id: Id = None
    name: Text = ""
    status: Status = "unknown"
    currency: str | None = None
    address: Address | None = None
    language: str | None = None


class ProductPrice(ApiModel):
    amount: Annotated[Decimal | None, BeforeValidator(_to_decimal)] = None
    currency: str = ""
    type: str | None = None  # recurring, setup, overuse (None: recurring)
    model: str | None = None  # FLAT, TIERED, VOLUME_...
    lower_limit: Annotated[Decimal | None, BeforeValidator(_to_decimal)] = None  # a quantity tier's first unit

    @property
    def money(self) -> Money | None:
        if self.amount is None or not self.amount.is_finite() or not self.currency:
            return None
        return Money(amount=self.amount, currency=self.currency)


class Product(ApiModel):
    id: Id = None
    mpn: Text = ""
    vendor: str | None = None
    service_name: str | None = None
    name: Text = ""
    minimum_quantity: Quantity = None
    maximum_quantity: Quantity = None
    prices: list[ProductPrice] = Field(default_factory=list)
    costs: list[ProductPrice] = Field(default_factory=list)
    billing_period: Period | None = None
    subscription_period: Period | None = None
    billing_model: str | None = None

    @staticmethod
    def _recurring(items: list[ProductPrice]) -> Money | None:
        for item in items:
            if item.type in (None, "recurring") and item.money is not None:
                return item.money
        return None

    @property
    def price(self) -> Money | None:
        return self._recurring(self.prices)

    @property
    def cost(self) -> Money | None:
        return self._recurring(self.costs)


class ParameterValue(ApiModel):
    name: str
    value: Any = None


class ParameterCheck(ApiModel):
    """One activation parameter of a product, as ``POST /validation/parameters`` judges the value given."""

    name: Text = ""
    result: Status = "unknown"  # success, error
    message: str | None = None
    value_error: str | None = None
    type: str | None = None
    value: Any = None

    @property
    def ok(self) -> bool:
        return self.result == "success"


class ParameterValidation(ApiModel):
    """The answer for one product: every parameter it needs, each with its result."""

    id: Id = None
    mpn: Text = ""
    vendor: str | None = None
    billing_period: Period | None = None
    subscription_period: Period | None = None
    parameters: list[ParameterCheck] = Field(default_factory=list)


class Subscription(ApiModel):
    """A list row: no quantity, no products, no prices (production sends none)."""

    id: Id = None
    name: Text = ""
    customer_id: Id = None
    status: Status = "unknown"
    renewal_status: bool | None = None
    creation_date: OptDate = None
    renewal_date: OptDate = None
    expiration_date: OptDate = None
    last_modified_date: OptDate = None
    billing_model: str | None = None
    billing_period: Period | None = None
    subscription_period: Period | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)


class SubscriptionProduct(ApiModel):
    id: Id = None
    mpn: Text = ""
    vendor: str | None = None
    name: Text = ""
    quantity: Quantity = None
    unit_price: OptMoney = None
    unit_cost: OptMoney = None
    extended_price: OptMoney = None
    vendor_subscription_id: str | None = None


class SubscriptionDetail(Subscription):
    products: list[SubscriptionProduct] = Field(default_factory=list)
    total_price: OptMoney = None
    order_parameters: list[ParameterValue] = Field(default_factory=list)
    fulfillment_parameters: list[ParameterValue] = Field(default_factory=list)
    plan_id: Id = None

    @property
    def seats(self) -> int | Decimal | None:
        """Seats of the main product line; ``None`` for plans without products (Azure plans)."""
        return self.products[0].quantity if self.products else None


class OrderLine(ApiModel):
    id: Id = None
    mpn: str | None = None
    vendor: str | None = None
    name: str | None = None
    quantity: Quantity = None
    extended_price: OptMoney = None
    subscription_id: Id = None
    billing_period: Period | None = None
    subscription_period: Period | None = None
    parameters: list[ParameterValue] = Field(default_factory=list)


class Order(ApiModel):
    """An order as listed or in detail (list rows lack ``po_number`` and ``products``)."""

    id: Id = None
    order_number: str | None = None
    type: Status = "unknown"
    customer_id: Id = None
    po_number: str | None = None
    creation_date: OptDateTime = None
    provisioning_date: OptDateTime = None
    status: Status = "unknown"
    status_code: str | None = None
    total: OptMoney = None
    products: list[OrderLine] = Field(default_factory=list)
    subscription_id: Id = None
    attributes: dict[str, Any] = Field(default_factory=dict)

    FINAL_STATUSES: ClassVar[frozenset[str]] = frozenset({"completed", "error", "cancelled"})

    @property
    def finished(self) -> bool:
        return self.status in self.FINAL_STATUSES


class _RequestModel(ApiModel):
    """A request body built from the user's choices: a bad value is an OrderRequestError in plain words."""

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise OrderRequestError(f"The order cannot be built: check {', '.join(_fields(exc, reasons=True))}.") from None


class OrderProductRequest(_RequestModel):
    """One line of an order or estimate request, as the API expects it."""

    mpn: str | None = None
    vendor: str | None = None
    subscription_id: str | None = None
    quantity: RequestQuantity = None
    subscription_period: Period | None = None
    billing_period: Period | None = None
    parameters: list[ParameterValue] | None = None


class OrderRequest(_RequestModel):
    """The body of ``POST /orders`` and ``POST /orders/estimate``."""

    type: str
    customer_id: str
    po_number: str | None = None
    subscription_id: str | None = None
    scheduled_on: str | None = None
    products: list[OrderProductRequest] | None = None

    def to_api(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")

    @classmethod
    def sales(
        cls,
        customer_id: str,
        mpn: str,
        quantity: int,
        *,
        vendor: str | None = None,
        subscription_period: Period | None = None,
        billing_period: Period | None = None,
        po_number: str | None = None,
        parameters: list[ParameterValue] | None = None,
    ) -> "OrderRequest":
        return cls(
            type="sales",
            customer_id=customer_id,
            po_number=po_number or None,
            products=[
                OrderProductRequest(
                    mpn=mpn,
                    vendor=vendor,
                    quantity=quantity,
                    subscription_period=subscription_period,
                    billing_period=billing_period,
                    parameters=parameters,
                )
            ],
        )

    @classmethod
    def change(
        cls,
        customer_id: str,
        subscription_id: str,
        mpn: str,
        new_total: int,
        *,
        po_number: str | None = None,
        at_renewal: bool = False,
    ) -> "OrderRequest":
        return cls(
            type="change",
            customer_id=customer_id,
            po_number=po_number or None,
            scheduled_on="renewal" if at_renewal else None,
            products=[OrderProductRequest(subscription_id=subscription_id, mpn=mpn, quantity=new_total)],
        )

    @classmethod
    def cancellation(cls, customer_id: str, subscription_id: str, *, po_number: str | None = None) -> "OrderRequest":
        return cls(type="cancellation", customer_id=customer_id, subscription_id=subscription_id, po_number=po_number or None)

    @classmethod
    def renewal(cls, customer_id: str, subscription_id: str, *, po_number: str | None = None) -> "OrderRequest":
        return cls(type="renewal", customer_id=customer_id, subscription_id=subscription_id, po_number=po_number or None)


class Page(ApiModel):
    """One page of a list, as returned by the paging helper."""

    items: list[Any]
    offset: int
    total: int | None = None
