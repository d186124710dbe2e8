"""A regular package: Python 3.9+ runtimes run this file during init."""

print("pkg/__init__.py ran")
INITIALIZED = True
