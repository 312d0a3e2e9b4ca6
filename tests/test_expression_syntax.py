"""Issue 10, item 2: platform expression syntax in manifest values.

``${{`` in a value would be evaluated by GitHub and kept literal by GitLab; ``$[[`` would be
interpolated in the GitLab CI/CD component output only. Every field refuses both, with a
positioned error; everything else (``$``, ``:``, ``,``, mixed case) reaches both platforms as the
same literal, which the plans prove."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

from ciforge.cli import main
from tests.helpers import GITLAB
from tests.test_properties import assert_equivalent, compile_dict

BASE: dict[str, Any] = {"version": 1, "name": "svc", "go": {"version": "1.23"}}


def test_refused_with_positions_all_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``${{`` and ``$[[`` in free-form values: exit 2, one positioned error per value, nothing written."""
    manifest = tmp_path / "ciforge.yml"
    manifest.write_text(
        "version: 1\nname: svc\ngo:\n  version: '1.23'\n"
        "  proxy: 'https://${{ github.actor }}@proxy.example.com'\n"
        "  sumdb: 'sum.golang.org+$[[ inputs.key ]]'\n",
        encoding="utf-8",
    )
    assert main(["render", "-m", str(manifest)]) == 2
    err = capsys.readouterr().err
    assert "ciforge.yml:5:10: error: 'https://${{ github.actor }}@proxy.example.com' holds '${{'" in err
    assert "ciforge.yml:6:10: error: 'sum.golang.org+$[[ inputs.key ]]' holds '$[['" in err
    assert err.count("[expression-syntax]") == 2
    assert not (tmp_path / GITLAB).exists()
    assert not (tmp_path / ".github").exists()


FRAGMENTS = ["${{ github.actor }}", "$[[ inputs.x ]]", "${{", "$[[", ":", ",", "$HOME", "${X}", "oN", "yEs", "NuLl"]
FRAGMENTS += [":sum.golang.org", "1,000", "a b", "https://proxy.example.com", "direct", "off", "-s -w"]


@st.composite
def free_values(draw: st.DrawFn) -> str:
    """A free-form value made of fragments that once diverged, in any order."""
    return "".join(draw(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=4)))


# The manifest's free-form strings that reach the outputs (every other string field has a schema
# pattern without "$").
FIELDS = [("go", "proxy"), ("go", "sumdb")]


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(FIELDS), free_values())
def test_free_values_are_refused_or_equivalent(field: tuple[str, str], value: str) -> None:
    """Generated values in free-form fields: a value with ``${{`` or ``$[[`` is refused with
    [expression-syntax]; any other value compiles to three equal plans on every event."""
    manifest: dict[str, Any] = {**BASE, "go": dict(BASE["go"])}
    manifest.setdefault(field[0], {})[field[1]] = value
    pipeline, diagnostics = compile_dict(manifest)
    if "${{" in value or "$[[" in value:
        assert pipeline is None
        assert "expression-syntax" in {d.code for d in diagnostics}
        return
    if pipeline is None:  # another rule of the field (the schema's pattern)
        assert "expression-syntax" not in {d.code for d in diagnostics}
        return
    assert assert_equivalent(manifest)
