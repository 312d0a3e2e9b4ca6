"""The targets: one folder per platform, each a package with the same public surface
(:class:`Platform`), listed once in :mod:`ciforge.targets.registry`.

A platform folder holds everything that platform knows: its emitter (``emit.py``), its values and
scripts, its limits, and its half of the proof: the lifter (``lift.py``, which reads the YAML alone
and never imports the emitter or the platform scripts), its expression evaluator and its security
posture. Two platforms never import each other; what they share lives in the neutral layers
(:mod:`ciforge.ir`, :mod:`ciforge.scripts`, :mod:`ciforge.yamldata`, :mod:`ciforge.plan`).
docs/architecture.md maps the house.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, Protocol

import attrs

if TYPE_CHECKING:  # the registry must stay cheap to import: ``ciforge --help`` reads its names
    from ciforge import ir
    from ciforge.plan.foreign import Keywords
    from ciforge.plan.model import Plan, PlanEvent
    from ciforge.plan.posture import Posture
    from ciforge.runners import Hosting
    from ciforge.yamldata import Yaml


@attrs.frozen
class Limit:
    """A platform limit the rendered result exceeds. ``at`` says what made it happen, so the
    compiler can point at the manifest: the build matrix (``matrix``), the matrix leg with
    ``variables`` (``leg``), or the bulk of the manifest (``size``)."""

    message: str
    at: Literal["matrix", "leg", "size"]
    variables: tuple[tuple[str, str], ...] = ()


class Platform(Protocol):
    """What every platform package provides (module attributes, in the manner of pre-commit's
    language modules)."""

    @property
    def NAME(self) -> str: ...  # noqa: N802 - a module constant

    @property
    def TITLE(self) -> str: ...  # noqa: N802 - a module constant

    @property
    def OUTPUT_PATH(self) -> str: ...  # noqa: N802 - a module constant

    @property
    def HOSTING(self) -> Hosting: ...  # noqa: N802 - a module constant

    @property
    def FOREIGN_KEYWORDS(self) -> Keywords: ...  # noqa: N802 - a module constant

    def emit(self, pipeline: ir.Pipeline, /) -> dict[str, Yaml]: ...

    def exceeded_limits(self, pipeline: ir.Pipeline, text: str | None, /) -> list[Limit]: ...

    def as_component(self, pipeline: ir.Pipeline, /) -> tuple[str, list[dict[str, Yaml]]] | None: ...

    def schedule_setup(self, pipeline: ir.Pipeline, ref: str, form: str, /) -> str | None: ...

    def load(self, text: str, /) -> dict[str, Any]: ...

    def lift(self, doc: dict[str, Any] | str, event: PlanEvent, /) -> Plan: ...

    def expected_posture(self, pipeline: ir.Pipeline, /) -> Posture: ...

    def lift_posture(self, doc: dict[str, Any], /) -> Posture: ...


def deferred(module: str, name: str) -> Callable[..., Any]:
    """``module.name``, imported on its first call: a platform's lifter, posture and component
    take long to import, and ``render`` needs none of them (docs/cost.md, CLI speed)."""

    def call(*args: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args)

    call.__name__ = call.__qualname__ = name
    return call
