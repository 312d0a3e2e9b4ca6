"""The JSON Schema (ciforge/data/ciforge.schema.json) and the model (ciforge/model.py) agree.

Both are written by hand: the schema validates and documents the manifest, the attrs classes carry it
through the compiler. This test walks the two together and fails on any drift, naming the key path:

* keys: every schema property is a model field and every field a property (``version-file`` is
  ``version_file``, ``from`` is ``from_``: the converter's own key mapping);
* required: a required key is a field without a default, and the reverse;
* types: string, integer, number, boolean, list (with its items), mapping (with its values), nested
  section, and every ``oneOf`` branch; a schema ``enum`` is a ``Literal`` with the same members;
* defaults: the schema's ``default`` is the model's default. A model default the schema leaves out
  must mean "absent": ``None``, a nested section's own defaults, or an empty list the schema could
  not accept anyway (``minItems: 1``).
"""

from __future__ import annotations

import copy
import json
import types
import typing
from collections.abc import Iterator
from typing import Any, Literal

import attrs
import pytest

from ciforge import convert, model
from ciforge.schema import schema

Path = tuple[str, ...]

# A string the converter (ciforge/convert.py) reads as another shape, with the model type it becomes.
SHORTHANDS: dict[Path, Any] = {
    ("modules", "[]"): model.Module,  # "./sdk" is {path: ./sdk}
    ("runners", "*", "github"): tuple[str, ...],  # one runs-on label is a list of one
}


def _where(path: Path) -> str:
    return ".".join(path).replace(".[]", "[]") or "(manifest)"


class Walk:
    """One walk over a schema and the model classes, collecting every disagreement."""

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.problems: list[str] = []

    def problem(self, path: Path, text: str) -> None:
        self.problems.append(f"{_where(path)}: {text}")

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        ref = node.get("$ref")
        if isinstance(ref, str):
            target: dict[str, Any] = self.root
            for part in ref.removeprefix("#/").split("/"):
                target = target[part]
            return {**self.resolve(target), **{k: v for k, v in node.items() if k != "$ref"}}
        return node

    def branches(self, node: dict[str, Any]) -> list[dict[str, Any]]:
        """The alternatives a value may take (``oneOf``/``anyOf`` flattened, ``$ref`` followed)."""
        node = self.resolve(node)
        alternatives = node.get("oneOf") or node.get("anyOf")
        if alternatives and not any(k in node for k in ("type", "enum", "const", "properties")):
            return [b for alt in alternatives for b in self.branches(alt)]
        return [node]

    # -- sections ----------------------------------------------------------------------------

    def section(self, cls: type, node: dict[str, Any], path: Path) -> None:
        fields = {convert._key(f.name): f for f in attrs.fields(cls)}
        hints = typing.get_type_hints(cls)
        properties: dict[str, Any] = node.get("properties", {})
        for key in sorted(set(properties) - set(fields)):
            self.problem((*path, key), f"in the schema but not a field of model.{cls.__name__}")
        for key in sorted(set(fields) - set(properties)):
            self.problem((*path, key), f"a field of model.{cls.__name__} but not in the schema")
        required = set(node.get("required", []))
        for key in sorted(set(fields) & set(properties)):
            field = fields[key]
            has_default = field.default is not attrs.NOTHING
            if key in required and has_default:
                self.problem((*path, key), "required by the schema, but the model has a default")
            if key not in required and not has_default:
                self.problem((*path, key), "optional in the schema, but the model has no default")
            self.value(hints[field.name], properties[key], (*path, key))
            if has_default:
                self.default(field, properties[key], (*path, key))

    # -- types -------------------------------------------------------------------------------

    def value(self, annotation: Any, node: dict[str, Any], path: Path) -> None:
        """The model type and the schema node accept the same kinds of value."""
        alternatives = [a for a in _union(annotation) if a is not type(None)]
        unmatched = list(alternatives)
        for branch in self.branches(node):
            match = self.match(branch, alternatives, optional=type(None) in _union(annotation), path=path)
            if match is None:
                self.problem(path, f"the schema allows {_kind(branch)}, the model type {_name(annotation)} does not")
            elif match in unmatched:
                unmatched.remove(match)
        for alt in unmatched:
            self.problem(path, f"the model allows {_name(alt)}, the schema does not")

    def match(self, branch: dict[str, Any], alternatives: list[Any], *, optional: bool, path: Path) -> Any:
        """The model alternative that stands for this schema branch (checked inside), or None.

        A ``const: false`` the model spells as ``None`` (``build: false``) matches ``NoneType``."""
        if path in SHORTHANDS and branch.get("type") == "string":
            return SHORTHANDS[path]
        if "enum" in branch or "const" in branch:
            return self.closed_set(
                branch["enum"] if "enum" in branch else [branch["const"]], alternatives, optional, path
            )
        kind = branch.get("type")
        if kind == "array":
            for alt in alternatives:
                if typing.get_origin(alt) is tuple:
                    self.value(typing.get_args(alt)[0], branch.get("items", {}), (*path, "[]"))
                    return alt
            return None
        if kind == "object":
            return self.mapping(branch, alternatives, path)
        scalars = {"string": str, "boolean": bool, "integer": int, "number": float}
        wanted = scalars.get(kind) if isinstance(kind, str) else None
        if wanted is str and any(typing.get_origin(a) is Literal for a in alternatives):
            return None
        return wanted if wanted in alternatives else None

    def closed_set(self, values: list[Any], alternatives: list[Any], optional: bool, path: Path) -> Any:
        """The model alternative for an ``enum`` or ``const``: a Literal with the same members."""
        for alt in alternatives:
            if typing.get_origin(alt) is Literal:
                if set(typing.get_args(alt)) != set(values):
                    self.problem(path, f"enum {sorted(values)} in the schema, Literal {_name(alt)} in the model")
                return alt
        if values == [False] and bool in alternatives:
            return bool
        if values == [False] and optional:
            return type(None)  # the converter reads ``false`` as None (``build: false``)
        scalar = {type(v) for v in values}
        for alt in alternatives:
            if scalar == {alt} and (len(values) == 1 or alt is not str):
                return alt
        if scalar == {str} and str in alternatives:
            self.problem(path, f"the schema's enum {values} is a plain str in the model: make it a Literal")
            return str
        return None

    def mapping(self, branch: dict[str, Any], alternatives: list[Any], path: Path) -> Any:
        for alt in alternatives:
            if attrs.has(alt):
                self.section(alt, branch, path)
                return alt
            if typing.get_origin(alt) is dict:
                values = [self.resolve(v) for v in branch.get("properties", {}).values()]
                extra = branch.get("additionalProperties")
                if isinstance(extra, dict):
                    values.append(extra)
                if not values or any(v != values[0] for v in values):
                    self.problem(path, "a mapping with one value type in the model, not in the schema")
                else:
                    self.value(typing.get_args(alt)[1], values[0], (*path, "*"))
                return alt
        return None

    # -- defaults ----------------------------------------------------------------------------

    def default(self, field: attrs.Attribute[Any], node: dict[str, Any], path: Path) -> None:
        default = field.default
        factory = getattr(default, "factory", None)  # an attrs.Factory
        value = factory() if callable(factory) else default
        node = self.resolve(node)
        in_schema = "default" in node
        if _means_absent(value, self.branches(node)):
            if in_schema:
                self.problem(path, f"the schema's default {node['default']!r} is absent ({value!r}) in the model")
            return
        model_default = _json(convert.converter().unstructure(value))
        if not in_schema:
            self.problem(path, f"the model's default {model_default!r} is missing from the schema")
        elif not _same(node["default"], model_default):
            self.problem(path, f"default {node['default']!r} in the schema, {model_default!r} in the model")


def _means_absent(value: Any, branches: list[dict[str, Any]]) -> bool:
    """A model default that stands for "the key is not written" rather than for a value."""
    if value is None:
        return True
    if attrs.has(type(value)):
        return bool(value == type(value)())  # a nested section: its own keys carry the defaults
    lists = [b for b in branches if b.get("type") == "array"]
    return value == () and bool(lists) and all(b.get("minItems", 0) >= 1 for b in lists)


def _json(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    return value


def _same(a: Any, b: Any) -> bool:
    """JSON equality that keeps true apart from 1 (80 and 80.0 are the same number)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b) and isinstance(a, int | float) == isinstance(b, int | float)


def _union(annotation: Any) -> tuple[Any, ...]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return tuple(a for member in typing.get_args(annotation) for a in _union(member))
    return (annotation,)


def _name(annotation: Any) -> str:
    return annotation.__name__ if isinstance(annotation, type) and not typing.get_args(annotation) else str(annotation)


def _kind(branch: dict[str, Any]) -> str:
    for key in ("enum", "const", "type"):
        if key in branch:
            return f"{key} {json.dumps(branch[key])}"
    return json.dumps(branch)[:60]


def drift(root: dict[str, Any]) -> list[str]:
    """Every disagreement between ``root`` (a manifest schema) and the model."""
    walk = Walk(root)
    walk.section(model.Manifest, root, ())
    return walk.problems


def test_schema_and_model_agree() -> None:
    """Keys, required keys, types, enums and defaults of the schema are the model's."""
    problems = drift(schema())
    assert not problems, "the schema and ciforge/model.py disagree:\n" + "\n".join(problems)


def _edits() -> Iterator[tuple[str, Any, str]]:
    """(what, edit of a schema copy, the problem it must cause)."""

    def put(path: str, key: str, value: Any) -> Any:
        def edit(root: dict[str, Any]) -> None:
            node = root
            for part in path.split("/"):
                node = node[part]
            if value is _DELETE:
                del node[key]
            else:
                node[key] = value

        return edit

    props = "properties"
    yield (
        "a changed default",
        put(f"{props}/test/{props}/coverage/{props}/threshold", "default", 81),
        ("test.coverage.threshold: default 81 in the schema, 80.0 in the model"),
    )
    yield (
        "a dropped default",
        put(f"{props}/image/{props}/push", "default", _DELETE),
        ("image.push: the model's default ['tags', 'branches'] is missing from the schema"),
    )
    yield (
        "a default on a key the model leaves absent",
        put(f"{props}/go/{props}/version", "default", "stable"),
        ("go.version: the schema's default 'stable' is absent (None) in the model"),
    )
    yield (
        "an enum member more",
        put("$defs/goarch", "enum", [*typing.get_args(model.Goarch), "sparc"]),
        ("build.matrix.goarch[]: enum"),
    )
    yield (
        "a new key",
        put(f"{props}/sign/{props}", "rekor", {"type": "string"}),
        ("sign.rekor: in the schema but not a field of model.Sign"),
    )
    yield (
        "a lost key",
        put(f"{props}/triggers/{props}", "manual", _DELETE),
        ("triggers.manual: a field of model.Triggers but not in the schema"),
    )
    yield "a changed type", put(f"{props}/jobs/additionalProperties", "$ref", "#/$defs/module"), "jobs.*"
    yield (
        "a changed item type",
        put(f"$defs/customJob/{props}/timeout", "type", "string"),
        ('jobs.*.timeout: the schema allows type "string"'),
    )
    yield (
        "a newly required key",
        put("$defs/customJob", "required", ["run", "go"]),
        ("jobs.*.go: required by the schema, but the model has a default"),
    )
    yield "an enum made free text", put(f"{props}/sbom/{props}/format", "enum", _DELETE), "sbom.format"


_DELETE = object()


@pytest.mark.parametrize(("what", "edit", "expected"), list(_edits()), ids=[e[0] for e in _edits()])
def test_drift_is_reported_at_its_key(what: str, edit: Any, expected: str) -> None:
    """Each kind of drift, made in a copy of the schema, is reported with its key path."""
    assert not drift(schema())
    mutated = copy.deepcopy(schema())
    edit(mutated)
    problems = drift(mutated)
    assert any(p.startswith(expected) or expected in p for p in problems), (what, problems)
