"""The Ingram Micro Cloud Marketplace API: client, typed errors and models."""

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
    RateLimitedError,
    ServerError,
    TlsError,
    TransportError,
)
from imtui.core.api.models import Money, Order, OrderRequest, Period

__all__ = [
    "ApiError",
    "ApiTimeoutError",
    "AuthenticationError",
    "BusinessRuleError",
    "GatewayTimeoutError",
    "InvalidRequestError",
    "InvalidResponseError",
    "MarketplaceClient",
    "Money",
    "NotFoundError",
    "Order",
    "OrderRequest",
    "Period",
    "RateLimitedError",
    "ServerError",
    "TlsError",
    "TransportError",
]
