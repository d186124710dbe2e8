"""Handlers that talk to AWS through boto3: under LambdaSim(moto=True) they reach the test's moto state."""

import base64
import json

import boto3


def copy_object_to_table(event, context):
    """S3-upload-style event → read the object → write an item to DynamoDB."""
    s3 = boto3.client("s3")
    table = boto3.resource("dynamodb").Table("uploads")
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = record["s3"]["object"]["key"]
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
        table.put_item(Item={"key": key, "body": body, "request": context.aws_request_id})
    return {"copied": len(event["Records"])}


def fail_bad_records(event, context):
    """SQS batch: report the records whose body is "bad" as failed (ReportBatchItemFailures)."""
    failures = [{"itemIdentifier": r["messageId"]} for r in event["Records"] if r["body"] == "bad"]
    return {"batchItemFailures": failures}


def record_batch(event, context):
    """Store the batch it was given in DynamoDB's "batches" table, so the test can look at it."""
    boto3.resource("dynamodb").Table("batches").put_item(
        Item={"request": context.aws_request_id, "event": json.dumps(event)}
    )
    return {"records": len(event["Records"])}


def decode_kinesis(event, context):
    return [base64.b64decode(r["kinesis"]["data"]).decode() for r in event["Records"]]


def raise_error(event, context):
    raise RuntimeError("always fails")
