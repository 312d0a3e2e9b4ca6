"""The GitHub lifter's reading of artifacts: who uploads each, from where, and which jobs' a
download step fetches (https://github.com/actions/upload-artifact,
https://github.com/actions/download-artifact)."""

from __future__ import annotations

import fnmatch
from typing import Any

import attrs

from ciforge.targets.github.lift_matrix import expand_matrix
from ciforge.targets.github.lift_values import normalize_value


@attrs.frozen
class Artifacts:
    """What a workflow uploads: each artifact's job, and the directory of each uploaded from one."""

    producers: dict[str, str]
    uploads: dict[str, str]


def uploads(workflow: dict[str, Any]) -> Artifacts:
    """Each artifact a job uploads, by its name in each of the job's legs: the job, and for one
    uploaded from a single directory (a path ending in /) that directory, where GitLab restores
    those files."""
    producers: dict[str, str] = {}
    directories: dict[str, str] = {}
    for job_id, job in workflow["jobs"].items():
        for leg in expand_matrix(job.get("strategy")) or [{}]:
            for step in job.get("steps", []):
                if not str(step.get("uses", "")).startswith("actions/upload-artifact@"):
                    continue
                name = normalize_value(step["with"]["name"], leg)
                producers[name] = job_id
                paths = [p for p in str(step["with"]["path"]).splitlines() if p.strip()]
                directory = normalize_value(paths[0], leg) if len(paths) == 1 else ""
                if directory.endswith("/"):
                    directories[name] = directory
    return Artifacts(producers=producers, uploads=directories)


def downloaded(with_: dict[str, Any], leg: dict[str, str], producers: dict[str, str]) -> set[str]:
    """The jobs whose artifacts a download step fetches: the one of ``name``, every artifact
    ``pattern`` matches, or with neither every artifact of the run, whichever job uploaded it
    (download-artifact downloads from the whole run).
    https://github.com/actions/download-artifact#inputs"""
    if with_.get("name"):
        name = normalize_value(with_["name"], leg)
        return {producers[name]} if name in producers else set()
    if not with_.get("pattern"):
        return set(producers.values())
    pattern = normalize_value(with_["pattern"], leg)
    return {job for name, job in producers.items() if fnmatch.fnmatchcase(name, pattern)}


def misplaced(with_: dict[str, Any], leg: dict[str, str], fetched: set[str], uploads: dict[str, str]) -> set[str]:
    """A directory's artifact fetched by name lands in its own directory, where GitLab restores
    it; anywhere else (another leg's directory) is a consumption of its own, ``<job>@<path>``."""
    directory = uploads.get(normalize_value(with_.get("name", ""), leg))
    path = normalize_value(with_.get("path", "."), leg)
    if directory is None or path == directory:
        return set()
    return {f"{job}@{path}" for job in fetched}
