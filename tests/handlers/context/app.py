"""Handlers that report what the context object holds."""

import time

CLIENT_SLOTS = ("installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name")
STRING_MEMBERS = (
    "aws_request_id",
    "function_name",
    "function_version",
    "invoked_function_arn",
    "memory_limit_in_mb",
    "log_group_name",
    "log_stream_name",
)


def describe(event, context):
    client_context = context.client_context
    if client_context is None:
        described_client_context = None
    else:
        client = client_context.client
        described_client_context = {
            "custom": client_context.custom,
            "env": client_context.env,
            "client": None if client is None else {slot: getattr(client, slot) for slot in CLIENT_SLOTS},
        }
    return {
        "types": {name: type(getattr(context, name)).__name__ for name in STRING_MEMBERS},
        **{name: getattr(context, name) for name in STRING_MEMBERS},
        "identity": {
            "type": type(context.identity).__name__,
            "cognito_identity_id": context.identity.cognito_identity_id,
            "cognito_identity_pool_id": context.identity.cognito_identity_pool_id,
        },
        "client_context": described_client_context,
        "tenant_id": context.tenant_id,
        "remaining_type": type(context.get_remaining_time_in_millis()).__name__,
    }


def countdown(event, context):
    first = context.get_remaining_time_in_millis()
    time.sleep(event["sleep"])
    return [first, context.get_remaining_time_in_millis()]


def log_and_annotate(event, context):
    context.log("no newline added; ")
    context.log("this ends the line\n")
    context.note = "contexts take new attributes"
    return context.note
