"""The benchmark's handler: it does nothing, so an invoke measures lambdasim alone."""


def handler(event, context):
    return None
