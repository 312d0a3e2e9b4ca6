"""smoke: the block that starts the built binary and polls its HTTP probes, the same on both
platforms (docs/smoke.md). The settings are assigned in the block (scripts.pinned); the binary's
own environment comes from the job's variables."""

from __future__ import annotations

from ciforge.scripts import block, pinned, quoted


def probe_binary(*, binary: str, args: tuple[str, ...], probes: str, timeout: int) -> str:
    """Start ``binary`` with ``args`` (its output to a log), then poll each probe (``port/path=status``
    words, in order) with curl until it answers its status; fail when the binary exits first or
    the timeout (seconds, for all probes) passes, printing the binary's log. Always stops it."""
    return block(
        *pinned(("SMOKE_BINARY", binary), ("SMOKE_PROBES", probes), ("SMOKE_TIMEOUT", str(timeout))),
        f"set -- {' '.join(quoted(a) for a in args)}" if args else "set --",
        # upload-artifact keeps no file modes (https://github.com/actions/upload-artifact#permission-loss)
        'chmod +x "$SMOKE_BINARY"',
        'log="$(mktemp)"',
        '"$SMOKE_BINARY" "$@" > "$log" 2>&1 &',
        "pid=$!",
        "trap 'kill \"$pid\" 2> /dev/null || true' EXIT",
        *_poll(host="127.0.0.1", alive='kill -0 "$pid" 2> /dev/null', started="$SMOKE_BINARY", log='cat "$log"'),
        'echo "smoke passed: every probe answered within ${SMOKE_TIMEOUT} s"',
    )


def _poll(*, host: str, alive: str, started: str, log: str) -> list[str]:
    """Poll each probe of SMOKE_PROBES in order on ``host`` until it answers its status, failing
    (with ``log``) when the ``alive`` check says ``started`` exited, or when the time is up."""
    return [
        "deadline=$(( $(date +%s) + SMOKE_TIMEOUT ))",
        "for probe in $SMOKE_PROBES; do",
        '  port="${probe%%/*}"',
        '  target="${probe#*/}"',
        '  path="/${target%=*}"',
        '  expect="${probe##*=}"',
        "  while :; do",
        f'    code="$(curl -s -o /dev/null -w \'%{{http_code}}\' --max-time 2 "http://{host}:${{port}}${{path}}" || true)"',
        '    if [ "$code" = "$expect" ]; then echo "smoke: GET ${path} on port ${port} answered ${code}"; break; fi',
        f"    if ! {alive}; then",
        f'      echo "smoke failed: {started} exited before GET ${{path}} on port ${{port}} answered ${{expect}}"',
        f"      {log}",
        "      exit 1",
        "    fi",
        '    if [ "$(date +%s)" -ge "$deadline" ]; then',
        '      echo "smoke failed: GET ${path} on port ${port} answered ${code:-nothing} within ${SMOKE_TIMEOUT} s, not ${expect}"',
        f"      {log}",
        "      exit 1",
        "    fi",
        "    sleep 0.5",
        "  done",
        "done",
    ]


def probe_image(*, args: tuple[str, ...], env: tuple[str, ...], probes: str, timeout: int) -> str:
    """Pull and start the pushed image by digest with ``args`` and the job's variables ``env``,
    each probe's port published on DOCKER_PUBLISH_HOST (the runner's loopback on GitHub, the
    Docker-in-Docker service on GitLab), then poll the probes as for the binary; fail when the
    container stops first or the timeout passes, printing its log. Always removes it."""
    return block(
        *pinned(("SMOKE_PROBES", probes), ("SMOKE_TIMEOUT", str(timeout))),
        f"set -- {' '.join(quoted(a) for a in args)}" if args else "set --",
        'printf \'%s\' "$REGISTRY_PASSWORD" | docker login "$REGISTRY" -u "$REGISTRY_USER" --password-stdin',
        "options=(--detach)",
        *(f"options+=(--env {name})" for name in env),
        "for probe in $SMOKE_PROBES; do",
        '  port="${probe%%/*}"',
        '  case " ${options[*]} " in *" --publish ${port}:${port} "*) ;; *) options+=(--publish "${port}:${port}") ;; esac',
        "done",
        'container="$(docker run "${options[@]}" "${IMAGE}@${IMAGE_DIGEST}" "$@")"',
        "trap 'docker rm --force \"$container\" > /dev/null 2>&1 || true' EXIT",
        *_poll(
            host="${DOCKER_PUBLISH_HOST}",
            alive='[ "$(docker inspect --format \'{{.State.Running}}\' "$container" 2> /dev/null)" = true ]',
            started="the image",
            log='docker logs "$container"',
        ),
        'echo "smoke passed: every probe of the image answered within ${SMOKE_TIMEOUT} s"',
    )


def run_in_leg(directory: str, command: str) -> str:
    """``command`` (the manifest's) in the leg's artifact directory, its binaries executable."""
    return block(
        *pinned(("SMOKE_DIR", directory)),
        'chmod +x "$SMOKE_DIR"/*',
        'cd "$SMOKE_DIR"',
        command.rstrip("\n"),
    )
