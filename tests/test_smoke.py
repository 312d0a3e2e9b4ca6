"""smoke: (issue 17, part 2): the probe block against a real local HTTP server (passes, times
out with the status it saw, notices a binary that exits), the job's shape, positioned errors, and
verify seeing a changed probe."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from ciforge import ir, scripts_smoke
from tests.helpers import CASES, render_case, validate_json, verify_edited

CASE = CASES / "smoke"
BASE = 'version: 1\nname: svc\ngo:\n  version: "1.23.9"\n'
# A service whose /healthz answers 200 and /readyz answers READY_STATUS (default 200).
SERVER = """\
import http.server, os, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        status = {"/healthz": 200, "/readyz": int(os.environ.get("READY_STATUS", "200"))}.get(self.path, 404)
        self.send_response(status)
        self.end_headers()
    def log_message(self, *args):
        print("served", self.path, flush=True)
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def run_probe(tmp_path: Path, body: str, *, ready: str = "200", timeout: int = 10) -> tuple[int, str]:
    """The probe block with a stand-in binary (``body``: its shell script) on a free port."""
    port = free_port()
    (tmp_path / "server.py").write_text(SERVER, encoding="utf-8")
    binary = tmp_path / "dist" / "build-linux-amd64" / "server"
    binary.parent.mkdir(parents=True)
    binary.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    probes = f"{port}/healthz=200 {port}/readyz=200"
    script = scripts_smoke.probe_binary(
        binary="dist/build-linux-amd64/server", args=(str(port),), probes=probes, timeout=timeout
    )
    env = {
        "PATH": os.environ["PATH"],
        "PY": sys.executable,
        "SERVER": str(tmp_path / "server.py"),
        "READY_STATUS": ready,
    }
    proc = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    return proc.returncode, (proc.stdout + proc.stderr).replace(str(port), "PORT")


def test_a_healthy_service_passes(tmp_path: Path) -> None:
    code, out = run_probe(tmp_path, 'exec "$PY" "$SERVER" "$1"')
    assert code == 0, out
    assert "smoke: GET /healthz on port PORT answered 200" in out
    assert "smoke: GET /readyz on port PORT answered 200" in out
    assert "smoke passed: every probe answered within 10 s" in out


def test_an_unready_service_fails_with_the_status_it_saw(tmp_path: Path) -> None:
    code, out = run_probe(tmp_path, 'exec "$PY" "$SERVER" "$1"', ready="503", timeout=2)
    assert code == 1, out
    assert "smoke failed: GET /readyz on port PORT answered 503 within 2 s, not 200" in out
    assert "served /readyz" in out  # the binary's log is printed


def test_a_binary_that_exits_fails_at_once(tmp_path: Path) -> None:
    code, out = run_probe(tmp_path, 'echo "listen: address already in use"; exit 3', timeout=60)
    assert code == 1, out
    assert "exited before GET /healthz on port PORT answered 200" in out
    assert "listen: address already in use" in out


def test_the_job_follows_the_build_and_the_release_waits_for_it() -> None:
    result = render_case(CASE)
    assert result.pipeline is not None
    smoke = result.pipeline.job("smoke-test")
    assert smoke.needs == ("build",)
    assert smoke.runtime is ir.Runtime.SHELL
    assert dict(smoke.env) == {"ADDR": "127.0.0.1:8080", "APP_ENV": "ci"}
    assert "smoke-test" in result.pipeline.job("release-assets").needs
    [run] = [s for s in smoke.steps if isinstance(s, ir.Run)]
    assert "export SMOKE_BINARY='dist/build-linux-amd64/server'" in run.script


@pytest.mark.parametrize(
    "case",
    [
        ("smoke:\n  run: ./svc --version\n  probes: [{path: /healthz, port: 80}]\n", 5, "not both and not neither"),
        ("smoke:\n  timeout: 10\n", 5, "not both and not neither"),
        (
            "build:\n  matrix:\n    goarch: [arm64]\nsmoke:\n  run: ./svc --version\n",
            8,
            "build.matrix has none",
        ),
        ("smoke:\n  binary: other\n  run: ./other\n", 6, "smoke.binary 'other' is none of the build's binaries"),
        ("build: false\nsmoke:\n  run: ./svc\n", 6, "it needs a build: section"),
    ],
)
def test_smoke_mistakes_are_positioned_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: tuple[str, int, str]
) -> None:
    settings, line, words = case
    rows = [r for r in validate_json(tmp_path, BASE + settings, capsys) if r["code"] == "smoke"]
    assert [r["line"] for r in rows] == [line], rows
    assert words in str(rows[0]["message"])


def test_run_executes_in_the_legs_directory() -> None:
    script = scripts_smoke.run_in_leg("dist/build-linux-amd64", "./svc --version\n")
    assert script.endswith('cd "$SMOKE_DIR"\n./svc --version\n')


TAMPERS = [
    (".github/workflows/ciforge.yml", "export SMOKE_PROBES='8080/healthz=200 8080/readyz=200'",
     "export SMOKE_PROBES='8080/healthz=200'"),
    (".gitlab-ci.yml", "export SMOKE_TIMEOUT='30'", "export SMOKE_TIMEOUT='3000'"),
    (".gitlab-ci.yml", "APP_ENV: ci", "APP_ENV: prod"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "old", "new"), TAMPERS)
def test_verify_sees_a_changed_smoke_test(path: str, old: str, new: str, tmp_path: Path) -> None:
    assert verify_edited(CASE, tmp_path, (path, old, new)), f"verify missed: {old!r} -> {new!r}"


# -- smoke.image ------------------------------------------------------------------------------

IMAGE_CASE = CASES / "smoke-image"
# A stand-in for the docker CLI (there is no Docker engine on the test machine): `run` checks the
# image reference and the published port, then starts SERVER on that port as "the container";
# `inspect` says whether it still runs; `logs` prints its output; every call is recorded.
DOCKER = """\
#!/bin/bash
echo "docker $*" >> "$CALLS"
case "$1" in
  login) cat > /dev/null; echo "Login Succeeded" ;;
  run)
    shift
    while [ "${1#--}" != "$1" ]; do
      case "$1" in --publish) port="${2%%:*}"; shift 2 ;; --env) shift 2 ;; *) shift ;; esac
    done
    [ "$1" = "ghcr.io/acme/svc@sha256:0123" ] || { echo "unexpected image $1" >&2; exit 125; }
    shift
    if [ -n "${CONTAINER_EXITS:-}" ]; then (echo "listen: permission denied"; exit 1) > "$LOG" 2>&1 &
    else "$PY" "$SERVER" "$port" > "$LOG" 2>&1 & fi
    echo $! > "$PIDFILE"; echo "c0ffee" ;;
  inspect) if kill -0 "$(cat "$PIDFILE")" 2> /dev/null; then echo true; else echo false; fi ;;
  logs) cat "$LOG" ;;
  rm) kill "$(cat "$PIDFILE")" 2> /dev/null || true ;;
esac
"""


def run_image_probe(
    tmp_path: Path, *, ready: str = "200", exits: bool = False, timeout: int = 10
) -> tuple[int, str, str]:
    """The image probe block against the docker stand-in; (exit status, output, recorded calls)."""
    port = free_port()
    (tmp_path / "server.py").write_text(SERVER, encoding="utf-8")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text(DOCKER, encoding="utf-8")
    (bin_dir / "docker").chmod(0o755)
    script = scripts_smoke.probe_image(
        args=("--addr", f":{port}"), env=("APP_ENV",), probes=f"{port}/healthz=200 {port}/readyz=200", timeout=timeout
    )
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "PY": sys.executable,
        "SERVER": str(tmp_path / "server.py"),
        "READY_STATUS": ready,
        "CALLS": str(tmp_path / "calls"),
        "LOG": str(tmp_path / "container.log"),
        "PIDFILE": str(tmp_path / "pid"),
        "IMAGE": "ghcr.io/acme/svc",
        "IMAGE_DIGEST": "sha256:0123",
        "REGISTRY": "ghcr.io",
        "REGISTRY_USER": "ci",
        "REGISTRY_PASSWORD": "token",
        "DOCKER_PUBLISH_HOST": "127.0.0.1",
        "APP_ENV": "ci",
        **({"CONTAINER_EXITS": "1"} if exits else {}),
    }
    proc = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    calls = (tmp_path / "calls").read_text().replace(str(port), "PORT")
    return proc.returncode, (proc.stdout + proc.stderr).replace(str(port), "PORT"), calls


def test_the_image_is_started_by_digest_probed_and_removed(tmp_path: Path) -> None:
    code, out, calls = run_image_probe(tmp_path)
    assert code == 0, out
    assert out.splitlines()[-3:] == [
        "smoke: GET /healthz on port PORT answered 200",
        "smoke: GET /readyz on port PORT answered 200",
        "smoke passed: every probe of the image answered within 10 s",
    ]
    lines = calls.splitlines()
    assert lines[0] == "docker login ghcr.io -u ci --password-stdin"
    assert lines[1] == (
        "docker run --detach --env APP_ENV --publish PORT:PORT ghcr.io/acme/svc@sha256:0123 --addr :PORT"
    )
    assert lines[-1] == "docker rm --force c0ffee"


def test_an_unready_image_fails_with_its_log(tmp_path: Path) -> None:
    code, out, calls = run_image_probe(tmp_path, ready="503", timeout=2)
    assert code == 1, out
    assert "smoke failed: GET /readyz on port PORT answered 503 within 2 s, not 200" in out
    assert "served /readyz" in out  # docker logs of the container
    assert calls.splitlines()[-1] == "docker rm --force c0ffee"


def test_an_image_that_stops_fails_at_once(tmp_path: Path) -> None:
    code, out, _ = run_image_probe(tmp_path, exits=True, timeout=60)
    assert code == 1, out
    assert "smoke failed: the image exited before GET /healthz on port PORT answered 200" in out
    assert "listen: permission denied" in out


def test_the_image_probe_runs_after_publish_and_promote_waits_for_it() -> None:
    result = render_case(IMAGE_CASE)
    assert result.pipeline is not None
    probe = result.pipeline.job("smoke-image")
    assert probe.needs == ("image-publish",)
    assert probe.docker
    assert probe.events == result.pipeline.job("image-publish").events
    assert dict(probe.env)["DOCKER_PUBLISH_HOST"] == ir.PlatformValue("docker_publish_host")
    assert "smoke-image" in result.pipeline.job("promote").needs
    assert ir.Access.READ_IMAGES in probe.access
    github, gitlab = (result.files[p] for p in (".github/workflows/ciforge.yml", ".gitlab-ci.yml"))
    assert "DOCKER_PUBLISH_HOST: 127.0.0.1" in github
    gitlab_job = gitlab.split("\nsmoke-image:\n", 1)[1].split("\n\n", 1)[0]
    assert "- docker:28.2.2-dind" in gitlab_job
    assert "DOCKER_PUBLISH_HOST: docker" in gitlab_job


IMAGE_SMOKE = "build:\n  main: ./cmd/svc\nsmoke:\n  probes: [{path: /healthz, port: 80}]\n  image: true\n"


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        (IMAGE_SMOKE, "smoke.image probes the pushed image: add an image section"),
        (
            "build:\n  main: ./cmd/svc\nimage: {push: [tags]}\nsmoke:\n  run: ./svc --version\n  image: true\n",
            "smoke.image polls the probes in the started image",
        ),
        (IMAGE_SMOKE + "image: {push: []}\n", "smoke.image work on the pushed image digest, but image.push is empty"),
    ],
)
def test_image_probe_mistakes_are_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], settings: str, words: str
) -> None:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    rows = [r for r in validate_json(tmp_path, BASE + settings, capsys) if r["severity"] == "error"]
    assert [str(r["message"]) for r in rows if words in str(r["message"])], rows
    assert len(rows) == 1, rows


@pytest.mark.parametrize(
    ("path", "old", "new"),
    [
        (".github/workflows/ciforge.yml", "DOCKER_PUBLISH_HOST: 127.0.0.1", "DOCKER_PUBLISH_HOST: 10.0.0.1"),
        (".gitlab-ci.yml", "    - job: smoke-image\n      artifacts: false\n", ""),
    ],
)
def test_verify_sees_a_changed_image_probe(path: str, old: str, new: str, tmp_path: Path) -> None:
    assert verify_edited(IMAGE_CASE, tmp_path, (path, old, new)), f"verify missed: {old!r} -> {new!r}"
