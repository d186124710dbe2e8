"""A module-level handler that tests pass to ``create_function`` as ``code=``."""

import os


def greet(event, context):
    return {"hello": event.get("name"), "module": __name__, "task_root": os.environ["LAMBDA_TASK_ROOT"]}
