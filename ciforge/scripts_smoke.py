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
        "deadline=$(( $(date +%s) + SMOKE_TIMEOUT ))",
        "for probe in $SMOKE_PROBES; do",
        '  port="${probe%%/*}"',
        '  target="${probe#*/}"',
        '  path="/${target%=*}"',
        '  expect="${probe##*=}"',
        "  while :; do",
        '    code="$(curl -s -o /dev/null -w \'%{http_code}\' --max-time 2 "http://127.0.0.1:${port}${path}" || true)"',
        '    if [ "$code" = "$expect" ]; then echo "smoke: GET ${path} on port ${port} answered ${code}"; break; fi',
        '    if ! kill -0 "$pid" 2> /dev/null; then',
        '      echo "smoke failed: $SMOKE_BINARY exited before GET ${path} on port ${port} answered ${expect}"',
        '      cat "$log"',
        "      exit 1",
        "    fi",
        '    if [ "$(date +%s)" -ge "$deadline" ]; then',
        '      echo "smoke failed: GET ${path} on port ${port} answered ${code:-nothing} within ${SMOKE_TIMEOUT} s, not ${expect}"',
        '      cat "$log"',
        "      exit 1",
        "    fi",
        "    sleep 0.5",
        "  done",
        "done",
        'echo "smoke passed: every probe answered within ${SMOKE_TIMEOUT} s"',
    )


def run_in_leg(directory: str, command: str) -> str:
    """``command`` (the manifest's) in the leg's artifact directory, its binaries executable."""
    return block(
        *pinned(("SMOKE_DIR", directory)),
        'chmod +x "$SMOKE_DIR"/*',
        'cd "$SMOKE_DIR"',
        command.rstrip("\n"),
    )
