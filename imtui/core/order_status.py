"""What an order's status, type and status code are called (how a money plan is said is
:mod:`imtui.core.services.order_words`). A module importing nothing, so that ``imtui --help`` can name them
without loading the services."""

from __future__ import annotations

__all__ = ["ORDER_STATUSES", "ORDER_TYPES", "STATUS_CODES", "UNFINISHED"]

#: the statuses the API documents, in the order an order moves through them
ORDER_STATUSES = ("submitted", "processing", "completed", "error", "cancelled")
#: order types (``transfer`` is seen in production though the yaml does not list it)
ORDER_TYPES = ("sales", "change", "cancellation", "renewal", "transfer")
#: the status filter's word for "submitted or processing" (anything not finished)
UNFINISHED = "unfinished"
#: what the marketplace's status codes mean
STATUS_CODES = {
    "NW": "submitted",
    "AS": "awaiting provisioning",
    "LO": "provisioning in progress",
    "SC": "scheduled for the renewal date",
    "CP": "completed",
    "PF": "failed",
    "CL": "cancelled",
}
