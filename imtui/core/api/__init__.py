"""The Ingram Micro Cloud Marketplace API: client, typed errors, models, rate budgets and list reports.

Each name is imported from its module on first use (:mod:`imtui.core.lazy`), so ``from imtui.core.api
import ApiError`` loads the error types only, not httpx and the pydantic models: the app's first screen
needs no more. A new public name is one entry in ``_WHERE``.
"""

from __future__ import annotations

from imtui.core.lazy import lazy_attributes

#: public name -> the module of this package that defines it
_WHERE = {
    "BudgetStats": "budget",
    "RateBudget": "budget",
    "RateBudgets": "budget",
    "MarketplaceClient": "client",
    **dict.fromkeys(
        (
            "ApiError",
            "ApiTimeoutError",
            "AuthenticationError",
            "BusinessRuleError",
            "GatewayTimeoutError",
            "InvalidRequestError",
            "InvalidResponseError",
            "NotFoundError",
            "OrderOutcomeUnknownError",
            "RateLimitedError",
            "ServerError",
            "TlsError",
            "TransportError",
        ),
        "errors",
    ),
    **dict.fromkeys(("Money", "Order", "OrderRequest", "OrderRequestError", "Period"), "models"),
    "ListReport": "paging",
    "SkippedRow": "paging",
    "RetryNotice": "retry",
    "retry_listener": "retry",
}

__all__ = sorted(_WHERE)

__getattr__ = lazy_attributes(__name__, _WHERE)
