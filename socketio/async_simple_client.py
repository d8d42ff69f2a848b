"""PLACEHOLDER."""


class AsyncSimpleClient:
    """Placeholder."""
