"""PLACEHOLDER: being written (message-queue issue)."""
from .async_pubsub_manager import AsyncPubSubManager


class AsyncAioPikaManager(AsyncPubSubManager):
    """Placeholder."""
