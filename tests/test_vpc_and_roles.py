"""VPC configuration and execution-role checks (spec/lambda-controlplane.md §2.5, §7)."""

import pytest

from conftest import BASIC

from lambdasim import InvalidParameterValueException, ValidationException

VPC = {"SubnetIds": ["subnet-0abc", "subnet-0def"], "SecurityGroupIds": ["sg-0123"]}
ACCOUNT_ROLE = "arn:aws:iam::123456789012:role/"
VPC_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
BASIC_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def create(sim, name="f", **settings):
    return sim.create_function(name, handler="app.echo", code=str(BASIC), **settings)


# --- VpcConfig ---------------------------------------------------------------------


def test_the_vpc_configuration_comes_back_with_a_vpc_id_and_the_dual_stack_flag(sim):
    answer = create(sim, vpc_config=VPC)["VpcConfig"]
    assert answer["SubnetIds"] == VPC["SubnetIds"]
    assert answer["SecurityGroupIds"] == VPC["SecurityGroupIds"]
    assert answer["Ipv6AllowedForDualStack"] is False
    assert answer["VpcId"].startswith("vpc-") and len(answer["VpcId"]) == 21
    same_subnet = create(sim, "g", vpc_config={"SubnetIds": ["subnet-0def"], "SecurityGroupIds": ["sg-1"]})
    assert same_subnet["VpcConfig"]["VpcId"] != answer["VpcId"]
    again = create(sim, "h", vpc_config={**VPC, "Ipv6AllowedForDualStack": True})["VpcConfig"]
    assert again["VpcId"] == answer["VpcId"] and again["Ipv6AllowedForDualStack"] is True


def test_without_a_vpc_configuration_there_is_no_vpc_config_member(sim):
    assert "VpcConfig" not in create(sim)


def test_empty_id_lists_detach_the_function_with_an_empty_vpc_id(sim):
    create(sim, vpc_config=VPC)
    answer = sim.update_function_configuration("f", vpc_config={"SubnetIds": [], "SecurityGroupIds": []})
    assert answer["VpcConfig"] == {
        "SubnetIds": [], "SecurityGroupIds": [], "VpcId": "", "Ipv6AllowedForDualStack": False,
    }


def test_more_than_16_subnets_or_5_security_groups_are_validation_errors(sim):
    subnets = [f"subnet-{i}" for i in range(17)]
    groups = [f"sg-{i}" for i in range(6)]
    with pytest.raises(ValidationException) as raised:
        create(sim, vpc_config={"SubnetIds": subnets, "SecurityGroupIds": groups})
    assert raised.value.message == (
        "2 validation errors detected: "
        f"Value '[{', '.join(subnets)}]' at 'vpcConfig.subnetIds' failed to satisfy constraint: "
        "Member must have length less than or equal to 16; "
        f"Value '[{', '.join(groups)}]' at 'vpcConfig.securityGroupIds' failed to satisfy constraint: "
        "Member must have length less than or equal to 5"
    )


@pytest.mark.parametrize(
    "member, bad, field, pattern",
    [
        ("SubnetIds", "sub-1", "subnetIds", "subnet-[0-9a-z]*"),
        ("SubnetIds", "subnet-ABC", "subnetIds", "subnet-[0-9a-z]*"),
        ("SecurityGroupIds", "group-1", "securityGroupIds", "sg-[0-9a-zA-Z]*"),
    ],
)
def test_malformed_ids_are_validation_errors_quoting_the_id_pattern(sim, member, bad, field, pattern):
    vpc = {**VPC, member: [bad]}
    with pytest.raises(ValidationException) as raised:
        create(sim, vpc_config=vpc)
    assert raised.value.message == (
        f"1 validation error detected: Value '[{bad}]' at 'vpcConfig.{field}' failed to satisfy constraint: "
        "Member must satisfy constraint: [Member must have length less than or equal to 1024, "
        "Member must have length greater than or equal to 0, Member must satisfy regular expression "
        f"pattern: {pattern}, Member must not be null]"
    )


def test_unknown_vpc_members_are_refused_by_name(sim):
    with pytest.raises(InvalidParameterValueException, match="'SubnetId'"):
        create(sim, vpc_config={"SubnetId": ["subnet-1"]})


# --- roles -----------------------------------------------------------------------------


def test_an_unregistered_role_is_accepted_with_a_vpc_configuration(sim):
    assert create(sim, role=ACCOUNT_ROLE + "never-registered", vpc_config=VPC)["VpcConfig"]


def test_register_role_takes_a_name_and_answers_the_arn(sim):
    assert sim.register_role("plain") == ACCOUNT_ROLE + "plain"
    assert sim.register_role(ACCOUNT_ROLE + "full") == ACCOUNT_ROLE + "full"
    assert create(sim, role=ACCOUNT_ROLE + "plain")["Role"] == ACCOUNT_ROLE + "plain"


def test_a_role_lambda_cannot_assume_fails_create_and_update_with_awss_message(sim):
    trust = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    sim.register_role("ec2-only", trust_policy=trust)
    with pytest.raises(InvalidParameterValueException) as raised:
        create(sim, role=ACCOUNT_ROLE + "ec2-only")
    assert raised.value.message == "The role defined for the function cannot be assumed by Lambda."
    create(sim)
    with pytest.raises(InvalidParameterValueException) as raised:
        sim.update_function_configuration("f", role=ACCOUNT_ROLE + "ec2-only")
    assert raised.value.message == "The role defined for the function cannot be assumed by Lambda."


def test_a_trust_policy_listing_lambda_among_services_or_with_wildcards_is_assumable(sim):
    trust = {"Statement": {"Effect": "Allow", "Principal": {"Service": ["ec2.amazonaws.com", "lambda.amazonaws.com"]},
                           "Action": ["sts:Assume*"]}}
    sim.register_role("shared", trust_policy=trust)
    assert create(sim, role=ACCOUNT_ROLE + "shared")


def test_a_deny_in_the_trust_policy_wins(sim):
    trust = {"Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"},
        {"Effect": "Deny", "Principal": "*", "Action": "sts:*"},
    ]}
    sim.register_role("denied", trust_policy=trust)
    with pytest.raises(InvalidParameterValueException):
        create(sim, role=ACCOUNT_ROLE + "denied")


def test_a_vpc_function_needs_the_ec2_network_interface_actions(sim):
    sim.register_role("basic", policies=[BASIC_POLICY])
    with pytest.raises(InvalidParameterValueException) as raised:
        create(sim, role=ACCOUNT_ROLE + "basic", vpc_config=VPC)
    assert raised.value.message == (
        "The provided execution role does not have permissions to call CreateNetworkInterface on EC2"
    )
    assert create(sim, "no-vpc", role=ACCOUNT_ROLE + "basic")
    sim.register_role("vpc", policies=[VPC_POLICY])
    assert create(sim, "in-vpc", role=ACCOUNT_ROLE + "vpc", vpc_config=VPC)


def test_update_adding_a_vpc_to_a_function_whose_role_lacks_ec2_fails_and_changes_nothing(sim):
    sim.register_role("basic", policies=[BASIC_POLICY])
    create(sim, role=ACCOUNT_ROLE + "basic")
    with pytest.raises(InvalidParameterValueException):
        sim.update_function_configuration("f", vpc_config=VPC)
    assert "VpcConfig" not in sim.get_function_configuration("f")


@pytest.mark.parametrize(
    "actions, missing",
    [
        (["ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface"], "CreateNetworkInterface"),
        (["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"], "DescribeNetworkInterfaces"),
        (["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces"], "DeleteNetworkInterface"),
    ],
)
def test_each_missing_network_interface_action_is_named(sim, actions, missing):
    sim.register_role("partial", policies=[{"Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}])
    with pytest.raises(InvalidParameterValueException) as raised:
        create(sim, role=ACCOUNT_ROLE + "partial", vpc_config=VPC)
    assert raised.value.message == f"The provided execution role does not have permissions to call {missing} on EC2"


def test_wildcard_actions_grant_and_an_explicit_deny_takes_away(sim):
    sim.register_role("wild", policies=[{"Statement": [{"Effect": "Allow", "Action": "ec2:*NetworkInterface*", "Resource": "*"}]}])
    assert create(sim, role=ACCOUNT_ROLE + "wild", vpc_config=VPC)
    sim.register_role("denied", policies=[
        "arn:aws:iam::aws:policy/AdministratorAccess",
        {"Statement": [{"Effect": "Deny", "Action": "ec2:DeleteNetworkInterface", "Resource": "*"}]},
    ])
    with pytest.raises(InvalidParameterValueException, match="DeleteNetworkInterface"):
        create(sim, "g", role=ACCOUNT_ROLE + "denied", vpc_config=VPC)


def test_an_unknown_managed_policy_is_refused_when_registering(sim):
    with pytest.raises(InvalidParameterValueException, match="give its policy document instead"):
        sim.register_role("r", policies=["arn:aws:iam::aws:policy/SomethingElse"])


def test_role_errors_reach_boto3(sim):
    import io
    import zipfile

    sim.register_role("basic", policies=[BASIC_POLICY])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.write(BASIC / "app.py", "app.py")
    client = sim.client()
    with pytest.raises(client.exceptions.InvalidParameterValueException) as raised:
        client.create_function(
            FunctionName="f", Role=ACCOUNT_ROLE + "basic", Handler="app.echo", Runtime="python3.12",
            Code={"ZipFile": buffer.getvalue()}, VpcConfig=VPC,
        )
    assert raised.value.response["Error"]["Message"] == (
        "The provided execution role does not have permissions to call CreateNetworkInterface on EC2"
    )


def test_vpc_tracing_logging_and_kms_settings_round_trip_through_boto3(sim):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.write(BASIC / "app.py", "app.py")
    client = sim.client()
    key = "arn:aws:kms:us-east-1:123456789012:key/abc"
    answer = client.create_function(
        FunctionName="f", Role=ACCOUNT_ROLE + "any", Handler="app.echo", Runtime="python3.12",
        Code={"ZipFile": buffer.getvalue()}, VpcConfig=VPC, TracingConfig={"Mode": "Active"},
        LoggingConfig={"LogFormat": "JSON", "SystemLogLevel": "WARN"}, KMSKeyArn=key,
    )
    assert answer["VpcConfig"]["SubnetIds"] == VPC["SubnetIds"] and answer["VpcConfig"]["VpcId"].startswith("vpc-")
    assert answer["TracingConfig"] == {"Mode": "Active"}
    assert answer["LoggingConfig"] == {
        "LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "WARN", "LogGroup": "/aws/lambda/f",
    }
    assert answer["KMSKeyArn"] == key
    with pytest.raises(client.exceptions.ClientError) as raised:
        client.update_function_configuration(FunctionName="f", VpcConfig={"SubnetIds": ["nope"]})
    assert raised.value.response["Error"]["Code"] == "ValidationException"
