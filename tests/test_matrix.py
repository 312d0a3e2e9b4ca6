"""Matrix expansion against GitHub's documented examples.

https://docs.github.com/en/actions/how-tos/write-workflows/choose-what-workflows-do/run-job-variations
"""

from __future__ import annotations

from hypothesis import given, strategies as st

from ciforge.matrix import expand


def test_doc_example_expanding_and_adding() -> None:
    """The docs' fruit/animal example: 6 jobs, includes merge only where they don't overwrite."""
    legs = expand(
        [("fruit", ["apple", "pear"]), ("animal", ["cat", "dog"])],
        include=[
            {"color": "green"},
            {"color": "pink", "animal": "cat"},
            {"fruit": "apple", "shape": "circle"},
            {"fruit": "banana"},
            {"fruit": "banana", "animal": "cat"},
        ],
    )
    assert legs == [
        {"fruit": "apple", "animal": "cat", "color": "pink", "shape": "circle"},
        {"fruit": "apple", "animal": "dog", "color": "green", "shape": "circle"},
        {"fruit": "pear", "animal": "cat", "color": "pink"},
        {"fruit": "pear", "animal": "dog", "color": "green"},
        {"fruit": "banana"},
        {"fruit": "banana", "animal": "cat"},
    ]


def test_doc_example_os_node_include() -> None:
    """The docs' os/node example: an include extends matching jobs, another adds a job."""
    legs = expand(
        [("os", ["windows-latest", "ubuntu-latest"]), ("node", [14, 16])],
        include=[{"os": "windows-latest", "node": 16, "npm": 6}],
    )
    assert legs == [
        {"os": "windows-latest", "node": 14},
        {"os": "windows-latest", "node": 16, "npm": 6},
        {"os": "ubuntu-latest", "node": 14},
        {"os": "ubuntu-latest", "node": 16},
    ]


def test_doc_example_exclude() -> None:
    """The docs' exclude example: 12 combinations, minus 1 full and 2 partial matches = 9 jobs."""
    legs = expand(
        [
            ("os", ["macos-latest", "windows-latest"]),
            ("version", [12, 14, 16]),
            ("environment", ["staging", "production"]),
        ],
        exclude=[
            {"os": "macos-latest", "version": 12, "environment": "production"},
            {"os": "windows-latest", "version": 16},
        ],
    )
    assert len(legs) == 9
    assert {"os": "macos-latest", "version": 12, "environment": "production"} not in legs
    assert not any(leg["os"] == "windows-latest" and leg["version"] == 16 for leg in legs)


def test_include_only() -> None:
    """No dimensions: the include list is the matrix."""
    assert expand([], include=[{"a": 1}, {"b": 2}]) == [{"a": 1}, {"b": 2}]


def test_include_never_overwrites_original_but_may_overwrite_added() -> None:
    """A later include may replace a value an earlier include added, never an original one."""
    legs = expand([("os", ["linux"])], include=[{"tags": "a"}, {"tags": "b"}, {"os": "darwin", "x": 1}])
    assert legs == [{"os": "linux", "tags": "b"}, {"os": "darwin", "x": 1}]


def test_include_applies_to_originals_only() -> None:
    """Includes never merge into combinations that other includes appended."""
    legs = expand([("os", ["linux"])], include=[{"os": "darwin"}, {"os": "darwin", "tags": "x"}])
    assert legs == [{"os": "linux"}, {"os": "darwin"}, {"os": "darwin", "tags": "x"}]


def test_exclude_then_include() -> None:
    """Exclude runs before include, so an include can add back an excluded combination."""
    legs = expand([("os", ["linux", "windows"])], exclude=[{"os": "windows"}], include=[{"os": "windows"}])
    assert legs == [{"os": "linux"}, {"os": "windows"}]


VALUES = st.sampled_from(["a", "b", "c"])


@given(
    st.dictionaries(
        st.sampled_from(["x", "y", "z"]), st.lists(VALUES, min_size=1, max_size=3, unique=True), max_size=3
    ),
    st.lists(st.dictionaries(st.sampled_from(["x", "y", "z"]), VALUES, min_size=1, max_size=2), max_size=3),
    st.lists(st.dictionaries(st.sampled_from(["x", "y", "z", "t"]), VALUES, min_size=1, max_size=3), max_size=4),
)
def test_expand_agrees_with_the_independent_lifter(
    dims: dict[str, list[str]], exclude: list[dict[str, str]], include: list[dict[str, str]]
) -> None:
    """The compiler's (indexed) expansion equals the GitHub lifter's straightforward one."""
    from ciforge.targets.github.lift_matrix import expand_matrix

    ours = expand(list(dims.items()), exclude=exclude, include=include)
    theirs = expand_matrix({"matrix": {**dims, "exclude": exclude, "include": include}})
    assert ours == theirs


def test_the_lifter_reads_a_strategy_without_a_matrix_as_no_legs() -> None:
    """A job without a strategy, or a strategy with only fail-fast or max-parallel, is one job."""
    from ciforge.targets.github.lift_matrix import expand_matrix

    assert expand_matrix(None) == []
    assert expand_matrix({}) == []
    assert expand_matrix({"fail-fast": False, "max-parallel": 2}) == []


def test_the_lifter_expands_a_matrix_without_include_or_exclude() -> None:
    """Neither key is required; null is the same as absent."""
    from ciforge.targets.github.lift_matrix import expand_matrix

    assert expand_matrix({"matrix": {"os": ["linux", "darwin"]}}) == [{"os": "linux"}, {"os": "darwin"}]
    assert expand_matrix({"matrix": {"os": ["linux"], "include": None, "exclude": None}}) == [{"os": "linux"}]


def test_the_lifter_reads_yaml_booleans_as_the_runner_writes_them() -> None:
    """A YAML boolean in a matrix is `true`/`false` in an expression's string form; other scalars
    are their text."""
    from ciforge.targets.github.lift_matrix import expand_matrix

    legs = expand_matrix({"matrix": {"cgo": [True, False], "n": [1]}})
    assert legs == [{"cgo": "true", "n": "1"}, {"cgo": "false", "n": "1"}]


def test_object_values_are_matched_by_content() -> None:
    """Matrix values may be objects: an include extends the legs whose object equals its own,
    key order aside, and a different object is a new leg."""
    legs = expand(
        [("target", [{"os": "linux", "arch": "amd64"}, {"os": "linux", "arch": "arm64"}])],
        include=[{"target": {"arch": "arm64", "os": "linux"}, "cgo": "1"}, {"target": {"os": "darwin"}, "cgo": "0"}],
    )
    assert legs == [
        {"target": {"os": "linux", "arch": "amd64"}},
        {"target": {"os": "linux", "arch": "arm64"}, "cgo": "1"},
        {"target": {"os": "darwin"}, "cgo": "0"},
    ]


def test_list_values_are_matched_by_content() -> None:
    """List values too: an include matches the leg with the same list, element by element."""
    legs = expand([("tags", [["a", "b"], ["a", "c"]])], include=[{"tags": ["a", "c"], "race": "yes"}])
    assert legs == [{"tags": ["a", "b"]}, {"tags": ["a", "c"], "race": "yes"}]
    nested = expand([("tags", [[{"k": "1"}], [{"k": "2"}]])], include=[{"tags": [{"k": "2"}], "x": "y"}])
    assert nested == [{"tags": [{"k": "1"}]}, {"tags": [{"k": "2"}], "x": "y"}]
