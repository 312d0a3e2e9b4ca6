"""Schema validation is a pure check; reading version numbers back as text is a step of its own."""

from __future__ import annotations

import copy

from ciforge import schema, source
from ciforge.source import SourceDoc

UNQUOTED = """\
version: 1
name: api
go:
  version: 1.20
test:
  go-versions: [1.22, stable]
  matrix:
    exclude:
      - go: 1.22
"""


def _load(text: str) -> SourceDoc:
    doc, problems = source.load_text(text, "ciforge.yml")
    assert doc is not None
    assert not problems
    return doc


def test_validate_leaves_the_document_unchanged() -> None:
    """validate reads the data and changes nothing: the unquoted 1.20 stays the number YAML made of it
    (and is reported as such, since nothing restored it)."""
    doc = _load(UNQUOTED)
    before = copy.deepcopy(doc.data)
    found = schema.validate(doc)
    assert doc.data == before
    assert doc.data["go"]["version"] == 1.2
    assert [(d.code, d.path) for d in found if d.path == ("go", "version")] == [("type", ("go", "version"))]


def test_restore_version_strings_is_a_new_document() -> None:
    """The restored document holds the text the user wrote at every version key; the loaded one is untouched."""
    doc = _load(UNQUOTED)
    before = copy.deepcopy(doc.data)
    restored = schema.restore_version_strings(doc)
    assert doc.data == before
    assert restored.data["go"]["version"] == "1.20"
    assert restored.data["test"]["go-versions"] == ["1.22", "stable"]
    assert restored.data["test"]["matrix"]["exclude"] == [{"go": "1.22"}]
    assert schema.validate(restored) == []


def _problems(text: str) -> list[tuple[str, tuple[str | int, ...], str]]:
    doc = schema.restore_version_strings(_load(text))
    return [(d.code, d.path, d.message) for d in schema.validate(doc)]


def test_a_misspelt_required_key_is_reported_once() -> None:
    """A required key written with a typo is one unknown-key error with the hint, not also a missing key."""
    found = _problems('version: 1\nname: api\ngo: {version: "1.23"}\njobs:\n  smoke: {rnu: make}\n')
    assert found == [("unknown-key", ("jobs", "smoke", "rnu"), "unknown key 'rnu' (did you mean 'run'?)")]


def test_a_misspelt_go_version_is_reported_once() -> None:
    """go needs version or version-file: a misspelt version is not also "go needs a version"."""
    found = _problems('version: 1\nname: api\ngo: {verison: "1.23"}\n')
    assert found == [("unknown-key", ("go", "verison"), "unknown key 'verison' (did you mean 'version'?)")]


def test_an_unrelated_unknown_key_keeps_the_missing_key() -> None:
    """Without a hint pointing at it, the missing key is still reported."""
    found = _problems('version: 1\nname: api\ngo: {version: "1.23"}\njobs:\n  smoke: {zzz: make}\n')
    assert [(code, path) for code, path, _ in found] == [
        ("unknown-key", ("jobs", "smoke", "zzz")),
        ("missing-key", ("jobs", "smoke")),
    ]
