"""PLACEHOLDER: being written (message-queue issue)."""
from .pubsub_manager import PubSubManager


class KafkaManager(PubSubManager):
    """Placeholder."""
