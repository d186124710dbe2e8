"""Uses an undefined name at import: a generic init error (NameError)."""

handler = undefined_name  # noqa: F821
