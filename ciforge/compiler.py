"""Run the stages in order: load -> restore version strings -> validate -> model -> IR -> emit -> YAML text.

Nothing here writes files; :mod:`ciforge.output` does, and only when every target rendered.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any, Final

import attrs

from ciforge import __version__, cache, dockerfile_gen, goreleases, ir, reading, schema, source, yamlout
from ciforge.diagnostics import Diagnostic, DiagnosticCode
from ciforge.lower import lower
from ciforge.model import GENERATE


@attrs.frozen
class Result:
    """What a compile produced: files by path relative to the output directory, or problems."""

    files: dict[str, str]
    diagnostics: tuple[Diagnostic, ...]
    pipeline: ir.Pipeline | None = None

    @property
    def ok(self) -> bool:
        """True when no diagnostic is an error."""
        return not any(d.severity == "error" for d in self.diagnostics)


def _errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in diagnostics)


def manifest_label(manifest: Path, out_dir: Path) -> str:
    """How the output header names the manifest: relative to the output directory."""
    rel = os.path.relpath(manifest.resolve(), out_dir.resolve())
    return str(PurePosixPath(Path(rel).as_posix()))


def compile_pipeline(
    raw: bytes, *, file: str, base_dir: Path, label: str
) -> tuple[ir.Pipeline | None, list[Diagnostic]]:
    """Manifest bytes -> IR, collecting every diagnostic along the way."""
    pipeline, diagnostics, _, _ = _compile(raw, file=file, base_dir=base_dir, label=label)
    return pipeline, diagnostics


def prepare(doc: source.SourceDoc) -> source.SourceDoc:
    """The loaded document as validation and the model read it: its preset merged under it, and
    each unquoted version number read back as the text the user wrote (``go: {version: 1.20}`` is
    "1.20", not the YAML number 1.2)."""
    from ciforge import presets  # noqa: PLC0415

    return schema.restore_version_strings(attrs.evolve(doc, data=presets.apply(doc.data)))


Compiled = tuple[ir.Pipeline | None, list[Diagnostic], source.SourceDoc | None, dockerfile_gen.Spec | None]


def _compile(raw: bytes, *, file: str, base_dir: Path, label: str) -> Compiled:
    doc, diagnostics = source.load_bytes(raw, file)
    if doc is None:
        return None, diagnostics, None, None
    doc = prepare(doc)
    diagnostics += _validate(doc, diagnostics)
    diagnostics += _platform_syntax(doc, skip=frozenset(d.path for d in diagnostics))
    if _errors(diagnostics):
        return None, diagnostics, doc, None
    from ciforge.convert import structure  # noqa: PLC0415 - lazy import keeps --help fast

    manifest = structure(doc.data)
    from ciforge.targets import registry  # noqa: PLC0415

    hosting = tuple(platform.HOSTING for platform in registry.platforms())
    pipeline, semantic, dockerfile = lower(manifest, base_dir=base_dir, manifest_label=label, hosting=hosting)
    for d in semantic:
        # point at the key of a mapping or list setting, at the value of a scalar one
        key = d.code == "matrix-key" or isinstance(_value_at(doc.data, d.path), dict | list)
        line, col = doc.source_map.locate(d.path, key=key)
        diagnostics.append(attrs.evolve(d, file=file, line=line, col=col))
    return (None if _errors(diagnostics) else pipeline), diagnostics, doc, dockerfile


def _validate(doc: source.SourceDoc, earlier: list[Diagnostic]) -> list[Diagnostic]:
    """Schema validation, skipped for data that passed before (:mod:`ciforge.cache`); only data
    that loaded and validated without a single diagnostic is recorded."""
    if earlier:
        return schema.validate(doc, skip=frozenset(d.path for d in earlier))
    key = cache.validation_key(schema.schema_text(), doc.data)
    if cache.validated(key):
        return []
    found = schema.validate(doc, skip=frozenset())
    if not found:
        cache.record_validated(key)
    return found


# Written into the outputs, these would be evaluated on one platform only: GitHub evaluates
# ``${{ }}`` in env, with and names, a GitLab CI/CD component interpolates ``$[[ ]]`` anywhere;
# GitLab keeps both literal. No manifest value has a use for them, so every field refuses them.
PLATFORM_SYNTAX: Final = ("${{", "$[[")


def _platform_syntax(doc: source.SourceDoc, skip: frozenset[tuple[str | int, ...]]) -> list[Diagnostic]:
    """A positioned error for every string value that holds ``${{`` or ``$[[`` (unless its path
    already has a problem)."""
    out: list[Diagnostic] = []

    def walk(value: object, path: tuple[str | int, ...]) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, (*path, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*path, index))
        elif isinstance(value, str) and path not in skip:
            for syntax in PLATFORM_SYNTAX:
                if syntax in value:
                    line, col = doc.source_map.locate(path)
                    message = (
                        f"{value!r} holds {syntax!r}, which GitHub would evaluate as an expression but GitLab "
                        "keeps literal"
                        if syntax == "${{"
                        else f"{value!r} holds {syntax!r}, which a GitLab CI/CD component would interpolate "
                        "but GitHub keeps literal"
                    )
                    out.append(
                        Diagnostic(
                            code="expression-syntax", message=message, path=path, file=doc.path, line=line, col=col
                        )
                    )

    walk(doc.data, ())
    return out


def _value_at(data: object, path: tuple[str | int, ...]) -> object:
    for part in path:
        if isinstance(data, dict) and isinstance(part, str):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return None
    return data


def header(label: str) -> tuple[str, ...]:
    """The comment every generated file starts with."""
    return (
        f"Generated by ciforge {__version__} from {label}. Do not edit this file:",
        "change the manifest and run `ciforge render` (`ciforge render --check` finds drift).",
        f"Go releases as of {goreleases.date()} (ciforge's release table; stable and oldstable are resolved from it):",
        f"for newer releases, {goreleases.REFRESH_HINT}, then re-render.",
    )


def emit(pipeline: ir.Pipeline, targets: Iterable[str], *, gitlab_component: bool = False) -> dict[str, str]:
    """Render the pipeline for each target; returns path -> text. With ``gitlab_component`` a
    platform that has components (GitLab's CI/CD components) writes the pipeline as one instead."""
    from ciforge.targets import registry  # noqa: PLC0415

    files: dict[str, str] = {}
    for name in targets:
        platform = registry.platform(name)
        component = platform.as_component(pipeline) if gitlab_component else None
        if component is not None:
            path, documents = component
            files[path] = yamlout.dump_documents(documents, header(pipeline.manifest))
            continue
        files[platform.OUTPUT_PATH] = yamlout.dump(platform.emit(pipeline), header(pipeline.manifest))
    return files


def compile_file(
    manifest: Path,
    *,
    out_dir: Path,
    targets: Iterable[str],
    display: str | None = None,
    gitlab_component: bool = False,
) -> Result:
    """Compile a manifest file for the given targets."""
    file = display or str(manifest)
    try:
        # Bounded before parsing: a huge or endless "manifest" is refused, not parsed for minutes.
        raw = reading.read_bounded(manifest, reading.MAX_MANIFEST_BYTES)
    except OSError as exc:
        code: DiagnosticCode = "limit" if isinstance(exc, reading.FileTooLargeError) else "io-error"
        reason = str(exc) if isinstance(exc, reading.FileRefusedError) else exc.strerror or exc.__class__.__name__
        return Result(
            files={},
            # a file too large to read is reported at its start; a file that cannot be opened has no position
            diagnostics=(
                Diagnostic(
                    code=code,
                    message=f"cannot read the manifest: {reason}",
                    file=file,
                    line=int(code == "limit"),
                    col=int(code == "limit"),
                ),
            ),
        )
    pipeline, diagnostics, doc, dockerfile = _compile(
        raw, file=file, base_dir=manifest.parent, label=manifest_label(manifest, out_dir)
    )
    if pipeline is None or doc is None:
        return Result(files={}, diagnostics=tuple(diagnostics))
    missing = _image_paths(doc, manifest.parent)
    if missing:
        return Result(files={}, diagnostics=tuple(diagnostics + missing))
    files = emit(pipeline, targets, gitlab_component=gitlab_component)
    if dockerfile is not None and files:
        # target-neutral: written with either platform's pipeline, beside it
        files.update(dockerfile_gen.render(dockerfile, header(pipeline.manifest)))
    limits = _limits(pipeline, files, doc)
    if limits:
        return Result(files={}, diagnostics=tuple(diagnostics + limits))
    return Result(files=files, diagnostics=tuple(diagnostics), pipeline=pipeline)


def _image_paths(doc: source.SourceDoc, base_dir: Path) -> list[Diagnostic]:
    """``image.dockerfile`` must be a file and ``image.context`` a directory, relative to the
    manifest's directory (the repository root). Positioned at the setting, else at ``image``,
    else at ``preset`` when the image comes from the preset."""
    image = doc.data.get("image") if isinstance(doc.data, dict) else None
    if not isinstance(image, dict):
        return []
    out = []
    for key, default, kind in (("dockerfile", "Dockerfile", "file"), ("context", ".", "directory")):
        rel = image.get(key, default)
        if key == "dockerfile" and rel == GENERATE:
            continue  # ciforge writes it
        target = base_dir / str(rel)
        if target.is_file() if kind == "file" else target.is_dir():
            continue
        path: tuple[str | int, ...] = ("image", key)
        given = path in doc.source_map.values
        if not given:
            path = ("image",) if ("image",) in doc.source_map.keys else ("preset",)
        setting = f"image.{key} {rel!r}" if given else f"image.{key} (default {rel!r}, from the preset or default)"
        message = (
            f"{setting}: there is no {kind} {base_dir / str(rel)}; "
            "image paths are relative to the manifest's directory, the repository root"
        )
        line, col = doc.source_map.locate(path, key=not given)
        out.append(Diagnostic(code="missing-path", message=message, path=path, file=doc.path, line=line, col=col))
    return out


def _leg_origin(doc: source.SourceDoc, variables: dict[str, str]) -> tuple[str | int, ...]:
    """The include entry that gave a leg its tags or C compiler (else the matrix itself)."""
    build = doc.data.get("build") if isinstance(doc.data, dict) else None
    matrix = build.get("matrix") if isinstance(build, dict) else None
    includes = matrix.get("include") if isinstance(matrix, dict) else None
    for index, entry in enumerate(includes or []):
        if isinstance(entry, dict) and (
            ("tags" in entry and entry["tags"] == variables.get("GO_TAGS"))
            or ("cc" in entry and entry["cc"] == variables.get("CC"))
        ):
            return ("build", "matrix", "include", index)
    return ("build", "matrix")


def _limits(pipeline: ir.Pipeline, files: dict[str, str], doc: source.SourceDoc) -> list[Diagnostic]:
    """Each platform's limits that only the rendered result shows (its ``limits.py``), as errors
    positioned at what caused them."""
    from ciforge.targets import registry  # noqa: PLC0415

    out: list[Diagnostic] = []
    for name in registry.NAMES:
        # every platform's limits apply, rendered or not: the manifest must fit both
        text = files.get(registry.platform(name).OUTPUT_PATH)
        for limit in registry.platform(name).exceeded_limits(pipeline, text):
            path: tuple[str | int, ...]
            if limit.at == "leg":
                path = _leg_origin(doc, dict(limit.variables))
            elif limit.at == "matrix" or sum(len(j.legs) for j in pipeline.jobs) > 200:
                path = ("build", "matrix") if "build" in doc.data else ()
            else:
                path = _bulk(doc.data)
            line, col = doc.source_map.locate(path, key=True)
            out.append(Diagnostic(code="limit", message=limit.message, path=path, file=doc.path, line=line, col=col))
    return out


def _bulk(data: Any, path: tuple[str | int, ...] = ()) -> tuple[str | int, ...]:
    """Where most of a manifest's text is: the path down through every value that holds more
    than half of its parent (so an oversized workflow is reported at what made it big)."""
    children = list(data.items()) if isinstance(data, dict) else list(enumerate(data)) if isinstance(data, list) else []
    if not children:
        return path
    sizes = [(len(json.dumps(value, default=str)), key) for key, value in children]
    size, key = max(sizes, key=lambda pair: pair[0])
    if size * 2 <= sum(s for s, _ in sizes):
        return path
    return _bulk(data[key], (*path, key))
