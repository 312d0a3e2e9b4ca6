"""GitHub expression values: kinds, truthiness, coercion, comparison, string conversion and the
built-in functions, as GitHub documents them and its expression engine implements them.

https://docs.github.com/en/actions/reference/workflows-and-actions/expressions#operators
("GitHub performs loose equality comparisons": a number against a string, boolean or null
converts both to numbers; strings compare ignoring case; objects and arrays are equal only when
they are the same instance; NaN is never equal, greater or smaller).

Values are Python data: ``None``, ``bool``, ``int``/``float`` (numbers), ``str``, ``list`` and
``Mapping`` (objects, whose keys GitHub looks up ignoring case).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Final


class ExpressionError(ValueError):
    """The expression is not valid, or GitHub would fail evaluating it."""


def kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    return "object"


def primitive(value: Any) -> bool:
    return kind(value) not in ("array", "object")


def truthy(value: Any) -> bool:
    """GitHub truthiness: null, false, 0, NaN and '' are falsy; everything else is truthy."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        value = number(value)
        return not (value == 0 or math.isnan(value))
    if isinstance(value, str):
        return value != ""
    return value is not None


# JavaScript's StringToNumber: surrounding white space ignored, '' is 0, decimal with optional
# sign and exponent, Infinity, or an unsigned 0x/0o/0b literal; anything else is NaN.
JS_SPACE: Final = " \t\n\v\f\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_DECIMAL: Final = re.compile(r"[+-]?(?:Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)")
_RADIX: Final = {"0x": 16, "0X": 16, "0o": 8, "0O": 8, "0b": 2, "0B": 2}
_RADIX_DIGITS: Final = {16: re.compile(r"[0-9a-fA-F]+"), 8: re.compile(r"[0-7]+"), 2: re.compile(r"[01]+")}


def string_number(text: str) -> float:
    text = text.strip(JS_SPACE)
    if text == "":
        return 0.0
    if _DECIMAL.fullmatch(text):
        return float(text.replace("Infinity", "inf"))
    base = _RADIX.get(text[:2])
    if base is not None and _RADIX_DIGITS[base].fullmatch(text[2:]):
        return float(int(text[2:], base))
    return math.nan


def number(value: Any) -> float:
    """A value as a number, a double as in JavaScript: null is 0, booleans 1 and 0, an integer
    the nearest double (an infinity past the largest), strings as JavaScript reads them."""
    if value is None:
        return 0.0
    if isinstance(value, bool | float):
        return float(value)
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    if isinstance(value, str):
        return string_number(value)
    return math.nan


def _js_number_text(value: float) -> str:
    """JavaScript's Number.prototype.toString: shortest round-trip digits, exponent past 1e21."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    digits_tuple, exponent = Decimal(repr(abs(value))).normalize().as_tuple()[1:]
    digits = "".join(map(str, digits_tuple))
    point = len(digits) + int(exponent)  # the decimal point sits after this many digits
    if len(digits) <= point <= 21:
        return sign + digits + "0" * (point - len(digits))
    if 0 < point <= 21:
        return sign + digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return sign + "0." + "0" * -point + digits
    e = point - 1
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{sign}{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"


def to_string(value: Any) -> str:
    """A value as a string (GitHub "casts values to a string"): null is '', numbers keep at most
    15 decimals, objects and arrays are 'Object' and 'Array'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        value = number(value)
        if math.isfinite(value) and abs(value) < 1e21:
            value = float(f"{value:.15f}")
        return _js_number_text(value)
    if isinstance(value, str):
        return value
    return "Array" if isinstance(value, list | tuple) else "Object"


def fold(text: str) -> str:
    """Case folding for comparisons: upper case, except that the dotless i stays itself."""
    return "ı".join(part.upper() for part in text.split("ı"))


def _coerced(left: Any, right: Any) -> tuple[Any, Any]:
    lk, rk = kind(left), kind(right)
    if lk == rk:
        return left, right
    if {lk, rk} == {"number", "string"}:
        return number(left), number(right)
    if lk in ("null", "boolean"):
        return _coerced(number(left), right)
    if rk in ("null", "boolean"):
        return _coerced(left, number(right))
    return left, right


def equals(left: Any, right: Any) -> bool:
    a, b = _coerced(left, right)
    if kind(a) != kind(b):
        return False
    if kind(a) == "number":
        return number(a) == number(b)  # as doubles; NaN is equal to nothing
    if kind(a) == "string":
        return fold(a) == fold(b)
    if kind(a) in ("array", "object"):
        return a is b
    return bool(a == b)


def _utf16(text: str) -> bytes:
    # JavaScript orders strings by UTF-16 code units; big-endian bytes sort the same way.
    return text.encode("utf-16-be", "surrogatepass")


def greater(left: Any, right: Any) -> bool:
    a, b = _coerced(left, right)
    if kind(a) != kind(b):
        return False
    if kind(a) == "number":
        return number(a) > number(b)  # as doubles; NaN is never greater or smaller
    if kind(a) == "string":
        return _utf16(fold(a)) > _utf16(fold(b))
    if kind(a) == "boolean":
        return bool(a and not b)
    return False


def less(left: Any, right: Any) -> bool:
    return greater(right, left)


# -- functions ----------------------------------------------------------------------------------


def _contains(search: Any, item: Any) -> bool:
    if primitive(search):
        return primitive(item) and to_string(item).lower() in to_string(search).lower()
    if isinstance(search, list | tuple):
        return any(equals(item, v) for v in search)
    return False


def _affix(test: Callable[[str, str], bool], text: Any, affix: Any) -> bool:
    return primitive(text) and primitive(affix) and test(fold(to_string(text)), fold(to_string(affix)))


def _starts_with(text: Any, prefix: Any) -> bool:
    return _affix(str.startswith, text, prefix)


def _ends_with(text: Any, suffix: Any) -> bool:
    return _affix(str.endswith, text, suffix)


def _format(template: Any, *args: Any) -> str:
    text = to_string(template)
    out: list[str] = []
    i = 0
    while i < len(text):
        if text.startswith("{{", i) or text.startswith("}}", i):
            out.append(text[i])
            i += 2
            continue
        if text[i] == "{":
            match = re.match(r"\{([0-9]+)[^}]*\}", text[i:])  # "{0:x}": GitHub ignores what follows the index
            if match is None:
                raise ExpressionError(f"the format string is invalid: {text}")
            index = int(match[1])
            if index >= len(args):
                raise ExpressionError(f"the format string references more arguments than were supplied: {text}")
            out.append(to_string(args[index]))
            i += match.end()
            continue
        if text[i] == "}":
            raise ExpressionError(f"the format string is invalid: {text}")
        out.append(text[i])
        i += 1
    return "".join(out)


def _join(items: Any, separator: Any = ",") -> str:
    if primitive(items):
        return to_string(items)
    if isinstance(items, list | tuple):
        glue = to_string(separator) if primitive(separator) else ","
        return glue.join(to_string(v) for v in items)
    return ""


def _json_text(value: Any, indent: str = "") -> str:
    inner = indent + "  "
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        rows = [f"{inner}{json.dumps(str(k), ensure_ascii=False)}: {_json_text(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(rows) + "\n" + indent + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(inner + _json_text(v, inner) for v in value) + "\n" + indent + "]"
    if isinstance(value, int | float) and not isinstance(value, bool):
        double = number(value)
        return _js_number_text(double) if math.isfinite(double) else "null"
    return json.dumps(value, ensure_ascii=False)


def _from_json(text: Any) -> Any:
    source = to_string(text)
    if source.strip(JS_SPACE) == "":
        raise ExpressionError("fromJSON: empty input")

    def refuse(name: str) -> Any:
        raise ValueError(name)

    try:
        data = json.loads(source, parse_constant=refuse, parse_int=float)
    except ValueError as exc:
        raise ExpressionError(f"fromJSON: not JSON: {exc}") from exc
    return data


def _case(*args: Any) -> Any:
    for predicate, result in zip(args[:-1:2], args[1:-1:2], strict=True):
        if not isinstance(predicate, bool):
            raise ExpressionError("case: a predicate must be a boolean")
        if predicate:
            return result
    return args[-1]


# name -> (function, min args, max args); names are matched ignoring case.
FUNCTIONS: Final[dict[str, tuple[Callable[..., Any], int, int]]] = {
    "contains": (_contains, 2, 2),
    "startswith": (_starts_with, 2, 2),
    "endswith": (_ends_with, 2, 2),
    "format": (_format, 1, 255),
    "join": (_join, 1, 2),
    "tojson": (_json_text, 1, 1),
    "fromjson": (_from_json, 1, 1),
    "case": (_case, 3, 2**31),
}
