"""Every reader reads ciforge's YAML as the same data: Ruby's Psych as GitLab loads it, PyYAML
(YAML 1.1), ruamel (YAML 1.2) and the `yaml` package as GitHub's workflow parser loads it.

A string is written plain only when all of them read it back as that string (docs/equivalence.md,
"YAML readers"); these tests ask the readers themselves, on the golden outputs and on generated
hostile strings."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

from ciforge import yamlout
from ciforge.yamldata import FlowMap
from tests.helpers import GITHUB, GITLAB, as_yaml, case_dirs
from tests.yaml_readers import YamlOracle, load_yaml11, load_yaml12, typed
from tests.yaml_strategies import FIXED, ONE_LINE, scalars

pytestmark = pytest.mark.oracle
CASES = case_dirs()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden_gitlab_file_reads_the_same_in_psych_pyyaml_and_ruamel(case, psych: YamlOracle) -> None:
    text = (case / GITLAB).read_text()
    expected = load_yaml12(text)
    assert psych.load(text) == expected
    assert load_yaml11(text) == expected


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden_workflow_reads_the_same_in_githubs_parser_and_ruamel(case, github_yaml: YamlOracle) -> None:
    text = (case / GITHUB).read_text()
    assert github_yaml.load(text) == load_yaml12(text)


def _all_readers(text: str, psych: YamlOracle, github_yaml: YamlOracle) -> dict[str, Any]:
    return {
        "psych": psych.load(text),
        "pyyaml": load_yaml11(text),
        "ruamel": load_yaml12(text),
        "github": github_yaml.load(text),
    }


# The scalars the equivalence review found read as non-strings by GitLab, and their neighbours.
@pytest.mark.parametrize(
    "value",
    [*FIXED, "1,000,000", "-1,5", "OFF", "nO", "tRUE", "fAlSe", "N", ".Inf", "-.INF", "1e3", "1_000", ".E-0", "-.e+5"],
)
def test_ambiguous_scalar_is_a_string_in_every_reader(value: str, psych: YamlOracle, github_yaml: YamlOracle) -> None:
    data = {"value": value, value: "key", "list": [value]}
    text = yamlout.dump(as_yaml(data))
    assert _all_readers(text, psych, github_yaml) == dict.fromkeys(("psych", "pyyaml", "ruamel", "github"), typed(data))


# Literal blocks whose first content line starts with a space or a tab, after leading empty lines
# or not: Psych (libyaml) refused "\n\t0" until the block got an indentation indicator.
@pytest.mark.parametrize("value", ["\n\t0", "\tx\ny", "\n\n\tx\n", " x\n\ty\n", "\n x"])
def test_literal_block_with_a_leading_tab_or_space_reads_the_same(
    value: str, psych: YamlOracle, github_yaml: YamlOracle
) -> None:
    data = {"value": value, "list": [value]}
    text = yamlout.dump(as_yaml(data))
    assert _all_readers(text, psych, github_yaml) == dict.fromkeys(("psych", "pyyaml", "ruamel", "github"), typed(data))


def test_plain_strings_stay_plain() -> None:
    """Quoting is conservative, not blanket: ordinary words, versions and paths stay readable."""
    for value in [
        "main",
        "1.23.9",
        "v1.2.3",
        "linux/amd64",
        "go test ./...",
        "a:b",
        "https://x.example/y",
        "yesno",
        ".",
        "-.",
    ]:
        assert yamlout.scalar(value) == value


@settings(max_examples=30)
@given(values=st.lists(st.one_of(ONE_LINE, scalars()), min_size=1, max_size=12), keys=st.lists(ONE_LINE, max_size=6))
def test_generated_scalars_read_the_same_in_every_reader(
    values: list[Any], keys: list[str], psych: YamlOracle, github_yaml: YamlOracle
) -> None:
    """Hostile strings (mixed-case booleans, numbers with commas, symbols, indicators, non-characters,
    scripts) and floats, as values and as keys, load to exactly the written data everywhere."""
    data = {"values": values, **{key: index for index, key in enumerate(keys) if key != "<<"}}
    text = yamlout.dump(as_yaml(data))
    assert _all_readers(text, psych, github_yaml) == dict.fromkeys(("psych", "pyyaml", "ruamel", "github"), typed(data))


FLOW_VALUES = st.one_of(
    st.sampled_from(["a,b", "x:y", "http://h:1/p", "[x]", "{y}", "a: b", "- x", "#c", "'q'", '"d"', "0o17", "on", ""]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r"), max_size=12),
    st.integers(),
    st.booleans(),
)


@settings(max_examples=60, deadline=None)
@given(
    legs=st.lists(
        st.dictionaries(st.from_regex(r"[A-Z_][A-Z0-9_]{0,8}", fullmatch=True), FLOW_VALUES, max_size=5), max_size=4
    )
)
def test_flow_maps_read_the_same_in_every_reader(
    legs: list[dict[str, Any]], psych: YamlOracle, github_yaml: YamlOracle
) -> None:
    """A matrix leg written on one line (yamldata.FlowMap, or a block when it cannot be) reads back
    as the same mapping in Psych (GitLab), the yaml package (GitHub), PyYAML and ruamel, with flow
    indicators, colons, quotes and YAML 1.1 look-alikes in its values."""
    data = {"include": [FlowMap(leg) for leg in legs]}
    text = yamlout.dump(as_yaml(data))
    expected = {"include": [dict(leg) for leg in legs]}
    for reader, read in _all_readers(text, psych, github_yaml).items():
        assert read == typed(expected), (reader, text)
