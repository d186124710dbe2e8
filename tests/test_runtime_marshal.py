"""Results are encoded byte for byte as Lambda's simplejson-based marshaller does (spec §2.2)."""

import collections
import datetime
import decimal
import enum
import json
import math
import pathlib
import random
import subprocess
import sys
from gc import get_referents

import pytest

from lambdasim._runtime import marshal
from lambdasim._runtime.marshal import decode_event, encode_result

Point = collections.namedtuple("Point", "x y")


class Color(enum.IntEnum):
    RED = 1


class Shade(str, enum.Enum):
    DARK = "dark"


class Ratio(float):
    pass


class Text(str):
    pass


class Items(list):
    pass


class Mapping(dict):
    pass


class Pair(tuple):
    pass


class Record:
    """Not a tuple, but has _asdict(): simplejson writes an object."""

    def _asdict(self):
        return {"kind": "record"}


class BadRecord:
    def _asdict(self):
        return ["not", "a", "dict"]


class NeedsArgument:
    """_asdict() raising TypeError is ignored, like a non-callable attribute."""

    def _asdict(self, required):
        return {}


class ListWithAsdict(list):
    def _asdict(self):
        return {"from": "_asdict"}


class DictWithAsdict(dict):
    def _asdict(self):
        return {"from": "_asdict"}


def both(value):
    return {
        ascii_: encode_result(value, ensure_ascii=ascii_) for ascii_ in (True, False)
    }


# -- fixed expectations (no simplejson needed) --------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, b"null"),
        ({"a": 1}, b'{"a": 1}'),
        ([1, "two", None, True, False], b'[1, "two", null, true, false]'),
        ({"b": 1, "a": 2}, b'{"b": 1, "a": 2}'),
        (decimal.Decimal("1.10"), b"1.10"),
        (decimal.Decimal("1E+2"), b"1E+2"),
        (decimal.Decimal("NaN"), b"NaN"),
        (decimal.Decimal("-NaN"), b"NaN"),
        (decimal.Decimal("sNaN"), b"NaN"),
        (decimal.Decimal("-Infinity"), b"-Infinity"),
        ({"price": decimal.Decimal("3.14159")}, b'{"price": 3.14159}'),
        (float("nan"), b"NaN"),
        ([float("inf"), float("-inf")], b"[Infinity, -Infinity]"),
        ((1, 2), b"[1, 2]"),
        (Point(1, 2), b'{"x": 1, "y": 2}'),
        ([Point(1, Point(2, 3))], b'[{"x": 1, "y": {"x": 2, "y": 3}}]'),
        ({2: "a", 1.5: "b", True: "c", None: "d"}, b'{"2": "a", "1.5": "b", "true": "c", "null": "d"}'),
        ({False: 0, 0.1: 1, -2: 2}, b'{"false": 0, "0.1": 1, "-2": 2}'),
        ({float("nan"): 1}, b'{"NaN": 1}'),
        ({b"key": b"value"}, b'{"key": "value"}'),
        (Color.RED, b"1"),
        ({Color.RED: Color.RED}, b'{"1": 1}'),
        (Shade.DARK, b'"dark"'),
        (Ratio(0.5), b"0.5"),
        (Text("x"), b'"x"'),
        (Items([1]), b"[1]"),
        (Mapping(a=1), b'{"a": 1}'),
        (Pair((1,)), b"[1]"),
        (Record(), b'{"kind": "record"}'),
        (DictWithAsdict(a=1), b'{"from": "_asdict"}'),
        (ListWithAsdict([1]), b'{"from": "_asdict"}'),
        (10**30, b"1000000000000000000000000000000"),
        (1e100, b"1e+100"),
        (0.1, b"0.1"),
        ([], b"[]"),
        ({}, b"{}"),
        ("", b'""'),
        ("\u2028\x7f\x00\n\"\\", b'"\\u2028\\u007f\\u0000\\n\\"\\\\"'),
    ],
)
def test_encodes_like_the_runtime_with_ensure_ascii(value, expected):
    assert encode_result(value, ensure_ascii=True) == expected


def test_ensure_ascii_escapes_non_ascii_and_false_keeps_utf8():
    assert encode_result("héllo", ensure_ascii=True) == b'"h\\u00e9llo"'
    assert encode_result("héllo", ensure_ascii=False) == '"héllo"'.encode()
    assert encode_result({"price": "£1.00"}, ensure_ascii=True) == b'{"price": "\\u00a31.00"}'
    assert encode_result({"€": "😀"}, ensure_ascii=False) == '{"€": "😀"}'.encode()
    assert encode_result("😀", ensure_ascii=True) == b'"\\ud83d\\ude00"'
    # Only U+0000-U+001F, quote and backslash are escaped without ensure_ascii.
    assert encode_result("\u2028\x7f", ensure_ascii=False) == '"\u2028\x7f"'.encode()


def test_bytes_are_returned_unchanged():
    raw = b"\xff\x00not json"
    assert encode_result(raw, ensure_ascii=True) is raw
    assert encode_result(b"", ensure_ascii=False) == b""


def test_nested_bytes_are_decoded_as_utf8_strings():
    assert encode_result([b"caf\xc3\xa9"], ensure_ascii=True) == b'["caf\\u00e9"]'
    with pytest.raises(UnicodeDecodeError):
        encode_result([b"\xff"], ensure_ascii=True)


def test_decimals_mixed_into_plain_data_keep_their_text_and_order():
    value = {
        "items": [{"n": decimal.Decimal(i), "p": decimal.Decimal("0.50")} for i in range(3)],
        "total": decimal.Decimal("1.50"),
        "label": "\x00 looks like a placeholder \x00",
    }
    assert encode_result(value, ensure_ascii=True) == (
        b'{"items": [{"n": 0, "p": 0.50}, {"n": 1, "p": 0.50}, {"n": 2, "p": 0.50}], '
        b'"total": 1.50, "label": "\\u0000 looks like a placeholder \\u0000"}'
    )


@pytest.mark.parametrize(
    "value, message",
    [
        ({1, 2}, "Object of type set is not JSON serializable"),
        ({"when": datetime.datetime(2026, 1, 1)}, "Object of type datetime is not JSON serializable"),
        ([object()], "Object of type object is not JSON serializable"),
        (bytearray(b"x"), "Object of type bytearray is not JSON serializable"),
        ({(1, 2): "tuple key"}, "keys must be str, int, float, bool or None, not tuple"),
        ({decimal.Decimal(1): "x"}, "keys must be str, int, float, bool or None, not decimal.Decimal"),
        ({"a": [{frozenset(): 1}]}, "keys must be str, int, float, bool or None, not frozenset"),
        (BadRecord(), "_asdict() must return a dict, not list"),
        (NeedsArgument(), "Object of type NeedsArgument is not JSON serializable"),
        ({datetime.date(2026, 1, 1): 1}, "keys must be str, int, float, bool or None, not datetime.date"),
    ],
)
def test_unserialisable_values_raise_simplejson_type_errors(value, message):
    for ensure_ascii in (True, False):
        with pytest.raises(TypeError) as info:
            encode_result(value, ensure_ascii=ensure_ascii)
        assert str(info.value) == message


def test_circular_reference_raises_value_error():
    looped = []
    looped.append(looped)
    with pytest.raises(ValueError, match="^Circular reference detected$"):
        encode_result(looped, ensure_ascii=True)
    branching = []
    branching.extend([branching, branching])
    with pytest.raises(ValueError, match="^Circular reference detected$"):
        encode_result({"a": branching}, ensure_ascii=False)
    via_namedtuple = {"p": None}
    via_namedtuple["p"] = Point(via_namedtuple, 1)
    with pytest.raises(ValueError, match="^Circular reference detected$"):
        encode_result(via_namedtuple, ensure_ascii=True)


@pytest.mark.parametrize("fan_out", [200, 255, 5000])
def test_a_cycle_with_many_paths_is_found_without_walking_them_all(monkeypatch, fan_out):
    looped = []
    looped.extend([looped] * fan_out)
    longest = [0]

    def referents(*objects):
        found = get_referents(*objects)
        longest[0] = max(longest[0], len(found))
        return found

    monkeypatch.setattr(marshal, "get_referents", referents)
    with pytest.raises(ValueError, match="^Circular reference detected$"):
        encode_result(looped, ensure_ascii=True)
    # Each level over _DEDUPLICATE_ABOVE is deduplicated first: no level grows past
    # fan_out ** 2 (fan_out * 4,096 at most).
    assert longest[0] <= fan_out * min(fan_out, marshal._DEDUPLICATE_ABOVE)


def test_shared_references_are_not_circular():
    shared = {"k": [1, 2]}
    wide = [shared] * 10_000
    assert encode_result(wide, ensure_ascii=True) == b"[" + b", ".join([b'{"k": [1, 2]}'] * 10_000) + b"]"


def test_deep_nesting_is_encoded():
    value = []
    for _ in range(300):
        value = [value]
    assert encode_result(value, ensure_ascii=True) == b"[" * 301 + b"]" * 301
    wrapped = [Point(1, value)]
    assert encode_result(wrapped, ensure_ascii=True).startswith(b'[{"x": 1, "y": [[[')


class _Text(str):
    pass


class _Number(int):
    pass


def _reference_route(value):
    """What ``marshal._route`` decides, the plain recursive way (str keys, no cycles)."""
    kind = type(value)
    if kind in (str, int, float, bool, type(None)):
        return marshal._FAST
    if kind is decimal.Decimal:
        return marshal._FAST_WITH_DECIMALS
    if kind in (list, tuple, dict):
        routes = {_reference_route(item) for item in (value.values() if kind is dict else value)}
        if marshal._SLOW in routes:
            return marshal._SLOW
        return marshal._FAST_WITH_DECIMALS if marshal._FAST_WITH_DECIMALS in routes else marshal._FAST
    if issubclass(kind, (str, int, float)) and not hasattr(value, "_asdict"):
        return marshal._FAST
    return marshal._SLOW


def _random_value(rng, depth, shared):
    if depth > 5 or rng.random() < 0.3:
        pick = rng.randrange(12)
        if pick == 0 and rng.random() < 0.2:
            return decimal.Decimal("1.5")
        if pick == 1 and rng.random() < 0.2:
            return _Text("sub")
        if pick == 2 and rng.random() < 0.2:
            return _Number(3)
        if pick == 3 and rng.random() < 0.1:
            return Point(1, 2)
        if pick == 4 and rng.random() < 0.05:
            return object()
        if pick == 5 and shared:
            return rng.choice(shared)
        return rng.choice(["s", 1, 2.5, True, None, -7, "é"])
    size = rng.randrange(0, 6)
    items = [_random_value(rng, depth + 1, shared) for _ in range(size)]
    shape = rng.randrange(3)
    value = items if shape == 0 else tuple(items) if shape == 1 else {f"k{i}": item for i, item in enumerate(items)}
    if rng.random() < 0.2:
        shared.append(value)
    return value


@pytest.mark.parametrize("seed", range(24))
def test_the_encoder_is_chosen_as_a_walk_of_every_value_would_choose_it(seed):
    rng = random.Random(seed)
    shared = []
    values = [_random_value(rng, 0, shared) for _ in range(30)]
    for value in values + [values]:
        assert marshal._route(value) == _reference_route(value)
    # Levels long enough to be deduplicated, of containers reached along many paths.
    wide = [rng.choice(shared or values) for _ in range(2 * marshal._DEDUPLICATE_ABOVE)]
    distinct = list({id(piece): piece for piece in wide}.values())
    assert marshal._route([wide, [wide]]) == _reference_route(distinct)


def test_lone_surrogate_without_ensure_ascii_fails_to_encode_as_utf8():
    assert encode_result("\ud800", ensure_ascii=True) == b'"\\ud800"'
    with pytest.raises(UnicodeEncodeError):
        encode_result("\ud800", ensure_ascii=False)


# -- comparison with the real simplejson -------------------------------------


def _simplejson():
    """simplejson 3.x, the version spec §2.2 was checked with (3.20.1), if installed.

    simplejson 4 names C types differently in key errors ("not Decimal" where 3.x
    and Lambda say "not decimal.Decimal").
    """
    simplejson = pytest.importorskip("simplejson")
    if not simplejson.__version__.startswith("3."):
        pytest.skip("compared against simplejson 3.x, found %s" % simplejson.__version__)
    return simplejson


def _runtime_encoder(simplejson, ensure_ascii):
    class RuntimeEncoder(simplejson.JSONEncoder):
        """The runtime's encoder (spec §2.2), built on the real simplejson."""

        def __init__(self):
            super().__init__(use_decimal=False, allow_nan=True, ensure_ascii=ensure_ascii)

        def default(self, obj):
            if isinstance(obj, decimal.Decimal):
                return math.nan if obj.is_nan() else simplejson.RawJSON(str(obj))
            return super().default(obj)

    return RuntimeEncoder()


def _sample_values():
    nested_decimal = {"a": [decimal.Decimal("1.0"), {"b": decimal.Decimal("-0")}]}
    return [
        None, True, False, 0, -1, 2**64, 1.0, -0.0, 1e-7, 123456789.123456789,
        float("nan"), float("inf"), float("-inf"), "", "plain", "héllo wörld", "😀 emoji",
        "\x00\x1f\x7f\u2028\u2029\ufeff", 'quote " and \\ backslash', [], {}, (), [[[]]],
        {"nested": {"list": [1, 2.5, "x", None, {"deep": [True]}]}}, (1, (2, (3,))),
        Point(1, 2), Point("a", Point([1], {"k": Point(0, 0)})), [Point(1, 2), (3, 4)],
        {2: 1, 2.5: 2, True: 3, False: 4, None: 5, "s": 6}, {1e20: 0, -0.0: 1, 10**20: 2},
        {float("inf"): 1, float("-inf"): 2}, {Color.RED: "enum key"}, {Text("k"): Text("v")},
        decimal.Decimal("0"), decimal.Decimal("-1.500"), decimal.Decimal("1E-10"),
        decimal.Decimal("Infinity"), decimal.Decimal("-NaN"), nested_decimal,
        [Color.RED, Shade.DARK, Ratio(1.25), Ratio(float("nan"))], Items([1, Point(1, 2)]),
        Mapping({"m": Point(1, 2)}), Pair((1, 2)), Record(), DictWithAsdict(x=1), ListWithAsdict(),
        {"bytes": b"caf\xc3\xa9", b"key": 1}, [b""], NeedsArgument(), BadRecord(),
        {1, 2}, frozenset(), datetime.date(2026, 1, 1), object(), bytearray(b"x"),
        {(1,): 1}, {decimal.Decimal(1): 1}, {datetime.time(): 1}, [b"\xff"], {"k": complex(1, 2)},
    ]


@pytest.mark.parametrize("ensure_ascii", [True, False])
@pytest.mark.parametrize("value", _sample_values(), ids=lambda v: type(v).__name__)
def test_matches_simplejson(value, ensure_ascii):
    simplejson = _simplejson()
    try:
        expected = _runtime_encoder(simplejson, ensure_ascii).encode(value).encode("utf-8")
    except Exception as error:  # the runtime's MarshalError text is str(error)
        with pytest.raises(type(error)) as info:
            encode_result(value, ensure_ascii=ensure_ascii)
        assert str(info.value) == str(error)
    else:
        assert encode_result(value, ensure_ascii=ensure_ascii) == expected


def test_matches_simplejson_on_a_large_mixed_document():
    simplejson = _simplejson()
    document = {
        "rows": [
            {"id": i, "name": "row %d é" % i, "tags": ("a", "b"), "score": i / 7, "none": None}
            for i in range(2000)
        ],
        "points": [Point(i, -i) for i in range(50)],
    }
    for ensure_ascii in (True, False):
        expected = simplejson.JSONEncoder(allow_nan=True, ensure_ascii=ensure_ascii).encode(document)
        assert encode_result(document, ensure_ascii=ensure_ascii) == expected.encode("utf-8")


def test_too_deep_nesting_raises_the_encoders_recursion_error():
    value = []
    for _ in range(100_000):
        value = [value]
    for ensure_ascii in (True, False):
        with pytest.raises(RecursionError) as info:
            encode_result(value, ensure_ascii=ensure_ascii)
        assert str(info.value) == "maximum recursion depth exceeded while encoding a JSON object"
    simplejson = _simplejson()
    with pytest.raises(RecursionError) as info:
        _runtime_encoder(simplejson, True).encode(value)
    assert str(info.value) == "maximum recursion depth exceeded while encoding a JSON object"


# -- decoding the event -------------------------------------------------------


def test_empty_payload_becomes_empty_dict():
    assert decode_event(b"") == {}


def test_payload_decodes_to_ints_floats_and_strings():
    event = decode_event(b'{"a": 1, "b": 1.5, "c": [true, null], "d": "\\u00e9", "e": 1e400}')
    assert event == {"a": 1, "b": 1.5, "c": [True, None], "d": "é", "e": float("inf")}
    assert type(event["b"]) is float


def test_payload_keeps_key_order_and_last_duplicate_wins():
    assert list(decode_event(b'{"z": 1, "a": 2, "z": 3}').items()) == [("z", 3), ("a", 2)]


def test_payload_with_utf8_bom_and_whitespace_decodes():
    assert decode_event(b"\xef\xbb\xbf \n[1]\t") == [1]


@pytest.mark.parametrize(
    "payload, message",
    [
        (b"NaN", "Expecting value: line 1 column 1 (char 0)"),
        (b'{"a": "NaN", "b": [1, -Infinity]}', "Expecting value: line 1 column 23 (char 22)"),
        (b"[Infinity]", "Expecting value: line 1 column 2 (char 1)"),
        (b"{", None),
        (b"[1] 2", None),
    ],
)
def test_invalid_payload_raises_value_error(payload, message):
    with pytest.raises(ValueError) as info:
        decode_event(payload)
    if message is not None:
        assert str(info.value) == message


def test_non_utf8_payload_raises_unicode_error():
    with pytest.raises(UnicodeDecodeError):
        decode_event(b'"\xff"')


@pytest.mark.parametrize(
    "payload", [b'{"a": [1, 2.5, "x", null, {"b": false}]}', b"NaN", b'{"k": -Infinity}', b"\xef\xbb\xbf1"]
)
def test_decoding_matches_simplejson(payload):
    simplejson = _simplejson()
    try:
        expected = simplejson.loads(payload)
    except ValueError as error:
        with pytest.raises(ValueError) as info:
            decode_event(payload)
        assert str(info.value) == str(error)
    else:
        assert json.dumps(decode_event(payload)) == json.dumps(expected)


def test_runtime_package_imports_with_the_standard_library_only():
    """Loaded as the zygote loads it, without site-packages and without lambdasim."""
    runtime_dir = pathlib.Path(__file__).resolve().parent.parent / "lambdasim" / "_runtime"
    script = (
        "import importlib.util, sys\n"
        "spec = importlib.util.spec_from_file_location('_lambdasim_runtime', %r,"
        " submodule_search_locations=[%r])\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "sys.modules['_lambdasim_runtime'] = module\n"
        "spec.loader.exec_module(module)\n"
        "from _lambdasim_runtime import context, errors, logs, marshal\n"
        "assert marshal.encode_result({'a': 1}, ensure_ascii=True) == b'{\"a\": 1}'\n"
        "assert not [m for m in sys.modules if m.startswith(('lambdasim', 'simplejson', 'attr'))]\n"
    ) % (str(runtime_dir / "__init__.py"), str(runtime_dir))
    completed = subprocess.run(
        [sys.executable, "-I", "-S", "-c", script], capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
