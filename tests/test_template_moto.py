"""A template's event source mapping polls the test's moto state (LambdaSim(moto=True))."""

import pytest

boto3 = pytest.importorskip("boto3")
pytest.importorskip("moto.server")
pytest.importorskip("flask")
from moto import mock_aws  # noqa: E402

from lambdasim import LambdaSim  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::boto3.exceptions.PythonDeprecationWarning")

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: jobs
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: |
        def handler(event, context):
            print("bodies:", [record["body"] for record in event["Records"]])
            return len(event["Records"])
  Feed:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Jobs.Arn
      FunctionName: !Ref Worker
      BatchSize: 10
      Enabled: true
"""


def test_template_event_source_mapping_feeds_the_function_from_moto(zygote, tmp_path):
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="jobs")["QueueUrl"]  # the queue the template names
        with LambdaSim(zygote=zygote, moto=True, event_source_polling="manual") as sim:
            stack = sim.load_template(path)
            name = stack.function_name("Worker")
            (mapping,) = sim.list_event_source_mappings(function_name=name)["EventSourceMappings"]
            assert mapping["EventSourceArn"] == "arn:aws:sqs:us-east-1:123456789012:jobs"
            assert mapping["BatchSize"] == 10
            sqs.send_message(QueueUrl=url, MessageBody="job-1")
            assert sim.drain() == 1
            (call,) = sim.invocations(name)
            assert "bodies: ['job-1']" in call.result.logs
