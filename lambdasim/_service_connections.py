"""How tests reach a LambdaSim besides calling it: a boto3 client, a patch of boto3,
an HTTP server; and the AWS endpoint its handlers and event sources use."""

from __future__ import annotations

from typing import Any, Optional

from ._errors import InvalidParameterValueException
from ._sandbox._spec import FAKE_CREDENTIALS


class ConnectionOperations:
    """boto3, HTTP and AWS-endpoint connections of ``LambdaSim``."""

    # --- boto3 --------------------------------------------------------------

    def client(self, region_name: Optional[str] = None, **kwargs: Any) -> Any:
        """A real boto3 Lambda client answered by this simulator, in-process (needs boto3).

        ``kwargs`` go to ``boto3.session.Session.client``; retries are off unless
        ``config`` sets ``retries`` (see ``docs/boto3.md``).
        """
        from ._boto import make_client

        return make_client(self, region_name, **kwargs)

    def patch_boto3(self) -> Any:
        """A context manager that routes every Lambda client created inside it to this simulator."""
        from ._boto import patch_boto3

        return patch_boto3(self)

    # --- HTTP ---------------------------------------------------------------

    def serve(self, host: str = "127.0.0.1", port: int = 0, *, chain: bool = False, **options: Any) -> Any:
        """Serve this simulator's Lambda REST API over HTTP; returns a running ``LambdaServer``.

        ``port=0`` picks a free port (``server.url`` tells which). With ``chain``
        environments get ``AWS_ENDPOINT_URL_LAMBDA`` pointing at the server while
        it runs, so handlers that call Lambda with boto3 reach this simulator.
        ``options`` go to ``LambdaServer`` (``log=``, ``shutdown_timeout=``); see ``docs/server.md``.
        """
        from ._server import LambdaServer

        self._check_open()
        return LambdaServer(self, host, port, chain=chain, **options)

    def _set_lambda_endpoint(self, url: Optional[str]) -> None:
        """Give environments started from now on ``AWS_ENDPOINT_URL_LAMBDA=url`` (None: stop).

        Idle environments started before the change are retired, so that no
        environment keeps an endpoint that no longer answers.
        """
        with self._lock:
            current = self._factory.lambda_endpoint
            if url is not None and current is not None and current != url:
                raise InvalidParameterValueException(
                    f"environments already chain to {current}: close that server before "
                    f"serving with chain=True on {url}"
                )
            self._factory.lambda_endpoint = url
            functions = list(self._functions.values())
        self._retire(*functions)

    def _aws_client(self, service: str) -> Any:
        """A boto3 client of ``aws_endpoint_url`` with the fake credentials handlers get.

        One per service, made once (a client costs tens of milliseconds; they are thread-safe).
        """
        with self._lock:
            client = self._aws_clients.get(service)
            if client is None:
                import boto3

                client = boto3.session.Session().client(
                    service, endpoint_url=self.aws_endpoint_url, region_name=self.region,
                    aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                    aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                    aws_session_token=FAKE_CREDENTIALS.get("AWS_SESSION_TOKEN"),
                )
                self._aws_clients[service] = client
            return client

    def _forward_delivery(self, delivery: Any) -> None:
        """Send an asynchronous delivery on to the SQS queue or SNS topic of that ARN at the endpoint.

        As on AWS, a delivery that fails (the queue or topic does not exist) is
        dropped; ``sim.sink(arn)`` still shows it.
        """
        service = delivery.service
        parts = delivery.arn.split(":")
        try:
            if service == "sqs":
                sqs = self._aws_client("sqs")
                url = sqs.get_queue_url(QueueName=parts[5], QueueOwnerAWSAccountId=parts[4])["QueueUrl"]
                sqs.send_message(QueueUrl=url, MessageBody=delivery.body, MessageAttributes={
                    name: {"DataType": value["DataType"], "StringValue": value["StringValue"]}
                    for name, value in delivery.attributes.items()
                })
            elif service == "sns":
                self._aws_client("sns").publish(TopicArn=delivery.arn, Message=delivery.body, MessageAttributes={
                    name: {"DataType": value["Type"], "StringValue": value["Value"]}
                    for name, value in delivery.attributes.items()
                })
        except Exception:  # noqa: BLE001 - botocore's errors: dropped, as AWS drops them (DeadLetterErrors)
            pass
