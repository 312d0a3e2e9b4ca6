"""How job outputs travel on GitHub (the output-plumbing exception): a job's outputs.env lines
become step outputs, then job outputs, then the needing jobs' environment.
https://docs.github.com/en/actions/how-tos/write-workflows/choose-what-workflows-do/pass-job-outputs"""

from __future__ import annotations

from ciforge import ir
from ciforge.yamldata import Script, Yaml


def export_lines(source: str, names: tuple[str, ...], sink: str) -> str:
    """Copy the job's own NAME=value lines from ``source`` into a GitHub file command (``sink``):
    only the declared names, each written with a fresh random heredoc delimiter, so no value can
    end the entry early and smuggle in another one.
    https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#multiline-strings"""
    return "\n".join(
        (
            "set -euo pipefail",
            'while IFS= read -r line || [ -n "$line" ]; do',
            '  name="${line%%=*}"',
            '  case "$name" in',
            f"    {'|'.join(names)}) ;;",
            f'    *) echo "{source}: unexpected line; expected one of {", ".join(names)}" >&2; exit 1 ;;',
            "  esac",
            "  delimiter=\"ciforge_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \\n')\"",
            f'  printf \'%s<<%s\\n%s\\n%s\\n\' "$name" "$delimiter" "${{line#*=}}" "$delimiter" >> "{sink}"',
            f"done < {source}",
            "",
        )
    )


def export_outputs(job: ir.Job) -> list[Yaml]:
    """The job's outputs.env lines become step outputs, read by the job's ``outputs:``."""
    if not job.outputs:
        return []
    script = export_lines("outputs.env", job.outputs, "$GITHUB_OUTPUT")
    return [{"name": "Export job outputs", "id": "outputs", "run": Script(script)}]


def job_outputs(job: ir.Job) -> dict[str, Yaml] | None:
    if not job.outputs:
        return None
    return {name: "${{ steps.outputs.outputs." + name + " }}" for name in job.outputs}


def input_env(job: ir.Job) -> dict[str, Yaml]:
    return {
        name: "${{ needs." + item.producer + ".outputs." + name + " }}" for item in job.inputs for name in item.names
    }
