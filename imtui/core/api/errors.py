"""Typed errors of the Marketplace API.

Every error carries the HTTP status (when there was a response), the API's own message (``message`` or
``error`` in the body), the method and path of the request, the ``X-Correlation-ID`` that Ingram's support
asks for and how many times it was tried. ``str()`` of each is a sentence a user can act on, and the advice
fits where it happened (a login, a detail, a list, an order). No error ever holds a request header, a token
or a secret: the client scrubs known secrets out of server text before building one.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

#: what a server fault says when it says nothing (a 500 carrying one of these is not a business rule)
_GENERIC = re.compile(
    r"unexpected|internal|server error|an? error (has )?occurr|something went wrong|unavailable|bad gateway|"
    r"gateway|time-?d? ?out|try again later|exception|null ?pointer|stack ?trace|traceback|upstream|"
    r"connection (reset|refused|closed)|database|^\W*(error|failed|failure|unknown error|null|none|n/?a|500)\W*$",
    re.IGNORECASE,
)
#: what a business rule sounds like: a refusal that names the thing and why
_RULE = re.compile(
    r"cannot|can ?not|can't|not allowed|not permitted|already|must|exceed|limit|only|hold|insufficient|"
    r"invalid|in status|eligib|forbidden|denied|required|duplicate|conflict|pending|in progress|no longer|"
    r"not supported|unsupported|minimum|maximum|out of range|does not|doesn't|is not|are not|rejected|"
    r"refused|blocked|suspended|expired|not found",
    re.IGNORECASE,
)


def is_business_message(message: str | None) -> bool:
    """A 500's message is a business rule (shown as it is, never retried) only when it reads like one.
    Anything else, including no message or "An unexpected error occurred", is a server fault."""
    if not message or not re.search(r"[A-Za-z]{3}", message):
        return False
    if _GENERIC.search(message):
        return False
    return bool(_RULE.search(message))


class ApiError(Exception):
    """Base of every failure talking to the Marketplace API."""

    #: what the user should do next; subclasses say it in their own words
    advice = "Try again; if it keeps happening, send the correlation id to Ingram Micro support."
    title = "The marketplace API failed"

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        method: str = "",
        path: str = "",
        correlation_id: str | None = None,
        attempts: int = 1,
    ) -> None:
        self.message = (message or "").strip() or None
        self.status = status
        self.method = method
        self.path = path
        self.correlation_id = correlation_id
        self.attempts = attempts
        super().__init__(self.message or self.title)

    @property
    def request(self) -> str:
        return f"{self.method} {self.path}".strip()

    @property
    def at_login(self) -> bool:
        return self.method == "POST" and self.path.rstrip("/").endswith("/token")

    @property
    def is_detail(self) -> bool:
        """A request about one thing (``/customers/123``), not a list (``/customers``)."""
        return len([part for part in self.path.split("/") if part]) >= 2

    @property
    def where(self) -> str:
        """``HTTP 503, GET /customers, 11 tries``: the status, the request and how often it was tried."""
        return self._where()

    def _where(self) -> str:
        parts = []
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.request:
            parts.append(self.request)
        if self.attempts > 1:
            parts.append(f"{self.attempts} tries")
        return ", ".join(parts)

    def __str__(self) -> str:
        text = self.title
        where = self._where()
        if where:
            text += f" ({where})"
        if self.message:
            text += f": {self.message.rstrip('.')}"
        text += f". {self.advice}"
        if self.correlation_id:
            text += f" Correlation id: {self.correlation_id}."
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, message={self.message!r}, "
            f"request={self.request!r}, correlation_id={self.correlation_id!r})"
        )


class AuthenticationError(ApiError):
    """401/403: at login the credentials were refused; mid-session the token was refused twice, or (403) the
    API user may not do this."""

    @property
    def title(self) -> str:  # type: ignore[override]
        if self.at_login:
            return "The marketplace refused the credentials"
        if self.status == 403:
            return "The marketplace does not allow this API user to do this"
        return "The marketplace refused this session"

    @property
    def advice(self) -> str:  # type: ignore[override]
        if self.at_login:
            return (
                "Check the API username (it usually ends in .api), the password, the subscription key and the "
                "marketplace code of this account."
            )
        if self.status == 403:
            return "Ask the administrator of the marketplace account for the API user's permissions, or send the correlation id to Ingram Micro support."
        return (
            "The login worked but the API refused its token even after logging in again: check that the "
            "marketplace code belongs to the region of the API URL; if it keeps happening, send the correlation "
            "id to Ingram Micro support."
        )


class NotFoundError(ApiError):
    """404. At login it means the API URL is wrong; on a list path too; on a detail, the thing is gone."""

    @property
    def _wrong_url(self) -> bool:
        """At login, or reading a whole list: the address itself is wrong, not one thing missing."""
        return self.at_login or (self.method in ("GET", "") and not self.is_detail)

    @property
    def title(self) -> str:  # type: ignore[override]
        return "No Marketplace API answers at this address" if self._wrong_url else "Not found"

    @property
    def advice(self) -> str:  # type: ignore[override]
        if self._wrong_url:
            return (
                "Check the API URL of this account: copy it from the control panel's \"Marketplace API\" page "
                "(for example https://api.cloud.im/marketplace/eu)."
            )
        if self.method == "POST":
            return "The customer or subscription it names may have been removed or belong to another account; nothing was changed. Refresh and try again."
        return "It may have been removed or belong to another account; refresh and try again."


class InvalidRequestError(ApiError):
    """HTTP 400: the API rejected a filter or body (validation)."""

    title = "The marketplace rejected the request"
    advice = "Correct the values and try again."


class BusinessRuleError(ApiError):
    """HTTP 500 carrying a readable business-rule message: not a crash, never retried, nothing changed."""

    title = "The marketplace refused this"
    advice = "Nothing was changed by this request."

    def __str__(self) -> str:
        # the API's own sentence is what the user needs; show it as it is
        text = self.message or "The marketplace refused the request"
        text = text.rstrip()
        if not text.endswith((".", "!", "?")):
            text += "."
        text += f" ({self._where()}"
        if self.correlation_id:
            text += f", correlation id {self.correlation_id}"
        return text + f") {self.advice}"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = seconds / 60
    if minutes < 90:
        return f"{minutes:.0f} minutes"
    return f"{minutes / 60:.1f} hours"


class RateLimitedError(ApiError):
    title = "The marketplace is limiting how fast this key may call it"

    def __init__(self, *args, retry_after: float | None = None, **kwargs) -> None:
        self.retry_after = retry_after
        super().__init__(*args, **kwargs)

    @property
    def advice(self) -> str:  # type: ignore[override]
        nothing = "Nothing was ordered. " if self.method == "POST" and self.path.endswith("/orders") else ""
        if self.retry_after:
            return f"{nothing}Wait {_duration(self.retry_after)} and try again."
        if self.attempts > 1:
            return f"{nothing}imtui waited about a minute; wait a few minutes and try again, or run fewer things at once."
        return f"{nothing}Wait a minute and try again."


def _changed_maybe(method: str) -> str:
    if method == "PATCH":
        return "The change may still have been made: refresh to see before trying again."
    return "The marketplace is slow or overloaded; try again in a few minutes."


class ServerError(ApiError):
    """5xx without a business message, and gateway faults (502/503/504, HTML pages)."""

    title = "The marketplace had a server error"

    def __init__(self, *args, html: bool = False, **kwargs) -> None:
        self.html = html
        super().__init__(*args, **kwargs)

    @property
    def advice(self) -> str:  # type: ignore[override]
        return "This is on Ingram Micro's side; try again in a few minutes."


class GatewayTimeoutError(ServerError):
    title = "The marketplace gateway timed out"

    @property
    def advice(self) -> str:  # type: ignore[override]
        return _changed_maybe(self.method)


class InvalidResponseError(ApiError):
    """A 2xx answer whose body is not the JSON the API promises (garbage, truncated, an HTML page)."""

    def __init__(self, *args, html: bool = False, **kwargs) -> None:
        self.html = html
        super().__init__(*args, **kwargs)

    @property
    def title(self) -> str:  # type: ignore[override]
        if self.html:
            return "A web page came back instead of the marketplace's data"
        return "The marketplace sent an answer imtui could not read"

    @property
    def advice(self) -> str:  # type: ignore[override]
        if self.html:
            return (
                "Something between imtui and the marketplace answered (a proxy, a captive portal or a wrong API "
                "URL): check the account's API URL and the proxy settings (HTTPS_PROXY)."
            )
        return "Try again; if it keeps happening, send the correlation id to Ingram Micro support."


class TransportError(ApiError):
    """No HTTP answer at all: DNS, refused connection, TLS failure, timeout, dropped connection.
    ``sent`` is False when the request certainly never left (the connection was never made)."""

    title = "Could not reach the marketplace"

    def __init__(self, *args, sent: bool = True, **kwargs) -> None:
        self.sent = sent
        super().__init__(*args, **kwargs)

    @property
    def advice(self) -> str:  # type: ignore[override]
        prefix = "Nothing was sent, so nothing was ordered. " if not self.sent and self.method == "POST" else ""
        return prefix + "Check the API URL, your network connection and any proxy."


class ApiTimeoutError(TransportError):
    title = "The marketplace did not answer in time"

    @property
    def advice(self) -> str:  # type: ignore[override]
        return _changed_maybe(self.method)


class TlsError(TransportError):
    title = "The secure connection to the marketplace failed"

    @property
    def advice(self) -> str:  # type: ignore[override]
        return (
            "Check the API URL (it must be the marketplace's https address) and the system's certificates; "
            "behind a proxy that inspects TLS, point SSL_CERT_FILE at its certificate."
        )


class OrderOutcomeUnknownError(ApiError):
    """``POST /orders`` ended without a definite answer (a 500 without a business message, a 502/503/504, a
    timeout, a dropped connection, an unreadable 2xx answer): the order may or may not exist. Never place it
    again before looking it up: the customer's orders created since ``attempt_started``, matched by PO number.
    """

    title = "The marketplace did not say whether the order was placed"

    def __init__(
        self,
        *args,
        attempt_started: datetime | None = None,
        customer_id: str | None = None,
        po_number: str | None = None,
        cause: str = "no answer",
        html: bool = False,
        **kwargs,
    ) -> None:
        self.attempt_started = attempt_started or datetime.now(timezone.utc)
        self.customer_id = customer_id
        self.po_number = po_number
        self.cause = cause
        self.html = html
        super().__init__(*args, **kwargs)

    @property
    def advice(self) -> str:  # type: ignore[override]
        since = self.attempt_started.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        whose = f"customer {self.customer_id}'s orders" if self.customer_id else "the customer's orders"
        po = f" for PO number {self.po_number}" if self.po_number else ""
        return (
            f"The order may or may not exist ({self.cause}). Look it up before trying again: {whose} created "
            f"since {since}{po}. Do not place it again until it is certainly not there."
        )
