"""The Ingram Micro Cloud Marketplace API: client, typed errors, models, rate budgets and list reports."""

from imtui.core.api.budget import BudgetStats, RateBudget, RateBudgets
from imtui.core.api.client import MarketplaceClient
from imtui.core.api.errors import (
    ApiError,
    ApiTimeoutError,
    AuthenticationError,
    BusinessRuleError,
    GatewayTimeoutError,
    InvalidRequestError,
    InvalidResponseError,
    NotFoundError,
    OrderOutcomeUnknownError,
    RateLimitedError,
    ServerError,
    TlsError,
    TransportError,
)
from imtui.core.api.models import Money, Order, OrderRequest, OrderRequestError, Period
from imtui.core.api.paging import ListReport, SkippedRow
from imtui.core.api.retry import RetryNotice, retry_listener

__all__ = [
    "ApiError",
    "ApiTimeoutError",
    "AuthenticationError",
    "BudgetStats",
    "BusinessRuleError",
    "GatewayTimeoutError",
    "InvalidRequestError",
    "InvalidResponseError",
    "ListReport",
    "MarketplaceClient",
    "Money",
    "NotFoundError",
    "Order",
    "OrderOutcomeUnknownError",
    "OrderRequest",
    "OrderRequestError",
    "Period",
    "RateBudget",
    "RateBudgets",
    "RateLimitedError",
    "RetryNotice",
    "ServerError",
    "SkippedRow",
    "TlsError",
    "TransportError",
    "retry_listener",
]
