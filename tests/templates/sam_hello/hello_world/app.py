"""A hello-world API handler: returns the API Gateway proxy response with its configuration."""

import json
import os


def lambda_handler(event, context):
    keys = ("STAGE", "TABLE", "LOG_LEVEL", "GREETING", "QUEUE_URL", "QUEUE_ARN", "RETENTION")
    return {
        "statusCode": 200,
        "body": json.dumps({
            "message": "hello world",
            "path": event.get("path"),
            "function": context.function_name,
            "memory": context.memory_limit_in_mb,
            "env": {key: os.environ.get(key) for key in keys},
        }),
    }
