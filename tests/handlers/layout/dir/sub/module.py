"""The handler of ``dir/sub.module.func``: ``dir`` and ``dir/sub`` have no ``__init__.py``."""

import sys


def func(event, context):
    return {"module": __name__, "dir_is_namespace": getattr(sys.modules["dir"], "__file__", None) is None}
