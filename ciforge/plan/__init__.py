"""Execution plans: what runs for an event, built from the IR and lifted from each output."""

from __future__ import annotations

from ciforge.plan.model import EVENTS, Plan, PlanEvent, differences, event_from_cli

__all__ = ["EVENTS", "Plan", "PlanEvent", "differences", "event_from_cli"]
