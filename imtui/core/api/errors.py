"""Typed errors of the Marketplace API.

Every error carries the HTTP status (when there was a response), the API's own message (``message`` or
``error`` in the body), the method and path of the request and the ``X-Correlation-ID`` that Ingram's
support asks for. ``str()`` of each is a sentence a user can act on. No error ever holds a request header,
a token or a secret: the client scrubs known secrets out of server text before building one.
"""

from __future__ import annotations


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
    ) -> None:
        self.message = (message or "").strip() or None
        self.status = status
        self.method = method
        self.path = path
        self.correlation_id = correlation_id
        super().__init__(str(self))

    @property
    def request(self) -> str:
        return f"{self.method} {self.path}".strip()

    def _where(self) -> str:
        parts = []
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.request:
            parts.append(self.request)
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
    title = "The marketplace refused the credentials"
    advice = (
        "Check the API username (it usually ends in .api), the password, the subscription key and the "
        "marketplace code of this account."
    )


class NotFoundError(ApiError):
    title = "Not found"
    advice = "It may have been removed or belong to another account; refresh and try again."


class InvalidRequestError(ApiError):
    """HTTP 400: the API rejected a filter or body (validation)."""

    title = "The marketplace rejected the request"
    advice = "Correct the values and try again."


class BusinessRuleError(ApiError):
    """HTTP 500 carrying a readable message: a business rule, not a crash. Never retried."""

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
        return text + ")"


class RateLimitedError(ApiError):
    title = "The marketplace is limiting how fast this key may call it"

    def __init__(self, *args, retry_after: float | None = None, **kwargs) -> None:
        self.retry_after = retry_after
        super().__init__(*args, **kwargs)

    @property
    def advice(self) -> str:  # type: ignore[override]
        if self.retry_after:
            return f"Wait {self.retry_after:g} s and try again."
        return "Wait a minute and try again."


class ServerError(ApiError):
    """5xx without a business message, and gateway faults (502/503/504, HTML pages)."""

    title = "The marketplace had a server error"
    advice = "This is on Ingram Micro's side; try again in a few minutes."

    def __init__(self, *args, html: bool = False, **kwargs) -> None:
        self.html = html
        super().__init__(*args, **kwargs)


class GatewayTimeoutError(ServerError):
    title = "The marketplace gateway timed out"
    advice = "The request may still have been carried out; refresh before trying again."


class InvalidResponseError(ApiError):
    """A 2xx answer whose body is not the JSON the API promises (garbage, truncated)."""

    title = "The marketplace sent an answer imtui could not read"
    advice = "Try again; if it keeps happening, send the correlation id to Ingram Micro support."


class TransportError(ApiError):
    """No HTTP answer at all: DNS, refused connection, TLS failure, timeout."""

    title = "Could not reach the marketplace"
    advice = "Check the API URL, your network connection and any proxy."


class ApiTimeoutError(TransportError):
    title = "The marketplace did not answer in time"
    advice = "The service may be slow; try again. For an order, refresh before placing it again."


class TlsError(TransportError):
    title = "The secure connection to the marketplace failed"
    advice = "Check the API URL (it must be the marketplace's https address) and the system's certificates."
