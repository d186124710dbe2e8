"""Handlers that call Lambda back with boto3, for chaining through a served simulator."""

import json
import os

import boto3


def caller(event, context):
    """Invoke ``event["target"]`` with ``event["payload"]`` through boto3's default client."""
    client = boto3.client("lambda")
    response = client.invoke(FunctionName=event["target"], Payload=json.dumps(event["payload"]), LogType="Tail")
    return {
        "endpoint": os.environ.get("AWS_ENDPOINT_URL_LAMBDA"),
        "status": response["StatusCode"],
        "result": json.loads(response["Payload"].read()),
        "request_id": response["ResponseMetadata"]["RequestId"],
        "has_log": "LogResult" in response,
    }


def callee(event, context):
    return {"callee_saw": event, "request_id": context.aws_request_id}


def missing(event, context):
    """Invoke a function that does not exist: the error comes back as boto3's ClientError."""
    client = boto3.client("lambda")
    try:
        client.invoke(FunctionName="does-not-exist")
    except client.exceptions.ResourceNotFoundException as error:
        return {"code": error.response["Error"]["Code"], "message": error.response["Error"]["Message"]}
    return "no error"
