"""The YAML readers ciforge's outputs meet, side by side, as typed trees that keep what plain
equality would blur (``1`` vs ``"1"``, a Ruby symbol vs a string, ``1.0`` vs ``1``):

* YAML 1.2 core (ruamel.yaml, as the lifters read), and YAML 1.1 (PyYAML);
* Ruby's Psych as GitLab loads ``.gitlab-ci.yml`` (tests/oracles/psych-load.rb);
* the ``yaml`` package as GitHub's workflow parser loads a workflow (tests/oracles/yaml-load.mjs).

The two oracles are long-lived processes speaking one JSON line per document, so a property can
ask them about many documents for the cost of one process start.
"""

from __future__ import annotations

import json
import math
import subprocess
from typing import Any

import yaml as pyyaml
from ruamel.yaml import YAML

from tests.conftest import ROOT

ORACLE_DIR = ROOT / "tests" / "oracles"


def typed(value: Any) -> Any:
    """A Python value as the typed tree the oracles print."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return {"!int": str(value)}
    if isinstance(value, float):
        return {"!float": _float_text(value)}
    if isinstance(value, dict):
        return {"!map": [[typed(k), typed(v)] for k, v in value.items()]}
    if isinstance(value, list | tuple):
        return [typed(v) for v in value]
    return {"!other": type(value).__name__}


def _float_text(value: float) -> str:
    return "nan" if math.isnan(value) else repr(value)


def normalized(tree: Any) -> Any:
    """An oracle's typed tree with float spellings made comparable (Ruby ``1.0e+20``, JS ``NaN``)."""
    if isinstance(tree, list):
        return [normalized(v) for v in tree]
    if isinstance(tree, dict):
        if "!float" in tree:
            return {"!float": _float_text(float(tree["!float"]))}
        if "!map" in tree:
            return {"!map": [[normalized(k), normalized(v)] for k, v in tree["!map"]]}
    return tree


def load_yaml12(text: str) -> Any:
    return typed(YAML(typ="safe", pure=True).load(text))


def load_yaml11(text: str) -> Any:
    return typed(pyyaml.safe_load(text))


class LineOracle:
    """A long-lived oracle process: one JSON line in, one JSON line out."""

    def __init__(self, argv: list[str]) -> None:
        self.argv = argv
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8", cwd=ORACLE_DIR
        )

    def ask(self, request: Any) -> Any:
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, f"{self.argv[0]} stopped answering (exit {self.proc.poll()})"
        return json.loads(line)

    def close(self) -> None:
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self.proc.stdout.close()


class YamlOracle(LineOracle):
    def load(self, text: str) -> Any:
        """The typed data, or ``{"error": ...}`` when the reader refuses the text."""
        answer = self.ask(text)
        return normalized(answer["data"]) if "data" in answer else answer
