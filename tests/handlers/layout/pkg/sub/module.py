"""The handler of ``pkg.sub.module.func``."""

import pkg


def func(event, context):
    return {"module": __name__, "package_initialized": pkg.INITIALIZED}
