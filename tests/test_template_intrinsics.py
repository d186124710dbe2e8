"""Template reading and intrinsic functions: short-form tags, Sub, GetAtt, conditions, mappings, errors."""

import pytest

from lambdasim import TemplateError
from lambdasim._template._intrinsics import NO_VALUE, Resolver, pseudo_parameters
from lambdasim._template._parse import read_template

PSEUDO = pseudo_parameters(
    "eu-west-1", "111122223333", "shop", "arn:aws:cloudformation:eu-west-1:111122223333:stack/shop/x"
)


def resolver(parameters=None, conditions=None, mappings=None):
    result = Resolver(
        parameters=parameters or {},
        pseudo=PSEUDO,
        mappings=mappings or {},
        conditions=conditions or {},
        resource_types={"Queue": "AWS::SQS::Queue", "Off": "AWS::SNS::Topic"},
        region="eu-west-1",
    )
    result.refs["Queue"] = "https://sqs.eu-west-1.amazonaws.com/111122223333/jobs"
    result.attributes["Queue"] = {"Arn": "arn:aws:sqs:eu-west-1:111122223333:jobs", "QueueName": "jobs"}
    result.skipped.add("Off")
    return result


def test_short_form_tags_read_as_their_long_form(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(
        "AWSTemplateFormatVersion: 2010-09-09\n"
        "Resources:\n  R:\n    Properties:\n"
        "      a: !Ref X\n      b: !GetAtt Queue.Arn\n      c: !Sub '${AWS::Region}'\n"
        "      d: !Join [',', [x, y]]\n      e: !If [C, 1, 2]\n      f: !Condition C\n"
        "      g: !FindInMap [M, k, v]\n      h: !Select [0, !GetAZs '']\n      i: !Base64 {'Fn::Sub': x}\n"
        "      j: !Equals [a, b]\n      k: !Not [!Condition C]\n      l: !Split [',', 'a,b']\n"
        "      Version: 2012-10-17\n"
    )
    properties = read_template(path)["Resources"]["R"]["Properties"]
    assert properties == {
        "a": {"Ref": "X"},
        "b": {"Fn::GetAtt": ["Queue", "Arn"]},
        "c": {"Fn::Sub": "${AWS::Region}"},
        "d": {"Fn::Join": [",", ["x", "y"]]},
        "e": {"Fn::If": ["C", 1, 2]},
        "f": {"Condition": "C"},
        "g": {"Fn::FindInMap": ["M", "k", "v"]},
        "h": {"Fn::Select": [0, {"Fn::GetAZs": ""}]},
        "i": {"Fn::Base64": {"Fn::Sub": "x"}},
        "j": {"Fn::Equals": ["a", "b"]},
        "k": {"Fn::Not": [{"Condition": "C"}]},
        "l": {"Fn::Split": [",", "a,b"]},
        "Version": "2012-10-17",  # a date stays a string, as CloudFormation reads it
    }
    assert read_template(path)["AWSTemplateFormatVersion"] == "2010-09-09"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Resources:\n  A: {Type: X}\n  A: {Type: Y}\n", "found duplicate key 'A'"),
        ("Resources: [unclosed\n", "is not valid YAML"),
        ('{"Resources": {"A": 1, "A": 2}}', "is not valid JSON: duplicate key 'A'"),
        ("- a list\n", "must hold a mapping with a 'Resources' section (got list)"),
    ],
)
def test_unreadable_templates_are_one_clear_error(tmp_path, text, message):
    path = tmp_path / "t.yaml"
    path.write_text(text)
    with pytest.raises(TemplateError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_template(path)


def test_missing_template_names_the_path(tmp_path):
    with pytest.raises(TemplateError, match="template '.*nope.yaml' does not exist"):
        read_template(tmp_path / "nope.yaml")


def test_ref_reads_parameters_pseudo_parameters_and_resources():
    r = resolver({"Stage": "dev"})
    assert r.resolve({"Ref": "Stage"}, "p") == "dev"
    assert r.resolve({"Ref": "AWS::AccountId"}, "p") == "111122223333"
    assert r.resolve({"Ref": "AWS::Partition"}, "p") == "aws"
    assert r.resolve({"Ref": "AWS::URLSuffix"}, "p") == "amazonaws.com"
    assert r.resolve({"Ref": "Queue"}, "p") == "https://sqs.eu-west-1.amazonaws.com/111122223333/jobs"


def test_pseudo_parameters_follow_the_partition():
    assert pseudo_parameters("cn-north-1", "1", "s", "i")["AWS::URLSuffix"] == "amazonaws.com.cn"
    assert pseudo_parameters("cn-north-1", "1", "s", "i")["AWS::Partition"] == "aws-cn"
    assert pseudo_parameters("us-gov-west-1", "1", "s", "i")["AWS::Partition"] == "aws-us-gov"


def test_sub_in_both_forms_with_literals_and_attributes():
    r = resolver({"Stage": "dev"})
    assert (
        r.resolve({"Fn::Sub": "${AWS::StackName}-${Stage}-${Queue.QueueName}-${!Literal}"}, "p")
        == "shop-dev-jobs-${Literal}"
    )
    assert r.resolve({"Fn::Sub": ["${Name}.${AWS::URLSuffix}", {"Name": {"Ref": "Stage"}}]}, "p") == "dev.amazonaws.com"


def test_no_value_removes_keys_and_items():
    r = resolver()
    value = {"keep": 1, "drop": {"Ref": "AWS::NoValue"}, "list": [1, {"Ref": "AWS::NoValue"}, 2]}
    assert r.resolve(value, "p") == {"keep": 1, "list": [1, 2]}
    assert r.resolve({"Ref": "AWS::NoValue"}, "p") is NO_VALUE


def test_conditions_combine_and_choose():
    conditions = {
        "IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
        "IsEu": {"Fn::Equals": ["eu-west-1", {"Ref": "AWS::Region"}]},
        "ProdInEu": {"Fn::And": [{"Condition": "IsProd"}, {"Condition": "IsEu"}]},
        "Either": {"Fn::Or": [{"Condition": "IsProd"}, {"Condition": "IsEu"}]},
        "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
        "Count": {"Fn::Equals": [{"Ref": "Count"}, 2]},
    }
    r = resolver({"Stage": "dev", "Count": "2"}, conditions)
    assert [r.condition(name, "p") for name in conditions] == [False, True, False, True, True, True]
    assert r.resolve({"Fn::If": ["NotProd", "small", "large"]}, "p") == "small"


def test_circular_and_unknown_conditions_are_errors():
    r = resolver(conditions={"A": {"Fn::Not": [{"Condition": "B"}]}, "B": {"Fn::Not": [{"Condition": "A"}]}})
    with pytest.raises(TemplateError, match=r"^Conditions\.A: circular condition: A -> B -> A$"):
        r.condition("A", "p")
    with pytest.raises(TemplateError, match=r"^p: condition 'C' is not defined in Conditions \(defined: A, B\)$"):
        r.condition("C", "p")


def test_join_select_split_base64_getazs_findinmap():
    r = resolver(mappings={"Sizes": {"dev": {"Memory": 256}}})
    assert r.resolve({"Fn::Join": ["-", ["a", 1, True]]}, "p") == "a-1-true"
    assert r.resolve({"Fn::Select": ["1", {"Fn::Split": ["/", "a/b/c"]}]}, "p") == "b"
    assert r.resolve({"Fn::Base64": "hi"}, "p") == "aGk="
    assert r.resolve({"Fn::GetAZs": ""}, "p") == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    assert r.resolve({"Fn::FindInMap": ["Sizes", "dev", "Memory"]}, "p") == 256


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"Ref": "Nope"}, "p.Ref: Unresolved resource dependencies [Nope] in the Resources block of the template"),
        ({"Ref": "Off"}, "p.Ref: refers to 'Off', whose Condition is false, so it is not created"),
        (
            {"Fn::GetAtt": ["Queue", "Colour"]},
            "p.Fn::GetAtt: Fn::GetAtt Queue.Colour: lambdasim knows the attributes Arn, QueueName of AWS::SQS::Queue 'Queue'",
        ),
        ({"Fn::Select": [5, ["a"]]}, "p.Fn::Select: Fn::Select index 5 is out of range for ['a']"),
        ({"Fn::FindInMap": ["M", "a", "b"]}, "p.Fn::FindInMap: Fn::FindInMap: Mappings has no M.a.b"),
        (
            {"Fn::ImportValue": "x"},
            "p.Fn::ImportValue: Fn::ImportValue is not supported: it reads another stack's outputs, and lambdasim loads one template at a time",
        ),
        ({"Fn::Join": ["-", "notalist"]}, "p.Fn::Join: Fn::Join takes [delimiter, [values]] (got ['-', 'notalist'])"),
    ],
)
def test_bad_intrinsics_name_their_path(value, message):
    with pytest.raises(TemplateError) as caught:
        resolver().resolve(value, "p")
    assert str(caught.value) == message
