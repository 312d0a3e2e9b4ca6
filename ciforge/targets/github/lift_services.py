"""Read a GitHub job's service containers back for the plan
(https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#jobsjob_idservices),
and where the job reaches them (the register's service-host exception).

It reads only the YAML; it shares no code with the emitter.
"""

from __future__ import annotations

from typing import Any

from ciforge.plan import register
from ciforge.plan.model import service_entry


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def services(job: dict[str, Any]) -> tuple[str, ...]:
    """``services:``, each with its image and env; a port not published on the same port of the
    runner is named (the job's <NAME>_PORT would not reach it)."""
    out = []
    for name, given in (job.get("services") or {}).items():
        spec = given if isinstance(given, dict) else {}
        ports = [str(p) for p in spec.get("ports") or []]
        unpublished = tuple(p for p in ports if len(set(p.split(":"))) != 1 or ":" not in p)
        env = {str(k): _text(v) for k, v in (spec.get("env") or {}).items()}
        out.append(service_entry(str(name), _text(spec.get("image", "")), env, unpublished))
    return tuple(sorted(out))


def reached(env: dict[str, str], job: dict[str, Any]) -> dict[str, str]:
    """The job's env with each service's host read as its name: a job on the runner reaches its
    services on loopback, a container job by name, as GitLab does (register: service-host)."""
    if not job.get("container"):
        env = register.service_hosts(env, list(job.get("services") or {}), register.LOOPBACK)
    return register.docker_publish_host(env, register.LOOPBACK)
