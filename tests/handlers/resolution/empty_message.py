"""Raises an exception without a message at import."""

raise RuntimeError()
