"""The manifest's JSON Schema (package data) and validation into positioned diagnostics."""

from __future__ import annotations

import difflib
import functools
import json
import re
from importlib import resources
from typing import Any, Final

from ciforge import patterns
from ciforge.diagnostics import Diagnostic, JsonPath
from ciforge.source import SourceDoc

SCHEMA_RESOURCE: Final = "ciforge.schema.json"

# Version strings that YAML turns into numbers when unquoted (1.20 -> 1.2). The loader kept the
# original text, so these are read back losslessly instead of being silently changed.
VERSION_PATHS: Final = frozenset({("go", "version"), ("lint", "golangci-lint")})
VERSION_LISTS: Final = frozenset({("test", "go-versions")})

_TYPE_NAMES: Final = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "number": "a number",
    "integer": "an integer",
    "boolean": "true or false",
    "null": "null",
}


def schema_text() -> str:
    """The schema exactly as shipped."""
    return resources.files("ciforge.data").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")


@functools.cache
def schema() -> dict[str, Any]:
    """The parsed schema (cached)."""
    loaded: dict[str, Any] = json.loads(schema_text())
    return loaded


def _unique_items(validator: Any, unique: Any, instance: Any, schema: Any) -> Any:
    from jsonschema.exceptions import ValidationError  # noqa: PLC0415

    if not unique or not validator.is_type(instance, "array"):
        return
    seen: set[str] = set()
    for item in instance:
        key = json.dumps(item, sort_keys=True, default=str)
        if key in seen:
            yield ValidationError("has non-unique elements")
            return
        seen.add(key)


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Any:
    from jsonschema.exceptions import ValidationError  # noqa: PLC0415

    if validator.is_type(instance, "string") and (
        not re.search(pattern, instance) or (pattern.endswith("$") and instance.endswith("\n"))
    ):
        yield ValidationError(f"does not match {pattern!r}")


@functools.cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator, validators  # noqa: PLC0415 - lazy: keeps CLI start-up fast

    cls = validators.extend(Draft202012Validator, {"uniqueItems": _unique_items, "pattern": _pattern})  # type: ignore[no-untyped-call]
    return cls(schema())


def restore_version_strings(doc: SourceDoc) -> Any:
    """Replace unquoted version numbers with the exact text the user wrote."""
    data = doc.data
    if not isinstance(data, dict):
        return data
    for path in VERSION_PATHS:
        raw = doc.raw_scalars.get(path)
        parent: Any = data
        for part in path[:-1]:
            parent = parent.get(part) if isinstance(parent, dict) else None
        if raw is not None and isinstance(parent, dict) and isinstance(parent.get(path[-1]), int | float):
            parent[path[-1]] = raw
    for path in VERSION_LISTS:
        parent = data
        for part in path:
            parent = parent.get(part) if isinstance(parent, dict) else None
        if isinstance(parent, list):
            for i, item in enumerate(parent):
                raw = doc.raw_scalars.get((*path, i))
                if raw is not None and isinstance(item, int | float):
                    parent[i] = raw
    test = data.get("test")
    matrix = test.get("matrix") if isinstance(test, dict) else None
    for where in ("include", "exclude"):
        entries = matrix.get(where) if isinstance(matrix, dict) else None
        for i, entry in enumerate(entries if isinstance(entries, list) else []):
            raw = doc.raw_scalars.get(("test", "matrix", where, i, "go"))
            if raw is not None and isinstance(entry, dict) and isinstance(entry.get("go"), int | float):
                entry["go"] = raw
    return data


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


def _short(value: Any) -> str:
    # bounded (a value may be huge) and one line (a value may hold line breaks)
    text = json.dumps(value[:200] if isinstance(value, str) else value, ensure_ascii=False)[:200]
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
    return text if len(text) <= 40 else text[:37] + "..."


def _unknown_keys(error: Any) -> list[tuple[str, JsonPath, str]]:
    allowed = sorted(error.schema.get("properties", {}))
    out = []
    for key in sorted(set(error.instance) - set(allowed)):
        hint = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        message = f"unknown key {key!r}"
        message += f" (did you mean {hint[0]!r}?)" if hint else f" (allowed: {', '.join(allowed)})"
        out.append(("unknown-key", (*error.absolute_path, key), message))
    return out


def _one_of(error: Any, path: JsonPath) -> tuple[str, str]:
    if path == ("go",):
        both = "version" in error.instance and "version-file" in error.instance
        if both:
            return "conflict", "set either go.version or go.version-file, not both"
        return "missing-key", 'go needs a version (e.g. "1.23") or a version-file (e.g. go.mod)'
    if path == ("build",):
        return "type", f"build must be a mapping of build settings or false, got {_short(error.instance)}"
    if path == ("lint", "golangci-lint"):
        return "type", f'golangci-lint must be a version like "v2.1.6" or false, got {_short(error.instance)}'
    if path == ("modules",):
        return (
            "type",
            f'modules must be auto or a list of module directories like "./sdk", got {_short(error.instance)}',
        )
    return "schema", f"{_short(error.instance)} does not match any allowed form"


def _branch_type(error: Any) -> str | None:
    """The type of the oneOf branch that must be meant: a mapping or a list always is (no other
    branch is one), and a string is when the others are mappings (``./sdk`` or ``{path: ./sdk}``)."""
    if isinstance(error.instance, dict):
        return "object"
    if isinstance(error.instance, list):
        return "array"
    types = [b.get("type") for b in error.validator_value if isinstance(b, dict)]
    if isinstance(error.instance, str) and types.count("string") == 1 and "object" in types:
        return "string"
    return None


def _matching_branch(error: Any) -> list[Any]:
    """The errors of the one oneOf branch whose type matches the value (a mapping given where a
    mapping or false is allowed), so the message names the real problem inside it."""
    wanted = _branch_type(error)
    if wanted is None:
        return []
    for index, branch in enumerate(error.validator_value):
        if isinstance(branch, dict) and branch.get("type") == wanted:
            found = [e for e in error.context if e.schema_path and e.schema_path[0] == index]
            if found:
                return found
    return []


def _convert(error: Any, offsets: dict[tuple[JsonPath, str], int]) -> list[tuple[str, JsonPath, str]]:
    """Diagnostics (code, path, message) for one schema error; a pattern error records in
    ``offsets`` the index of the value's first offending character."""
    path: JsonPath = tuple(error.absolute_path)
    kind = error.validator
    value = error.instance
    if kind == "additionalProperties":
        return _unknown_keys(error)
    if kind == "required":
        missing = [k for k in error.validator_value if k not in value]
        return [("missing-key", path, f"missing required key {k!r}") for k in missing]
    if kind == "type":
        expected = error.validator_value
        names = [expected] if isinstance(expected, str) else expected
        want = " or ".join(_TYPE_NAMES.get(n, n) for n in names)
        return [("type", path, f"expected {want}, got {_describe(value)} ({_short(value)})")]
    if kind in ("enum", "const"):
        choices = error.validator_value if kind == "enum" else [error.validator_value]
        listed = ", ".join(_short(c) for c in choices)
        hint = ""
        if isinstance(value, str):
            close = difflib.get_close_matches(value, [c for c in choices if isinstance(c, str)], n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
        return [("enum", path, f"{_short(value)} is not one of: {listed}{hint}")]
    if kind == "pattern":
        index, why = patterns.describe(error.validator_value, value)
        message = f"invalid value {_short(value)}: {why}"
        offsets[(path, message)] = index
        return [("pattern", path, message)]
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return [("range", path, f"{_short(value)} is out of range ({kind} {error.validator_value})")]
    if kind in ("minItems", "maxItems", "minLength", "maxLength", "minProperties"):
        return [("length", path, f"{_short(value)} is too short or too long ({kind} {error.validator_value})")]
    if kind == "uniqueItems":
        return [("unique", path, f"the list repeats an item: {_short(value)}")]
    if kind == "oneOf":
        branch = _matching_branch(error)
        if branch:  # e.g. build: {...} with a mistake inside: report the mistake itself
            return [item for sub in branch for item in _convert(sub, offsets)]
        if path == ("go",) and not isinstance(value, dict):
            return []  # the type error already says go must be a mapping
        code, message = _one_of(error, path)
        return [(code, path, message)]
    return [("schema", path, error.message)]


def _suggestions(found: list[tuple[str, JsonPath, str]]) -> set[tuple[JsonPath, str]]:
    """(parent path, suggested key) for every unknown key with a did-you-mean hint."""
    out = set()
    for code, path, message in found:
        hint = re.search(r"did you mean '([^']+)'", message)
        if code == "unknown-key" and hint:
            out.add((path[:-1], hint[1]))
    return out


def _is_cascade(code: str, path: JsonPath, message: str, hints: set[tuple[JsonPath, str]]) -> bool:
    """A missing key that is really the misspelt key already reported as unknown."""
    if code == "missing-key":
        missing = re.findall(r"'([^']+)'|(version-file|version)\b", message)
        names = {a or b for a, b in missing}
        return any((path, name) in hints for name in names)
    return False


def validate(doc: SourceDoc, *, skip: frozenset[JsonPath] = frozenset()) -> list[Diagnostic]:
    """Every schema violation in the document, each positioned at the offending key or value.

    ``skip`` holds paths the loader already reported (a custom tag, say): errors at or below
    them would only repeat the same problem.
    """
    data = restore_version_strings(doc)
    out: list[Diagnostic] = []
    offsets: dict[tuple[JsonPath, str], int] = {}
    found = [item for error in _validator().iter_errors(data) for item in _convert(error, offsets)]
    hints = _suggestions(found)
    seen: set[tuple[str, JsonPath, str]] = set()
    for code, path, message in found:
        if (code, path, message) in seen or _is_cascade(code, path, message, hints):
            continue
        if any(path[: len(s)] == s for s in skip):
            continue
        seen.add((code, path, message))
        at_key = code in ("unknown-key", "missing-key", "conflict")
        line, col = doc.source_map.locate(path, key=at_key)
        if (path, message) in offsets and path in doc.value_offsets:
            col += doc.value_offsets[path] + offsets[(path, message)]  # at the offending character
        out.append(Diagnostic(code=code, message=message, path=path, file=doc.path, line=line, col=col))
    return out
