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

#: ``sam local start-lambda`` listens on this port too, so scripts written for it keep working.
SERVE_DEFAULT_PORT = 3001


def _serve_parser(subparsers: "argparse._SubParsersAction") -> None:
    command = subparsers.add_parser(
        "serve", help="serve Lambda's REST API over HTTP (for the AWS CLI and other SDKs)",
        description=(
            "Serve Lambda's REST API over HTTP (for the AWS CLI and other SDKs). Prints the URL "
            "it listens on as the first line of stdout; Ctrl-C or SIGTERM stops it. Create "
            "functions through the API (aws lambda create-function --zip-file fileb://...)."
        ),
    )
    command.add_argument("--host", default="127.0.0.1",
                         help="address to listen on (default 127.0.0.1: this machine only)")
    command.add_argument("--port", type=_port, default=SERVE_DEFAULT_PORT,
                         help=f"port to listen on; 0 picks a free one (default {SERVE_DEFAULT_PORT})")
    command.add_argument("--region", default=None,
                         help="the simulated region, in ARNs and AWS_REGION (default us-east-1)")
    command.add_argument("--account-id", default=None, help="the simulated account id, 12 digits")
    command.add_argument("--chain", action="store_true",
                         help="give environments AWS_ENDPOINT_URL_LAMBDA=<this server>, so handlers that "
                              "call Lambda through boto3 reach this simulator")
    command.add_argument("--quiet", action="store_true", help="do not log requests on stderr")
    command.set_defaults(run=_serve)


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"must be a port number from 0 to 65535 (got {text!r})")
    return int(text)


def _serve(args: argparse.Namespace) -> int:
    import re
    import signal
    import time

    from ._service import LambdaSim

    options = {}
    if args.region is not None:
        if not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d+", args.region):
            raise UsageError(f"--region must be a region name such as 'eu-west-1' (got {args.region!r})")
        options["region"] = args.region
    if args.account_id is not None:
        if not (len(args.account_id) == 12 and args.account_id.isdigit()):
            raise UsageError(f"--account-id must be 12 digits (got {args.account_id!r})")
        options["account_id"] = args.account_id

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # SIGINT too: a shell starts background jobs with SIGINT ignored, and a
    # script that sends it still means "stop".
    previous = {number: signal.signal(number, stop) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        with LambdaSim(**options) as sim:
            _load_functions(sim, args)
            with sim.serve(args.host, args.port, chain=args.chain, log=None if args.quiet else sys.stderr) as server:
                print(server.url, flush=True)
                print(f"lambdasim serve: Lambda's REST API on {server.url} (region {sim.region}, "
                      f"account {sim.account_id}); Ctrl-C stops it", file=sys.stderr, flush=True)
                try:
                    while True:
                        time.sleep(3600)
                except KeyboardInterrupt:
                    # A second signal while environments end must not cut the shutdown short.
                    signal.signal(signal.SIGTERM, signal.SIG_IGN)
                    signal.signal(signal.SIGINT, signal.SIG_IGN)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    return 0


def _load_functions(sim: object, args: argparse.Namespace) -> None:
    """Create the functions the command line names, before the server answers its first request.

    The hook for options that load functions (a ``--template``, say): such an
    option is declared in ``_serve_parser`` and read here. Until one exists,
    functions are created through the API (``CreateFunction``).
    """


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
