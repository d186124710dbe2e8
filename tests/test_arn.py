"""Resolving FunctionName/Qualifier the way Lambda does (spec/lambda-controlplane.md §2.1)."""

import pytest

from lambdasim._arn import (
    CREATE_FUNCTION_NAME_PATTERN,
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    FUNCTION_NAME_PATTERN,
    QUALIFIER_PATTERN,
    function_arn,
    parse_function_ref,
)
from lambdasim._errors import (
    AccessDeniedException,
    InvalidParameterValueException,
    LambdaSimError,
    ResourceNotFoundException,
    ValidationException,
)

ARN_PREFIX = "arn:aws:lambda:us-east-1:123456789012:function:"


def parse(ref, qualifier=None, **kwargs):
    return parse_function_ref(
        ref, qualifier, region=DEFAULT_REGION, account=DEFAULT_ACCOUNT, **kwargs
    )


def name_error(value, constraint, count=1):
    noun = "error" if count == 1 else "errors"
    return (
        f"{count} validation {noun} detected: Value '{value}' at 'functionName' "
        f"failed to satisfy constraint: {constraint}"
    )


def pattern_error(value, pattern):
    return name_error(value, f"Member must satisfy regular expression pattern: {pattern}")


# --- building ARNs ------------------------------------------------------------


def test_function_arn_is_built_from_region_account_and_name():
    arn = function_arn("orders", region="eu-west-1", account="111111111111")
    assert arn == "arn:aws:lambda:eu-west-1:111111111111:function:orders"


def test_function_arn_appends_the_qualifier():
    arn = function_arn("orders", region="us-east-1", account="123456789012", qualifier="$LATEST")
    assert arn == "arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST"


def test_defaults_are_the_documented_placeholder_region_and_account():
    assert (DEFAULT_REGION, DEFAULT_ACCOUNT) == ("us-east-1", "123456789012")


# --- accepted forms -----------------------------------------------------------


@pytest.mark.parametrize("for_create", [False, True])
@pytest.mark.parametrize(
    "ref, expected",
    [
        ("my-function", ("my-function", None)),
        ("my-function:v1", ("my-function", "v1")),
        ("my-function:$LATEST", ("my-function", "$LATEST")),
        ("123456789012:function:my-function", ("my-function", None)),
        ("123456789012:function:my-function:7", ("my-function", "7")),
        (ARN_PREFIX + "my-function", ("my-function", None)),
        (ARN_PREFIX + "my-function:live", ("my-function", "live")),
        ("arn:aws-cn:lambda:us-east-1:123456789012:function:f_1", ("f_1", None)),
    ],
)
def test_every_documented_form_resolves_to_name_and_qualifier(ref, expected, for_create):
    assert parse(ref, for_create=for_create) == expected


def test_the_qualifier_argument_is_returned_for_an_unqualified_ref():
    assert parse(ARN_PREFIX + "my-function", "3") == ("my-function", "3")


def test_a_qualifier_given_twice_identically_is_accepted():
    assert parse("my-function:live", "live") == ("my-function", "live")


def test_dots_and_latest_published_are_accepted_outside_create():
    assert parse("my.function:$LATEST.PUBLISHED") == ("my.function", "$LATEST.PUBLISHED")


def test_lowercase_latest_as_qualifier_argument_passes_parsing_and_is_left_to_lookup():
    assert parse("my-function", "$latest") == ("my-function", "$latest")


# --- function name length -----------------------------------------------------


def test_create_accepts_a_64_character_name():
    assert parse("a" * 64, for_create=True) == ("a" * 64, None)


def test_create_rejects_a_65_character_name_as_invalid_parameter_value():
    name = "a" * 65
    with pytest.raises(InvalidParameterValueException) as info:
        parse(name, for_create=True)
    assert info.value.message == name_error(
        name, "Member must have length less than or equal to 64"
    )


def test_create_rejects_a_long_name_inside_a_short_arn():
    name = "a" * 65
    with pytest.raises(InvalidParameterValueException) as info:
        parse("123456789012:function:" + name, for_create=True)
    assert info.value.message == name_error(
        name, "Member must have length less than or equal to 64"
    )


def test_other_operations_pass_a_65_character_name_on_to_the_lookup():
    assert parse("a" * 65) == ("a" * 65, None)


def test_create_accepts_an_arn_of_exactly_140_characters():
    ref = ARN_PREFIX + "a" * 64 + ":" + "q" * 28
    assert len(ref) == 140
    assert parse(ref, for_create=True) == ("a" * 64, "q" * 28)


def test_create_rejects_an_arn_of_141_characters_with_a_validation_exception():
    ref = ARN_PREFIX + "a" * 64 + ":" + "q" * 29
    with pytest.raises(ValidationException) as info:
        parse(ref, for_create=True)
    assert info.value.message == name_error(
        ref, "Member must have length less than or equal to 140"
    )


def test_other_operations_accept_256_characters_and_reject_257():
    assert parse("a" * 256) == ("a" * 256, None)
    with pytest.raises(ValidationException) as info:
        parse("a" * 257)
    assert info.value.message == name_error(
        "a" * 257, "Member must have length less than or equal to 256"
    )


# --- function name pattern ----------------------------------------------------


INVALID_REFS = [
    "invalid:function:name",
    "my-function!",
    "*",
    "arn:aws:lambda:::function:my-function",
    ARN_PREFIX + "my-function:1:2",
    ARN_PREFIX + "my-function:$LATES",
    "function:my-function:$LATEST:extra",
]


@pytest.mark.parametrize("ref", INVALID_REFS)
def test_pattern_violations_quote_the_namespaced_pattern(ref):
    with pytest.raises(ValidationException) as info:
        parse(ref)
    assert info.value.message == pattern_error(ref, FUNCTION_NAME_PATTERN)


@pytest.mark.parametrize("ref", INVALID_REFS + ["my-function:$latest", "my.function"])
def test_create_pattern_violations_quote_the_function_name_pattern(ref):
    with pytest.raises(ValidationException) as info:
        parse(ref, for_create=True)
    assert info.value.message == pattern_error(ref, CREATE_FUNCTION_NAME_PATTERN)


def test_the_patterns_are_aws_text():
    region = r"((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?"
    assert CREATE_FUNCTION_NAME_PATTERN == (
        r"(arn:(aws[a-zA-Z-]*)?:lambda:)?" + region
        + r"(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?"
    )
    assert FUNCTION_NAME_PATTERN == (
        r"(arn:(aws[a-zA-Z-]*)?:lambda:)?" + region
        + r"(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?"
    )
    assert QUALIFIER_PATTERN == r"\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+"


def test_an_empty_ref_reports_length_and_pattern():
    with pytest.raises(ValidationException) as info:
        parse("")
    assert info.value.message == (
        "2 validation errors detected: Value '' at 'functionName' failed to satisfy "
        "constraint: Member must have length greater than or equal to 1; Value '' at "
        "'functionName' failed to satisfy constraint: Member must satisfy regular "
        f"expression pattern: {FUNCTION_NAME_PATTERN}"
    )


def test_create_reports_length_and_pattern_of_a_long_malformed_name_together():
    name = "a" * 65 + "!"
    with pytest.raises(ValidationException) as info:
        parse(name, for_create=True)
    assert info.value.message.startswith("2 validation errors detected: ")
    assert "Member must have length less than or equal to 64; " in info.value.message


def test_a_pattern_violation_wins_over_a_foreign_region():
    with pytest.raises(ValidationException):
        parse("arn:aws:lambda:eu-west-1:123456789012:function:bad!")


# --- qualifier argument -------------------------------------------------------


def test_a_128_character_qualifier_is_accepted():
    assert parse("f", "q" * 128) == ("f", "q" * 128)


def test_a_129_character_qualifier_is_rejected():
    qualifier = "q" * 129
    with pytest.raises(ValidationException) as info:
        parse("f", qualifier)
    assert info.value.message == (
        f"1 validation error detected: Value '{qualifier}' at 'qualifier' failed to "
        "satisfy constraint: Member must have length less than or equal to 128"
    )


def test_a_qualifier_outside_the_pattern_is_rejected():
    with pytest.raises(ValidationException) as info:
        parse("f", "v 1")
    assert info.value.message == (
        "1 validation error detected: Value 'v 1' at 'qualifier' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: "
        r"\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+"
    )


def test_name_and_qualifier_violations_are_reported_in_one_message():
    with pytest.raises(ValidationException) as info:
        parse("bad!", "v 1")
    message = info.value.message
    assert message.startswith("2 validation errors detected: Value 'bad!' at 'functionName'")
    assert "; Value 'v 1' at 'qualifier' failed to satisfy constraint: " in message


def test_a_conflicting_qualifier_is_an_invalid_parameter_value():
    with pytest.raises(InvalidParameterValueException) as info:
        parse(ARN_PREFIX + "my-function:live", "1")
    assert info.value.message == (
        "The derived qualifier from the function name does not match the specified qualifier."
    )


# --- region and account -------------------------------------------------------


def test_an_arn_of_another_region_is_not_reachable():
    with pytest.raises(ResourceNotFoundException) as info:
        parse("arn:aws:lambda:ap-southeast-1:123456789012:function:my-function")
    assert info.value.message == (
        "Functions from 'ap-southeast-1' are not reachable in this region ('us-east-1')"
    )
    assert info.value.status_code == 404


def test_an_eusc_region_is_parsed_as_a_region():
    with pytest.raises(ResourceNotFoundException) as info:
        parse("arn:aws-eusc:lambda:eusc-de-east-1:123456789012:function:f")
    assert "'eusc-de-east-1'" in info.value.message


@pytest.mark.parametrize(
    "ref",
    [
        "111111111111:function:my-function",
        "arn:aws:lambda:us-east-1:111111111111:function:my-function",
        # The account is checked before the region.
        "arn:aws:lambda:eu-west-1:111111111111:function:my-function",
    ],
)
def test_an_arn_of_another_account_is_access_denied(ref):
    with pytest.raises(AccessDeniedException) as info:
        parse(ref)
    error = info.value
    assert (error.code, error.status_code, error.message) == ("AccessDeniedException", 403, "")
    assert isinstance(error, PermissionError)
    assert isinstance(error, LambdaSimError)


def test_the_callers_region_and_account_are_what_count():
    ref = "arn:aws:lambda:eu-west-1:111111111111:function:f"
    assert parse_function_ref(ref, None, region="eu-west-1", account="111111111111") == (
        "f",
        None,
    )


# --- Python types -------------------------------------------------------------


def test_a_non_string_ref_is_a_clear_value_error():
    with pytest.raises(InvalidParameterValueException) as info:
        parse(42)
    assert str(info.value) == "'function_name' must be str (got 42 that is a int)"
    assert isinstance(info.value, ValueError)


def test_a_non_string_qualifier_is_a_clear_value_error():
    with pytest.raises(InvalidParameterValueException) as info:
        parse("f", 1)
    assert str(info.value) == "'qualifier' must be str (got 1 that is a int)"
