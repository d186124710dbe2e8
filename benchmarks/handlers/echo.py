"""The benchmark's echo handler: returns its event, so an invoke carries the event both ways."""


def handler(event, context):
    return event
