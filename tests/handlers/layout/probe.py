"""Handlers that report how the runtime set up imports."""

import os
import sys


def paths(event, context):
    return {"sys_path": sys.path, "cwd": os.getcwd(), "task_root": os.environ["LAMBDA_TASK_ROOT"]}


def import_attrs(event, context):
    import attrs

    return attrs.__file__
