"""Handlers that log at every level, print, and report the trace header they see."""

import json
import logging
import os
import threading

LOGGER = logging.getLogger("orders")


def levels(event, context):
    LOGGER.debug("a debug record")
    LOGGER.info("an info record")
    LOGGER.warning("a warning record")
    LOGGER.error("an error record")
    LOGGER.critical("a critical record")
    return "logged"


def prints(event, context):
    print("plain text")
    print(json.dumps({"level": "DEBUG", "message": "structured debug"}))
    print(json.dumps({"level": "ERROR", "message": "structured error"}))
    print(json.dumps({"level": "shouting", "message": "unknown level"}))
    return "printed"


def trace(event, context):
    return os.environ.get("_X_AMZN_TRACE_ID")


def trace_in_thread(event, context):
    seen = []
    worker = threading.Thread(target=lambda: seen.append(os.environ.get("_X_AMZN_TRACE_ID")))
    worker.start()
    worker.join(5)
    return seen[0]


def fail(event, context):
    raise ValueError("handler fails")


def env(event, context):
    return {key: os.environ.get(key) for key in ("AWS_LAMBDA_LOG_FORMAT", "AWS_LAMBDA_LOG_LEVEL")}
