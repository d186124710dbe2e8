"""A module two layers both provide: the later layer's copy wins."""

ORIGIN = "base"
