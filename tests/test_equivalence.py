"""The equivalence proof on the golden cases: for every event, the plan lifted from the GitHub
file, the plan lifted from the GitLab file and the plan of the IR are equal; seeded mutations of
either file are caught; and each named exception of the register is applied and tested."""

from __future__ import annotations

import copy
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
from ruamel.yaml import YAML

from ciforge import yamlout
from ciforge.compiler import Result
from ciforge.plan import EVENTS, differences, from_ir, probes, register
from ciforge.targets.github import lifter as lift_github
from ciforge.targets.gitlab import lifter as lift_gitlab
from tests.helpers import CASES, GITHUB, GITLAB, case_dirs, render_case
from tests.test_code_scan_native import CODE_SCAN_CHECKS
from tests.test_custom_services import CUSTOM_JOB_CHECKS
from tests.test_path_filters import PATH_CHECKS
from tests.test_schedules import SCHEDULE_CHECKS

ALL = case_dirs()


def plans_differ(result: Result, github: str | None = None, gitlab: str | None = None) -> list[str]:
    """Every difference between the IR plan and the lifted plans, over the five events and the
    probe events of the manifest's patterns."""
    assert result.pipeline is not None
    out: list[str] = []
    gh_doc = lift_github.load(github or result.files[GITHUB])
    gl_doc = lift_gitlab.load(gitlab or result.files[GITLAB])
    for event in probes.events_for(result.pipeline):
        expected = from_ir.plan(result.pipeline, event)
        gh = lift_github.lift(gh_doc, event)
        gl = lift_gitlab.lift(gl_doc, event)
        out += differences(expected, gh, names=("ir", "github"))
        out += differences(expected, gl, names=("ir", "gitlab"))
    return out


@pytest.mark.parametrize("case", ALL, ids=[c.name for c in ALL])
def test_equivalent_on_every_event(case: Path) -> None:
    """plan(GitHub) == plan(GitLab) == plan(IR) for push:feature, push:main, tag, pr, manual."""
    assert plans_differ(render_case(case)) == []


def test_plans_are_not_vacuous() -> None:
    """The example's tag plan really holds the whole pipeline (a lifter that returned nothing
    would make the equality above trivially true)."""
    result = render_case(CASES / "go-service")
    assert result.pipeline is not None
    tag = lift_gitlab.lift(result.files[GITLAB], EVENTS["tag"])
    logical = {job.logical_id for job in tag.jobs.values()}
    assert logical == {
        "lint",
        "test",
        "build",
        "image-publish",
        "sbom",
        "scan",
        "sign",
        "verify",
        "promote",
        "release-assets",
        "release-notes",
        "release",
        "smoke",  # the example's own job
    }
    assert sum(job.logical_id == "build" for job in tag.jobs.values()) == 6
    test_job = tag.jobs["test"]
    assert [g.kind for g in test_job.gates] == ["coverage"]
    assert len(test_job.commands) == 3  # go test, total, gate (the reporting sinks are exceptions)
    assert dict(test_job.tools) == {"go": "1.23.9"}
    assert tag.jobs["release"].needs == {"release-assets", "release-notes", "verify"}


# -- seeded mutations -------------------------------------------------------------------------


def _load(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)


def _dump(data: Any) -> str:
    return yamlout.dump(data)


def drop_leg_github(wf: Any) -> None:
    wf["jobs"]["build"]["strategy"]["matrix"]["include"].pop()


def add_leg_gitlab(gl: Any) -> None:
    matrix = gl["build"]["parallel"]["matrix"]
    extra = copy.deepcopy(matrix[0])
    extra["BUILD_LEG"] = "freebsd-amd64"
    extra["GOOS"] = "freebsd"
    matrix.append(extra)


def drop_needs_gitlab(gl: Any) -> None:
    gl["sign"]["needs"] = [n for n in gl["sign"]["needs"] if n["job"] != "scan"]


def threshold_gitlab(gl: Any) -> None:
    gl["test"]["script"][-1] = gl["test"]["script"][-1].replace("COVERAGE_THRESHOLD='80'", "COVERAGE_THRESHOLD='70'")


def widen_trigger_github(wf: Any) -> None:
    wf["on"]["push"]["branches"].append("feature/**")


def narrow_trigger_gitlab(gl: Any) -> None:
    gl["workflow"]["rules"] = [r for r in gl["workflow"]["rules"] if "merge_request_event" not in r["if"]]


def env_value_github(wf: Any) -> None:
    wf["env"]["GOPROXY"] = "https://evil.example.com"


def reorder_commands_gitlab(gl: Any) -> None:
    script = gl["test"]["script"]
    script[0], script[1] = script[1], script[0]


def drop_gate_github(wf: Any) -> None:
    wf["jobs"]["scan"]["steps"] = [s for s in wf["jobs"]["scan"]["steps"] if s.get("id") != "scan-gate"]


def tool_version_gitlab(gl: Any) -> None:
    gl["sign"]["image"]["name"] = "ghcr.io/sigstore/cosign/cosign:v2.4.1-dev"


def job_condition_github(wf: Any) -> None:
    wf["jobs"]["release-assets"]["if"] = "github.event_name == 'push'"


MUTATIONS: dict[str, tuple[str, Callable[[Any], None]]] = {
    "drop a matrix leg": ("github", drop_leg_github),
    "add a matrix leg": ("gitlab", add_leg_gitlab),
    "drop a needs edge": ("gitlab", drop_needs_gitlab),
    "change a gate threshold": ("gitlab", threshold_gitlab),
    "widen a trigger": ("github", widen_trigger_github),
    "narrow a trigger": ("gitlab", narrow_trigger_gitlab),
    "change an env value": ("github", env_value_github),
    "reorder commands": ("gitlab", reorder_commands_gitlab),
    "drop a gate": ("github", drop_gate_github),
    "change a tool version": ("gitlab", tool_version_gitlab),
    "widen a job condition": ("github", job_condition_github),
}


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_seeded_mutation_is_caught(name: str) -> None:
    """Each mutation of an emitted file makes the equivalence check fail."""
    result = render_case(CASES / "go-service")
    platform, mutate = MUTATIONS[name]
    rel = GITHUB if platform == "github" else GITLAB
    data = _load(result.files[rel])
    mutate(data)
    mutated = _dump(data)
    assert mutated != result.files[rel]
    found = plans_differ(result, **{platform: mutated})
    assert found, f"mutation {name!r} was not caught"


def test_unmutated_roundtrip_through_the_mutation_harness_is_clean() -> None:
    """Loading and dumping without a mutation changes nothing the check sees (so the mutation
    tests catch the mutation, not the harness)."""
    result = render_case(CASES / "go-service")
    gh = _dump(_load(result.files[GITHUB]))
    gl = _dump(_load(result.files[GITLAB]))
    assert plans_differ(result, github=gh, gitlab=gl) == []


# -- the named exceptions -----------------------------------------------------------------------


def _scripts_gitlab(result: Result, job: str) -> list[str]:
    return [str(s) for s in _load(result.files[GITLAB])[job]["script"]]


def _runs_github(result: Result, job: str) -> list[str]:
    return [str(s["run"]) for s in _load(result.files[GITHUB])["jobs"][job]["steps"] if "run" in s]


def _blocks_github(result: Result, job: str) -> list[tuple[str, str | None]]:
    """Each run step of a GitHub job, with the named exception its lifter files it under."""
    data = _load(result.files[GITHUB])["jobs"][job]
    return [(str(s["run"]), lift_github.platform_block(s, data)) for s in data["steps"] if "run" in s]


def _blocks_gitlab(result: Result, job: str) -> list[tuple[str, str | None]]:
    """Each script item of a GitLab job, with the named exception its lifter files it under."""
    data = _load(result.files[GITLAB])[job]
    return [(str(s), lift_gitlab.platform_block(str(s), data)) for s in data["script"]]


def check_coverage_report(result: Result) -> None:
    gh, gl = _blocks_github(result, "test"), _blocks_gitlab(result, "test")
    assert [kind for _, kind in gh].count("coverage-report") == 1
    assert [kind for _, kind in gl].count("coverage-report") == 1
    assert [s for s, kind in gh if kind is None] == [s for s, kind in gl if kind is None]


def check_test_report(result: Result) -> None:
    """GitHub has a report step of its own (summary and annotations, after a failed go test too);
    GitLab none, but the junit artifact report; the go test block is the same on both."""
    gh, gl = _blocks_github(result, "test"), _blocks_gitlab(result, "test")
    assert [kind for _, kind in gh].count("test-report") == 1
    assert "test-report" not in [kind for _, kind in gl]
    steps = _load(result.files[GITHUB])["jobs"]["test"]["steps"]
    assert next(s for s in steps if s.get("id") == "test-report")["if"] == "${{ !cancelled() }}"
    assert _load(result.files[GITLAB])["test"]["artifacts"]["reports"]["junit"] == "junit.xml"
    go_test = [s for s, kind in gh if kind is None and "go test -json " in s]
    assert len(go_test) == 1
    assert go_test == [s for s, kind in gl if kind is None and "go test -json " in s]


def check_scan_report(result: Result) -> None:
    assert _blocks_github(result, "scan")[0][1] == "scan-report"
    assert _blocks_gitlab(result, "scan")[0][1] == "scan-report"
    assert _runs_github(result, "scan")[1] == _scripts_gitlab(result, "scan")[1]


def check_release_publish(result: Result) -> None:
    assert [kind for _, kind in _blocks_github(result, "release")] == ["release-publish"]
    assert [kind for _, kind in _blocks_gitlab(result, "release")] == ["release-publish"]


def check_release_draft(result: Result) -> None:
    """With release.draft, GitHub's gh makes a draft and GitLab's block stops before the Releases
    API call (it still uploads the assets and prints the call); the plans stay equal."""
    assert "--draft" not in result.files[GITHUB]
    marker = "release:\n  on-tags: true"
    with tempfile.TemporaryDirectory() as tmp:
        case = Path(tmp) / "go-service"
        shutil.copytree(CASES / "go-service", case)
        manifest = (case / "ciforge.yml").read_text(encoding="utf-8")
        assert manifest.count(marker) == 1
        (case / "ciforge.yml").write_text(manifest.replace(marker, marker + "\n  draft: true"), encoding="utf-8")
        draft = render_case(case)
    assert draft.pipeline is not None
    assert '--verify-tag --title "$RELEASE_TAG" --draft --notes-file release-notes.md release/*' in draft.files[GITHUB]
    block = [text for text, kind in _blocks_gitlab(draft, "release") if kind == "release-publish"]
    assert len(block) == 1
    assert '--data "$body"' not in block[0]
    assert "release.draft: GitLab has no draft releases" in block[0]
    assert "--upload-file" in block[0]
    event = EVENTS["tag"]
    expected = from_ir.plan(draft.pipeline, event)
    assert lift_github.lift(draft.files[GITHUB], event) == expected == lift_gitlab.lift(draft.files[GITLAB], event)


def check_provenance_native(result: Result) -> None:
    """With sign.provenance, GitHub's actions/attest and GitLab's runner artifact metadata are
    each platform's alone (the go-service case has neither); the plans stay equal."""
    assert "actions/attest@" not in result.files[GITHUB]
    attested = render_case(CASES / "sign-provenance")
    assert attested.pipeline is not None
    assert attested.files[GITHUB].count("uses: actions/attest@") == 2
    assert "actions/attest" not in attested.files[GITLAB]
    assert attested.files[GITLAB].count("RUNNER_GENERATE_ARTIFACTS_METADATA: 'true'") == 1
    for name in ("push:main", "tag"):
        event = EVENTS[name]
        expected = from_ir.plan(attested.pipeline, event)
        assert (
            lift_github.lift(attested.files[GITHUB], event)
            == expected
            == lift_gitlab.lift(attested.files[GITLAB], event)
        )


def check_output_plumbing(result: Result) -> None:
    gh = _blocks_github(result, "image-publish")
    assert [kind for _, kind in gh].count("output-plumbing") == 3
    assert _load(result.files[GITLAB])["image-publish"]["artifacts"]["reports"]["dotenv"] == "outputs.env"


def check_image_build_contract(result: Result) -> None:
    event = EVENTS["tag"]
    gh = lift_github.lift(result.files[GITHUB], event).jobs["image-publish"].commands
    gl = lift_gitlab.lift(result.files[GITLAB], event).jobs["image-publish"].commands
    assert gh[1] == gl[1]
    assert gh[1].startswith("builtin image-build context=. file=Dockerfile platforms=linux/amd64,linux/arm64 push=true")


def check_checkout(result: Result) -> None:
    steps = _load(result.files[GITHUB])["jobs"]["lint"]["steps"]
    assert "actions/checkout@" in steps[0]["uses"]
    assert "checkout" not in result.files[GITLAB]


def check_caches(result: Result) -> None:
    assert _load(result.files[GITLAB])["test"]["cache"]["paths"] == [".go/pkg/mod/", ".cache/go-build/"]
    setup_go = _load(result.files[GITHUB])["jobs"]["test"]["steps"][1]
    assert "cache" in setup_go["with"]


def check_artifact_archive(result: Result) -> None:
    single = render_case(CASES / "build-single")
    legs = [leg.key for leg in single.pipeline.job("build").legs] if single.pipeline else []
    gl = _load(single.files[GITLAB])["build"]["artifacts"]
    assert (gl["name"], gl["paths"]) == ("build", [f"dist/build-{leg}/" for leg in legs])
    gh = _load(single.files[GITHUB])["jobs"]["build"]["steps"]
    assert [s["with"]["name"] for s in gh if "upload-artifact" in s.get("uses", "")] == [f"build-{leg}" for leg in legs]
    assert len(legs) == 6
    assert plans_differ(single) == []


def check_platform_env(result: Result) -> None:
    gl = _load(result.files[GITLAB])
    assert "DOCKER_HOST" in gl["image-publish"]["variables"]
    assert "GOMODCACHE" in gl["test"]["variables"]
    assert "GH_TOKEN" in _load(result.files[GITHUB])["jobs"]["release"]["env"]


def check_settings_variables(result: Result) -> None:
    keyed = render_case(CASES / "stage-sign-key")
    gh = _load(keyed.files[GITHUB])["jobs"]["sign"]["env"]
    gl = _load(keyed.files[GITLAB])["sign"]["variables"]
    assert gh["COSIGN_PASSWORD"] == "${{ secrets.COSIGN_PASSWORD }}"
    assert "COSIGN_PASSWORD" not in gl  # injected by GitLab under its own name
    assert plans_differ(keyed) == []


def check_unset_is_empty(result: Result) -> None:
    gh_env = _load(result.files[GITHUB])["jobs"]["build"]["env"]
    assert gh_env["CC"] == "${{ matrix.CC }}"
    legs = _load(result.files[GITLAB])["build"]["parallel"]["matrix"]
    assert sum("CC" in leg for leg in legs) == 1


def check_registry_credentials(result: Result) -> None:
    gh = _load(result.files[GITHUB])["jobs"]["sbom"]["env"]
    gl = _load(result.files[GITLAB])["sbom"]["variables"]
    assert (gh["REGISTRY_USER"], gl["REGISTRY_USER"]) == ("${{ github.actor }}", "$CI_REGISTRY_USER")


def check_signing_identity(result: Result) -> None:
    gh = _load(result.files[GITHUB])["jobs"]["verify"]["env"]
    assert gh["CERT_ISSUER"] == "https://token.actions.githubusercontent.com"
    gl = _load(result.files[GITLAB])["verify"]
    assert "CERT_ISSUER" not in gl["variables"]
    assert all("variables" not in rule for rule in gl["rules"])
    assert lift_gitlab.platform_block(gl["script"][0], gl) == "signing-identity"
    assert "export CERT_ISSUER='https://gitlab.com'" in gl["script"][0]
    assert gl["id_tokens"] == {"IDENTITY_ID_TOKEN": {"aud": "ciforge-signing-identity"}}
    lifted = dict(lift_gitlab.lift(result.files[GITLAB], EVENTS["push:main"]).jobs["verify"].env)
    assert (lifted["CERT_IDENTITY"], lifted["CERT_ISSUER"]) == ("@signing-identity", "@signing-issuer")


def check_pipeline_variables(result: Result) -> None:
    """No gate setting is a GitLab variable; set as one, the lifter reads it as overridable."""
    doc = _load(result.files[GITLAB])
    for job in (j for j in doc.values() if isinstance(j, dict)):
        assert not set(job.get("variables") or {}) & register.OVERRIDABLE_SETTINGS
    assert "export COVERAGE_THRESHOLD='80'\n" in doc["test"]["script"][-1]
    event = EVENTS["push:main"]
    gates = lift_gitlab.lift(doc, event).jobs["test"].gates
    assert [g.detail for g in gates if g.kind == "coverage"] == ["min=80"]
    doc["test"]["variables"]["COVERAGE_THRESHOLD"] = "80"
    doc["test"]["script"][-1] = doc["test"]["script"][-1].replace("export COVERAGE_THRESHOLD='80'\n", "")
    gates = lift_gitlab.lift(doc, event).jobs["test"].gates
    assert [g.detail for g in gates if g.kind == "coverage"] == ["min=@pipeline-variable(80)"]


def check_permissions(result: Result) -> None:
    assert _load(result.files[GITHUB])["jobs"]["sign"]["permissions"]["id-token"] == "write"
    assert all("permissions" not in job for job in _load(result.files[GITLAB]).values() if isinstance(job, dict))


def check_tool_install(result: Result) -> None:
    gl = _load(result.files[GITLAB])["promote"]["script"]
    assert _blocks_gitlab(result, "promote")[0][1] == "tool-install"
    assert "docker/buildx-bin:" in gl[0]
    gh = _load(result.files[GITHUB])["jobs"]["promote"]["steps"]
    assert gh[0]["uses"].startswith("docker/setup-buildx-action@")
    event = EVENTS["push:main"]
    assert lift_gitlab.lift(result.files[GITLAB], event).jobs["promote"].tools == (("buildx", "v0.36.1"),)


def check_runners(result: Result) -> None:
    platforms = render_case(CASES / "test-platforms")
    gh = _load(platforms.files[GITHUB])["jobs"]
    gl = _load(platforms.files[GITLAB])
    assert (gh["test-linux-arm64"]["runs-on"], gl["test-linux-arm64"]["tags"]) == (
        "ubuntu-24.04-arm",
        ["saas-linux-small-arm64"],
    )
    assert (gh["test-darwin-arm64"]["runs-on"], gl["test-darwin-arm64"]["image"]) == ("macos-15", "macos-15-xcode-16")
    assert "tags" not in gl["test-linux-amd64"]  # GitLab.com's untagged runner is linux/amd64
    event = EVENTS["push:main"]
    for lifted in (lift_github.lift(platforms.files[GITHUB], event), lift_gitlab.lift(platforms.files[GITLAB], event)):
        assert {job.logical_id: job.platform for job in lifted.jobs.values()}["test-darwin-arm64"] == "darwin/arm64"
    # a self-hosted label is the platform the job declares; a dropped tag is caught
    overridden = render_case(CASES / "test-runners")
    assert _load(overridden.files[GITLAB])["test-darwin-arm64"]["tags"] == ["macos", "apple-silicon"]
    assert plans_differ(overridden) == []
    doc = _load(overridden.files[GITLAB])
    del doc["test-darwin-arm64"]["tags"]
    assert any("platform differs" in d for d in plans_differ(overridden, gitlab=_dump(doc)))


def check_windows_gitlab(result: Result) -> None:
    platforms = render_case(CASES / "test-platforms")
    gh = _load(platforms.files[GITHUB])
    assert gh["jobs"]["test-windows-amd64"]["runs-on"] == "windows-2025"
    assert gh["defaults"]["run"]["shell"] == "bash"  # Git Bash on GitHub's Windows runners
    gl = _load(platforms.files[GITLAB])["test-windows-amd64"]
    assert gl["tags"] == ["windows", "bash"]
    assert "image" not in gl
    assert lift_gitlab.platform_block(gl["script"][0], gl) == "tool-install"  # Go from go.dev, in bash
    manifest = (CASES / "test-platforms" / "ciforge.yml").read_text()
    without = manifest[: manifest.index("runners:")]
    from ciforge.compiler import compile_pipeline

    pipeline, diagnostics = compile_pipeline(without.encode(), file="ciforge.yml", base_dir=CASES, label="ciforge.yml")
    assert pipeline is None
    errors = [d for d in diagnostics if d.severity == "error"]
    assert [(d.code, d.line) for d in errors] == [("runner", 10)]
    assert "PowerShell" in errors[0].message
    assert "runners.windows/amd64.gitlab.tags" in errors[0].message


def check_scheduling(result: Result) -> None:
    assert _load(result.files[GITHUB])["concurrency"]["cancel-in-progress"] == (
        "${{ github.event_name == 'pull_request' }}"
    )
    assert _load(result.files[GITLAB])["workflow"]["auto_cancel"] == {"on_new_commit": "interruptible"}


def check_change_request_revision(result: Result) -> None:
    assert result.pipeline is not None
    pr = EVENTS["pr"]
    assert lift_github.github_context(pr)["ref"] == "refs/pull/7/merge"
    assert lift_gitlab.ci_variables(pr)["CI_COMMIT_REF_NAME"] == pr.ref_name  # the source branch
    checkouts = [
        s
        for job in _load(result.files[GITHUB])["jobs"].values()
        for s in job["steps"]
        if "checkout@" in s.get("uses", "")
    ]
    assert checkouts
    assert all("ref" not in (s.get("with") or {}) for s in checkouts)
    gl_doc = _load(result.files[GITLAB])
    merged = {**lift_gitlab.ci_variables(pr), "CI_MERGE_REQUEST_EVENT_TYPE": "merged_result"}
    assert lift_gitlab.pipeline_created(gl_doc, merged)  # with merged results enabled, GitLab tests the merge too
    assert (
        from_ir.plan(result.pipeline, pr) == lift_gitlab.lift(gl_doc, pr) == lift_github.lift(result.files[GITHUB], pr)
    )


def check_change_request_conflicts(result: Result) -> None:
    assert result.pipeline is not None
    conflicted = attrs.evolve(EVENTS["pr"], conflicts=True)
    assert lift_github.lift(result.files[GITHUB], conflicted).jobs == {}
    runs = lift_gitlab.lift(result.files[GITLAB], conflicted)
    assert runs.jobs
    assert runs == from_ir.plan(result.pipeline, conflicted)


def check_skip_marker_variants(result: Result) -> None:
    assert result.pipeline is not None
    for message in ("fix [SKIP CI]", "fix [ci-skip]", "fix [Skip_Ci]"):
        event = attrs.evolve(EVENTS["push:main"], message=message)
        expected = from_ir.plan(result.pipeline, event)
        assert expected.jobs
        assert lift_github.lift(result.files[GITHUB], event) == expected
        assert lift_gitlab.lift(result.files[GITLAB], event).jobs == {}


EXCEPTION_CHECKS: dict[str, Callable[[Result], None]] = {
    "coverage-report": check_coverage_report,
    "test-report": check_test_report,
    "scan-report": check_scan_report,
    "release-publish": check_release_publish,
    "release-draft": check_release_draft,
    "provenance-native": check_provenance_native,
    "output-plumbing": check_output_plumbing,
    "image-build-contract": check_image_build_contract,
    "artifact-archive": check_artifact_archive,
    "checkout": check_checkout,
    "caches": check_caches,
    "tool-install": check_tool_install,
    "platform-env": check_platform_env,
    "settings-variables": check_settings_variables,
    "unset-is-empty": check_unset_is_empty,
    "registry-credentials": check_registry_credentials,
    "signing-identity": check_signing_identity,
    "pipeline-variables": check_pipeline_variables,
    "permissions": check_permissions,
    "scheduling": check_scheduling,
    "runners": check_runners,
    "windows-gitlab": check_windows_gitlab,
    "change-request-revision": check_change_request_revision,
    "change-request-conflicts": check_change_request_conflicts,
    "skip-marker-variants": check_skip_marker_variants,
    **SCHEDULE_CHECKS,
    **CUSTOM_JOB_CHECKS,
    **CODE_SCAN_CHECKS,
    **PATH_CHECKS,
}


def test_every_exception_has_a_check() -> None:
    """The register and the checks list the same exceptions."""
    assert set(EXCEPTION_CHECKS) == set(register.REGISTER)


@pytest.mark.parametrize("exception_id", sorted(EXCEPTION_CHECKS))
def test_named_exception(exception_id: str) -> None:
    """The difference the exception names really exists in the outputs, and is handled."""
    EXCEPTION_CHECKS[exception_id](render_case(CASES / "go-service"))


def test_register_matches_the_docs() -> None:
    """docs/equivalence.md documents exactly the register's exceptions."""
    text = (Path(__file__).resolve().parent.parent / "docs" / "equivalence.md").read_text()
    documented = set(re.findall(r"^### `([a-z-]+)`", text, flags=re.MULTILINE))
    assert documented == set(register.REGISTER)
