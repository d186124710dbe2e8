"""A module __getattr__ that fails with something other than AttributeError."""


def __getattr__(name):
    raise LookupError("no attribute " + name)
