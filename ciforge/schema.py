"""The manifest's JSON Schema (package data) and validation into positioned diagnostics."""

from __future__ import annotations

import copy
import difflib
import functools
import json
import re
from importlib import resources
from typing import Any, Final

import attrs

from ciforge import patterns
from ciforge.diagnostics import Diagnostic, DiagnosticCode, JsonPath
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


def restore_version_strings(doc: SourceDoc) -> SourceDoc:
    """The document with each unquoted version number read back as the exact text the user wrote
    (``go: {version: 1.20}`` holds ``"1.20"``, not the YAML number 1.2); ``doc`` is left as it is.

    The compiler runs this between loading and validation: the schema wants version strings."""
    if not isinstance(doc.data, dict):
        return doc
    data = copy.deepcopy(doc.data)
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
    return attrs.evolve(doc, data=data)


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


@attrs.frozen
class _Problem:
    """One schema problem, with what the later passes need kept as data (not read back from the
    message): the key an unknown key probably meant, the keys a missing-key error asks for, and
    the index of a pattern error's first offending character."""

    code: DiagnosticCode
    path: JsonPath
    message: str
    suggested: str | None = None
    missing: tuple[str, ...] = ()
    offset: int | None = None


def _unknown_keys(error: Any) -> list[_Problem]:
    allowed = sorted(error.schema.get("properties", {}))
    out = []
    for key in sorted(set(error.instance) - set(allowed)):
        hint = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        message = f"unknown key {key!r}"
        message += f" (did you mean {hint[0]!r}?)" if hint else f" (allowed: {', '.join(allowed)})"
        out.append(_Problem("unknown-key", (*error.absolute_path, key), message, suggested=hint[0] if hint else None))
    return out


# build.jobs: N at most the most jobs per-leg makes of a matrix (MAX_LEGS in jobs of NEEDS_LIMIT:
# ciforge.lower_build), so what waits for every build job still fits GitLab's needs limit.
_BUILD_JOBS_MAX: Final = 40


def _one_of(error: Any, path: JsonPath) -> _Problem:
    if path == ("go",):
        both = "version" in error.instance and "version-file" in error.instance
        if both:
            return _Problem("conflict", path, "set either go.version or go.version-file, not both")
        message = 'go needs a version (e.g. "1.23") or a version-file (e.g. go.mod)'
        return _Problem("missing-key", path, message, missing=("version", "version-file"))
    if path == ("build",):
        return _Problem(
            "type", path, f"build must be a mapping of build settings or false, got {_short(error.instance)}"
        )
    if path == ("lint", "golangci-lint"):
        message = f'golangci-lint must be a version like "v2.1.6" or false, got {_short(error.instance)}'
        return _Problem("type", path, message)
    if path == ("build", "jobs"):
        if isinstance(error.instance, int) and not isinstance(error.instance, bool):
            message = (
                f"build.jobs must be from 1 to {_BUILD_JOBS_MAX} (the number of jobs the legs are spread over), "
                f"got {error.instance}"
            )
            return _Problem("range", path, message)
        message = (
            f"build.jobs must be per-leg, single or a number of jobs (1 to {_BUILD_JOBS_MAX}), "
            f"got {_short(error.instance)}"
        )
        return _Problem("type" if not isinstance(error.instance, str) else "enum", path, message)
    if path == ("modules",):
        message = f'modules must be auto or a list of module directories like "./sdk", got {_short(error.instance)}'
        return _Problem("type", path, message)
    return _Problem("schema", path, f"{_short(error.instance)} does not match any allowed form")


def _branch_type(error: Any) -> str | None:
    """The type of the oneOf branch that must be meant: a mapping or a list always is (no other
    branch is one), and a string is when the others are mappings or lists (``./sdk`` or
    ``{path: ./sdk}``; image.repository, one or a list)."""
    if isinstance(error.instance, dict):
        return "object"
    if isinstance(error.instance, list):
        return "array"
    types = [b.get("type") for b in error.validator_value if isinstance(b, dict)]
    if isinstance(error.instance, str) and types.count("string") == 1 and ({"object", "array"} & set(types)):
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


# The length keywords as words: too short/long, "needs at least"/"allows at most", the unit.
_LENGTHS: Final = {
    "minItems": ("short", "needs at least", "item(s)"),
    "maxItems": ("long", "allows at most", "item(s)"),
    "minLength": ("short", "needs at least", "character(s)"),
    "maxLength": ("long", "allows at most", "character(s)"),
    "minProperties": ("short", "", ""),
}


def _length_message(error: Any, value: object) -> str:
    """A length keyword's error in words: what the value needs, or which keys an empty mapping
    may set."""
    kind = error.validator
    if kind == "minProperties":
        names = ", ".join(sorted((error.schema.get("properties") or {}) if isinstance(error.schema, dict) else ()))
        return f"{_short(value)} is empty: set at least one of {names}"
    size, bound, unit = _LENGTHS[kind]
    return f"{_short(value)} is too {size}: {bound} {error.validator_value} {unit}"


def _convert(error: Any) -> list[_Problem]:
    """The problems one schema error stands for, read from jsonschema's structured error (its
    validator keyword, schema value, instance and path)."""
    path: JsonPath = tuple(error.absolute_path)
    kind = error.validator
    value = error.instance
    if kind == "additionalProperties":
        return _unknown_keys(error)
    if kind == "required":
        missing = [k for k in error.validator_value if k not in value]
        return [_Problem("missing-key", path, f"missing required key {k!r}", missing=(k,)) for k in missing]
    if kind == "type":
        expected = error.validator_value
        names = [expected] if isinstance(expected, str) else expected
        want = " or ".join(_TYPE_NAMES.get(n, n) for n in names)
        return [_Problem("type", path, f"expected {want}, got {_describe(value)} ({_short(value)})")]
    if kind in ("enum", "const"):
        choices = error.validator_value if kind == "enum" else [error.validator_value]
        listed = ", ".join(_short(c) for c in choices)
        hint = ""
        if isinstance(value, str):
            close = difflib.get_close_matches(value, [c for c in choices if isinstance(c, str)], n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
        return [_Problem("enum", path, f"{_short(value)} is not one of: {listed}{hint}")]
    if kind == "pattern":
        index, why = patterns.describe(error.validator_value, value)
        return [_Problem("pattern", path, f"invalid value {_short(value)}: {why}", offset=index)]
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return [_Problem("range", path, f"{_short(value)} is out of range ({kind} {error.validator_value})")]
    if kind in _LENGTHS:
        return [_Problem("length", path, _length_message(error, value))]
    if kind == "uniqueItems":
        return [_Problem("unique", path, f"the list repeats an item: {_short(value)}")]
    if kind == "oneOf":
        branch = _matching_branch(error)
        if branch:  # e.g. build: {...} with a mistake inside: report the mistake itself
            return [item for sub in branch for item in _convert(sub)]
        if path == ("go",) and not isinstance(value, dict):
            return []  # the type error already says go must be a mapping
        return [_one_of(error, path)]
    return [_Problem("schema", path, error.message)]


def _is_cascade(problem: _Problem, suggested: set[tuple[JsonPath, str]]) -> bool:
    """A missing key that is really the misspelt key already reported as unknown: ``suggested``
    holds (parent path, key) for every unknown key with a did-you-mean hint."""
    return problem.code == "missing-key" and any((problem.path, name) in suggested for name in problem.missing)


def validate(doc: SourceDoc, *, skip: frozenset[JsonPath] = frozenset()) -> list[Diagnostic]:
    """Every schema violation in the document, each positioned at the offending key or value.
    A pure check: the document is not changed (run :func:`restore_version_strings` first).

    ``skip`` holds paths the loader already reported (a custom tag, say): errors at or below
    them would only repeat the same problem.
    """
    out: list[Diagnostic] = []
    found = [problem for error in _validator().iter_errors(doc.data) for problem in _convert(error)]
    offsets = {(p.path, p.message): p.offset for p in found if p.offset is not None}
    suggested = {(p.path[:-1], p.suggested) for p in found if p.code == "unknown-key" and p.suggested is not None}
    seen: set[tuple[str, JsonPath, str]] = set()
    for problem in found:
        code, path, message = problem.code, problem.path, problem.message
        if (code, path, message) in seen or _is_cascade(problem, suggested):
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
