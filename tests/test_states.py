"""Function states (spec/lambda-controlplane.md §3): immediate by default, held until settle() on request."""


import pytest

from conftest import zip_of

from lambdasim import InvalidParameterValueException, LambdaSim, ResourceConflictException

ARN = "arn:aws:lambda:us-east-1:123456789012:function:"
PENDING = (
    "The operation cannot be performed at this time. The function is currently in the following state: Pending"
)


def source(answer):
    return zip_of(f"def handler(event, context):\n    return {answer!r}\n")


@pytest.fixture
def held(zygote):
    with LambdaSim(zygote=zygote, state_transitions="manual") as sim:
        yield sim


def test_by_default_create_is_pending_and_the_next_read_is_active_with_a_new_revision(sim):
    created = sim.create_function("fn", handler="app.handler", code=source("one"))
    assert (created["State"], created["StateReason"], created["StateReasonCode"]) == (
        "Pending", "The function is being created.", "Creating",
    )
    assert "LastUpdateStatus" not in created
    read = sim.get_function_configuration("fn")
    assert (read["State"], read["LastUpdateStatus"]) == ("Active", "Successful")
    assert "StateReason" not in read
    assert read["RevisionId"] != created["RevisionId"]
    assert sim.get_function_configuration("fn")["RevisionId"] == read["RevisionId"]


def test_by_default_an_update_is_in_progress_then_successful(sim):
    sim.create_function("fn", handler="app.handler", code=source("one"))
    sim.get_function_configuration("fn")
    updated = sim.update_function_configuration("fn", timeout=5)
    assert (updated["State"], updated["LastUpdateStatus"], updated["LastUpdateStatusReasonCode"]) == (
        "Active", "InProgress", "Creating",
    )
    assert updated["LastUpdateStatusReason"] == "The function is being created."
    read = sim.get_function_configuration("fn")
    assert read["LastUpdateStatus"] == "Successful"
    assert read["RevisionId"] != updated["RevisionId"]
    assert sim.invoke("fn").payload == "one"


def test_the_transition_mode_is_checked(zygote):
    with pytest.raises(InvalidParameterValueException) as raised:
        LambdaSim(zygote=zygote, state_transitions="later")
    assert "'state_transitions' must be 'immediate'" in raised.value.message


def test_held_creation_stays_pending_and_refuses_invokes_and_updates(held):
    held.create_function("fn", handler="app.handler", code=source("one"))
    for _ in range(3):
        assert held.get_function_configuration("fn")["State"] == "Pending"
    for call in (
        lambda: held.invoke("fn"),
        lambda: held.update_function_configuration("fn", timeout=5),
        lambda: held.update_function_code("fn", code=source("two")),
        lambda: held.publish_version("fn"),
    ):
        with pytest.raises(ResourceConflictException) as raised:
            call()
        assert raised.value.message == PENDING
    pending_revision = held.get_function_configuration("fn")["RevisionId"]
    held.settle()
    active = held.get_function_configuration("fn")
    assert (active["State"], active["LastUpdateStatus"]) == ("Active", "Successful")
    assert active["RevisionId"] != pending_revision
    assert held.invoke("fn").payload == "one"


def test_a_held_update_keeps_serving_the_old_code_until_settled(held):
    held.create_function("fn", handler="app.handler", code=source("one"))
    held.settle("fn")
    assert held.invoke("fn").payload == "one"
    held.update_function_code("fn", code=source("two"))
    assert held.get_function_configuration("fn")["LastUpdateStatus"] == "InProgress"
    assert held.invoke("fn").payload == "one"
    with pytest.raises(ResourceConflictException) as raised:
        held.update_function_configuration("fn", timeout=9)
    assert raised.value.message == (
        "The operation cannot be performed at this time. An update is in progress for resource: " + ARN + "fn"
    )
    held.settle("fn")
    assert held.get_function_configuration("fn")["LastUpdateStatus"] == "Successful"
    result = held.invoke("fn")
    assert (result.payload, result.cold_start) == ("two", True)


def test_waiters_see_the_held_state_change(held):
    pytest.importorskip("boto3")
    client = held.client()
    client.create_function(
        FunctionName="fn", Role="arn:aws:iam::123456789012:role/r", Handler="app.handler",
        Runtime="python3.12", Code={"ZipFile": source("one")},
    )
    assert client.get_function(FunctionName="fn")["Configuration"]["State"] == "Pending"
    held.settle()
    client.get_waiter("function_active_v2").wait(FunctionName="fn", WaiterConfig={"Delay": 0, "MaxAttempts": 2})


def test_a_version_published_while_creation_is_held_is_pending_with_it(held):
    held.create_function("fn", handler="app.handler", code=source("one"), publish=True)
    assert held.get_function_configuration("fn", qualifier="1")["State"] == "Pending"
    with pytest.raises(ResourceConflictException):
        held.invoke("fn", qualifier="1")
    held.settle()
    assert held.get_function_configuration("fn", qualifier="1")["State"] == "Active"
    assert held.invoke("fn", qualifier="1").payload == "one"


def test_list_items_leave_out_every_update_status_field(held):
    held.create_function("fn", handler="app.handler", code=source("one"))
    held.settle()
    held.update_function_configuration("fn", timeout=9)
    for item in held.list_functions()["Functions"] + held.list_versions_by_function("fn")["Versions"]:
        assert not {"State", "LastUpdateStatus", "LastUpdateStatusReason", "LastUpdateStatusReasonCode"} & set(item)


def test_two_updates_given_the_same_revision_id_cannot_both_pass(sim):
    import threading

    sim.create_function("fn", handler="app.handler", code=source("one"))
    revision = sim.get_function_configuration("fn")["RevisionId"]
    outcomes = []

    def update(timeout):
        try:
            sim.update_function_configuration("fn", timeout=timeout, revision_id=revision)
            outcomes.append("updated")
        except Exception as error:  # noqa: BLE001 - the loser's precondition failure
            outcomes.append(type(error).__name__)

    threads = [threading.Thread(target=update, args=(t,)) for t in (5, 6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["PreconditionFailedException", "updated"]
