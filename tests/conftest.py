"""Shared fixtures: one zygote for the session, a fresh simulator per test."""

import io
import zipfile
from pathlib import Path

import pytest

from lambdasim import LambdaSim, Zygote

HANDLERS = Path(__file__).parent / "handlers"
BASIC = HANDLERS / "basic"
BROKEN = HANDLERS / "broken"

#: Spec §1.5, item 1, verbatim (the trailing carriage return is part of the message).
LAMBDA_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function change, "
    "or can be applied automatically. To determine if the runtime has been updated, check the "
    "runtime version in the INIT_START log entry. If this error correlates with a change in the "
    "runtime version, you may be able to mitigate this error by temporarily rolling back to the "
    "previous runtime version. For more information, see "
    "https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html\r"
)


def zip_of(app_source):
    """A deployment package holding one module, ``app.py``, with ``app_source`` in it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", app_source)
    return buffer.getvalue()


def task_root(sim, function_name):
    """Where the function's code runs: ``LAMBDA_TASK_ROOT`` of its most recently used environment.

    Code under the host's /tmp runs from a staging directory outside /tmp (the
    private /tmp would hide it), so sys.path[0], the working directory and
    traceback file names show this path, not the host path of the code. Call it
    after an invoke, while the environment is alive.
    """
    return sim.environments(function_name)[0].task_root


@pytest.fixture(scope="session")
def zygote():
    zygote = Zygote()
    yield zygote
    zygote.close()


@pytest.fixture
def sim(zygote):
    with LambdaSim(zygote=zygote) as sim:
        yield sim


@pytest.fixture
def basic(sim):
    """A simulator with a function per handler of tests/handlers/basic/app.py, by handler name."""

    def create(handler, name=None, **settings):
        name = name or handler.replace("_", "-")
        sim.create_function(name, handler=f"app.{handler}", code=str(BASIC), **settings)
        return name

    return create
