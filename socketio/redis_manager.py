"""PLACEHOLDER: being written (message-queue issue)."""
from .pubsub_manager import PubSubManager


class RedisManager(PubSubManager):
    """Placeholder."""
