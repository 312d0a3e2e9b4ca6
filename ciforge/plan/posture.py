"""The security posture, the part of the execution plan that is each platform's own: what a job
may do beyond its commands (token scopes, environment, OIDC tokens, secrets, shells, hooks,
cancellation) and what the file adds around the jobs (triggers, includes, defaults).

The expectation comes from the IR; the lifters read the emitted files
(each platform's ``posture`` module). ``ciforge verify`` reports every difference, so a hand edit
that widens a permission, adds a trigger or a hook, persists credentials or unpins an action is
caught even when every command is unchanged. Caches per event and whether a job has the source
are in the platform-neutral plan (:class:`ciforge.plan.model.PlanJob`).

A posture maps a job id (``*`` for the whole file) to a set of facts, each a short string.
"""

from __future__ import annotations

from typing import Any, Final

Posture = dict[str, frozenset[str]]
WHOLE_FILE: Final = "*"


def environment_fact(value: Any) -> str:
    """How a job's ``environment:`` reads as a fact (its name, or ``-``)."""
    if isinstance(value, dict):
        return str(value.get("name", "-"))
    return "-" if value is None else str(value)


def differences(want: Posture, found: Posture) -> list[str]:
    """Human-readable differences (empty when the postures are equal)."""
    out = []
    for key in sorted(want.keys() | found.keys()):
        where = "the file" if key == WHOLE_FILE else f"job {key}"
        missing = sorted(want.get(key, frozenset()) - found.get(key, frozenset()))
        extra = sorted(found.get(key, frozenset()) - want.get(key, frozenset()))
        if key not in found:
            out.append(f"security posture: {where} is missing")
            continue
        if key not in want:
            out.append(f"security posture: {where} is not one the manifest defines")
            continue
        for fact in extra:
            out.append(f"security posture: {where}: found {fact!r}, which the manifest does not mean")
        for fact in missing:
            out.append(f"security posture: {where}: expected {fact!r}")
    return out
