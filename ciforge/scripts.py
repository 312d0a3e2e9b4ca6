"""The bash blocks the pipeline runs, identical on both platforms unless marked otherwise.

Every block starts with ``set -euo pipefail`` and gets fresh-shell semantics on both platforms: a
GitHub ``run`` step is a shell of its own
(https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#jobsjob_idstepsrun),
GitLab runs a job's script lines in one shell (https://docs.gitlab.com/ci/yaml/#script), so no block
relies on the shell state another leaves. The deliberate exceptions are GitLab-only set-up lines that
run before every shared block: the ``cd`` into a module's directory, the PATH of a Go toolchain
downloaded on a runner without the golang image, and the signing identity read from the ID token. Values reach scripts only through environment variables that the job
sets, never through template expressions, so no block ever contains ``${{ }}`` or ``$[[ ]]``.
"""

from __future__ import annotations

from typing import Final

PRELUDE: Final = "set -euo pipefail\n"


def block(*lines: str) -> str:
    """Join lines into one block with the strict-mode prelude and a final newline."""
    return PRELUDE + "\n".join(lines) + "\n"


def quoted(value: str) -> str:
    """``value`` as one single-quoted shell word: the shell expands nothing in it."""
    return "'" + value.replace("'", "'\\''") + "'"


def pinned(*settings: tuple[str, str]) -> list[str]:
    """A gate's settings as assignments in the block itself, not as job variables: on GitLab a
    pipeline variable (Run pipeline, the API, a trigger, a schedule, a push option) overrides a
    job variable of the same name, but not an assignment in the script. The same lines run on
    both platforms. See docs/equivalence.md, "Values a pipeline variable cannot change"."""
    return [f"export {name}={quoted(value)}" for name, value in settings]


def apt_packages(packages: tuple[str, ...]) -> str:
    """Install Debian/Ubuntu packages (setup.apt; schema-validated names): through sudo where the
    job runs as a user (GitHub's hosted runners), directly where it runs as root (GitLab's golang
    image). sudo resets the environment, so the frontend is set on the command line.
    https://docs.github.com/en/actions/how-tos/manage-runners/github-hosted-runners/customize-runners#installing-software-on-ubuntu-runners"""
    return block(
        'as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }',
        "as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq",
        "as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "
        + " ".join(packages),
    )


def require_secrets(names: tuple[str, ...]) -> str:
    """Fail first, naming it, when a secret a custom job reads is unset or empty (a GitHub secret
    that does not exist, a GitLab variable that is not there or not exposed to this ref)."""
    return block(
        *(
            f': "${{{name}:?the secret {name} is not set: add it as a CI secret (GitHub) or a protected, masked CI/CD '
            f'variable (GitLab)}}"'
            for name in names
        )
    )


def wait_for_services(targets: tuple[tuple[str, str], ...], seconds: int = 120) -> str:
    """Wait until each service port accepts a TCP connection (bash's /dev/tcp), failing after
    ``seconds``. GitLab Runner waits a limited time for the ports the service's image exposes,
    then starts the job anyway (https://docs.gitlab.com/ci/services/#how-the-health-check-of-services-works),
    and GitHub waits only for a health check the service defines, so both wait in the job too.
    ``targets`` holds the variable names of each service's host and port."""
    return block(
        "wait_for() {",
        f"  local deadline=$((SECONDS + {seconds}))",
        '  until (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; do',
        '    if [ "$SECONDS" -ge "$deadline" ]; then',
        f'      echo "service $1:$2 did not accept connections within {seconds} s" >&2',
        "      exit 1",
        "    fi",
        "    sleep 2",
        "  done",
        '  echo "service $1:$2 is up"',
        "}",
        *(f'wait_for "${{{host}}}" "${{{port}}}"' for host, port in targets),
    )


# The build tags of the job or leg (GO_TAGS, comma-separated), for go commands and govulncheck.
TAGS_FLAG: Final = '-tags "${GO_TAGS:-}" '


def go_vet(*, tags: bool = False) -> str:
    """``go vet`` over the configured packages; with ``tags``, the job's build tags."""
    return block(f'go vet {TAGS_FLAG if tags else ""}"$GO_PACKAGES"')


def golangci_lint(version: str, *, tags: bool = False) -> str:
    """Install the golangci-lint release binary for this runner, verified against the release's
    checksum file, then run it: the way golangci-lint's docs recommend for CI (`go install` builds
    it for minutes on every run and "is not guaranteed to work").
    https://golangci-lint.run/docs/welcome/install/#binaries
    With ``tags``, the job's build tags (--build-tags, https://golangci-lint.run/docs/configuration/cli/)."""
    return block(
        f"version={version.removeprefix('v')}",
        'name="golangci-lint-${version}-$(go env GOHOSTOS)-$(go env GOHOSTARCH)"',
        'url="https://github.com/golangci/golangci-lint/releases/download/v${version}"',
        'dir="$(mktemp -d)"',
        'curl -fsSL --retry 3 -o "${dir}/${name}.tar.gz" "${url}/${name}.tar.gz"',
        'curl -fsSL --retry 3 -o "${dir}/checksums.txt" "${url}/golangci-lint-${version}-checksums.txt"',
        # the line for this archive, checked with sha256sum; no line (or a mismatch) fails the job
        '(cd "$dir" && awk -v file="${name}.tar.gz" \'$2 == file\' checksums.txt | sha256sum -c -)',
        'tar -xzf "${dir}/${name}.tar.gz" -C "$dir"',
        '"${dir}/${name}/golangci-lint" run ' + ('--build-tags "${GO_TAGS:-}" ' if tags else "") + '"$GO_PACKAGES"',
    )


def go_test(
    *, race: bool, covermode: str, tags: bool = False, flags: tuple[str, ...] = (), coverpkg: tuple[str, ...] = ()
) -> str:
    """Unit tests with a coverage profile, as one block (:func:`go_test_command`)."""
    return block(go_test_command(race=race, covermode=covermode, tags=tags, flags=flags, coverpkg=coverpkg))


def go_test_command(
    *, race: bool, covermode: str, tags: bool = False, flags: tuple[str, ...] = (), coverpkg: tuple[str, ...] = ()
) -> str:
    """The go test command line; with ``tags``, the build tags of the job or leg (GO_TAGS).
    ``-race``, ``-coverpkg`` and the manifest's extra ``flags`` (each one validated word) are
    written into the block, so no variable can change them."""
    race_flag = "-race " if race else ""
    tags_flag = TAGS_FLAG if tags else ""
    # flags and package patterns are schema-validated words with no shell characters
    cover = f"-covermode={covermode} -coverprofile=coverage.out"
    if coverpkg:
        cover += " -coverpkg=" + ",".join(coverpkg)
    extra = "".join(" " + flag for flag in flags)
    return f'go test {race_flag}{tags_flag}{cover}{extra} "$GO_PACKAGES"'


def coverage_total(*, exclude: str) -> str:
    """Drop excluded files from the profile, then total it with ``go tool cover -func``.

    The exclude regex (empty: nothing excluded) reaches awk through the environment (ENVIRON),
    so awk applies no escape processing to it; line 1 of a profile is the ``mode:`` header and is
    always kept.
    """
    filter_lines = (
        [
            *pinned(("COVERAGE_EXCLUDE", exclude)),
            "awk 'NR == 1 || $0 !~ ENVIRON[\"COVERAGE_EXCLUDE\"]' coverage.out > coverage.filtered.out",
        ]
        if exclude
        else ["cp coverage.out coverage.filtered.out"]
    )
    return block(
        *filter_lines,
        "go tool cover -func=coverage.filtered.out > coverage.txt",
        "tail -n 1 coverage.txt",
    )


def coverage_gate(threshold: str) -> str:
    """Fail when the total is below ``threshold`` percent; the message names both numbers."""
    return block(
        *pinned(("COVERAGE_THRESHOLD", threshold)),
        'total="$(awk \'$1 == "total:" { sub(/%$/, "", $NF); print $NF }\' coverage.txt)"',
        'awk -v total="$total" -v required="$COVERAGE_THRESHOLD" \'BEGIN {',
        '  if (total == "" || total + 0 < required + 0) {',
        '    printf "coverage gate failed: total coverage %s%% is below the required %s%%\\n", total, required',
        "    exit 1",
        "  }",
        '  printf "coverage gate passed: total coverage %s%% meets the required %s%%\\n", total, required',
        "}'",
    )


# -- drift checks of the lint job (the same blocks on both platforms) ---------------------------

# The Go files gofmt checks: not vendor/, testdata/ or hidden directories (.git, and GitLab's
# project-local module and build caches .go/ and .cache/).
_GO_FILES: Final = (
    "find . -type f -name '*.go' -not -path './vendor/*' -not -path '*/testdata/*' -not -path '*/.*/*' -print0"
)


def gofmt_check() -> str:
    """Fail when gofmt would change a file, listing them."""
    return block(
        f'unformatted="$({_GO_FILES} | xargs -0 -r gofmt -l)"',
        'if [ -n "$unformatted" ]; then',
        '  echo "gofmt would change these files (run gofmt -w on them):"',
        "  printf '%s\\n' \"$unformatted\"",
        "  exit 1",
        "fi",
        'echo "gofmt: every Go file is formatted"',
    )


def tidy_check(*, diff_flag: bool) -> str:
    """Fail when ``go mod tidy`` would change go.mod or go.sum, showing the diff. ``diff_flag``:
    the Go release has ``go mod tidy -diff`` (Go 1.23, https://go.dev/doc/go1.23#go-command);
    before it, tidy runs on the files and they are compared with a copy, then restored."""
    if diff_flag:
        return block(
            "if ! go mod tidy -diff; then",
            '  echo "go.mod or go.sum is not tidy: run go mod tidy and commit the result"',
            "  exit 1",
            "fi",
            'echo "go mod tidy: go.mod and go.sum are tidy"',
        )
    return block(
        'saved="$(mktemp -d)"',
        'cp go.mod "$saved/go.mod"',
        'if [ -f go.sum ]; then cp go.sum "$saved/go.sum"; else : > "$saved/go.sum"; fi',
        "go mod tidy",
        "status=0",
        'diff -u "$saved/go.mod" go.mod || status=1',
        'if [ -f go.sum ]; then diff -u "$saved/go.sum" go.sum || status=1; fi',
        'cp "$saved/go.mod" go.mod',
        'if [ -s "$saved/go.sum" ]; then cp "$saved/go.sum" go.sum; else rm -f go.sum; fi',
        'if [ "$status" -ne 0 ]; then',
        '  echo "go.mod or go.sum is not tidy: run go mod tidy and commit the result"',
        "  exit 1",
        "fi",
        'echo "go mod tidy: go.mod and go.sum are tidy"',
    )


def generate_check(*, tags: bool = False) -> str:
    """Run ``go generate`` (with ``tags``, for the files the job's build tags select) and fail when
    it leaves a change in the work tree (tracked or new files), apart from the CI's own files:
    GitLab's project-local caches and the module marker."""
    return block(
        f'go generate {TAGS_FLAG if tags else ""}"$GO_PACKAGES"',
        'changed="$(git status --porcelain --untracked-files=all -- . \\',
        "  ':(top,exclude).go/' ':(top,exclude).cache/' ':(exclude).ciforge-unaffected')\"",
        'if [ -n "$changed" ]; then',
        '  echo "go generate changed the work tree: run it and commit the result"',
        "  printf '%s\\n' \"$changed\"",
        "  git --no-pager diff --stat",
        "  exit 1",
        "fi",
        'echo "go generate: the generated files are up to date"',
    )


def govulncheck(version: str, *, tags: bool = False) -> str:
    """govulncheck over the packages (with ``tags``, as the job's build tags select them), built
    from its module at the pinned release (the go command checks the download against the
    checksum database); a finding in called code fails the job.
    https://go.dev/doc/tutorial/govulncheck"""
    tags_flag = TAGS_FLAG if tags else ""
    return block(f'go run golang.org/x/vuln/cmd/govulncheck@{version} {tags_flag}"$GO_PACKAGES"')
