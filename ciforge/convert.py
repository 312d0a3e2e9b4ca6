"""The one cattrs converter: manifest dicts <-> model objects.

* keys are the manifest's hyphenated names (``version-file`` <-> ``version_file``);
* unknown keys are rejected (the schema already reports them with positions);
* sequences become tuples, so models stay hashable and frozen.
"""

from __future__ import annotations

import functools
from typing import Any

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ciforge.model import BuildJobs, Manifest, Module


def _key(name: str) -> str:
    """``version_file`` -> ``version-file``; ``from_`` (a Python keyword) -> ``from``."""
    return name.rstrip("_").replace("_", "-")


@functools.cache
def converter(*, detailed: bool = False) -> cattrs.Converter:
    """Build (once) the converter used for every manifest. ``detailed``: with cattrs' detailed
    validation, whose structuring code is slower to generate and to run; the schema has already
    checked the data, so only a failure is structured again with it, for its message."""
    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=detailed)

    def structure_factory(cl: type) -> Any:
        renames: dict[str, Any] = {a.name: override(rename=_key(a.name)) for a in attrs.fields(cl)}
        return make_dict_structure_fn(cl, conv, _cattrs_forbid_extra_keys=True, **renames)

    def unstructure_factory(cl: type) -> Any:
        renames: dict[str, Any] = {a.name: override(rename=_key(a.name)) for a in attrs.fields(cl)}
        return make_dict_unstructure_fn(cl, conv, **renames)

    conv.register_structure_hook_factory(attrs.has, structure_factory)
    conv.register_unstructure_hook_factory(attrs.has, unstructure_factory)
    # golangci-lint: a version string, false, or absent. The schema has already checked it.
    conv.register_structure_hook(str | bool | None, lambda value, _: value)
    conv.register_structure_hook(str | bool, lambda value, _: value)  # lint.govulncheck
    conv.register_structure_hook(BuildJobs, lambda value, _: value)  # build.jobs: per-leg, single or N
    conv.register_structure_hook(str | None, lambda value, _: None if value is None else str(value))
    conv.register_structure_hook(bool | None, lambda value, _: None if value is None else bool(value))
    conv.register_structure_hook(
        tuple[str, ...] | None, lambda value, _: None if value is None else tuple(str(v) for v in value)
    )
    # image.repository: one repository or a list of them
    conv.register_structure_hook(
        str | tuple[str, ...] | None,
        lambda value, _: value if value is None or isinstance(value, str) else tuple(str(v) for v in value),
    )

    def modules(value: Any, _: Any) -> str | tuple[Module, ...] | None:
        if value is None or isinstance(value, str):
            return value
        items = [{"path": item} if isinstance(item, str) else item for item in value]
        return tuple(conv.structure(item, Module) for item in items)

    conv.register_structure_hook(str | tuple[Module, ...] | None, modules)
    return conv


def structure(data: dict[str, Any]) -> Manifest:
    """Build the model from validated manifest data (``build: false`` becomes ``build=None``)."""
    if data.get("build") is False:
        data = {**data, "build": None}
    runners = data.get("runners")
    if isinstance(runners, dict):  # one runs-on label is a list of one
        data = {
            **data,
            "runners": {
                platform: {**spec, "github": [spec["github"]]} if isinstance(spec.get("github"), str) else spec
                for platform, spec in runners.items()
            },
        }
    try:
        return converter().structure(data, Manifest)
    except Exception:  # a ciforge bug (the schema checked the data): again, with cattrs' detailed errors
        return converter(detailed=True).structure(data, Manifest)


def unstructure(manifest: Manifest) -> dict[str, Any]:
    """The model as manifest-shaped data (every field, defaults included)."""
    out: dict[str, Any] = converter().unstructure(manifest)
    if out.get("build") is None:
        out["build"] = False
    if out.get("modules") is None:
        del out["modules"]
    elif isinstance(out["modules"], list):  # unset per-module coverage keys take test.coverage's
        for item in out["modules"]:
            item["coverage"] = {k: v for k, v in item["coverage"].items() if v is not None}
    return out
