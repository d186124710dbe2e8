"""A module that writes during init, and handlers that write during the invoke."""

import logging

print("init output")
logging.warning("init warning")


def handler(event, context):
    print("handler output")
    return "ok"


def shout(event, context):
    for number in range(event["lines"]):
        print("line %05d %s" % (number, "x" * 60))
    return "shouted"
