"""The later layer's copy of shared.py."""

ORIGIN = "override"
