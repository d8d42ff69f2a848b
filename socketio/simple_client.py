"""PLACEHOLDER."""


class SimpleClient:
    """Placeholder."""
