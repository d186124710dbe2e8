"""Handlers run by awslambdaric inside a custom runtime."""


def handler(event, context):
    print("handling", context.aws_request_id)
    return {"event": event, "function_name": context.function_name, "memory": context.memory_limit_in_mb}


def fails(event, context):
    raise ValueError("bad input")
