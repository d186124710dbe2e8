"""Aliases and weighted routing (spec/lambda-controlplane.md §2.1, §4), with AWS's messages."""

from collections import Counter

import pytest

from conftest import zip_of

from lambdasim import (
    InvalidParameterValueException,
    LambdaSim,
    PreconditionFailedException,
    ResourceConflictException,
    ResourceNotFoundException,
    ValidationException,
)

ARN = "arn:aws:lambda:us-east-1:123456789012:function:"


def source(answer):
    return zip_of(
        "def handler(event, context):\n"
        f"    return {{'answer': {answer!r}, 'version': context.function_version,\n"
        "            'arn': context.invoked_function_arn}\n"
    )


@pytest.fixture
def fn(sim):
    """A function with versions 1 (answers "one") and 2 (answers "two"); $LATEST answers "three"."""
    sim.create_function("fn", handler="app.handler", code=source("one"))
    sim.publish_version("fn")
    sim.update_function_code("fn", code=source("two"), publish=True)
    sim.update_function_code("fn", code=source("three"))
    return "fn"


def test_create_answers_the_alias_configuration(sim, fn):
    alias = sim.create_alias(fn, "live", "1")
    assert alias == {
        "AliasArn": ARN + "fn:live", "Name": "live", "FunctionVersion": "1", "Description": "",
        "RevisionId": alias["RevisionId"],
    }
    assert sim.get_alias(fn, "live") == alias


def test_routing_config_is_answered_when_set_and_left_out_when_empty(sim, fn):
    routed = sim.create_alias(fn, "canary", "1", routing_config={"AdditionalVersionWeights": {"2": 0.25}})
    assert routed["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.25}}
    plain = sim.create_alias(fn, "plain", "1", routing_config={"AdditionalVersionWeights": {}})
    assert "RoutingConfig" not in plain


def test_invoking_through_an_alias_runs_its_version_with_the_alias_arn(sim, fn):
    sim.create_alias(fn, "live", "1", description="production")
    result = sim.invoke(fn, qualifier="live")
    assert result.executed_version == "1"
    assert result.payload == {"answer": "one", "version": "1", "arn": ARN + "fn:live"}
    assert sim.invoke(ARN + "fn:live").payload["answer"] == "one"
    configuration = sim.get_function_configuration(fn, qualifier="live")
    assert (configuration["FunctionArn"], configuration["Version"]) == (ARN + "fn:live", "1")


def test_an_alias_may_point_at_latest(sim, fn):
    sim.create_alias(fn, "edge", "$LATEST")
    result = sim.invoke(fn, qualifier="edge")
    assert (result.executed_version, result.payload["answer"]) == ("$LATEST", "three")


def test_moving_an_alias_changes_what_it_runs_and_its_revision(sim, fn):
    created = sim.create_alias(fn, "live", "1")
    moved = sim.update_alias(fn, "live", function_version="2", description="moved")
    assert (moved["FunctionVersion"], moved["Description"]) == ("2", "moved")
    assert moved["RevisionId"] != created["RevisionId"]
    assert sim.invoke(fn, qualifier="live").payload["answer"] == "two"
    with pytest.raises(PreconditionFailedException):
        sim.update_alias(fn, "live", function_version="1", revision_id=created["RevisionId"])
    assert sim.update_alias(fn, "live", function_version="1", revision_id=moved["RevisionId"])["FunctionVersion"] == "1"


def test_weighted_routing_is_a_draw_per_invoke_repeatable_with_a_seed(zygote):
    def draws(seed):
        with LambdaSim(zygote=zygote, seed=seed) as sim:
            sim.create_function("fn", handler="app.handler", code=source("one"))
            sim.publish_version("fn")
            sim.update_function_code("fn", code=source("two"), publish=True)
            sim.create_alias("fn", "canary", "1", routing_config={"AdditionalVersionWeights": {"2": 0.3}})
            return [sim.invoke("fn", qualifier="canary").executed_version for _ in range(60)]

    first, second = draws(7), draws(7)
    assert first == second
    counts = Counter(first)
    assert set(counts) == {"1", "2"}
    assert counts["2"] < counts["1"]


def test_weights_of_zero_and_one_route_deterministically(sim, fn):
    sim.create_alias(fn, "none", "1", routing_config={"AdditionalVersionWeights": {"2": 0.0}})
    sim.create_alias(fn, "all", "1", routing_config={"AdditionalVersionWeights": {"2": 1.0}})
    assert {sim.invoke(fn, qualifier="none").executed_version for _ in range(5)} == {"1"}
    assert {sim.invoke(fn, qualifier="all").executed_version for _ in range(5)} == {"2"}


def test_list_aliases_by_name_and_by_version(sim, fn):
    sim.create_alias(fn, "b", "2")
    sim.create_alias(fn, "a", "1", routing_config={"AdditionalVersionWeights": {"2": 0.5}})
    assert [a["Name"] for a in sim.list_aliases(fn)["Aliases"]] == ["a", "b"]
    assert [a["Name"] for a in sim.list_aliases(fn, function_version="1")["Aliases"]] == ["a"]
    assert [a["Name"] for a in sim.list_aliases(fn, function_version="2")["Aliases"]] == ["a", "b"]


def test_delete_alias_and_deleting_a_missing_one_is_silent(sim, fn):
    sim.create_alias(fn, "live", "1")
    sim.delete_alias(fn, "live")
    sim.delete_alias(fn, "live")
    with pytest.raises(ResourceNotFoundException) as raised:
        sim.invoke(fn, qualifier="live")
    assert raised.value.message == f"Function not found: {ARN}fn:live"


# --- errors, byte for byte -----------------------------------------------------


def test_alias_not_found_messages_differ_by_operation(sim, fn):
    with pytest.raises(ResourceNotFoundException) as raised:
        sim.get_alias(fn, "nope")
    assert raised.value.message == f"Cannot find alias arn: {ARN}fn:nope"
    with pytest.raises(ResourceNotFoundException) as raised:
        sim.update_alias(fn, "nope", function_version="1")
    assert raised.value.message == f"Alias not found: {ARN}fn:nope"


def test_duplicate_alias_and_missing_target_version(sim, fn):
    sim.create_alias(fn, "live", "1")
    with pytest.raises(ResourceConflictException) as raised:
        sim.create_alias(fn, "live", "2")
    assert raised.value.message == f"Alias already exists: {ARN}fn:live"
    with pytest.raises(ResourceNotFoundException) as raised:
        sim.create_alias(fn, "later", "10")
    assert raised.value.message == f"Function not found: {ARN}fn:10"


@pytest.mark.parametrize("name, message", [
    ("2024", "1 validation error detected: Value '2024' at 'name' failed to satisfy constraint: "
             "Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)"),
    ("a" * 129, f"1 validation error detected: Value '{'a' * 129}' at 'name' failed to satisfy constraint: "
                "Member must have length less than or equal to 128"),
])
def test_alias_names_follow_the_model(sim, fn, name, message):
    with pytest.raises(ValidationException) as raised:
        sim.create_alias(fn, name, "1")
    assert raised.value.message == message


def test_dated_alias_names_are_fine(sim, fn):
    assert sim.create_alias(fn, "2024-01-02", "1")["Name"] == "2024-01-02"


@pytest.mark.parametrize("primary, weights, error, message", [
    ("1", {"2": 2}, ValidationException,
     "1 validation error detected: Value '{2=2.0}' at 'routingConfig.additionalVersionWeights' failed to satisfy "
     "constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, "
     "Member must have value greater than or equal to 0.0, Member must not be null]"),
    ("1", {"$LATEST": 0.5}, ValidationException,
     "1 validation error detected: Value '{$LATEST=0.5}' at 'routingConfig.additionalVersionWeights' failed to "
     "satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 1024, "
     "Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+]"),
    ("1", {"2": 0.1, "3": 0.1}, InvalidParameterValueException,
     "Number of items in AdditionalVersionWeights cannot be greater than 1"),
    ("$LATEST", {"2": 0.1}, InvalidParameterValueException,
     "$LATEST is not supported for an alias pointing to more than 1 version"),
    ("1", {"1": 0.1}, InvalidParameterValueException,
     "Invalid function version 1. Function version 1 is already included in routing configuration."),
])
def test_routing_rules_with_awss_messages(sim, fn, primary, weights, error, message):
    with pytest.raises(error) as raised:
        sim.create_alias(fn, "bad", primary, routing_config={"AdditionalVersionWeights": weights})
    assert raised.value.message == message


def test_moving_a_weighted_alias_to_latest_is_refused(sim, fn):
    sim.create_alias(fn, "canary", "1", routing_config={"AdditionalVersionWeights": {"2": 0.5}})
    with pytest.raises(InvalidParameterValueException) as raised:
        sim.update_alias(fn, "canary", function_version="$LATEST")
    assert raised.value.message == "$LATEST is not supported for an alias pointing to more than 1 version"
    with pytest.raises(InvalidParameterValueException):
        sim.update_alias(fn, "canary", function_version="2")  # the primary would also be the routed version
    assert sim.get_alias(fn, "canary")["FunctionVersion"] == "1"
