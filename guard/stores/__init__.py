"""State stores for budgets and rate limits, chosen by URL (see :func:`store_from_url`)."""

from guard.stores.base import Admission, RateResult, Reservation, Store, StoreError

__all__ = ["Admission", "RateResult", "Reservation", "Store", "StoreError"]
