"""KMSKeyArn validation and injected KMS failures at invoke (spec/lambda-controlplane.md §2.5, §7)."""

import pytest

from conftest import BASIC

from lambdasim import (
    InvalidParameterValueException,
    KMSAccessDeniedException,
    KMSDisabledException,
    KMSInvalidStateException,
    KMSNotFoundException,
    LambdaSimError,
    ValidationException,
)

KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
PREFIX = "Lambda was unable to decrypt the environment variables because "
SUFFIX = " Please check the function's KMS key settings. KMS Exception: "


def create(sim, name="f", **settings):
    return sim.create_function(name, handler="app.echo", code=str(BASIC), **settings)


def test_the_key_is_stored_and_shown_only_when_set(sim):
    assert create(sim, kms_key_arn=KEY)["KMSKeyArn"] == KEY
    assert "KMSKeyArn" not in create(sim, "g")


def test_an_empty_key_means_the_default_key(sim):
    assert "KMSKeyArn" not in create(sim, kms_key_arn="")


def test_a_key_that_is_not_an_arn_is_a_validation_error(sim):
    with pytest.raises(ValidationException) as raised:
        create(sim, kms_key_arn="my-key")
    assert raised.value.message == (
        "1 validation error detected: Value 'my-key' at 'kMSKeyArn' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()"
    )


def test_a_key_alias_is_refused_with_awss_create_grant_message(sim):
    with pytest.raises(InvalidParameterValueException) as raised:
        create(sim, kms_key_arn="arn:aws:kms:us-east-1:123456789012:alias/mine")
    assert raised.value.message == (
        "Lambda was unable to configure access to your environment variables because the KMS key is invalid "
        "for CreateGrant. Please check your KMS key settings. KMS Exception: InvalidArnException KMS Message: "
        "Key Aliases are not supported for this operation."
    )


def test_an_access_denied_fault_fails_the_invoke_with_502_and_awss_message(sim):
    create(sim, kms_key_arn=KEY)
    sim.faults.kms("f")
    with pytest.raises(KMSAccessDeniedException) as raised:
        sim.invoke("f", {"a": 1})
    error = raised.value
    assert (error.code, error.status_code) == ("KMSAccessDeniedException", 502)
    assert error.message == (
        PREFIX + "KMS access was denied." + SUFFIX + "AccessDeniedExceptionKMS Message: The ciphertext refers to a "
        "customer master key that does not exist, does not exist in this region, or you are not allowed to access."
    )
    assert sim.invoke("f", {"a": 1}).payload == {"a": 1}  # consumed
    assert len(sim.invocations("f")) == 1


@pytest.mark.parametrize(
    "code, exception, text",
    [
        ("KMSDisabledException", KMSDisabledException,
         "the KMS key used is disabled." + SUFFIX + f"DisabledExceptionKMS Message: {KEY} is disabled."),
        ("KMSInvalidStateException", KMSInvalidStateException,
         "the state of the KMS key used is not valid for Decrypt." + SUFFIX
         + f"KMSInvalidStateExceptionKMS Message: {KEY} is pending deletion."),
        ("KMSNotFoundException", KMSNotFoundException,
         "the KMS key used was not found." + SUFFIX + f"NotFoundExceptionKMS Message: Key '{KEY}' does not exist"),
    ],
)
def test_each_kms_fault_raises_its_exception(sim, code, exception, text):
    create(sim, kms_key_arn=KEY)
    sim.faults.kms("f", code, times=2)
    for _ in range(2):
        with pytest.raises(exception) as raised:
            sim.invoke("f")
        assert raised.value.message == PREFIX + text
        assert isinstance(raised.value, LambdaSimError) and raised.value.status_code == 502


def test_without_a_key_the_default_lambda_key_is_named_and_the_kms_message_can_be_given(sim):
    create(sim)
    sim.faults.kms(error="KMSDisabledException")
    with pytest.raises(KMSDisabledException, match="arn:aws:kms:us-east-1:123456789012:alias/aws/lambda is disabled"):
        sim.invoke("f")
    sim.faults.kms("f", kms_message="User is not authorized")
    with pytest.raises(KMSAccessDeniedException, match="AccessDeniedExceptionKMS Message: User is not authorized$"):
        sim.invoke("f")


def test_an_unknown_kms_error_is_refused(sim):
    with pytest.raises(InvalidParameterValueException, match="'error' must be one of KMSAccessDeniedException"):
        sim.faults.kms("f", "KMSBrokenException")


def test_kms_failures_reach_boto3_as_502_client_errors(sim):
    create(sim, kms_key_arn=KEY)
    sim.faults.kms("f", "KMSNotFoundException")
    client = sim.client()
    with pytest.raises(client.exceptions.KMSNotFoundException) as raised:
        client.invoke(FunctionName="f")
    response = raised.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 502
    assert response["Error"]["Code"] == "KMSNotFoundException"
    assert response["Error"]["Message"].startswith(PREFIX + "the KMS key used was not found.")
    assert response["Type"] == "User"
