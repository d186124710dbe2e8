"""A module only the first layer provides."""

ORIGIN = "base"
