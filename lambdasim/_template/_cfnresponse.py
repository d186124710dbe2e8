"""``cfnresponse``: the helper CloudFormation puts next to inline (``ZipFile``) Python code.

The template loader writes this file into an inline function's package as
``cfnresponse.py``, as CloudFormation does, so a custom resource handler's
``import cfnresponse`` works. It runs inside the execution environment: standard
library only. ``send`` PUTs the custom resource response to the event's
``ResponseURL`` with the fields CloudFormation documents; a failure to send is
printed, not raised, as the documented module does.
"""

import json
import urllib.request

SUCCESS = "SUCCESS"
FAILED = "FAILED"


def send(event, context, responseStatus, responseData, physicalResourceId=None, noEcho=False, reason=None):
    """Report a custom resource's outcome to CloudFormation (to ``event["ResponseURL"]``)."""
    response_url = event["ResponseURL"]
    print(response_url)
    body = {
        "Status": responseStatus,
        "Reason": reason or "See the details in CloudWatch Log Stream: " + context.log_stream_name,
        "PhysicalResourceId": physicalResourceId or context.log_stream_name,
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "NoEcho": noEcho,
        "Data": responseData,
    }
    data = json.dumps(body).encode("utf-8")
    print("Response body:")
    print(data.decode("utf-8"))
    request = urllib.request.Request(
        response_url, data=data, method="PUT", headers={"content-type": "", "content-length": str(len(data))}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            print("Status code: " + str(response.status))
    except Exception as error:  # the documented module prints and carries on
        print("send(..) failed executing http.request(..): " + str(error))
