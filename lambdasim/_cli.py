"""The ``lambdasim`` command line (also ``python -m lambdasim``).

One entry point, one sub-command per capability. Each sub-command has a
``_<name>_parser(subparsers)`` that declares its arguments and a
``_<name>(args)`` that runs it and returns the exit status. User mistakes end
as one clear line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from ._errors import LambdaSimError

__all__ = ["main"]


class UsageError(Exception):
    """A mistake in what the user asked for: reported as one line, exit status 2."""


def main(argv: Optional[List[str]] = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if getattr(args, "run", None) is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return args.run(args)
    except (UsageError, LambdaSimError, OSError) as error:
        print(f"lambdasim {args.command}: error: {_one_line(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _one_line(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return " ".join(text.split())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lambdasim",
        description="AWS Lambda's execution semantics on this machine: no Docker, no network, no account.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in (_serve_parser,):
        add(subparsers)
    return parser


# --- serve ------------------------------------------------------------------


def _serve_parser(subparsers: "argparse._SubParsersAction") -> None:
    command = subparsers.add_parser(
        "serve", help="serve Lambda's REST API over HTTP (for the AWS CLI and other SDKs)",
        description="Serve Lambda's REST API over HTTP (for the AWS CLI and other SDKs).",
    )
    command.set_defaults(run=_serve)


def _serve(args: argparse.Namespace) -> int:
    raise UsageError("'serve' is not implemented yet")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
