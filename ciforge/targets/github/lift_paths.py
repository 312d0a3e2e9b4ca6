"""Read the path filter of one event back from a GitHub workflow's ``on:``, with GitHub's rules
(https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#onpushpull_requestpull_request_targetpathspaths-ignore):
``paths`` or ``paths-ignore`` on ``push`` and ``pull_request`` (never both on one event: GitHub
refuses the workflow), an ordered ``paths`` list in which ``!`` excludes what earlier patterns
matched, and at least one pattern without ``!``. Tag pushes are never filtered.

It reads only the YAML; it shares no code with the emitter.
"""

from __future__ import annotations

from typing import Any, Final

from ciforge import ir
from ciforge.plan import model
from ciforge.plan.model import PathFilter, PlanEvent

SECTIONS: Final = {ir.Event.PUSH_BRANCH: "push", ir.Event.CHANGE_REQUEST: "pull_request"}


class PathFilterError(ValueError):
    """A path filter ciforge never writes (an order the plan cannot state)."""


class RefusedPathFilterError(PathFilterError, model.RefusedPipelineError):
    """A path filter GitHub refuses."""


def _patterns(section: dict[str, Any], key: str) -> list[str]:
    raw = section[key]
    if not isinstance(raw, list) or not raw or not all(isinstance(p, str) and p for p in raw):
        raise PathFilterError(f"on.{key}: not a list of patterns")
    return list(raw)


def path_filter(on: Any, event: PlanEvent) -> PathFilter | None:
    """The path filter GitHub applies to the event (None: none)."""
    name = SECTIONS.get(event.kind)
    if name is None or not isinstance(on, dict):
        return None
    section = on.get(name) or {}
    if not isinstance(section, dict):
        return None
    if "paths" in section and "paths-ignore" in section:
        raise RefusedPathFilterError(f"{event.name}: GitHub refuses paths and paths-ignore on one event (on.{name})")
    if "paths-ignore" in section:
        return PathFilter(paths=(), ignore=tuple(_patterns(section, "paths-ignore")))
    if "paths" not in section:
        return None
    included: list[str] = []
    excluded: list[str] = []
    for pattern in _patterns(section, "paths"):
        if pattern.startswith("!"):
            excluded.append(pattern[1:])
        elif excluded:
            # a later pattern would include again what a ! excluded: not "paths minus ignore"
            raise PathFilterError(f"on.{name}.paths: {pattern!r} follows a ! negation, which ciforge never writes")
        else:
            included.append(pattern)
    if not included:
        raise RefusedPathFilterError(f"{event.name}: on.{name}.paths needs a pattern without ! (GitHub refuses it)")
    return PathFilter(paths=tuple(included), ignore=tuple(excluded))
