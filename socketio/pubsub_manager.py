"""PLACEHOLDER: being written (message-queue issue)."""
from .base_manager import BaseManager


class PubSubManager(BaseManager):
    """Placeholder."""
