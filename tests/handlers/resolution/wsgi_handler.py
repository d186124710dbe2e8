"""Has no attribute named "handler": Runtime.HandlerNotFound."""


def other(event, context):
    return None
