"""Lower ``modules:``: which Go modules get lint and test jobs, and how each module's jobs are
scoped to its directory and, with several modules, to the changes that touch it.

Without ``modules:`` the repository root is the one module and nothing here changes the jobs.
With it, each module's jobs get the module's directory as their suffix and working directory,
the module's go.mod and go.sum as their cache key, and (with two modules or more) the change
check of :mod:`ciforge.scripts_modules` as their first block (docs/modules.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import attrs

from ciforge import gomodules, goreleases, ir, scripts_modules
from ciforge.diagnostics import JsonPath
from ciforge.model import Coverage, Module

if TYPE_CHECKING:
    from ciforge.lower import Lowering

# Files whose change runs every module: the workspace, and the manifest (its own path is added).
WORKSPACE_FILES: Final = ("go.work", "go.work.sum")


@attrs.frozen
class ResolvedModule:
    """A module whose jobs the pipeline runs."""

    directory: str  # "." or "a/b", relative to the manifest's directory
    lint: bool
    test: bool
    coverage: Coverage
    scope: ir.ModuleScope

    @property
    def slug(self) -> str:
        """The job id suffix of the module's jobs (:func:`slug`)."""
        return slug(self.directory)


def slug(directory: str) -> str:
    """The job id suffix of a module directory: ``/`` and ``.`` as ``-``, lower case (empty for the root)."""
    return "" if directory == "." else directory.replace("/", "-").replace(".", "-").lower()


def _specs(low: Lowering) -> list[tuple[Module, JsonPath]]:
    """The manifest's module list, or the discovered one for ``auto``."""
    modules = low.m.modules
    if isinstance(modules, tuple):
        return [(module, ("modules", i)) for i, module in enumerate(modules)]
    root = low.base_dir
    found = gomodules.auto(root)
    if not found:
        low.error("module", f"modules: auto found no go.mod under {root.name or root}", ("modules",))
    return [(Module(path="." if d == "." else f"./{d}"), ("modules",)) for d in found]


def _gate(module: Module, default: Coverage) -> Coverage:
    return Coverage(
        threshold=default.threshold if module.coverage.threshold is None else module.coverage.threshold,
        exclude=default.exclude if module.coverage.exclude is None else module.coverage.exclude,
        new_code=default.new_code if module.coverage.new_code is None else module.coverage.new_code,
        merge=default.merge,
    )


def resolve(low: Lowering, go: str) -> list[ResolvedModule] | None:
    """The modules, with their scopes; None when the manifest names none (the root is the one
    module, unscoped). Problems are reported at the module's item."""
    if low.m.modules is None:
        return None
    read: list[tuple[Module, gomodules.GoModule, JsonPath]] = []
    seen: dict[str, JsonPath] = {}
    slugs: dict[str, str] = {}
    for spec, path in _specs(low):
        directory = gomodules.normalize(spec.path)
        where = path
        if directory in seen:
            low.error("unique", f"module {spec.path} is listed twice", where)
            continue
        seen[directory] = where
        try:
            module = gomodules.read_module(low.base_dir, directory)
        except gomodules.ModuleError as exc:
            low.error("module", f"module {spec.path}: {exc}", where)
            continue
        suffix = slug(directory)
        if suffix in slugs:
            low.error("unique", f"modules {slugs[suffix]} and {spec.path} would both name their jobs *-{suffix}", where)
            continue
        slugs[suffix] = spec.path
        _check_go(low, module, go, where)
        read.append((spec, module, where))
    workspace = isinstance(low.m.modules, str) and (low.base_dir / "go.work").is_file()
    deps = gomodules.local_dependencies([m for _, m, _ in read], workspace=workspace)
    several = len(read) > 1
    out = []
    for spec, module, _ in read:
        affected_by = tuple(sorted({module.directory, *deps[module.directory]})) if several else ()
        out.append(
            ResolvedModule(
                directory=module.directory,
                lint=spec.lint,
                test=spec.test,
                coverage=_gate(spec, low.m.test.coverage),
                scope=ir.ModuleScope(directory=module.directory, affected_by=affected_by),
            )
        )
    return out


def _check_go(low: Lowering, module: gomodules.GoModule, go: str, where: JsonPath) -> None:
    """A module whose go directive is newer than the pipeline's Go cannot build with it
    (GOTOOLCHAIN=local: the go command does not download another)."""
    if module.go is None or go == low.unresolved:
        return
    try:
        newer = goreleases.key(module.go) > goreleases.key(go)
    except ValueError:
        return
    if newer:
        low.error(
            "go-version",
            f"module {module.directory}'s go.mod requires go {module.go}, newer than the pipeline's Go {go}; "
            "raise go.version (or go.version-file) to at least that release",
            where,
        )


def scoped(job: ir.Job, module: ResolvedModule, *, all_modules: tuple[str, ...], manifest: str) -> ir.Job:
    """``job`` (a lint or test job of the root) as ``module``'s: suffixed ids and artifact names,
    its directory, its go.mod and go.sum as cache keys, and the change check when scoped."""
    if module.directory == "." and not module.scope.affected_by:
        return attrs.evolve(job, module=module.scope)
    suffix = f"-{module.slug}" if module.slug else ""
    prefix = "" if module.directory == "." else module.directory + "/"
    steps: tuple[ir.Step, ...] = job.steps
    if module.scope.affected_by:
        check = ir.Run(
            id="affected",
            name="Change check",
            script=scripts_modules.affected_check(
                module=module.directory,
                affected_by=module.scope.affected_by,
                modules=all_modules,
                always=(*WORKSPACE_FILES, manifest),
            ),
        )
        guarded = tuple(
            attrs.evolve(s, script=scripts_modules.guarded(s.script)) if isinstance(s, ir.Run) else s for s in steps
        )
        at = next(i for i, s in enumerate(steps) if isinstance(s, ir.SetupGo)) + 1
        steps = (*guarded[:at], check, *guarded[at:])
    base, _, detail = job.name.removesuffix(")").partition(" (")
    name = f"{base} ({module.directory}{', ' + detail if detail else ''})" if module.slug else job.name
    return attrs.evolve(
        job,
        id=_suffixed(job.id, suffix),
        name=name,
        steps=steps,
        env=(*job.env, ("CHANGE_BASE", ir.PlatformValue("change_base")))
        if module.scope.affected_by and "CHANGE_BASE" not in dict(job.env)
        else job.env,
        full_history=job.full_history or bool(module.scope.affected_by),
        # the module's own jobs only (the merged coverage job needs its test jobs)
        needs=tuple(_suffixed(need, suffix) for need in job.needs),
        consumes=tuple(
            attrs.evolve(c, producer=_suffixed(c.producer, suffix), name=_suffixed(c.name, suffix))
            for c in job.consumes
        ),
        cache=ir.GoCache(key_files=tuple(prefix + f for f in job.cache.key_files)) if job.cache else None,
        produces=tuple(
            attrs.evolve(
                a,
                name=_suffixed(a.name, suffix),
                paths=tuple(prefix + p for p in a.paths),
            )
            for a in job.produces
        ),
        module=module.scope,
    )


def _suffixed(name: str, suffix: str) -> str:
    """``coverage-{leg}`` -> ``coverage-sdk-{leg}``, ``test-linux`` -> ``test-sdk-linux``: the
    module's suffix after the first word of an artifact's or a job's name."""
    head, sep, tail = name.partition("-")
    return head + suffix + sep + tail
