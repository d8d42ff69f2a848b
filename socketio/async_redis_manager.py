"""PLACEHOLDER: being written (message-queue issue)."""
from .async_pubsub_manager import AsyncPubSubManager


class AsyncRedisManager(AsyncPubSubManager):
    """Placeholder."""
def _parse_redis_url(url): raise NotImplementedError
