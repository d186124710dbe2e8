"""Repository-wide pytest set-up: the test suite imports lambdasim from this checkout."""
