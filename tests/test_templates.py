"""Templates: realistic CloudFormation and SAM stacks load, resolve and run as they would deploy."""

import base64
import json
import re
import shutil
from pathlib import Path

import pytest

from lambdasim import LambdaSim, TemplateError
from lambdasim._sample_events import sample_event

TEMPLATES = Path(__file__).parent / "templates"
SAM_HELLO = TEMPLATES / "sam_hello" / "template.yaml"
CFN_VPC = TEMPLATES / "cfn_vpc" / "template.yaml"
LAYERS_ALIAS = TEMPLATES / "layers_alias" / "template.yaml"
GENERATED = re.compile(r"[A-Z0-9]{13}")

needs_versions = pytest.mark.skipif(
    not all(hasattr(LambdaSim, name) for name in ("publish_version", "create_alias")),
    reason="versions and aliases are not in this build of LambdaSim yet",
)
needs_layers = pytest.mark.skipif(
    not hasattr(LambdaSim, "publish_layer_version"), reason="layers are not in this build of LambdaSim yet"
)


def function_config(sim, name):
    """The ``FunctionConfig`` the simulator stored for ``name`` (for settings describe() does not show)."""
    return sim._functions[name].config


def write(directory, text, name="template.yaml"):
    path = Path(directory) / name
    path.write_text(text)
    return path


INLINE_FUNCTION = """
  {logical}:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: arn:aws:iam::123456789012:role/lambda-role
      Code:
        ZipFile: "def handler(event, context):\\n    return event\\n"
{extra}"""


def inline_template(directory, logical="Echo", extra="", head=""):
    return write(directory, f"{head}Resources:{INLINE_FUNCTION.format(logical=logical, extra=extra)}")


# --- a SAM hello-world application ------------------------------------------------


def test_sam_hello_world_app_gets_globals_parameters_and_intrinsics(sim):
    stack = sim.load_template(SAM_HELLO)
    name = stack.function_name("HelloWorldFunction")
    prefix, suffix = name.rsplit("-", 1)
    assert prefix == "lambdasim-HelloWorldFunction" and GENERATED.fullmatch(suffix)
    result = stack.invoke("HelloWorldFunction", sample_event("apigateway", path="/hello"))
    assert result.function_error is None
    assert result.payload["statusCode"] == 200
    body = json.loads(result.payload["body"])
    assert body["path"] == "/hello" and body["function"] == name and body["memory"] == "256"
    assert body["env"] == {
        "STAGE": "dev",
        "TABLE": "orders",
        "LOG_LEVEL": "DEBUG",
        "GREETING": "hello from lambdasim in us-east-1 (aws)",
        "QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/lambdasim-jobs",
        "QUEUE_ARN": "arn:aws:sqs:us-east-1:123456789012:lambdasim-jobs",
        "RETENTION": "7",
    }
    config = sim.get_function_configuration(name)
    assert (config["Timeout"], config["MemorySize"], config["Runtime"]) == (3, 256, "python3.12")
    assert config["TracingConfig"] == {"Mode": "Active"}
    assert re.fullmatch(r"arn:aws:iam::123456789012:role/lambdasim-HelloWorldFunctionRole-[A-Z0-9]{13}", config["Role"])
    assert stack.resources == {
        "HelloWorldFunction": "AWS::Serverless::Function",
        "HelloWorldFunctionRole": "AWS::IAM::Role",
        "Jobs": "AWS::SQS::Queue",
    }
    assert stack.notes == [
        "Resources.Jobs (AWS::SQS::Queue) is not simulated; Ref and Fn::GetAtt give generated names",
        "Resources.HelloWorldFunction.Properties.Events is accepted but has no effect in lambdasim",
    ]
    assert sim.stacks == [stack]


def test_parameter_overrides_choose_conditions_and_mappings(sim):
    stack = sim.load_template(SAM_HELLO, parameters={"Stage": "prod", "Retention": 30}, stack_name="shop")
    body = json.loads(stack.invoke("HelloWorldFunction", {}).payload["body"])
    assert body["memory"] == "1024"
    assert body["env"]["LOG_LEVEL"] == "WARN" and body["env"]["RETENTION"] == "30"
    assert body["env"]["GREETING"] == "hello from shop in us-east-1 (aws)"
    assert stack.function_name("HelloWorldFunction").startswith("shop-HelloWorldFunction-")


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        (
            {"Stage": "test"},
            "Parameters.Stage: Parameter 'Stage' must be one of AllowedValues (got 'test'; allowed: dev, prod)",
        ),
        ({"Retention": "0"}, "Parameters.Retention: Parameter 'Retention' must be a number not less than 1 (got 0)"),
        ({"Retention": "soon"}, "Parameters.Retention: Parameter 'Retention' must be a number (got 'soon')"),
        ({"Colour": "red"}, "Parameters: Parameters: [Colour] do not exist in the template"),
    ],
)
def test_bad_parameters_are_refused_with_cloudformations_wording(sim, parameters, message):
    with pytest.raises(TemplateError) as caught:
        sim.load_template(SAM_HELLO, parameters=parameters)
    assert str(caught.value) == message
    assert sim.list_functions()["Functions"] == []


def test_a_parameter_without_default_or_value_is_refused(sim, tmp_path):
    path = inline_template(tmp_path, head="Parameters:\n  Env:\n    Type: String\n")
    with pytest.raises(TemplateError, match=re.escape("Parameters: Parameters: [Env] must have values")):
        sim.load_template(path)


def test_env_vars_overrides_replace_only_declared_variables(sim):
    overrides = {"Parameters": {"TABLE": "test-orders", "UNDECLARED": "x"}, "HelloWorldFunction": {"STAGE": "local"}}
    stack = sim.load_template(SAM_HELLO, environment_overrides=overrides)
    config = sim.get_function_configuration(stack.function_name("HelloWorldFunction"))
    variables = config["Environment"]["Variables"]
    assert variables["TABLE"] == "test-orders" and variables["STAGE"] == "local"
    assert "UNDECLARED" not in variables


# --- a plain CloudFormation stack: role, VPC, inline code ----------------------------


def test_cloudformation_stack_with_role_vpc_and_inline_code(sim):
    stack = sim.load_template(CFN_VPC)
    assert stack.functions == {"Reports": "lambdasim-reports"}
    result = sim.invoke("lambdasim-reports", {"day": "2026-11-27"})
    assert result.payload == {
        "file": "index.py",
        "env": {
            "FIRST_SUBNET": "subnet-0a1b2c3d",
            "ENCODED": base64.b64encode(b"reports").decode(),
            "PARTS": "a,b,c",
            "QUIET": "yes",
        },
        "event": {"day": "2026-11-27"},
    }
    config = sim.get_function_configuration("lambdasim-reports")
    assert re.fullmatch(r"arn:aws:iam::123456789012:role/lambdasim-ExecutionRole-[A-Z0-9]{13}", config["Role"])
    # GetFunctionConfiguration does not show VpcConfig in this build: read the stored FunctionConfig.
    assert function_config(sim, "lambdasim-reports").vpc_config == {
        "SubnetIds": ("subnet-0a1b2c3d", "subnet-4e5f6a7b"),
        "SecurityGroupIds": ("sg-0123456789abcdef0",),
    }
    assert (config["Timeout"], config["MemorySize"], config["EphemeralStorage"]) == (10, 256, {"Size": 1024})
    assert config["TracingConfig"] == {"Mode": "PassThrough"}  # Ref AWS::NoValue removed the property
    assert sim.get_function_concurrency("lambdasim-reports") == {"ReservedConcurrentExecutions": 2}


def test_condition_switches_tracing_on(sim):
    sim.load_template(CFN_VPC, parameters={"EnableTracing": "true"})
    assert sim.get_function_configuration("lambdasim-reports")["TracingConfig"] == {"Mode": "Active"}


def test_role_that_does_not_trust_lambda_is_refused(sim, tmp_path):
    text = CFN_VPC.read_text().replace("Service: lambda.amazonaws.com", "Service: ec2.amazonaws.com")
    with pytest.raises(TemplateError) as caught:
        sim.load_template(write(tmp_path, text))
    assert str(caught.value) == (
        "Resources.Reports.Properties: InvalidParameterValueException: The role defined for the function "
        "cannot be assumed by Lambda."
    )


def test_vpc_function_whose_role_cannot_create_network_interfaces_is_refused(sim, tmp_path):
    text = CFN_VPC.read_text().replace("AWSLambdaVPCAccessExecutionRole", "AWSLambdaBasicExecutionRole")
    with pytest.raises(TemplateError) as caught:
        sim.load_template(write(tmp_path, text))
    assert str(caught.value) == (
        "Resources.Reports.Properties: InvalidParameterValueException: The provided execution role "
        "does not have permissions to call CreateNetworkInterface on EC2"
    )


def test_inline_policy_granting_network_interfaces_is_enough(sim, tmp_path):
    policy = (
        "      Policies:\n        - PolicyName: eni\n          PolicyDocument:\n            Statement:\n"
        "              - Effect: Allow\n                Action: ['ec2:*NetworkInterface*']\n                Resource: '*'\n"
    )
    text = CFN_VPC.read_text().replace("      ManagedPolicyArns:\n", policy + "      ManagedPolicyArns:\n")
    text = text.replace("AWSLambdaVPCAccessExecutionRole", "AWSLambdaBasicExecutionRole")
    sim.load_template(write(tmp_path, text))
    assert sim.invoke("lambdasim-reports", {}).function_error is None


# --- layers, versions and aliases ------------------------------------------------


@needs_versions
@needs_layers
def test_stack_with_layer_version_and_aliases(sim):
    stack = sim.load_template(LAYERS_ALIAS)
    assert stack.functions == {"Prices": "prices"}
    assert sim.invoke("prices", {"sku": "tea"}, qualifier="live").payload == {"price": 350, "version": "1"}
    assert sim.invoke("prices", {"sku": "cake"}, qualifier="stable").payload["price"] == 420
    generated = sorted(logical for logical in stack.resources if logical.startswith("Prices"))
    assert "PricesAliaslive" in generated
    assert any(re.fullmatch(r"PricesVersion[0-9a-f]{10}", logical) for logical in generated)


# --- code locations ----------------------------------------------------------------


S3_FUNCTION = """
Resources:
  Orders:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/lambda-role
      Code:
        S3Bucket: artifacts
        S3Key: releases/orders.zip
"""


def test_s3_code_is_read_from_the_mapped_local_path(sim, tmp_path):
    examples = Path(__file__).parent.parent / "examples" / "orders"
    archive = shutil.make_archive(str(tmp_path / "orders"), "zip", examples)
    sim.load_template(write(tmp_path, S3_FUNCTION), code_locations={"s3://artifacts/releases/orders.zip": archive})
    assert (
        sim.invoke(
            "lambdasim-Orders-" + sim.stacks[0].functions["Orders"].rsplit("-", 1)[1], {"order_id": "A", "items": []}
        ).payload["total"]
        == "0.00 EUR"
    )


def test_s3_prefix_maps_to_a_directory(sim, tmp_path):
    releases = tmp_path / "build"
    (releases / "orders.zip").mkdir(parents=True)
    (releases / "orders.zip" / "app.py").write_text("def handler(event, context):\n    return 'from the prefix'\n")
    stack = sim.load_template(write(tmp_path, S3_FUNCTION), code_locations={"s3://artifacts/releases/": releases})
    assert stack.invoke("Orders").payload == "from the prefix"


def test_unmapped_s3_code_names_the_resource_and_the_location(sim, tmp_path):
    with pytest.raises(TemplateError) as caught:
        sim.load_template(write(tmp_path, S3_FUNCTION))
    assert str(caught.value) == (
        "Resources.Orders.Properties.Code: code at s3://artifacts/releases/orders.zip is not mapped to a local path: "
        "pass code_locations={'s3://artifacts/releases/orders.zip': 'path/to/code'} "
        "(or --code-location s3://artifacts/releases/orders.zip=PATH on the command line); mapped: none"
    )


def test_sam_code_uri_in_s3_is_mapped_too(sim, tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return 'sam s3'\n")
    text = (
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      Runtime: python3.12\n      Handler: app.handler\n"
        "      CodeUri: {Bucket: deploy, Key: fn.zip}\n"
    )
    stack = sim.load_template(write(tmp_path, text), code_locations={"s3://deploy/fn.zip": tmp_path / "src"})
    assert stack.invoke("Fn").payload == "sam s3"


def test_missing_local_code_uri_is_refused(sim, tmp_path):
    text = (
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      Runtime: python3.12\n      Handler: app.handler\n      CodeUri: nowhere/\n"
    )
    with pytest.raises(
        TemplateError, match=r"^Resources\.Fn\.Properties\.CodeUri: code location 'nowhere/' does not exist"
    ):
        sim.load_template(write(tmp_path, text))


# --- what is refused ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            "      SnapStart: {ApplyOn: PublishedVersions}\n",
            "Resources.Echo.Properties.SnapStart: not supported: SnapStart snapshots are not simulated",
        ),
        (
            "      FileSystemConfigs: []\n",
            "Resources.Echo.Properties.FileSystemConfigs: not supported: EFS file systems are not simulated",
        ),
        ("      Colour: red\n", "Resources.Echo.Properties.Colour: AWS::Lambda::Function has no property 'Colour'"),
        ("      Timeout: soon\n", "Resources.Echo.Properties.Timeout: must be an integer (got 'soon')"),
        (
            "      PackageType: Image\n",
            "Resources.Echo.Properties.PackageType: only Zip packages are simulated (got 'Image')",
        ),
    ],
)
def test_unsupported_or_wrong_properties_name_their_path(sim, tmp_path, extra, message):
    with pytest.raises(TemplateError) as caught:
        sim.load_template(inline_template(tmp_path, extra=extra))
    assert str(caught.value) == message


def test_service_validation_errors_name_the_resource(sim, tmp_path):
    with pytest.raises(TemplateError) as caught:
        sim.load_template(inline_template(tmp_path, extra="      Timeout: 901\n"))
    assert str(caught.value).startswith("Resources.Echo.Properties: ValidationException: 1 validation error detected: ")
    assert type(caught.value.__cause__).__name__ == "ValidationException"


def test_a_failed_load_deletes_the_functions_it_created(sim, tmp_path):
    text = (
        "Resources:"
        + INLINE_FUNCTION.format(logical="First", extra="")
        + INLINE_FUNCTION.format(logical="Second", extra="      DependsOn: First\n      MemorySize: 64\n")
        .replace("      DependsOn: First\n", "")
        .replace(
            "  Second:\n    Type: AWS::Lambda::Function\n",
            "  Second:\n    Type: AWS::Lambda::Function\n    DependsOn: First\n",
        )
    )
    with pytest.raises(TemplateError, match=r"^Resources\.Second\.Properties: ValidationException"):
        sim.load_template(write(tmp_path, text))
    assert sim.list_functions()["Functions"] == []
    assert sim.stacks == []


def test_lambda_resources_lambdasim_does_not_simulate_are_refused(sim, tmp_path):
    extra = (
        "  Url:\n    Type: AWS::Lambda::Url\n    Properties: {TargetFunctionArn: !GetAtt Echo.Arn, AuthType: NONE}\n"
    )
    with pytest.raises(TemplateError) as caught:
        sim.load_template(inline_template(tmp_path, extra=extra))
    assert str(caught.value) == "Resources.Url.Type: AWS::Lambda::Url is not supported: function URLs are not simulated"


def test_other_services_resources_are_noted_and_named(sim, tmp_path):
    extra = (
        "  Table:\n    Type: AWS::DynamoDB::Table\n    Properties: {TableName: orders}\n"
        "  Topic:\n    Type: AWS::SNS::Topic\n"
        "  Permission:\n    Type: AWS::Lambda::Permission\n"
        "    Properties: {FunctionName: !GetAtt Echo.Arn, Action: lambda:InvokeFunction, Principal: sns.amazonaws.com}\n"
    )
    stack = sim.load_template(inline_template(tmp_path, extra=extra))
    assert stack.notes == [  # in creation order: the permission refers to the function
        "Resources.Table (AWS::DynamoDB::Table) is not simulated; Ref and Fn::GetAtt give generated names",
        "Resources.Topic (AWS::SNS::Topic) is not simulated; Ref and Fn::GetAtt give generated names",
        "Resources.Permission (AWS::Lambda::Permission) is accepted but has no effect in lambdasim",
    ]


def test_generated_names_keep_the_suffix_and_stay_within_64_characters(sim, tmp_path):
    logical = "AVeryLongLogicalIdForAFunctionThatKeepsGoing"
    stack = sim.load_template(inline_template(tmp_path, logical=logical), stack_name="a-rather-long-stack-name-too")
    name = stack.function_name(logical)
    assert len(name) == 64
    assert name.startswith("a-rather-long-stack-name-too-AVeryLongLogicalIdFor")
    assert GENERATED.fullmatch(name[-13:]) and name[-14] == "-"


def test_from_template_builds_a_simulator_and_closes_it_on_failure(tmp_path, zygote):
    with LambdaSim.from_template(inline_template(tmp_path), zygote=zygote) as sim:
        assert sim.stacks[0].invoke("Echo", {"a": 1}).payload == {"a": 1}
    with pytest.raises(TemplateError):
        LambdaSim.from_template(tmp_path / "missing.yaml", zygote=zygote)


def test_sam_without_the_transform_is_refused(sim, tmp_path):
    text = SAM_HELLO.read_text().replace("Transform: AWS::Serverless-2016-10-31\n", "")
    with pytest.raises(
        TemplateError, match=r"^Globals: the Globals section needs 'Transform: AWS::Serverless-2016-10-31'"
    ):
        sim.load_template(write(tmp_path, text))


def test_unknown_globals_property_is_refused(sim, tmp_path):
    text = SAM_HELLO.read_text().replace("    Timeout: 3\n", "    Timeout: 3\n    FunctionName: nope\n")
    with pytest.raises(TemplateError) as caught:
        sim.load_template(write(tmp_path, text))
    assert str(caught.value) == (
        "Globals.Function.FunctionName: 'Globals' section is invalid. 'FunctionName' is not a supported property "
        "of 'Function'"
    )


def test_missing_handler_and_role_are_refused(sim, tmp_path):
    with pytest.raises(TemplateError, match=r"^Resources\.Echo\.Properties\.Role: is required$"):
        sim.load_template(
            write(tmp_path, INLINE_FUNCTION_WITHOUT("      Role: arn:aws:iam::123456789012:role/lambda-role\n"))
        )
    with pytest.raises(TemplateError, match=r"^Resources\.Echo\.Properties\.Handler: is required for a Zip package$"):
        sim.load_template(write(tmp_path, INLINE_FUNCTION_WITHOUT("      Handler: index.handler\n")))


def INLINE_FUNCTION_WITHOUT(line):  # noqa: N802 - reads as the template it builds
    return "Resources:" + INLINE_FUNCTION.format(logical="Echo", extra="").replace(line, "")


def test_json_templates_need_no_yaml(sim, tmp_path):
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {"Suffix": {"Type": "String", "Default": "json"}},
        "Resources": {
            "Echo": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "FunctionName": {"Fn::Sub": "echo-${Suffix}"},
                    "Runtime": "python3.12",
                    "Handler": "index.handler",
                    "Role": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/echo"},
                    "Code": {"ZipFile": {"Fn::Join": ["\n", ["def handler(event, context):", "    return 'json'"]]}},
                },
            }
        },
    }
    stack = sim.load_template(write(tmp_path, json.dumps(template), "template.json"))
    assert stack.functions == {"Echo": "echo-json"}
    assert sim.invoke("echo-json").payload == "json"
    assert sim.get_function_configuration("echo-json")["Role"] == "arn:aws:iam::123456789012:role/echo"


def test_circular_resources_are_refused_with_cloudformations_wording(sim, tmp_path):
    extra = (
        "  A:\n    Type: AWS::SNS::Topic\n    Properties: {TopicName: !GetAtt B.TopicName}\n"
        "  B:\n    Type: AWS::SNS::Topic\n    Properties: {TopicName: !Sub '${A.TopicName}-b'}\n"
    )
    with pytest.raises(TemplateError) as caught:
        sim.load_template(inline_template(tmp_path, extra=extra))
    assert str(caught.value) == "Resources: Circular dependency between resources: [A, B]"


def test_a_resource_whose_condition_is_false_is_not_created(sim, tmp_path):
    head = (
        "Parameters:\n  Make:\n    Type: String\n    Default: 'no'\nConditions:\n  Wanted: !Equals [!Ref Make, 'yes']\n"
    )
    path = inline_template(tmp_path, head=head, extra="    Condition: Wanted\n")
    text = (
        path.read_text()
        .replace("    Condition: Wanted\n", "")
        .replace(
            "  Echo:\n    Type: AWS::Lambda::Function\n",
            "  Echo:\n    Type: AWS::Lambda::Function\n    Condition: Wanted\n",
        )
    )
    path.write_text(text)
    assert sim.load_template(path).functions == {}
    assert sim.load_template(path, parameters={"Make": "yes"}, stack_name="other").functions.keys() == {"Echo"}


def test_yaml_without_pyyaml_says_what_to_install(sim, monkeypatch):
    import sys

    from lambdasim._template import _parse

    monkeypatch.setitem(sys.modules, "yaml", None)
    with pytest.raises(TemplateError) as caught:
        sim.load_template(SAM_HELLO)
    assert str(caught.value) == (
        "template.yaml is YAML, which needs PyYAML: pip install 'pytest-lambdasim[templates]' "
        "(JSON templates need nothing more)"
    )
    assert _parse  # the module imports without PyYAML


def test_code_with_both_inline_and_s3_source_is_refused(sim, tmp_path):
    path = write(
        tmp_path,
        S3_FUNCTION.replace(
            "        S3Key: releases/orders.zip\n", "        S3Key: releases/orders.zip\n        ZipFile: x\n"
        ),
    )
    with pytest.raises(
        TemplateError,
        match=r"^Resources\.Orders\.Properties\.Code: give either ZipFile or S3Bucket and S3Key, not both$",
    ):
        sim.load_template(path)
    path = write(
        tmp_path,
        S3_FUNCTION.replace(
            "        S3Key: releases/orders.zip\n", "        S3Key: releases/orders.zip\n        S3Region: x\n"
        ),
    )
    with pytest.raises(
        TemplateError, match=r"^Resources\.Orders\.Properties\.Code\.S3Region: Code has no property 'S3Region'$"
    ):
        sim.load_template(path)


SAM_VPC = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: "def handler(event, context):\\n    return 'in a vpc'\\n"
      VpcConfig:
        SubnetIds: [subnet-1]
        SecurityGroupIds: [sg-1]
{role}"""


def test_sam_generated_role_may_create_network_interfaces(sim, tmp_path):
    stack = sim.load_template(write(tmp_path, SAM_VPC.format(role="")))
    assert stack.invoke("Fn").payload == "in a vpc"


def test_sam_function_with_a_template_role_lacking_vpc_access_is_refused(sim, tmp_path):
    role = (
        "      Role: !GetAtt Plain.Arn\n"
        "  Plain:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n"
        "        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: 'sts:*'}]\n"
    )
    with pytest.raises(
        TemplateError,
        match=r"^Resources\.Fn\.Properties: InvalidParameterValueException: The provided "
        r"execution role does not have permissions to call CreateNetworkInterface on EC2$",
    ):
        sim.load_template(write(tmp_path, SAM_VPC.format(role=role)))


def test_an_attached_policy_resource_grants_vpc_access(sim, tmp_path):
    role = (
        "      Role: !GetAtt Plain.Arn\n"
        "  Plain:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n"
        "        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: 'sts:AssumeRole'}]\n"
        "  Eni:\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyName: eni\n      Roles: [!Ref Plain]\n"
        "      PolicyDocument:\n        Statement: [{Effect: Allow, Resource: '*', Action: [ec2:CreateNetworkInterface,"
        " ec2:DescribeNetworkInterfaces, ec2:DeleteNetworkInterface]}]\n"
    )
    stack = sim.load_template(write(tmp_path, SAM_VPC.format(role=role)))
    assert stack.invoke("Fn").payload == "in a vpc"


@needs_versions
def test_auto_publish_alias_refs_resolve(sim, tmp_path):
    text = (
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      Runtime: python3.12\n      Handler: index.handler\n      AutoPublishAlias: live\n"
        '      InlineCode: "def handler(event, context):\\n    return context.invoked_function_arn\\n"\n'
        "  Topic:\n    Type: AWS::SNS::Topic\n    Properties: {TopicName: !Select [7, !Split [':', !Ref Fn.Alias]]}\n"
    )
    stack = sim.load_template(write(tmp_path, text))
    name = stack.function_name("Fn")
    assert stack.invoke("Fn", qualifier="live").payload == f"arn:aws:lambda:us-east-1:123456789012:function:{name}:live"


CUSTOM_RESOURCE = """
Resources:
  Seeder:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: arn:aws:iam::123456789012:role/lambda-role
      Code:
        ZipFile: |
          import cfnresponse

          def handler(event, context):
              cfnresponse.send(event, context, cfnresponse.SUCCESS, {"Seeded": 3}, "seed-1")
              return "sent"
"""


def test_inline_python_code_can_import_cfnresponse(sim, tmp_path):
    import http.server
    import threading

    received = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_PUT(self):  # noqa: N802 - http.server's naming
            received.append((self.path, json.loads(self.rfile.read(int(self.headers["content-length"])))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    with http.server.HTTPServer(("127.0.0.1", 0), Recorder) as server:
        thread = threading.Thread(target=server.handle_request)
        thread.start()
        try:
            stack = sim.load_template(write(tmp_path, CUSTOM_RESOURCE))
            event = {
                "RequestType": "Create",
                "ResponseURL": f"http://127.0.0.1:{server.server_port}/response?sig=1",
                "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/shop/1",
                "RequestId": "req-1",
                "LogicalResourceId": "Seed",
            }
            result = stack.invoke("Seeder", event)
        finally:
            thread.join(timeout=30)
    assert result.payload == "sent", result.logs
    assert "Status code: 200" in result.logs
    assert received == [
        (
            "/response?sig=1",
            {
                "Status": "SUCCESS",
                "Reason": "See the details in CloudWatch Log Stream: " + received[0][1]["Reason"].rsplit(" ", 1)[1],
                "PhysicalResourceId": "seed-1",
                "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/shop/1",
                "RequestId": "req-1",
                "LogicalResourceId": "Seed",
                "NoEcho": False,
                "Data": {"Seeded": 3},
            },
        )
    ]
    assert received[0][1]["Reason"].endswith(sim.environments(stack.function_name("Seeder"))[0].log_stream_name)


def test_stack_name_follows_cloudformations_rule(sim, tmp_path):
    with pytest.raises(TemplateError, match=r"^'stack_name' must start with a letter .* \(got '1-stack'\)$"):
        sim.load_template(inline_template(tmp_path), stack_name="1-stack")


def test_event_source_mapping_needs_an_aws_endpoint(sim, tmp_path):
    extra = (
        "  Jobs:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: jobs}\n"
        "  Feed:\n    Type: AWS::Lambda::EventSourceMapping\n"
        "    Properties: {EventSourceArn: !GetAtt Jobs.Arn, FunctionName: !Ref Echo, BatchSize: '5'}\n"
    )
    with pytest.raises(TemplateError) as caught:
        sim.load_template(inline_template(tmp_path, extra=extra))
    assert str(caught.value).startswith(
        "Resources.Feed.Properties: InvalidParameterValueException: event source mappings read their source "
        "through an AWS endpoint: create the simulator with LambdaSim(moto=True)"
    )
    assert sim.list_functions()["Functions"] == []  # rolled back


def test_event_source_mapping_options_lambdasim_does_not_model_are_refused(sim, tmp_path):
    extra = (
        "  Feed:\n    Type: AWS::Lambda::EventSourceMapping\n"
        "    Properties: {EventSourceArn: arn:aws:sqs:us-east-1:123456789012:jobs, FunctionName: !Ref Echo,"
        " FilterCriteria: {Filters: []}}\n"
    )
    with pytest.raises(TemplateError) as caught:
        sim.load_template(inline_template(tmp_path, extra=extra))
    assert str(caught.value) == (
        "Resources.Feed.Properties.FilterCriteria: AWS::Lambda::EventSourceMapping property 'FilterCriteria' "
        "is not supported by lambdasim"
    )


def test_template_roles_are_registered_and_unknown_managed_policies_are_taken_on_trust(sim, tmp_path):
    sim.load_template(CFN_VPC)
    role = sim.get_function_configuration("lambdasim-reports")["Role"]
    # The registered role now guards the simulator's own API too.
    sim.create_function(
        "again",
        handler="index.handler",
        code=TEMPLATES / "sam_hello" / "hello_world",
        role=role,
        vpc_config={"SubnetIds": ["subnet-1"], "SecurityGroupIds": ["sg-1"]},
    )
    text = (
        CFN_VPC.read_text()
        .replace("AWSLambdaVPCAccessExecutionRole", "AWSLambdaBasicExecutionRole")
        .replace(
            "!Sub arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
            "arn:aws:iam::123456789012:policy/team-network-access",
        )
    )
    stack = sim.load_template(write(tmp_path, text), stack_name="other", parameters={"EnableTracing": "true"})
    assert stack.functions == {"Reports": "other-reports"}  # not registered, so not refused


EVENT_INVOKE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Failures:
    Type: AWS::SQS::Queue
    Properties: {QueueName: failures}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: "def handler(event, context):\\n    raise RuntimeError('no')\\n"
      EventInvokeConfig:
        MaximumRetryAttempts: 0
        MaximumEventAgeInSeconds: 120
        DestinationConfig:
          OnFailure:
            Type: SQS
            Destination: !GetAtt Failures.Arn
  Plain:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: arn:aws:iam::123456789012:role/r
      Code: {ZipFile: "def handler(event, context):\\n    return 1\\n"}
  PlainConfig:
    Type: AWS::Lambda::EventInvokeConfig
    Properties:
      FunctionName: !Ref Plain
      Qualifier: $LATEST
      MaximumRetryAttempts: 1
"""


def test_event_invoke_configs_reach_the_simulator(sim, tmp_path):
    stack = sim.load_template(write(tmp_path, EVENT_INVOKE))
    worker = sim.get_function_event_invoke_config(stack.function_name("Worker"))
    assert (worker["MaximumRetryAttempts"], worker["MaximumEventAgeInSeconds"]) == (0, 120)
    assert worker["DestinationConfig"]["OnFailure"] == {"Destination": "arn:aws:sqs:us-east-1:123456789012:failures"}
    plain = sim.get_function_event_invoke_config(stack.function_name("Plain"))
    assert plain["MaximumRetryAttempts"] == 1
