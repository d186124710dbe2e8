"""A module whose handler resolves."""

not_callable = 42


def handler(event, context):
    return {"resolved": True}
