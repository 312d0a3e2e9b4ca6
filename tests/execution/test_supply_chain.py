"""The supply-chain stages (image publish, SBOM, scan, sign, verify, release) need a registry, an
OIDC token or the vulnerability database, so they do not run on pull requests and cannot run
here. What can be checked offline is: their scripts pass shellcheck (also as POSIX sh where the
image has no bash), the syft/trivy (and, where it maps, cosign) command lines use flags and values
the real CLIs accept, and the steps that have an offline mode run: the SBOM of the source tree and
of a built binary, and `trivy config` on the Dockerfile."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ciforge.plan.model import assigned
from tests.conftest import oracle
from tests.execution.harness import (
    GO_JOBS,
    PIPELINE,
    SYSTEM_PATH,
    WORKFLOW,
    RunnerRun,
    binary_format,
    clean_env,
    load_yaml,
    pinned_uses,
    report,
    run,
)

pytestmark = pytest.mark.oracle

# GitLab images known to carry bash (the runner then runs the script with bash); the other
# supply-chain images (docker:*-cli and aquasec/trivy on Alpine, anchore/syft:*-debug and the
# cosign -dev image with busybox) run it with busybox sh.
BASH_IMAGES = ("golang:", "buildpack-deps:")
# SC3040 "In POSIX sh, set option pipefail is undefined": every block starts with
# `set -euo pipefail`. busybox ash (the sh of those images) implements pipefail, so it is the one
# POSIX finding allowed; test_supply_chain_scripts_pass_shellcheck asserts it is the only one.
SH_ALLOWED = {3040}


@dataclass(frozen=True)
class Script:
    platform: str
    job: str
    index: int
    text: str
    env: dict[str, str]
    shell: str  # "bash" or "sh"


def supply_scripts(project: Path) -> list[Script]:
    scripts = []
    workflow = load_yaml(project / WORKFLOW)
    assert workflow["defaults"]["run"]["shell"] == "bash"
    for name, job in workflow["jobs"].items():
        if name in GO_JOBS:
            continue
        for index, step in enumerate(job["steps"]):
            if "run" in step:
                env = {**workflow.get("env", {}), **job.get("env", {}), **step.get("env", {})}
                env = {**{k: str(v) for k, v in env.items()}, **assigned(step["run"])}  # the block's own settings
                scripts.append(Script("github", name, index, step["run"], env, "bash"))
    pipeline = load_yaml(project / PIPELINE)
    for name, job in pipeline.items():
        if name in GO_JOBS or not isinstance(job, dict) or "script" not in job:
            continue
        image = job.get("image")
        image = image["name"] if isinstance(image, dict) else str(image)
        shell = "bash" if image.startswith(BASH_IMAGES) else "sh"
        env = {k: str(v) for k, v in {**pipeline.get("variables", {}), **job.get("variables", {})}.items()}
        for index, block in enumerate(job["script"]):
            scripts.append(Script("gitlab", name, index, block, {**env, **assigned(block)}, shell))
    return scripts


def test_supply_chain_scripts_pass_shellcheck(example_project: Path, tmp_path: Path) -> None:
    shellcheck = oracle("shellcheck")
    scripts = supply_scripts(example_project)
    assert {s.job for s in scripts} >= {"image-publish", "sbom", "scan", "sign", "verify", "release-assets"}
    files: dict[str, list[str]] = {"bash": [], "sh": []}
    for s in scripts:
        assert "${{" not in s.text, f"{s.platform} {s.job}: expression in a script"
        path = tmp_path / f"{s.platform}-{s.job}-{s.index}.sh"
        path.write_text(f"#!/bin/{s.shell}\n{s.text}", encoding="utf-8")
        files["bash"].append(str(path))  # every block is written for bash ...
        if s.shell == "sh":
            files["sh"].append(str(path))  # ... and these also run under busybox sh
    proc = run([shellcheck, "-S", "style", "-s", "bash", "-f", "gcc", *files["bash"]])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = run([shellcheck, "-S", "style", "-s", "sh", "-f", "json1", *files["sh"]])
    findings = json.loads(proc.stdout)["comments"]
    unexpected = [f"{Path(f['file']).name}:{f['line']}: SC{f['code']} {f['message']}" for f in findings
                  if f["code"] not in SH_ALLOWED]  # fmt: skip
    assert not unexpected, "\n".join(unexpected)
    sh_jobs = sorted({s.job for s in scripts if s.shell == "sh"})
    report(
        f"shellcheck: {len(files['bash'])} supply-chain blocks clean as bash; {len(files['sh'])} blocks of {sh_jobs} "
        f"also as POSIX sh, {len(findings)} SC3040 (pipefail; busybox ash has it) and nothing else"
    )


# ------------------------------------------------------------------ command lines vs real CLIs ----


@dataclass(frozen=True)
class Command:
    script: Script
    argv: list[str]


def _expand(word: str, env: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: env.get(m.group(1) or m.group(2), m.group(0)), word)


def commands(scripts: list[Script], tool: str) -> Iterator[Command]:
    """Every invocation of TOOL: at the start of a line or after a pipe, `;` or `&&`."""
    for s in scripts:
        text = s.text.replace("\\\n", " ")
        for line in text.splitlines():
            if not re.search(rf"(^|[|;&]\s*){tool}\s", line.strip()):
                continue
            lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
            lexer.whitespace_split = True
            words, redirected = list(lexer), False
            segment: list[str] = []
            for word in [*words, ";"]:
                if word in ("|", ";", "&&", "||"):
                    if segment and segment[0] == tool:
                        yield Command(s, [_expand(w, s.env) for w in segment])
                    segment, redirected = [], False
                elif redirected or set(word) <= set("<>&"):
                    redirected = True  # `> file`: not an argument of the command
                else:
                    segment.append(word)


@dataclass(frozen=True)
class Flag:
    takes_value: bool
    allowed: tuple[str, ...]


def parse_help(text: str) -> dict[str, Flag]:
    """cobra/pflag help: `  -o, --output stringArray   text`, then optional allowed values,
    inline `(allowed values: a,b)` / `formats=[a b]` or as an `Allowed values:` list below."""
    flags: dict[str, Flag] = {}
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^\s+(?:-(\w), )?--([\w-]+)(?: (\w+))?(?:\s{2,}(.*))?$", line)
        if not m:
            continue
        short, long, kind, desc = m.groups()
        allowed: list[str] = []
        inline = re.search(r"\(allowed values: ([^)]*)\)|formats=\[([^\]]*)\]", desc or "")
        if inline:
            allowed = re.split(r"[,\s]+", (inline.group(1) or inline.group(2)).strip())
        j = i + 1
        if j < len(lines) and lines[j].strip() == "Allowed values:":
            j += 1
            while j < len(lines) and re.match(r"^\s+- (\S+)\s*$", lines[j]):
                allowed.append(lines[j].strip()[2:])
                j += 1
        flag = Flag(kind is not None and kind not in ("count",), tuple(allowed))
        flags[f"--{long}"] = flag
        if short:
            flags[f"-{short}"] = flag
    return flags


def check_flags(cmd: Command, flags: dict[str, Flag], start: int) -> tuple[dict[str, str], list[str]]:
    """Walk argv[start:]: every flag must exist; returns {flag: value} and the positional args."""
    values: dict[str, str] = {}
    positional: list[str] = []
    words = cmd.argv[start:]
    i = 0
    while i < len(words):
        word = words[i]
        if word.startswith("-") and word != "-":
            name, eq, inline_value = word.partition("=")
            assert name in flags, f"{cmd.script.platform} {cmd.script.job}: `{name}` unknown to {cmd.argv[:start]}"
            if flags[name].takes_value:
                if eq:
                    values[name] = inline_value
                else:
                    i += 1
                    values[name] = words[i]
        else:
            positional.append(word)
        i += 1
    return values, positional


def tool_version(args: list[str]) -> str:
    proc = run(args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    line = next(line for line in proc.stdout.splitlines() if re.search(r"\d+\.\d+\.\d+", line))
    version = re.search(r"\d+\.\d+\.\d+", line)
    assert version
    return version.group(0)


def pinned_tool(name: str) -> str:
    pins = json.loads((Path(__file__).resolve().parents[2] / "ciforge" / "data" / "pins.json").read_text())
    return str(pins["tools"][name]["version"])


def test_syft_command_lines_match_the_real_cli(example_project: Path) -> None:
    syft = oracle("syft")
    help_text = run([syft, "scan", "--help"]).stdout
    flags = parse_help(help_text)
    assert "-o" in flags, "could not read syft's help"
    assert "spdx-json" in flags["-o"].allowed, "could not read syft's help"
    found = list(commands(supply_scripts(example_project), "syft"))
    assert {c.script.platform for c in found} == {"github", "gitlab"}
    for cmd in found:
        assert cmd.argv[1] == "scan", cmd.argv
        values, positional = check_flags(cmd, flags, 2)
        fmt, _, _file = values["-o" if "-o" in values else "--output"].partition("=")
        assert fmt in flags["-o"].allowed, f"syft has no output format {fmt!r}"
        (source,) = positional
        scheme = source.split(":", 1)[0]
        assert f"syft scan {scheme}:" in help_text, f"syft has no source scheme {scheme}:"
    report(
        f"syft {tool_version([syft, 'version'])} (pin {pinned_tool('syft')}): {len(found)} command lines, flags and values ok"
    )


def test_trivy_command_lines_match_the_real_cli(example_project: Path) -> None:
    trivy = oracle("trivy")
    flags = parse_help(run([trivy, "image", "--help"]).stdout)
    assert "--format" in flags, "could not read trivy's help"
    assert "sarif" in flags["--format"].allowed, "could not read trivy's help"
    found = list(commands(supply_scripts(example_project), "trivy"))
    assert {c.script.platform for c in found} == {"github", "gitlab"}
    assert len(found) >= 4
    not_checked = set()
    for cmd in found:
        assert cmd.argv[1] == "image", cmd.argv
        values, positional = check_flags(cmd, flags, 2)
        assert len(positional) == 1, positional
        for name in ("--format", "--image-src", "--severity"):
            if name in values:
                for value in values[name].split(","):
                    assert value in flags[name].allowed, f"trivy {name} does not allow {value!r}"
        if "--exit-code" in values:
            assert values["--exit-code"].isdigit()
        if "--template" in values:
            template = values["--template"]
            assert template.startswith("@"), template
            assert template.endswith(".tpl"), template
            not_checked.add(f"template {template} (it ships in the aquasec/trivy image, not in the wheel)")
    report(f"trivy {tool_version([trivy, '--version'])} (pin {pinned_tool('trivy')}): {len(found)} command lines ok; "
           f"not checkable offline: {sorted(not_checked)}")  # fmt: skip


# cosign is on none of PyPI, npm or Debian. sigstore-python (PyPI) signs and verifies blobs with
# Sigstore bundles too, so the blob commands are checked through it, flag by flag; the registry
# commands (login, sign, attest, verify, verify-attestation) have no counterpart there.
COSIGN_TO_SIGSTORE: dict[str, tuple[list[str], dict[str, str | None]]] = {
    "sign-blob": (["sign"], {"--yes": None, "--bundle": "--bundle"}),
    "verify-blob": (
        ["verify", "identity"],
        {"--certificate-identity": "--cert-identity", "--certificate-oidc-issuer": "--cert-oidc-issuer",
         "--bundle": "--bundle"},
    ),
}  # fmt: skip


def test_cosign_command_lines_where_they_map_to_sigstore(example_project: Path) -> None:
    sigstore = oracle("sigstore")
    found = list(commands(supply_scripts(example_project), "cosign"))
    assert {c.argv[1] for c in found} >= {"sign", "attest", "verify", "verify-attestation", "sign-blob", "verify-blob"}
    unmapped = set()
    for cmd in found:
        sub = cmd.argv[1]
        if sub not in COSIGN_TO_SIGSTORE:
            unmapped.add(sub)
            continue
        target, mapping = COSIGN_TO_SIGSTORE[sub]
        help_text = run([sigstore, *target, "--help"]).stdout
        for word in cmd.argv[2:]:
            if word.startswith("--"):
                assert word in mapping, f"cosign {sub} {word}: add it to COSIGN_TO_SIGSTORE"
                mapped = mapping[word]
                if mapped is not None:
                    assert re.search(rf"(^|\s|\[){re.escape(mapped)}\b", help_text), (
                        f"sigstore {target} has no {mapped}"
                    )
    evidence = "cosign on PATH" if shutil.which("cosign") else "cosign not installable here (not on PyPI/npm/Debian)"
    report(f"cosign: sign-blob/verify-blob flags checked via sigstore {tool_version([sigstore, '--version'])}; "
           f"not checked: {sorted(unmapped)} ({evidence})")  # fmt: skip


# ----------------------------------------------------------------------------- offline runs ----


def sbom_settings(project: Path) -> tuple[str, str]:
    gh = load_yaml(project / WORKFLOW)["jobs"]["sbom"]["env"]
    gl = load_yaml(project / PIPELINE)["sbom"]["variables"]
    assert (gh["SBOM_FORMAT"], gh["SBOM_FILE"]) == (gl["SBOM_FORMAT"], gl["SBOM_FILE"])
    return str(gh["SBOM_FORMAT"]), str(gh["SBOM_FILE"])


def syft_sbom(source: str, out: Path, fmt: str, cwd: Path, home: Path) -> dict[str, Any]:
    env = clean_env(home, SYSTEM_PATH, SYFT_CHECK_FOR_APP_UPDATE="false")
    proc = run([oracle("syft"), "scan", source, "-q", "-o", f"{fmt}={out}"], cwd=cwd, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    document = json.loads(out.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def test_sbom_of_the_source_tree(example_project: Path, tmp_path: Path) -> None:
    """The SBOM step's output format, run offline on the source tree (`dir:` instead of the
    pushed image): a valid SPDX document that lists every action the workflow pins."""
    fmt, name = sbom_settings(example_project)
    document = syft_sbom("dir:.", tmp_path / name, fmt, example_project, tmp_path / "home")
    assert str(document.get("spdxVersion", "")).startswith("SPDX-2."), document.get("spdxVersion")
    packages = {(p["name"], p.get("versionInfo")) for p in document["packages"]}
    pins = pinned_uses(example_project)
    assert {(name, sha) for name, sha in pins.items()} <= packages, sorted(packages)
    report(f"sbom: `syft scan dir:. -o {fmt}=...` on the source tree: {document['spdxVersion']}, "
           f"{len(document['packages'])} packages, all {len(pins)} pinned actions listed")  # fmt: skip


def test_sbom_of_a_built_binary(github_pr: RunnerRun, tmp_path: Path) -> None:
    """What the SBOM of the image would find in /server: the pinned Go's stdlib and the module."""
    fmt, name = sbom_settings(github_pr.project)
    leg, binary = next(
        (leg, path) for leg, path in sorted(github_pr.binaries.items()) if binary_format(path)[0] == "linux"
    )
    document = syft_sbom(f"file:{binary}", tmp_path / name, fmt, tmp_path, tmp_path / "home")
    packages = {(p["name"], p.get("versionInfo")) for p in document["packages"]}
    version = load_yaml(github_pr.project / "ciforge.yml")["go"]["version"]
    module = (github_pr.project / "go.mod").read_text().split()[1]
    assert ("stdlib", f"go{version}") in packages, packages
    assert any(p == module for p, _ in packages), packages
    report(f"sbom of build-{leg}: {sorted(packages)}")


def test_trivy_config_on_the_dockerfile(example_project: Path, tmp_path: Path) -> None:
    """`trivy config` (embedded checks, offline) on the Dockerfile the image jobs build, at the
    scan gate's severities: no misconfiguration."""
    step = next(
        s
        for s in load_yaml(example_project / WORKFLOW)["jobs"]["image-build"]["steps"]
        if "with" in s and "file" in s["with"]
    )
    dockerfile = step["with"]["file"]
    gate = next(b for b in load_yaml(example_project / PIPELINE)["scan"]["script"] if "--exit-code 1" in b)
    severity = assigned(gate)["SCAN_SEVERITY"]  # the gate assigns its own setting
    env = clean_env(tmp_path / "home", SYSTEM_PATH)
    args = [oracle("trivy"), "config", "--skip-check-update", "--cache-dir", str(tmp_path / "cache"),
            "--severity", severity, "--exit-code", "1", "--format", "json", dockerfile]  # fmt: skip
    proc = run(args, cwd=example_project, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads(proc.stdout)["Results"]
    assert [r["Target"] for r in results] == [dockerfile]
    summary = results[0]["MisconfSummary"]
    assert summary["Failures"] == 0, summary
    assert summary["Successes"] > 0, summary
    report(f"trivy config {dockerfile} (severity {severity}): {summary['Successes']} checks passed, 0 failures")
