"""A client library for accessing Gemini Interactions API (Parley)"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)
