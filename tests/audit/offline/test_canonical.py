"""RFC 8785 canonical JSON: the RFC's own examples, refusals, and strict parsing.

Also checks that the fast stdlib re-encoding path of parse_canonical agrees with canonical_json.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.errors import BadInput, CanonicalJSONError
from audit.offline.canonical import (
    canonical_json,
    canonical_json_fast,
    parse_canonical,
    parse_integral_json,
)


def test_rfc8785_sorting_example() -> None:
    """RFC 8785 §3.2.3: member names sorted by UTF-16 code units."""
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    expected = (
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control",'
        '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",'
        '"\U0001f600":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}'
    )
    assert canonical_json(value) == expected.encode("utf-8")


def test_rfc8785_string_and_literal_example() -> None:
    """RFC 8785 §3.2.2 input (without its floats), parsed from its JSON text."""
    source = (
        r'{"string": "\u20ac$\u000F\u000aA'
        + "'"
        + r'\u0042\u0022\u005c\\\"\/", "literals": [null, true, false]}'
    )
    value = json.loads(source)
    expected = '{"literals":[null,true,false],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    assert canonical_json(value) == expected.encode("utf-8")


@pytest.mark.parametrize(
    ("char", "escaped"),
    [
        ("\b", "\\b"),
        ("\t", "\\t"),
        ("\n", "\\n"),
        ("\f", "\\f"),
        ("\r", "\\r"),
        ("\x00", "\\u0000"),
        ("\x1f", "\\u001f"),
        ("\x0b", "\\u000b"),
        ('"', '\\"'),
        ("\\", "\\\\"),
        ("/", "/"),
        ("\x7f", "\x7f"),
        ("\u2028", "\u2028"),
        ("ệ", "ệ"),
    ],
)
def test_string_escapes(char: str, escaped: str) -> None:
    assert canonical_json(char) == f'"{escaped}"'.encode()


def test_integers_and_nesting() -> None:
    assert canonical_json({"b": [1, -2, 0], "a": {"z": None, "y": True}}) == (
        b'{"a":{"y":true,"z":null},"b":[1,-2,0]}'
    )
    assert canonical_json(2**53 - 1) == b"9007199254740991"
    assert canonical_json(()) == b"[]"
    assert canonical_json({}) == b"{}"


@pytest.mark.parametrize(
    "value",
    [
        1.0,
        0.5,
        float("nan"),
        float("inf"),
        {"a": [1, 2.5]},
        2**53,
        -(2**53),
        "\ud800",
        {"\udfff": 1},
        {1: "int key"},
        b"bytes",
        {1, 2},
        object(),
    ],
    ids=repr,
)
def test_refusals(value: Any) -> None:
    with pytest.raises(CanonicalJSONError):
        canonical_json(value)


def test_error_is_a_bad_input() -> None:
    with pytest.raises(BadInput):
        canonical_json(1.5)


def test_deep_nesting_is_refused_cleanly() -> None:
    value: Any = 0
    for _ in range(100_000):
        value = [value]
    with pytest.raises(CanonicalJSONError):
        canonical_json(value)


def test_parse_canonical_accepts_canonical() -> None:
    assert parse_canonical(b'{"a":1,"b":"\xe1\xbb\x87"}') == {"a": 1, "b": "ệ"}


@pytest.mark.parametrize(
    "data",
    [
        b'{"a": 1}',
        b'{"b":1,"a":2}',
        b'{"a":1,"a":1}',
        b'{"a":1.0}',
        b'{"a":1e2}',
        b'{"a":NaN}',
        b'{"a":-0}',
        b'{"a":01}',
        b'"\\u0041"',
        b'"\\/"',
        b'"\\u001F"',
        b'"\\ud800"',
        b"\xef\xbb\xbf{}",
        b'"\xff"',
        b"{} ",
        b"",
        b"[1,]",
        b"12345678901234567",
        b'{"\xef\xac\xb3":1,"\xf0\x9f\x98\x80":2}',
    ],
    ids=repr,
)
def test_parse_canonical_refuses(data: bytes) -> None:
    with pytest.raises(CanonicalJSONError):
        parse_canonical(data)


def test_parse_canonical_uses_utf16_order_above_e000() -> None:
    """The stdlib would sort U+FB33 after U+1F600; RFC 8785 (UTF-16) sorts it last."""
    assert parse_canonical('{"\U0001f600":2,"\ufb33":1}'.encode()) == {"\U0001f600": 2, "\ufb33": 1}


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.text(st.characters(exclude_categories=["Cs"])),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.text(st.characters(exclude_categories=["Cs"]), max_size=4), inner, max_size=4
        )
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(_json)
def test_round_trip(value: Any) -> None:
    data = canonical_json(value)
    assert parse_canonical(data) == value
    assert canonical_json(json.loads(data)) == data


@settings(max_examples=300, deadline=None)
@given(_json)
def test_non_canonical_spellings_are_refused(value: Any) -> None:
    data = canonical_json(value)
    spaced = json.dumps(json.loads(data), ensure_ascii=True, indent=1).encode()
    if spaced != data:
        with pytest.raises(CanonicalJSONError):
            parse_canonical(spaced)


_anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(_json | _anything)
def test_the_fast_encoder_writes_the_same_bytes_or_refuses_the_same(value: Any) -> None:
    try:
        expected = canonical_json(value)
    except CanonicalJSONError:
        with pytest.raises(CanonicalJSONError):
            canonical_json_fast(value)
        return
    assert canonical_json_fast(value) == expected


@pytest.mark.parametrize("value", [{"a": 0.5}, [1, [2.0]], {"big": 2**53}, {"s": "\ud800"}])
def test_the_fast_encoder_refuses_what_the_exact_one_refuses(value: Any) -> None:
    with pytest.raises(CanonicalJSONError):
        canonical_json_fast(value)


@settings(max_examples=300, deadline=None)
@given(_json | _anything)
def test_json_parsed_refusing_floats_encodes_as_the_exact_encoder_does(value: Any) -> None:
    try:
        text = json.dumps(value)
    except ValueError:  # a lone surrogate the stdlib cannot write either
        return
    try:
        expected = canonical_json(json.loads(text))
    except CanonicalJSONError:
        with pytest.raises(CanonicalJSONError):
            canonical_json_fast(parse_integral_json(text), floats_refused=True)
        return
    assert canonical_json_fast(parse_integral_json(text), floats_refused=True) == expected


@pytest.mark.parametrize("text", ['{"a": 0.5}', "[1e3]", '{"n": NaN}', "[Infinity]", "{oops"])
def test_parsing_refuses_floats_and_what_is_not_json(text: str) -> None:
    with pytest.raises(CanonicalJSONError):
        parse_integral_json(text)
