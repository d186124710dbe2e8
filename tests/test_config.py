"""FunctionConfig: defaults, limits and AWS's messages (spec/lambda-controlplane.md §2)."""

import copy
import json
import pickle

import attrs
import pytest

from lambdasim._arn import CREATE_FUNCTION_NAME_PATTERN
from lambdasim._config import (
    ACCEPTED_RUNTIMES,
    DEFAULT_ROLE,
    RESERVED_ENVIRONMENT_KEYS,
    FunctionConfig,
)
from lambdasim._errors import (
    InvalidParameterValueException,
    LambdaSimError,
    ValidationException,
)


def make(**overrides):
    return FunctionConfig(**{"function_name": "orders", "handler": "app.handler", **overrides})


def rejected(error, **overrides):
    with pytest.raises(error) as info:
        make(**overrides)
    assert type(info.value) is error
    return info.value.message


def one_error(value, member, constraint):
    return (
        f"1 validation error detected: Value '{value}' at '{member}' "
        f"failed to satisfy constraint: {constraint}"
    )


def too_large(value, member, limit):
    return one_error(value, member, f"Member must have value less than or equal to {limit}")


def too_small(value, member, limit):
    return one_error(value, member, f"Member must have value greater than or equal to {limit}")


ENV_PREFIX = (
    "Lambda was unable to configure your environment variables because the environment "
    "variables you have provided "
)
ENV_KEY_ERROR = (
    "1 validation error detected: Value at 'environment.variables' failed to satisfy "
    "constraint: Map keys must satisfy constraint: [Member must satisfy regular "
    "expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]"
)


# --- defaults and immutability ------------------------------------------------


def test_defaults_match_lambdas():
    config = make()
    assert (config.runtime, config.role, config.description) == ("python3.12", DEFAULT_ROLE, "")
    assert (config.timeout, config.memory_size, config.ephemeral_storage) == (3, 128, 512)
    assert config.environment is None
    assert config.architectures == ("x86_64",)
    assert (config.reserved_concurrency, config.layers) == (None, ())
    assert DEFAULT_ROLE == "arn:aws:iam::123456789012:role/lambdasim-execution-role"


def test_log_group_is_named_after_the_function():
    assert make().log_group == "/aws/lambda/orders"


def test_a_config_cannot_be_changed_in_place():
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        make().timeout = 10


def test_evolve_builds_a_new_validated_config():
    config = make()
    assert attrs.evolve(config, timeout=10).timeout == 10
    with pytest.raises(ValidationException):
        attrs.evolve(config, timeout=901)


def test_arguments_are_keyword_only():
    with pytest.raises(TypeError):
        FunctionConfig("orders", "app.handler")


def test_the_environment_is_a_read_only_copy():
    variables = {"TABLE": "orders"}
    config = make(environment=variables)
    variables["TABLE"] = "changed"
    assert config.environment == {"TABLE": "orders"}
    with pytest.raises(TypeError):
        config.environment["TABLE"] = "x"


def test_an_empty_environment_differs_from_none():
    assert make(environment={}).environment == {}
    assert make(environment={}) != make()


def test_equal_configs_are_equal_and_hash_alike_whatever_the_key_order():
    first = make(environment={"A1": "x", "B1": "y"}, vpc_config={"SubnetIds": ["subnet-1"]})
    second = make(environment={"B1": "y", "A1": "x"}, vpc_config={"SubnetIds": ("subnet-1",)})
    assert first == second
    assert hash(first) == hash(second)


def test_nested_settings_are_frozen_copies():
    vpc = {"SubnetIds": ["subnet-1"], "SecurityGroupIds": ["sg-1"]}
    config = make(vpc_config=vpc, tracing_config={"Mode": "Active"})
    vpc["SubnetIds"].append("subnet-2")
    assert config.vpc_config == {"SubnetIds": ("subnet-1",), "SecurityGroupIds": ("sg-1",)}
    assert config.tracing_config["Mode"] == "Active"


def test_a_config_survives_pickle_and_deepcopy():
    config = make(environment={"TABLE": "orders"}, logging_config={"LogFormat": "JSON"})
    assert pickle.loads(pickle.dumps(config)) == config
    assert copy.deepcopy(config) == config


def test_lists_are_stored_as_tuples():
    layer = "arn:aws:lambda:us-east-1:123456789012:layer:l:1"
    config = make(architectures=["arm64"], layers=[layer])
    assert config.architectures == ("arm64",)
    assert isinstance(config.layers, tuple)


# --- function name ------------------------------------------------------------


def test_a_64_character_name_is_accepted():
    assert make(function_name="a" * 64).function_name == "a" * 64


def test_a_65_character_name_is_an_invalid_parameter_value():
    name = "a" * 65
    assert rejected(InvalidParameterValueException, function_name=name) == one_error(
        name, "functionName", "Member must have length less than or equal to 64"
    )


@pytest.mark.parametrize("name", ["my-function!", "my.function", "", "a b"])
def test_a_malformed_name_quotes_the_create_pattern(name):
    assert rejected(ValidationException, function_name=name) == one_error(
        name,
        "functionName",
        f"Member must satisfy regular expression pattern: {CREATE_FUNCTION_NAME_PATTERN}",
    )


def test_an_arn_is_not_a_function_name():
    message = rejected(InvalidParameterValueException, function_name="123456789012:function:f")
    assert message.startswith("'function_name' must be a bare function name")


def test_the_name_is_checked_before_the_other_members():
    assert "functionName" in rejected(ValidationException, function_name="bad!", timeout=901)


# --- numeric and string limits ------------------------------------------------


@pytest.mark.parametrize(
    "field, low, high",
    [("timeout", 1, 900), ("memory_size", 128, 10240), ("ephemeral_storage", 512, 10240)],
)
def test_numeric_limits_are_inclusive(field, low, high):
    assert getattr(make(**{field: low}), field) == low
    assert getattr(make(**{field: high}), field) == high


@pytest.mark.parametrize(
    "field, member, low, high",
    [
        ("timeout", "timeout", 1, 900),
        ("memory_size", "memorySize", 128, 10240),
        ("ephemeral_storage", "ephemeralStorage.size", 512, 10240),
    ],
)
def test_numbers_out_of_range_are_validation_errors(field, member, low, high):
    assert rejected(ValidationException, **{field: high + 1}) == too_large(high + 1, member, high)
    assert rejected(ValidationException, **{field: low - 1}) == too_small(low - 1, member, low)


def test_timeout_3000_gives_the_recorded_message():
    assert rejected(ValidationException, timeout=3000) == (
        "1 validation error detected: Value '3000' at 'timeout' failed to satisfy constraint: "
        "Member must have value less than or equal to 900"
    )


def test_several_violations_are_joined_in_one_validation_exception():
    assert rejected(ValidationException, timeout=901, memory_size=10241) == (
        "2 validation errors detected: "
        "Value '901' at 'timeout' failed to satisfy constraint: "
        "Member must have value less than or equal to 900; "
        "Value '10241' at 'memorySize' failed to satisfy constraint: "
        "Member must have value less than or equal to 10240"
    )


def test_violations_are_listed_in_request_member_order():
    message = rejected(
        ValidationException,
        ephemeral_storage=100,
        architectures=["x86_64", "arm64"],
        memory_size=64,
        timeout=0,
        description="d" * 257,
        handler="a b",
        role="r1",
    )
    members = ["role", "handler", "description", "timeout", "memorySize", "architectures",
               "ephemeralStorage.size"]  # fmt: skip
    positions = [message.index(f"at '{member}'") for member in members]
    assert message.startswith("7 validation errors detected: ")
    assert positions == sorted(positions)


def test_description_up_to_256_characters_is_accepted():
    assert make(description="d" * 256).description == "d" * 256


def test_description_of_257_characters_is_rejected():
    assert rejected(ValidationException, description="d" * 257) == one_error(
        "d" * 257, "description", "Member must have length less than or equal to 256"
    )


def test_handler_up_to_128_characters_is_accepted():
    assert make(handler="h" * 128).handler == "h" * 128


def test_handler_of_129_characters_is_rejected():
    assert rejected(ValidationException, handler="h" * 129) == one_error(
        "h" * 129, "handler", "Member must have length less than or equal to 128"
    )


@pytest.mark.parametrize("handler", ["app handler", "app.handler\n", ""])
def test_handler_with_whitespace_or_empty_is_rejected(handler):
    assert rejected(ValidationException, handler=handler) == one_error(
        handler, "handler", r"Member must satisfy regular expression pattern: [^\s]+"
    )


def test_handler_without_a_dot_is_accepted_and_left_to_fail_at_init():
    assert make(handler="handler").handler == "handler"


def test_reserved_concurrency_of_zero_is_accepted():
    assert make(reserved_concurrency=0).reserved_concurrency == 0


def test_negative_reserved_concurrency_is_rejected():
    assert rejected(ValidationException, reserved_concurrency=-1) == too_small(
        -1, "reservedConcurrentExecutions", 0
    )


# --- Python types -------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"timeout": "3"}, "'timeout' must be int (got '3' that is a str)"),
        ({"timeout": 3.0}, "'timeout' must be int (got 3.0 that is a float)"),
        ({"memory_size": True}, "'memory_size' must be int (got True that is a bool)"),
        (
            {"ephemeral_storage": None},
            "'ephemeral_storage' must be int (got None that is a NoneType)",
        ),
        (
            {"reserved_concurrency": "1"},
            "'reserved_concurrency' must be int (got '1' that is a str)",
        ),
        ({"handler": None}, "'handler' must be str (got None that is a NoneType)"),
        ({"runtime": 3.12}, "'runtime' must be str (got 3.12 that is a float)"),
        (
            {"environment": [("A1", "x")]},
            "'environment' must be a mapping of str to str (got [('A1', 'x')] that is a list)",
        ),
        ({"environment": {"A1": 1}}, "'environment.A1' must be str (got 1 that is a int)"),
        ({"environment": {1: "x"}}, "'environment key' must be str (got 1 that is a int)"),
        (
            {"architectures": "arm64"},
            "'architectures' must be a list of str (got 'arm64' that is a str)",
        ),
        ({"layers": [1]}, "'layers[0]' must be str (got 1 that is a int)"),
        ({"kms_key_arn": 1}, "'kms_key_arn' must be str (got 1 that is a int)"),
    ],
)
def test_wrong_python_types_name_field_value_and_expected_type(overrides, message):
    with pytest.raises(InvalidParameterValueException) as info:
        make(**overrides)
    assert str(info.value) == message


def test_configuration_errors_are_value_errors_with_aws_codes():
    with pytest.raises(ValueError) as info:
        make(timeout=901)
    error = info.value
    assert isinstance(error, LambdaSimError)
    assert (error.code, error.status_code) == ("ValidationException", 400)


# --- runtime ------------------------------------------------------------------


@pytest.mark.parametrize("runtime", ACCEPTED_RUNTIMES)
def test_supported_python_runtimes_are_accepted(runtime):
    assert make(runtime=runtime).runtime == runtime


def test_the_accepted_runtimes_are_python_3_10_to_3_14_and_the_custom_runtimes():
    assert ACCEPTED_RUNTIMES == (
        *(f"python3.{minor}" for minor in range(10, 15)), "provided.al2023", "provided.al2"
    )


@pytest.mark.parametrize(
    "runtime",
    ["python2.7", "python3.6", "python3.7", "python3.8", "python3.9", "dotnetcore3.1", "go1.x",
     "java8", "nodejs12.x", "nodejs14.x", "provided", "ruby2.7", "nodejs10.x"],
)  # fmt: skip
def test_blocked_runtimes_are_no_longer_supported(runtime):
    assert rejected(InvalidParameterValueException, runtime=runtime) == (
        f"The runtime parameter of {runtime} is no longer supported for creating or updating "
        "AWS Lambda functions. We recommend you use a supported runtime while creating or "
        "updating functions."
    )


@pytest.mark.parametrize(
    "runtime", ["non-existent-runtime", "PYTHON3.9", "Python3.12", "python3.15"]
)
def test_unknown_or_miscased_runtimes_get_the_enum_message(runtime):
    assert rejected(InvalidParameterValueException, runtime=runtime) == (
        f"Value {runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum "
        "value set: [nodejs20.x, python3.14, provided.al2023, python3.12, python3.13, "
        "nodejs24.x, nodejs22.x, java25, python3.10, python3.11, java21, ruby3.3, ruby3.4, "
        "ruby3.2, python3.8, python3.9, java17, nodejs16.x, dotnet10, dotnet8, java11, dotnet6, "
        "nodejs18.x, provided.al2, java8.al2] or be a valid ARN"
    )


@pytest.mark.parametrize("runtime", ["nodejs20.x", "java21", "ruby4.0"])
def test_other_aws_runtimes_are_refused_by_lambdasim_with_the_python_choices(runtime):
    assert rejected(InvalidParameterValueException, runtime=runtime) == (
        f"lambdasim runs Python handlers and custom runtimes: runtime '{runtime}' is not supported; "
        "use one of python3.10, python3.11, python3.12, python3.13, python3.14, provided.al2023, provided.al2"
    )


def test_model_violations_win_over_the_runtime_check():
    assert rejected(ValidationException, runtime="nodejs20.x", timeout=901) == too_large(
        901, "timeout", 900
    )


# --- role, architectures, layers ----------------------------------------------


def test_a_malformed_role_quotes_the_role_pattern():
    assert rejected(ValidationException, role="r1") == (
        "1 validation error detected: Value 'r1' at 'role' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: "
        r"arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+"
    )


def test_a_role_with_a_path_is_accepted():
    role = "arn:aws:iam::111111111111:role/service-role/my-role"
    assert make(role=role).role == role


def test_arm64_is_accepted():
    assert make(architectures=["arm64"]).architectures == ("arm64",)


def test_two_architectures_are_rejected():
    assert rejected(ValidationException, architectures=["x86_64", "arm64"]) == one_error(
        "[x86_64, arm64]", "architectures", "Member must have length less than or equal to 1"
    )


def test_a_miscased_architecture_is_rejected():
    assert rejected(ValidationException, architectures=["X86_64"]) == one_error(
        "[X86_64]",
        "architectures",
        "Member must satisfy constraint: [Member must satisfy enum value set: "
        "[x86_64, arm64], Member must not be null]",
    )


def test_no_architecture_is_rejected():
    assert rejected(ValidationException, architectures=[]) == one_error(
        "[]", "architectures", "Member must have length greater than or equal to 1"
    )


def test_five_layers_are_accepted_and_six_rejected():
    layers = [f"arn:aws:lambda:us-east-1:123456789012:layer:l{i}:1" for i in range(6)]
    assert len(make(layers=layers[:5]).layers) == 5
    assert rejected(InvalidParameterValueException, layers=layers) == (
        "Cannot reference more than 5 layers."
    )


# --- environment variables ----------------------------------------------------


@pytest.mark.parametrize("key", ["A", "1A", "_A", "A-B", "A.B", "AÉ"])
def test_environment_keys_outside_the_pattern_are_rejected_with_the_value_redacted(key):
    assert rejected(ValidationException, environment={key: "secret"}) == ENV_KEY_ERROR


@pytest.mark.parametrize("key", ["AB", "a1", "A_", "TZ", "LANG", "PATH", "PYTHONPATH"])
def test_environment_keys_in_the_pattern_and_not_reserved_are_accepted(key):
    assert make(environment={key: "v"}).environment == {key: "v"}


UNDERSCORE_RESERVED_KEYS = {"_HANDLER", "_X_AMZN_TRACE_ID"}


@pytest.mark.parametrize("key", sorted(RESERVED_ENVIRONMENT_KEYS - UNDERSCORE_RESERVED_KEYS))
def test_each_documented_reserved_key_is_rejected(key):
    assert rejected(InvalidParameterValueException, environment={key: "x"}) == (
        ENV_PREFIX + "contains reserved keys that are currently not supported for "
        f"modification. Reserved keys used in this request: {key}"
    )


@pytest.mark.parametrize("key", sorted(UNDERSCORE_RESERVED_KEYS))
def test_reserved_keys_starting_with_underscore_already_fail_the_key_pattern(key):
    assert rejected(ValidationException, environment={key: "x"}) == ENV_KEY_ERROR


def test_reserved_keys_are_listed_in_the_users_order():
    environment = {"AWS_REGION": "a", "KEEP": "b", "AWS_ACCESS_KEY_ID": "c",
                   "AWS_SECRET_ACCESS_KEY": "d"}  # fmt: skip
    assert rejected(InvalidParameterValueException, environment=environment) == (
        ENV_PREFIX + "contains reserved keys that are currently not supported for "
        "modification. Reserved keys used in this request: "
        "AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY"
    )


def test_the_reserved_list_is_the_documented_one():
    assert len(RESERVED_ENVIRONMENT_KEYS) == 18
    assert "TZ" not in RESERVED_ENVIRONMENT_KEYS


def test_environment_of_exactly_4096_bytes_is_accepted():
    environment = {"LARGE_VAR": "x" * (4096 - len("LARGE_VAR") - 7)}
    assert len(json.dumps(environment, separators=(",", ":"))) == 4096
    assert make(environment=environment).environment == environment


def test_environment_over_4kb_is_rejected_with_the_measured_string():
    value = "x" * (4097 - len("LARGE_VAR") - 7)
    assert rejected(InvalidParameterValueException, environment={"LARGE_VAR": value}) == (
        ENV_PREFIX + "exceeded the 4KB limit. String measured: "
        '{"LARGE_VAR":"' + value + '"}'
    )


def test_environment_size_counts_every_key_in_compact_json():
    # 2 keys: {"K1":"v1","K2":"v2"} = 7 + 6 + 8 characters for the names and values.
    first = "a" * 2000
    second = "b" * (4096 - 2 * 2 - len(first) - 7 - 6)
    environment = {"K1": first, "K2": second}
    assert make(environment=environment).environment == environment
    with pytest.raises(InvalidParameterValueException):
        make(environment={"K1": first, "K2": second + "b"})


def test_environment_size_counts_utf8_bytes_and_echoes_the_text_unescaped():
    fits = {"K1": "é" * 2043}  # 9 + 2 * 2043 = 4095 bytes
    assert make(environment=fits).environment == fits
    too_big = {"K1": "é" * 2044}  # 4097 bytes
    message = rejected(InvalidParameterValueException, environment=too_big)
    assert message.endswith('String measured: {"K1":"' + "é" * 2044 + '"}')


def test_json_escapes_count_toward_the_size_and_appear_in_the_echo():
    # 4095 characters as typed, 4097 once the two quotes are escaped.
    value = 'say "hi"' + "x" * 4075
    message = rejected(InvalidParameterValueException, environment={"QUOTE": value})
    assert message.endswith('String measured: {"QUOTE":"say \\"hi\\"' + "x" * 4075 + '"}')


def test_a_key_pattern_violation_wins_over_reserved_keys():
    assert rejected(ValidationException, environment={"A": "x", "AWS_REGION": "y"}) == (
        ENV_KEY_ERROR
    )


def test_reserved_keys_win_over_size():
    message = rejected(
        InvalidParameterValueException, environment={"AWS_REGION": "x", "BIG": "x" * 5000}
    )
    assert message.endswith("Reserved keys used in this request: AWS_REGION")


def test_runtime_is_checked_before_the_environment():
    message = rejected(
        InvalidParameterValueException, runtime="python3.9", environment={"AWS_REGION": "x"}
    )
    assert message.startswith("The runtime parameter of python3.9")
