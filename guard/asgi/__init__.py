"""ASGI integration: :class:`GuardMiddleware` wraps any gateway app."""

from guard.asgi.middleware import GuardMiddleware

__all__ = ["GuardMiddleware"]
