"""RFC 8785 (JCS) canonical JSON for audit-log leaves, restricted to integers.

One value has exactly one byte encoding, so anyone holding an event can re-derive its leaf hash.
"""

from __future__ import annotations

import json
import re
from typing import Any

from audit.errors import CanonicalJSONError

# I-JSON (RFC 7493) integers: beyond 2^53 a JavaScript-based canonicaliser would round them.
MAX_SAFE_INTEGER = 2**53 - 1

_SHORT_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
_ESCAPES = str.maketrans(
    {
        **{chr(c): f"\\u{c:04x}" for c in range(0x20)},
        **_SHORT_ESCAPES,
        '"': '\\"',
        "\\": "\\\\",
    }
)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _string(s: str) -> str:
    if _LONE_SURROGATE.search(s):
        raise CanonicalJSONError("a string holds a lone UTF-16 surrogate, which JSON cannot carry")
    return '"' + s.translate(_ESCAPES) + '"'


def _utf16_order(key: str) -> bytes:
    """Sort key: RFC 8785 orders member names by UTF-16 code units, not by code points."""
    return key.encode("utf-16-be")


def _encode(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, int):
        n = int(value)
        if not -MAX_SAFE_INTEGER <= n <= MAX_SAFE_INTEGER:
            raise CanonicalJSONError(f"integer {n} is outside the I-JSON range ±(2^53-1)")
        out.append(str(n))
    elif isinstance(value, float):
        raise CanonicalJSONError("floating-point numbers are refused in audit leaves; use integers")
    elif isinstance(value, dict):
        names = {}
        for key in value:
            if not isinstance(key, str):
                raise CanonicalJSONError(f"object keys must be strings, not {type(key).__name__}")
            names[key] = _string(key)  # also refuses lone surrogates before sorting
        out.append("{")
        for i, key in enumerate(sorted(value, key=_utf16_order)):
            if i:
                out.append(",")
            out.append(names[key])
            out.append(":")
            _encode(value[key], out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _encode(item, out)
        out.append("]")
    else:
        raise CanonicalJSONError(f"{type(value).__name__} has no JSON form")


def canonical_json(obj: Any) -> bytes:
    """RFC 8785 encoding of ``obj`` as UTF-8; CanonicalJSONError for floats and non-JSON values."""
    out: list[str] = []
    try:
        _encode(obj, out)
    except RecursionError:
        raise CanonicalJSONError("nesting too deep") from None
    return "".join(out).encode("utf-8")


def _refuse_float(text: str) -> Any:
    raise CanonicalJSONError(f"number {text} is not an integer")


def _refuse_constant(text: str) -> Any:
    raise CanonicalJSONError(f"{text} is not JSON")


_DECODER = json.JSONDecoder(parse_float=_refuse_float, parse_constant=_refuse_constant)
_STDLIB_ENCODER = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":")
)
# Where the stdlib encoder could differ from RFC 8785: code points >= U+E000 (UTF-8 lead bytes
# 0xEE-0xF4), whose code-point order differs from UTF-16 order, and integers beyond 2^53 (16+
# digits). Both are spotted with C-level byte operations rather than a slow alternation regex.
_DIGITS_ONLY = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_SIXTEEN_DIGITS = b"0" * 16
_HIGH_LEAD_BYTE = re.compile(b"[\xee-\xff]")


def _stdlib_may_differ(data: bytes) -> bool:
    return bool(_HIGH_LEAD_BYTE.search(data)) or _SIXTEEN_DIGITS in data.translate(_DIGITS_ONLY)


def parse_canonical(data: bytes) -> Any:
    """Parse bytes that must already be canonical JSON; raises CanonicalJSONError otherwise.

    Used by verifiers: a leaf that parses but is not byte-identical to its re-encoding was not
    written by a conforming log. The C-accelerated stdlib encoder re-encodes when it provably
    agrees with RFC 8785 (same escapes; key order only differs above U+E000; no floats), so
    checking is fast; other input goes through ``canonical_json``. Repeated member names are
    caught because re-encoding drops them.
    """
    try:
        text = data.decode("utf-8")
        obj = _DECODER.decode(text)
    except UnicodeDecodeError as e:
        raise CanonicalJSONError(f"not UTF-8: {e.reason} at byte {e.start}") from None
    except json.JSONDecodeError as e:
        raise CanonicalJSONError(f"not JSON: {e.msg} at character {e.pos}") from None
    except (RecursionError, ValueError) as e:
        raise CanonicalJSONError(f"not acceptable JSON: {e}") from None
    if _stdlib_may_differ(data):
        again = canonical_json(obj)
    else:
        try:
            again = _STDLIB_ENCODER.encode(obj).encode("utf-8")
        except UnicodeEncodeError:
            raise CanonicalJSONError("a string holds a lone UTF-16 surrogate") from None
    if again != data:
        raise CanonicalJSONError("JSON is not in RFC 8785 canonical form")
    return obj


def parse_integral_json(text: str | bytes) -> Any:
    """Parse JSON that may hold no float, NaN or Infinity (CanonicalJSONError if it does).

    What it returns can go to ``canonical_json_fast(..., floats_refused=True)``: the parser
    refuses floats as it meets them, at no cost when there are none.
    """
    try:
        return _DECODER.decode(text if isinstance(text, str) else text.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CanonicalJSONError(f"not JSON: {e}") from None


def canonical_json_fast(obj: Any, *, floats_refused: bool = False) -> bytes:
    """``canonical_json(obj)``, by the C encoder whenever it provably gives the same bytes.

    Used by the sequencer, which encodes every event. Floats, which the C encoder would write,
    are refused first, unless the caller built ``obj`` only of ints, strings and what
    ``parse_integral_json`` returned; output where the two encoders may differ (see
    ``parse_canonical``) is re-encoded the slow, exact way, which refuses what canonical JSON
    cannot carry.
    """
    if not floats_refused:
        _refuse_floats(obj)
    try:
        data = _STDLIB_ENCODER.encode(obj).encode("utf-8")
    except (TypeError, ValueError, UnicodeEncodeError):
        return canonical_json(obj)  # raises, naming what is wrong
    return canonical_json(obj) if _stdlib_may_differ(data) else data


_NEVER_FLOAT = frozenset({str, int, bool, type(None)})


def _refuse_floats(value: Any) -> None:
    """Raise if a float hides anywhere in ``value``; a loop, as it runs for every event."""
    pending = [value]
    while pending:
        item = pending.pop()
        if type(item) in _NEVER_FLOAT:
            continue
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
        elif isinstance(item, float):
            raise CanonicalJSONError(
                "floating-point numbers are refused in audit leaves; use integers"
            )
