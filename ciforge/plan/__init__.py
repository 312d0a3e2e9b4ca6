"""Execution plans: what runs for an event, built from the IR and lifted from each output.

The names below load :mod:`ciforge.plan.model` on first use, so that importing a light module of
the package (``ciforge.plan.foreign``, which ``render`` uses) does not load the plan model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ciforge.plan.model import EVENTS, Plan, PlanEvent, differences, event_from_cli

__all__ = ["EVENTS", "Plan", "PlanEvent", "differences", "event_from_cli"]


def __getattr__(name: str) -> Any:  # PEP 562: https://peps.python.org/pep-0562/
    if name in __all__:
        from ciforge.plan import model  # noqa: PLC0415

        return getattr(model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
