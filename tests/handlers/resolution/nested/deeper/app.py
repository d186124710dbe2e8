"""Lives in directories without __init__.py (namespace packages)."""


def lambda_handler(event, context):
    return "nested"
