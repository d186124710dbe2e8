"""The pytest plugin loads templates: the marker's template=, the ini option, the session fixture."""

pytest_plugins = ["pytester"]

INLINE = ("-p", "no:hypothesispytest")

TEMPLATE = """
Parameters:
  Word:
    Type: String
    Default: ini
Resources:
  Say:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: say
      Runtime: python3.12
      Handler: index.handler
      Role: arn:aws:iam::123456789012:role/r
      Environment:
        Variables:
          WORD: !Ref Word
      Code:
        ZipFile: |
          import os
          def handler(event, context):
              return os.environ["WORD"]
"""


def test_ini_template_is_loaded_for_every_fixture_and_a_marker_can_turn_it_off(pytester):
    pytester.makefile(".yaml", **{"deploy/template": TEMPLATE})
    pytester.makeini("[pytest]\nlambdasim_template = deploy/template.yaml\n")
    pytester.makepyfile(
        """
        import pytest

        def test_per_test(lambda_sim):
            assert lambda_sim.invoke("say").payload == "ini"

        def test_session(lambda_sim_session):
            assert lambda_sim_session.stacks[0].invoke("Say").payload == "ini"

        @pytest.mark.lambdasim(template=None)
        def test_turned_off(lambda_sim):
            assert lambda_sim.stacks == []

        @pytest.mark.lambdasim(template="deploy/template.yaml", template_parameters={"Word": "marker"})
        def test_marker_parameters(lambda_sim):
            assert lambda_sim.invoke("say").payload == "marker"
        """
    )
    result = pytester.runpytest(*INLINE)
    result.assert_outcomes(passed=4)


def test_a_template_that_cannot_load_fails_the_setup_in_one_line(pytester):
    pytester.makefile(".yaml", template=TEMPLATE.replace("Runtime: python3.12", "Runtime: python3.12\n      SnapStart: {}"))
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.lambdasim(template="template.yaml")
        def test_never_runs(lambda_sim):
            pass
        """
    )
    result = pytester.runpytest(*INLINE)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([
        "*lambdasim: cannot load template 'template.yaml': Resources.Say.Properties.SnapStart: "
        "not supported: SnapStart snapshots are not simulated"
    ])


def test_template_options_without_a_template_are_a_setup_error(pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.lambdasim(template_parameters={"Word": "x"})
        def test_never_runs(lambda_sim):
            pass
        """
    )
    result = pytester.runpytest(*INLINE)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*template_parameters=..., code_locations=...) needs template=...*"])
