"""The in-memory client manager under its current name."""
from .base_manager import BaseManager


class Manager(BaseManager):
    """Client manager for a single server process (the default)."""


__all__ = ['Manager']
