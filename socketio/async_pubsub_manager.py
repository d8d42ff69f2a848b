"""PLACEHOLDER: being written (message-queue issue)."""
from .async_manager import AsyncManager


class AsyncPubSubManager(AsyncManager):
    """Placeholder."""
