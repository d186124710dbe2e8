"""Handlers for the asynchronous-invocation tests."""

ATTEMPTS = 0


def request_id(event, context):
    """Return the request id the handler saw."""
    return {"request_id": context.aws_request_id}


def fail(event, context):
    raise ValueError(event.get("message", "async failure"))


def flaky(event, context):
    """Fail the first ``failures`` attempts made in this environment, then succeed."""
    global ATTEMPTS
    ATTEMPTS += 1
    if ATTEMPTS <= event["failures"]:
        raise RuntimeError(f"attempt {ATTEMPTS} fails")
    return {"attempts": ATTEMPTS}
