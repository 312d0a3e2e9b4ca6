"""``ciforge verify``: lift the files on disk and compare them with what the manifest means."""

from __future__ import annotations

from pathlib import Path

from ciforge import ir
from ciforge.plan import from_ir, lift_github, lift_gitlab
from ciforge.plan.model import EVENTS, differences

FILES = {"github": ".github/workflows/ciforge.yml", "gitlab": ".gitlab-ci.yml"}
LIFTERS = {"github": lift_github.lift, "gitlab": lift_gitlab.lift}


def check(pipeline: ir.Pipeline, out_dir: Path) -> list[str]:
    """Every difference, on every standard event, between each file and the manifest's plan."""
    problems: list[str] = []
    for platform, rel in FILES.items():
        path = out_dir / rel
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            problems.append(f"{rel}: cannot read: {exc.strerror or exc}")
            continue
        for event in EVENTS.values():
            expected = from_ir.plan(pipeline, event)
            try:
                actual = LIFTERS[platform](text, event)
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                problems.append(f"{rel}: {event.name}: cannot read the file as ciforge output: {exc}")
                break
            problems += [f"{rel}: {d}" for d in differences(expected, actual, names=("manifest", platform))]
    return problems
