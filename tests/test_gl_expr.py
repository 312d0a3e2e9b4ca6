"""ciforge's GitLab ``rules:if`` evaluator (the judge of GitLab rules in the lifter and ``verify``):
a table from GitLab's documentation, cross-checked with gitlab-ci-local's own evaluation, and
what it refuses to judge. https://docs.gitlab.com/ci/jobs/job_rules/#cicd-variable-expressions"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from ciforge import yamlout
from ciforge.targets.gitlab.expressions import RuleError, evaluate, expand
from tests.conftest import oracle
from tests.helpers import GITLAB, as_yaml

VARIABLES = {
    "BRANCH": "main",
    "OTHER": "main",
    "MIXED": "Main",
    "EMPTY": "",
    "TAG": "v1.2.3",
    "SPACE": "a b",
    "PATTERN": "/^v[0-9]/",
    "IPATTERN": "/^MAIN$/i",
    "PATH": "release/1.x",
    "LINES": "a\nb",
    "TRAIL": "main\n",
    "LINE_PATTERN": "/^a.b$/s",
}

TABLE = [
    # equality: exact and case-sensitive, either side, single or double quotes
    ('$BRANCH == "main"', True),
    ('"main" == $BRANCH', True),
    ("$BRANCH == 'main'", True),
    ('$MIXED == "main"', False),
    ('$BRANCH != "main"', False),
    ('$BRANCH != "x"', True),
    ("$BRANCH == $OTHER", True),
    ("$BRANCH != $MIXED", True),
    ('$SPACE == "a b"', True),
    # undefined and empty variables
    ("$UNSET == null", True),
    ("$EMPTY == null", False),
    ("$BRANCH == null", False),
    ("$UNSET != null", False),
    ("$BRANCH != null", True),
    ('$EMPTY == ""', True),
    ('$UNSET == ""', False),
    ('$UNSET != "x"', True),
    ("$BRANCH", True),
    ("$EMPTY", False),
    ("$UNSET", False),
    # regular expressions: a search, case-sensitive unless /i
    ("$TAG =~ /^v[0-9]/", True),
    ("$TAG =~ /1\\.2/", True),
    ("$TAG =~ /^v1\\.2\\.3$/", True),
    ("$BRANCH =~ /^v/", False),
    ("$MIXED =~ /^main$/", False),
    ("$MIXED =~ /^main$/i", True),
    ("$PATH =~ /^release\\/.*$/", True),
    ("$TAG !~ /^v/", False),
    ("$BRANCH !~ /^v/", True),
    ("$UNSET !~ /x/", True),
    ("$UNSET =~ /x/", False),
    # flags: m lets ^ and $ match at line breaks, s lets . match one; without m, $ is the end of
    # the text only (RE2), even before a final line break
    ("$LINES =~ /^b$/", False),
    ("$LINES =~ /^b$/m", True),
    ("$LINES =~ /a.b/", False),
    ("$LINES =~ /a.b/s", True),
    ("$LINES =~ /^A.B$/is", True),
    ("$LINES =~ /^A$/im", True),
    ("$TRAIL =~ /^main$/", False),
    ("$TRAIL =~ /^main$/m", True),
    ("$TRAIL =~ /^main\\s$/", True),
    ("$TRAIL =~ /[$]/", False),
    # a variable holding a /pattern/
    ("$TAG =~ $PATTERN", True),
    ("$BRANCH =~ $PATTERN", False),
    ("$BRANCH =~ $IPATTERN", True),
    ("$LINES =~ $LINE_PATTERN", True),
    # && binds tighter than ||; parentheses
    ('$BRANCH == "x" || $TAG == "v1.2.3"', True),
    ('$BRANCH == "main" && $EMPTY', False),
    ('$BRANCH == "x" && $TAG || $BRANCH', True),
    ('$BRANCH == "x" && ($TAG || $BRANCH)', False),
    ('($BRANCH == "x" || $TAG) && $EMPTY == ""', True),
    ('$BRANCH == "main" && ($UNSET || $TAG =~ /^v/) && $UNSET == null', True),
]


@pytest.mark.parametrize(("expression", "expected"), TABLE)
def test_documented_rule(expression: str, expected: bool) -> None:
    assert evaluate(expression, VARIABLES) is expected


@pytest.mark.parametrize(
    "expression",
    [
        '${BRANCH} == "main"',  # rules:if reads $VAR only
        '$BRANCH =~ "main"',  # a string is not a pattern
        "$BRANCH =~ $BRANCH",  # the variable does not hold a /pattern/
        "$BRANCH =~ /x/g",  # a flag ciforge cannot judge
        "$BRANCH =~ /(/",
        "$BRANCH ==",
        "($BRANCH",
        '$BRANCH == "a" &&',
        '$BRANCH == "a\\"b"',
        "",
        "&& $BRANCH",
    ],
)
def test_unjudgeable_rule_is_an_error(expression: str) -> None:
    with pytest.raises(RuleError):
        evaluate(expression, VARIABLES)


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("$A $B", "unexpected '$B'"),
        ('$A == "x" "y"', "unexpected '\"y\"'"),
        ("$A == /x/", "unexpected '/x/'"),
        ("$A =~ /x/q", "regex flag(s) 'q'"),
        ("$A =~ $A", "not a /pattern/"),
        ("$A =~ /x/qz", "regex flag(s) 'qz' in '/x/qz'"),
        ("$A =~ /(/", "cannot read the pattern '/(/': "),
        ("$A ==", "the expression ends too early"),
        ("($A", "missing )"),
        ('$A =~ "x"', "the right side of =~ must be a /pattern/ or a variable holding one"),
        ("$A == %", "cannot read rule at ' %'"),
    ],
)
def test_refusal_names_the_reason(expression: str, reason: str) -> None:
    with pytest.raises(RuleError) as caught:
        evaluate(expression, {"A": "a"})
    assert reason in str(caught.value)


@pytest.mark.oracle
def test_table_agrees_with_gitlab_ci_local(tmp_path: Path) -> None:
    """One pipeline, one job per row; gitlab-ci-local evaluates every rule with the same variables."""
    pipeline = {
        f"row-{n}": {"rules": [{"if": expression}], "script": ["true"]} for n, (expression, _) in enumerate(TABLE)
    }
    (tmp_path / GITLAB).write_text(yamlout.dump(as_yaml(pipeline)))
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    args = [oracle("node22"), oracle("gitlab-ci-local"), "--list-json"]
    for name, value in VARIABLES.items():
        args += ["--variable", f"{name}={value}"]
    proc = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, check=False, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    jobs = json.loads(proc.stdout[proc.stdout.index("\n[") + 1 :] if not proc.stdout.startswith("[") else proc.stdout)
    theirs = {job["name"]: job["when"] != "never" for job in jobs}
    ours = {f"row-{n}": expected for n, (_, expected) in enumerate(TABLE)}
    disagreements = {TABLE[int(k[4:])][0]: (ours[k], theirs.get(k)) for k in ours if ours[k] != theirs.get(k)}
    assert disagreements == {}


@pytest.mark.parametrize(
    ("text", "expanded"),
    [
        ("app-$CI_COMMIT_REF_NAME", "app-main"),
        ("${CI_COMMIT_REF_NAME}-linux", "main-linux"),
        ("$GOOS/$GOARCH", "linux/amd64"),
        ("$UNSET and ${UNSET}", "$UNSET and ${UNSET}"),  # unknown variables stay as written
        ("no variables", "no variables"),
        ("$$", "$$"),
    ],
)
def test_expand_substitutes_known_variables(text: str, expanded: str) -> None:
    """Variables in artifact names, image names and rule variables, as the lifter expands them.
    https://docs.gitlab.com/ci/variables/where_variables_can_be_used/"""
    assert expand(text, {"CI_COMMIT_REF_NAME": "main", "GOOS": "linux", "GOARCH": "amd64"}) == expanded
