"""Shared behaviour in both modes: every test here runs against real environments and inline ones.

The ``sim`` fixture of this module is parametrised over ``["process", "inline"]``
and overrides the suite's own, so the behaviour tests imported below from the
other test modules run once per mode, unchanged: the two modes cannot drift
apart without one of them failing. Behaviour whose observable difference is
documented (docs/debugging.md: process ids, a hard kill at the deadline, output
written to file descriptors, private ``/tmp``, memory) is tested below with the
difference stated, per mode.
"""

import json
import os
import re
import threading
import traceback

import attrs
import pytest

from conftest import BASIC, HANDLERS
from lambdasim import FunctionError, InlineModeWarning, LambdaSim, TooManyRequestsException

# Representative behaviour tests of the other modules, run here in both modes.
from test_context import (  # noqa: F401
    context_function,
    test_client_context_from_a_dict_fills_the_slots_and_missing_keys_are_none,
    test_client_context_is_per_invocation,
    test_each_invocation_gets_its_own_request_id,
    test_invoked_function_arn_carries_a_qualifier_given_inside_the_name,
    test_log_method_writes_without_adding_a_newline_and_context_takes_attributes,
    test_members_describe_the_function_and_its_environment,
    test_members_have_lambdas_types_and_memory_limit_is_a_string,
    test_remaining_time_follows_the_configured_timeout,
)
from test_environment_variables import (  # noqa: F401
    test_credentials_are_the_same_harmless_values_in_every_function,
    test_handler_sees_exactly_lambdas_variables,
    test_log_stream_name_is_kept_by_a_warm_environment_and_new_for_a_new_one,
    test_pythonpath_is_the_runtime_directory_when_the_user_sets_none,
    test_task_root_and_pwd_are_the_working_directory,
    test_trace_id_is_set_per_invoke_unsampled_without_active_tracing,
    test_user_variables_are_present_and_override_unreserved_ones,
    test_variables_have_lambdas_values,
)
from test_failures import (  # noqa: F401
    test_exit_during_init_has_no_request_id_in_the_message,
    test_remaining_time_counts_down_to_the_deadline,
    test_reserved_concurrency_caps_concurrent_environments,
    test_reserved_concurrency_zero_throttles_every_invoke_without_starting_an_environment,
    test_response_over_6mb_is_function_response_size_too_large,
    test_sys_exit_message_reaches_the_logs,
    test_uncaught_base_exception_prints_the_handlers_traceback_only,
)
from test_faults import (  # noqa: F401
    test_an_invoke_throttled_by_concurrency_does_not_consume_a_fault,
    test_cold_start_always_makes_every_invoke_of_the_function_cold,
    test_cold_start_fault_for_one_function_leaves_the_others_warm,
    test_crash_fault_ends_the_runtime_with_lambdas_exit_error,
    test_crash_fault_times_crashes_the_next_n_invokes,
    test_init_error_fault_fails_the_next_cold_start_as_a_real_init_failure,
    test_init_error_fault_waits_for_the_next_cold_start,
    test_init_latency_leaves_the_invoke_its_whole_timeout,
    test_invoke_latency_that_reaches_the_timeout_times_out,
    test_latency_shows_in_durations_and_the_report_without_waiting,
    test_throttle_raises_too_many_requests_exactly_as_lambda_does,
    test_throttle_times_then_invokes_work_again_in_the_same_warm_environment,
    test_timeout_fault_returns_the_timeout_document_and_report_without_waiting,
    test_timeout_fault_times_out_the_next_n_invokes_then_invokes_succeed,
)
from test_init_errors import (  # noqa: F401
    broken,
    test_exception_at_import_keeps_its_type_and_importlib_frames,
    test_exit_at_import_logs_the_platform_fault_and_reports,
    test_failed_import_logs_warning_error_block_and_platform_lines,
    test_init_is_retried_on_every_later_invoke_and_fails_the_same_way,
    test_non_callable_handler_attribute_resolves_and_fails_at_invoke_with_the_request_id,
    test_resolution_failure_returns_the_init_error_document,
    test_syntax_error_block_indents_trace_lines_with_no_break_spaces,
)
from test_invoke import (  # noqa: F401
    test_bytes_and_str_events_are_sent_as_they_are,
    test_concurrent_invokes_run_in_separate_environments,
    test_echo_returns_the_event_as_json,
    test_empty_payload_reaches_the_handler_as_an_empty_object,
    test_first_invoke_is_cold_and_the_next_is_warm_with_globals_kept,
    test_handler_exception_is_an_unhandled_error_document_and_keeps_globals,
    test_raise_for_error_shows_the_remote_traceback,
    test_return_values_are_serialised_as_the_python_runtime_does,
    test_tail_log_result_is_base64_of_the_last_4kb,
    test_unserialisable_return_value_is_a_marshal_error,
)
from test_logs import (  # noqa: F401
    init_log,
    test_billed_duration_includes_init_duration_on_a_cold_invoke,
    test_cold_invoke_logs_init_start_init_output_start_handler_output_end_report,
    test_crash_logs_the_platform_fault_and_reports_status_error_with_the_error_type,
    test_each_invocation_log_holds_only_its_own_request_id,
    test_handler_exception_report_is_an_ordinary_success_report,
    test_logging_info_is_dropped_at_the_default_level,
    test_report_line_of_a_cold_invoke_ends_with_init_duration_and_a_tab,
    test_tail_is_base64_of_the_last_4096_bytes_of_a_long_log,
    test_warm_invoke_has_no_init_lines_and_its_report_ends_with_a_tab,
)
from test_sys_path import (  # noqa: F401
    layout,
    test_dotted_package_handler_runs_package_inits_during_init,
    test_handler_module_named_like_a_runtime_module_is_imported_from_the_task_root,
    test_installed_packages_of_the_test_interpreter_are_importable,
    test_lambdasim_runtime_directory_is_not_on_sys_path,
    test_sam_style_src_handler_resolves,
    test_slashes_in_the_module_part_import_namespace_packages,
    test_test_process_sys_path_additions_do_not_reach_the_handler,
    test_user_pythonpath_follows_the_task_root_and_drops_the_layer_paths,
)

# The differences are warned about once per simulator; test_inline.py tests the warnings.
pytestmark = pytest.mark.filterwarnings("ignore::lambdasim.InlineModeWarning")

MODES = ["process", "inline"]


@pytest.fixture(params=MODES)
def mode(request):
    return request.param


@pytest.fixture
def sim(zygote, mode):
    """The suite's simulator, in one mode or the other."""
    with LambdaSim(zygote=zygote, inline=mode == "inline") as sim:
        yield sim


def test_the_mode_is_the_one_asked_for(sim, basic, mode):
    basic("count")
    pid = sim.invoke("count").payload["pid"]
    assert (pid == os.getpid()) is (mode == "inline")
    assert sim.environments("count")[0].sandbox.mode in (("inline",) if mode == "inline" else ("namespace", "directory"))


# --- cold starts, warm reuse ------------------------------------------------------


def test_a_cold_start_imports_the_module_afresh_and_a_warm_one_keeps_its_globals(sim, basic):
    basic("count")
    assert [sim.invoke("count").payload["count"] for _ in range(2)] == [1, 2]
    sim.faults.cold_start("count")
    cold = sim.invoke("count")
    assert cold.cold_start and cold.payload["count"] == 1
    assert sim.invoke("count").payload["count"] == 2


def test_update_retires_the_environment_and_the_next_invoke_is_cold(sim, basic):
    basic("count")
    sim.invoke("count")
    sim.update_function_configuration("count", environment={"STAGE": "test"})
    result = sim.invoke("count")
    assert result.cold_start and result.payload["count"] == 1


# --- errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "how, reason",
    [
        ("exit0", "Runtime exited without providing a reason"),
        ("exit1", "Runtime exited with error: exit status 1"),
        ("exit_msg", "Runtime exited with error: exit status 1"),
        ("os_exit", "Runtime exited with error: exit status 3"),
    ],
)
def test_an_exit_in_the_handler_is_a_runtime_exit_error_and_the_next_invoke_is_cold(sim, basic, how, reason):
    basic("exit_with")
    sim.invoke("exit-with", {"how": "none"})
    result = sim.invoke("exit-with", {"how": how})
    assert result.raw_payload == json.dumps(
        {"errorType": "Runtime.ExitError", "errorMessage": f"RequestId: {result.request_id} Error: {reason}"},
        separators=(",", ":"),
    ).encode()
    assert f"RequestId: {result.request_id} Error: {reason}\nRuntime.ExitError\n" in result.logs
    assert result.logs.splitlines()[-1].endswith("\tStatus: error\tError Type: Runtime.ExitError")
    assert sim.invoke("exit-with", {"how": "none"}).cold_start


def test_error_log_block_is_the_runtimes_with_no_break_spaces(sim, basic):
    basic("fail")
    result = sim.invoke("fail")
    line = (BASIC / "app.py").read_text().splitlines().index('    raise ValueError("handler fails")') + 1
    root = sim.environments("fail")[0].task_root
    nbsp = "\u00a0"
    block = (
        "[ERROR] ValueError: handler fails\nTraceback (most recent call last):\n"
        f'{nbsp * 2}File "{os.path.join(root, "app.py")}", line {line}, in fail\n'
        f'{nbsp * 4}raise ValueError("handler fails")\n'
    )
    assert f"START RequestId: {result.request_id} Version: $LATEST\n{block}END RequestId: " in result.logs


def test_raise_for_error_has_the_handlers_own_exception_as_its_cause_inline_only(sim, basic, mode):
    basic("fail")
    result = sim.invoke("fail")
    with pytest.raises(FunctionError) as caught:
        result.raise_for_error()
    cause = caught.value.__cause__
    if mode == "process":
        assert cause is None and result.exception is None
    else:
        assert cause is result.exception and isinstance(cause, ValueError) and str(cause) == "handler fails"
        assert traceback.extract_tb(cause.__traceback__)[-1].line == 'raise ValueError("handler fails")'
    assert result == attrs.evolve(result, exception=None)  # not part of the result's value


# --- timeouts ---------------------------------------------------------------------


def test_a_timeout_returns_the_timeout_document_and_resets_the_environment(sim, basic, mode):
    basic("stateful", timeout=1)
    assert sim.invoke("stateful").payload["count"] == 1
    result = sim.invoke("stateful", {"sleep": 1.3})
    assert result.raw_payload == (
        b'{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: '
        + result.request_id.encode() + b' Error: Task timed out after 1.00 seconds"}'
    )
    report = result.logs.splitlines()[-1]
    assert re.fullmatch(
        rf"REPORT RequestId: {result.request_id}\tDuration: 1000\.00 ms\tBilled Duration: 1000 ms"
        r"\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tStatus: timeout", report
    ), report
    assert sim.environments("stateful")[0].state == "reset"
    after = sim.invoke("stateful")
    assert after.cold_start and after.payload["count"] == 1


def test_the_handler_sees_its_deadline(sim, basic):
    basic("remaining", timeout=5)
    assert 4000 < sim.invoke("remaining").payload <= 5000


# --- concurrency ------------------------------------------------------------------


def test_a_busy_function_with_reserved_concurrency_one_throttles_the_next_invoke(sim, basic):
    basic("stateful", reserved_concurrency=1)
    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(sim.invoke("stateful", {"sleep": 1.5}).payload))
    worker.start()
    try:
        for _ in range(500):
            if sim.environments("stateful"):
                break
            threading.Event().wait(0.01)
        with pytest.raises(TooManyRequestsException) as caught:
            sim.invoke("stateful")
        assert caught.value.reason == "ReservedFunctionConcurrentInvocationLimitExceeded"
    finally:
        worker.join(30)
    assert outcome and outcome[0]["count"] == 1
    assert sim.invoke("stateful").payload["count"] == 2


# --- logs -------------------------------------------------------------------------


def test_print_and_logging_output_are_captured_in_order_between_start_and_end(sim, mode):
    sim.create_function("init-log", handler="app.handler", code=str(HANDLERS / "init_log"))
    warm = [sim.invoke("init-log") for _ in range(2)][1]
    assert warm.logs.splitlines()[:3] == [
        f"START RequestId: {warm.request_id} Version: $LATEST",
        "handler output",
        f"END RequestId: {warm.request_id}",
    ]


def test_json_log_format_applies_to_logging_records(sim):
    sim.create_function(
        "init-log", handler="app.handler", code=str(HANDLERS / "init_log"), logging_config={"LogFormat": "JSON"}
    )
    result = sim.invoke("init-log")
    record = json.loads(result.logs.splitlines()[2])
    assert (record["level"], record["message"], record["logger"]) == ("WARNING", "init warning", "root")


@pytest.mark.parametrize("mode", ["inline"])
def test_inline_mode_warns_when_the_sim_is_inline(sim, basic):
    # Only the module's filter hides this warning from the tests above.
    basic("echo")
    with pytest.warns(InlineModeWarning):
        sim.invoke("echo")
