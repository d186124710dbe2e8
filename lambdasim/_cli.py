"""The ``lambdasim`` command line (also ``python -m lambdasim``).

One entry point, one sub-command per capability. Each sub-command has a
``_<name>_parser(subparsers)`` that declares its arguments and a
``_<name>(args)`` that runs it and returns the exit status. User mistakes end
as one clear line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
from typing import Any, List, Optional

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
    for add in (_serve_parser, _invoke_parser, _validate_parser, _generate_event_parser):
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
    _template_arguments(command, region=False, default_template=False)
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

    ``--template T`` loads a CloudFormation/SAM template (as ``sam local start-lambda``
    does); without it, functions are created through the API (``CreateFunction``).
    """
    if args.template is None:
        return
    stack = _load(sim, args)
    for note in stack.notes:
        print(f"lambdasim serve: note: {note}", file=sys.stderr)
    names = ", ".join(f"{logical} ({name})" for logical, name in stack.functions.items()) or "none"
    print(f"lambdasim serve: functions from {args.template}: {names}", file=sys.stderr, flush=True)


# --- templates: shared by invoke and validate ------------------------------

#: Looked for in the current directory when --template is not given (as ``sam`` does).
DEFAULT_TEMPLATES = ("template.yaml", "template.yml", "template.json")


def _template_arguments(command: argparse.ArgumentParser, *, region: bool = True, default_template: bool = True) -> None:
    where = f"default: the first of {', '.join(DEFAULT_TEMPLATES)} here" if default_template else "default: none"
    command.add_argument("--template", "-t", metavar="T", help=f"CloudFormation/SAM template ({where})")
    command.add_argument(
        "--parameter-overrides", metavar="KEY=VALUE", nargs="+", default=[],
        help="template parameter values, e.g. Stage=prod",
    )
    command.add_argument(
        "--code-location", metavar="S3URI=PATH", action="append", default=[],
        help="local path for code the template keeps in S3, e.g. s3://bucket/orders.zip=build/orders.zip "
        "(a URI ending in / maps a prefix to a directory); repeatable",
    )
    command.add_argument("--stack-name", default="lambdasim", help="stack name, used in generated names (default: lambdasim)")
    if region:
        command.add_argument("--region", default=None, help="AWS region of the simulated account (default: us-east-1)")


def _pairs(items: List[str], option: str, separator: str = "=") -> dict:
    pairs = {}
    for item in items:
        key, found, value = item.partition(separator)
        if not found or not key:
            raise UsageError(f"{option} takes KEY{separator}VALUE (got {item!r})")
        pairs[key] = value
    return pairs


def _code_locations(items: List[str]) -> dict:
    locations = {}
    for item in items:
        # The URI itself has no '=' but the path may: split at the first '=' after "s3://".
        uri, found, path = item.partition("=")
        if not found or not uri.startswith("s3://") or not path:
            raise UsageError(f"--code-location takes s3://bucket/key=PATH (got {item!r})")
        locations[uri] = path
    return locations


def _template_path(args: argparse.Namespace) -> str:
    if args.template:
        return args.template
    for name in DEFAULT_TEMPLATES:
        if os.path.isfile(name):
            return name
    raise UsageError(f"no template given and none of {', '.join(DEFAULT_TEMPLATES)} in {os.getcwd()}; use --template T")


def _simulator(args: argparse.Namespace) -> Any:
    from ._service import LambdaSim

    return LambdaSim(**({"region": args.region} if args.region else {}))


def _load(sim: Any, args: argparse.Namespace, **extra: Any) -> Any:
    return sim.load_template(
        _template_path(args), parameters=_pairs(args.parameter_overrides, "--parameter-overrides"),
        code_locations=_code_locations(args.code_location), stack_name=args.stack_name, **extra,
    )


# --- invoke -------------------------------------------------------------------


def _invoke_parser(subparsers: "argparse._SubParsersAction") -> None:
    command = subparsers.add_parser(
        "invoke", help="invoke a function of a template once",
        description="Invoke a function declared in a CloudFormation/SAM template, in a real execution "
        "environment. The response payload goes to stdout, the function's logs to stderr; the exit status "
        "is 1 when the function fails (a handler error, timeout, crash).",
    )
    command.add_argument("function", nargs="?", metavar="FUNCTION",
                         help="logical id or FunctionName (optional when the template has one function)")
    _template_arguments(command)
    command.add_argument("--event", "-e", metavar="FILE|-", help="JSON event file, or - for stdin (default: {})")
    command.add_argument("--qualifier", metavar="Q", help="version or alias to invoke")
    command.add_argument(
        "--log-type", choices=("None", "Tail"), default=None,
        help="Tail: show only the last 4 KB of log that Lambda returns; None: no logs (default: the whole log)",
    )
    command.add_argument(
        "--env-vars", metavar="FILE",
        help='JSON overriding environment variables the template declares, in SAM\'s format: '
        '{"LogicalId": {"VAR": "value"}, "Parameters": {"VAR": "value for every function"}}',
    )
    command.set_defaults(run=_invoke)


def _read_event(source: Optional[str]) -> bytes:
    if source is None:
        return b"{}"
    if source == "-":
        return sys.stdin.buffer.read()
    try:
        with open(source, "rb") as file:
            return file.read()
    except OSError as error:
        raise UsageError(f"--event {source}: {error.strerror}") from None


def _env_vars(path: Optional[str]) -> dict:
    if path is None:
        return {}
    try:
        with open(path, "rb") as file:
            text = file.read()
    except OSError as error:
        raise UsageError(f"--env-vars {path}: {error.strerror}") from None
    try:
        data = json.loads(text)
    except ValueError as error:
        raise UsageError(f"--env-vars {path}: not valid JSON ({error})") from None
    if not isinstance(data, dict) or not all(isinstance(value, dict) for value in data.values()):
        raise UsageError(f'--env-vars {path}: must be {{"LogicalId": {{"VAR": "value"}}, "Parameters": {{...}}}}')
    return data


def _invoke(args: argparse.Namespace) -> int:
    event = _read_event(args.event)
    overrides = _env_vars(args.env_vars)
    with _simulator(args) as sim:
        stack = _load(sim, args, environment_overrides=overrides)
        function = args.function
        if function is None:
            if len(stack.functions) != 1:
                names = ", ".join(stack.functions) or "none"
                raise UsageError(f"the template declares {len(stack.functions)} functions ({names}): name one")
            (function,) = stack.functions
        name = stack.function_name(function)
        log_type = "Tail" if args.log_type == "Tail" else None
        result = sim.invoke(name, event, qualifier=args.qualifier, log_type=log_type)
    if args.log_type is None:
        sys.stderr.write(result.logs)
    elif args.log_type == "Tail":
        sys.stderr.write(base64.b64decode(result.log_result or "").decode("utf-8", "replace"))
    sys.stderr.flush()
    sys.stdout.buffer.write(result.raw_payload + b"\n")
    sys.stdout.flush()
    return 1 if result.function_error else 0


# --- validate -----------------------------------------------------------------


def _validate_parser(subparsers: "argparse._SubParsersAction") -> None:
    command = subparsers.add_parser(
        "validate", help="check a template the way the simulator (and Lambda) would",
        description="Load a CloudFormation/SAM template into a fresh simulator, without running any code, "
        "and report what it (or Lambda) would reject. Exit status 0 when valid, 1 when not; notes about "
        "what is accepted without effect go to stderr.",
    )
    _template_arguments(command)
    command.set_defaults(run=_validate)


def _validate(args: argparse.Namespace) -> int:
    from ._template import TemplateError

    path = _template_path(args)
    with _simulator(args) as sim:
        try:
            stack = _load(sim, args)
        except TemplateError as error:
            print(f"{path}: invalid: {_one_line(error)}", file=sys.stderr)
            return 1
    for note in stack.notes:
        print(f"{path}: note: {note}", file=sys.stderr)
    functions = ", ".join(f"{logical} ({name})" for logical, name in stack.functions.items())
    count = len(stack.functions)
    print(f"{path}: valid: {count} function{'s' if count != 1 else ''}{': ' if count else ''}{functions}")
    return 0


# --- generate-event -----------------------------------------------------------


def _generate_event_parser(subparsers: "argparse._SubParsersAction") -> None:
    from ._sample_events import SOURCES

    command = subparsers.add_parser(
        "generate-event", help="print a sample event in the shape an AWS service sends",
        description="Print a sample event (JSON) in the shape the AWS service sends to Lambda; "
        "pipe it to 'lambdasim invoke --event -'.",
    )
    sources = command.add_subparsers(dest="event_source", metavar="SOURCE", required=True)
    for source in SOURCES.values():
        parser = sources.add_parser(source.name, help=source.description, description=source.description)
        for option in source.options:
            flag = "--" + option.name.replace("_", "-")
            kind = int if isinstance(option.default, int) else str
            parser.add_argument(flag, dest=option.name, type=kind, default=option.default,
                                help=f"{option.help} (default: {option.default!r})")
    command.set_defaults(run=_generate_event)


def _generate_event(args: argparse.Namespace) -> int:
    from ._sample_events import SOURCES, sample_event

    options = {option.name: getattr(args, option.name) for option in SOURCES[args.event_source].options}
    try:
        event = sample_event(args.event_source, **options)
    except ValueError as error:  # e.g. --detail that is not JSON
        raise UsageError(f"{args.event_source}: {error}") from None
    sys.stdout.write(json.dumps(event, indent=2) + "\n")
    return 0

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
