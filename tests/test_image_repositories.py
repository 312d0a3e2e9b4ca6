"""Several image repositories (image.repository as a list; docs/release.md, several repositories).

One BuildKit build pushes the same digest to every repository; sign, verify and promote work on
each; every registry is logged in to, the platform's own with its job token and any other with CI
secrets, in the deployment environment only. The plans record the pushed names and the logins
in the image-build contract, so verify sees a repository dropped on one platform."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path
from typing import Any, Final

import pytest
from ruamel.yaml import YAML

from ciforge import scripts_supply
from ciforge.compiler import compile_file
from tests.helpers import CASES, GITHUB, GITLAB, TARGET_NAMES, render_case, verify_edited
from tests.test_release_stamping import BASE, diagnostics

CASE: Final = CASES / "image-repositories"
REPOSITORIES: Final = "ghcr.io/acme/orders-api,docker.io/acme/orders-api,quay.io/acme/orders-api,docker.io/acme/orders"
DIGEST: Final = "sha256:" + "a" * 64
EACH: Final = "for image in $(printf '%s' \"$IMAGE_NAMES\" | tr ',' ' '); do"
PUBLISHING: Final = ("image-publish", "sign", "verify", "promote")


def _load(text: str) -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe").load(text)
    return data


def _workflow() -> dict[str, Any]:
    return _load(render_case(CASE).files[GITHUB])


def _pipeline() -> dict[str, Any]:
    return _load(render_case(CASE).files[GITLAB])


def test_one_build_pushes_the_digest_to_every_repository_on_both_platforms() -> None:
    files = render_case(CASE).files
    build = next(s for s in _workflow()["jobs"]["image-publish"]["steps"] if s.get("id") == "image-build")
    assert build["with"]["outputs"] == (
        'type=image,"name=${{ env.IMAGE_NAMES }}",push-by-digest=true,name-canonical=true,push=true'
    )
    assert (
        '--output "type=image,\\"name=${IMAGE_NAMES}\\",push-by-digest=true,name-canonical=true,push=true"'
        in (files[GITLAB])
    )
    for text in files.values():
        assert text.count("docker buildx build") + text.count("docker/build-push-action@") >= 1
        assert f"IMAGE_REPOSITORIES: {REPOSITORIES}" in text


def test_every_registry_is_logged_in_to_before_the_build() -> None:
    steps = _workflow()["jobs"]["image-publish"]["steps"]
    logins = [s["with"]["registry"] for s in steps if str(s.get("uses", "")).startswith("docker/login-action@")]
    assert logins == ["${{ env.REGISTRY }}", "${{ env.REGISTRY_DOCKER_IO }}", "${{ env.REGISTRY_QUAY_IO }}"]
    block = next(b for b in _pipeline()["image-publish"]["script"] if "docker buildx build" in b)
    before = block.split("docker buildx build")[0]
    for suffix in ("", "_DOCKER_IO", "_QUAY_IO"):
        assert (
            f'printf \'%s\' "$REGISTRY_PASSWORD{suffix}" | docker login "$REGISTRY{suffix}" '
            f'-u "$REGISTRY_USER{suffix}" --password-stdin'
        ) in before


def test_the_platforms_own_registry_takes_the_job_token_and_the_others_secrets() -> None:
    """GitHub: GHCR with GITHUB_TOKEN, docker.io and quay.io with their own secrets. GitLab: every
    registry here is foreign, so the primary's (GHCR) takes REGISTRY_USER/REGISTRY_PASSWORD and
    the others theirs, all project variables (never written as job variables)."""
    env = _workflow()["jobs"]["image-publish"]["env"]
    assert env["REGISTRY"] == "ghcr.io"
    assert (env["REGISTRY_USER"], env["REGISTRY_PASSWORD"]) == ("${{ github.actor }}", "${{ secrets.GITHUB_TOKEN }}")
    for suffix, host in (("_DOCKER_IO", "docker.io"), ("_QUAY_IO", "quay.io")):
        assert env[f"REGISTRY{suffix}"] == host
        assert env[f"REGISTRY_USER{suffix}"] == f"${{{{ secrets.REGISTRY_USER{suffix} }}}}"
        assert env[f"REGISTRY_PASSWORD{suffix}"] == f"${{{{ secrets.REGISTRY_PASSWORD{suffix} }}}}"
    variables = _pipeline()["image-publish"]["variables"]
    assert (variables["REGISTRY"], variables["REGISTRY_DOCKER_IO"], variables["REGISTRY_QUAY_IO"]) == (
        "ghcr.io",
        "docker.io",
        "quay.io",
    )
    assert not [name for name in variables if name.startswith(("REGISTRY_USER", "REGISTRY_PASSWORD"))]


def test_only_the_publishing_jobs_get_the_other_registries_credentials() -> None:
    """image-publish, sign, verify and promote log in to every registry, all in the release
    environment; the SBOM and the scan read the primary only and get no other registry's secret."""
    workflow, pipeline = _workflow(), _pipeline()
    for job_id, job in workflow["jobs"].items():
        reads = any("REGISTRY_USER_DOCKER_IO" in str(value) for value in (job.get("env") or {}).values())
        assert reads == (job_id in PUBLISHING), job_id
        if reads:
            assert job["environment"] == "release"
    for job_id in PUBLISHING:
        assert pipeline[job_id]["variables"]["REGISTRY_QUAY_IO"] == "quay.io"
        assert pipeline[job_id]["environment"]["name"] == "release"
    for job_id in ("sbom", "scan"):
        assert "REGISTRY_QUAY_IO" not in workflow["jobs"][job_id]["env"]
        assert "REGISTRY_QUAY_IO" not in pipeline[job_id]["variables"]
        assert workflow["jobs"][job_id]["env"]["IMAGE"] == "${{ needs.image-publish.outputs.IMAGE }}"


def test_packages_write_only_where_ghcr_is_written(tmp_path: Path) -> None:
    jobs = _workflow()["jobs"]
    assert jobs["image-publish"]["permissions"]["packages"] == "write"
    text = BASE + "image:\n  repository: [docker.io/acme/app, quay.io/acme/app]\n"
    (tmp_path / "Dockerfile").write_text("FROM scratch\n", encoding="utf-8")
    (tmp_path / "ciforge.yml").write_text(text, encoding="utf-8")
    result = compile_file(tmp_path / "ciforge.yml", out_dir=tmp_path, targets=TARGET_NAMES, display="ciforge.yml")
    workflow = _load(result.files[GITHUB])
    assert "packages" not in workflow["jobs"]["image-publish"]["permissions"]
    env = workflow["jobs"]["image-publish"]["env"]
    assert (env["REGISTRY_USER"], env["REGISTRY_USER_QUAY_IO"]) == (
        "${{ secrets.REGISTRY_USER }}",
        "${{ secrets.REGISTRY_USER_QUAY_IO }}",
    )


def test_a_list_of_one_is_the_string(tmp_path: Path) -> None:
    """A list of one repository compiles to exactly what the string does."""
    outputs: list[dict[str, str]] = []
    for value in ("registry.example.com/team/app", "[registry.example.com/team/app]"):
        work = tmp_path / str(len(outputs))
        work.mkdir()
        (work / "Dockerfile").write_text("FROM scratch\n", encoding="utf-8")
        (work / "ciforge.yml").write_text(BASE + f"image:\n  repository: {value}\n", encoding="utf-8")
        result = compile_file(work / "ciforge.yml", out_dir=work, targets=TARGET_NAMES, display="ciforge.yml")
        outputs.append(result.files)
    assert outputs[0] == outputs[1]
    assert "IMAGE_NAMES" not in outputs[0][GITHUB] + outputs[0][GITLAB]


# -- the blocks, run with stand-ins for docker and cosign that record their arguments ----------


def _stand_in(directory: Path, name: str) -> None:
    tool = directory / name
    tool.write_text(f'#!/bin/sh\nprintf \'%s\\n\' "{name} $*" >> "$CALLS"\n', encoding="utf-8")
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR)


def _run(script: str, cwd: Path, env: dict[str, str]) -> list[str]:
    bin_dir = cwd / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name in ("docker", "cosign"):
        _stand_in(bin_dir, name)
    calls = cwd / "calls.txt"
    full = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "CALLS": str(calls), **env}
    subprocess.run(["sh", "-c", script.replace("set -euo pipefail", "set -eu")], cwd=cwd, env=full, check=True)
    return calls.read_text(encoding="utf-8").splitlines() if calls.exists() else []


CREDENTIALS: Final = {
    f"{name}{suffix}": value
    for suffix, host in (("", "ghcr.io"), ("_DOCKER_IO", "docker.io"))
    for name, value in (("REGISTRY", host), ("REGISTRY_USER", "u" + suffix), ("REGISTRY_PASSWORD", "p"))
}


def test_the_image_ref_block_writes_every_name_lower_cased(tmp_path: Path) -> None:
    script = scripts_supply.image_ref(("sha",), several=True)
    env = {"IMAGE_REPOSITORIES": "ghcr.io/Acme/App,docker.io/acme/app", "COMMIT_SHA": "0" * 40}
    assert _run(script, tmp_path, env) == []  # neither docker nor cosign
    lines = (tmp_path / "image.env").read_text(encoding="utf-8").splitlines()
    assert lines == [
        "IMAGE=ghcr.io/acme/app",
        "IMAGE_TAGS=ghcr.io/acme/app:sha-000000000000",
        "IMAGE_NAMES=ghcr.io/acme/app,docker.io/acme/app",
    ]


def test_sign_and_verify_each_repository_after_logging_in_to_each_registry(tmp_path: Path) -> None:
    env = {**CREDENTIALS, "IMAGE": "ghcr.io/acme/app", "IMAGE_DIGEST": DIGEST}
    env |= {"IMAGE_NAMES": "ghcr.io/acme/app,docker.io/acme/app", "SBOM_PREDICATE_TYPE": "spdxjson"}
    env |= {"SBOM_FILE": "sbom.spdx.json", "CERT_IDENTITY": "i", "CERT_ISSUER": "o"}
    registries = ("", "_DOCKER_IO")
    signed = _run(scripts_supply.sign(key=False, attest_sbom=True, registries=registries, several=True), tmp_path, env)
    assert signed == [
        "cosign login ghcr.io -u u --password-stdin",
        "cosign login docker.io -u u_DOCKER_IO --password-stdin",
        f"cosign sign --yes ghcr.io/acme/app@{DIGEST}",
        f"cosign attest --yes --type spdxjson --predicate sbom.spdx.json ghcr.io/acme/app@{DIGEST}",
        f"cosign sign --yes docker.io/acme/app@{DIGEST}",
        f"cosign attest --yes --type spdxjson --predicate sbom.spdx.json docker.io/acme/app@{DIGEST}",
    ]
    (tmp_path / "calls.txt").unlink()
    checked = _run(
        scripts_supply.verify(key=False, attestation=False, registries=registries, several=True), tmp_path, env
    )
    assert checked[2:] == [
        f"cosign verify --certificate-identity i --certificate-oidc-issuer o {image}@{DIGEST}"
        for image in ("ghcr.io/acme/app", "docker.io/acme/app")
    ]


def test_promote_tags_each_repository_from_its_own_reference(tmp_path: Path) -> None:
    (tmp_path / "image.env").write_text(
        "IMAGE=ghcr.io/acme/app\nIMAGE_TAGS=ghcr.io/acme/app:1.2.3,ghcr.io/acme/app:1.2\n"
        "IMAGE_NAMES=ghcr.io/acme/app,docker.io/acme/app\n",
        encoding="utf-8",
    )
    script = scripts_supply.promote(registries=("", "_DOCKER_IO"), several=True)
    calls = _run(script, tmp_path, {**CREDENTIALS, "IMAGE_DIGEST": DIGEST})
    assert calls == [
        "docker login ghcr.io -u u --password-stdin",
        "docker login docker.io -u u_DOCKER_IO --password-stdin",
        f"docker buildx imagetools create --tag ghcr.io/acme/app:1.2.3 --tag ghcr.io/acme/app:1.2 ghcr.io/acme/app@{DIGEST}",
        f"docker buildx imagetools inspect ghcr.io/acme/app@{DIGEST}",
        "docker buildx imagetools create --tag docker.io/acme/app:1.2.3 --tag docker.io/acme/app:1.2 "
        f"docker.io/acme/app@{DIGEST}",
        f"docker buildx imagetools inspect docker.io/acme/app@{DIGEST}",
    ]


# -- verify -------------------------------------------------------------------------------------


def test_the_unedited_files_verify(tmp_path: Path) -> None:
    assert verify_edited(CASE, tmp_path, (GITHUB, "name: Sign", "name: Sign")) == []


SIGN_LOOP: Final = EACH + '\n            cosign sign --yes "${image}@${IMAGE_DIGEST}"'
TAMPERS = [
    # a repository dropped from the push
    (GITLAB, f"IMAGE_REPOSITORIES: {REPOSITORIES}", "IMAGE_REPOSITORIES: ghcr.io/acme/orders-api,docker.io/acme/orders-api"),
    (GITHUB, '"name=${{ env.IMAGE_NAMES }}"', "name=${{ env.IMAGE }}"),
    (GITLAB, '\\"name=${IMAGE_NAMES}\\"', "name=${IMAGE}"),
    (GITLAB, '\\"name=${IMAGE_NAMES}\\"', '\\"name=${IMAGE},docker.io/acme/orders-api\\"'),
    # a registry's login dropped or moved after the build
    (GITLAB, '      printf \'%s\' "$REGISTRY_PASSWORD_QUAY_IO" | docker login "$REGISTRY_QUAY_IO" -u "$REGISTRY_USER_QUAY_IO" --password-stdin\n', ""),
    (GITLAB, 'printf \'%s\' "$REGISTRY_PASSWORD_QUAY_IO" | docker login', '# printf \'%s\' "$REGISTRY_PASSWORD_QUAY_IO" | docker login'),
    (GITHUB, "registry: ${{ env.REGISTRY_QUAY_IO }}", "registry: ${{ env.REGISTRY_DOCKER_IO }}"),
    (GITHUB, "REGISTRY_QUAY_IO: quay.io", "REGISTRY_QUAY_IO: docker.io"),
    # a repository dropped from signing, verification or promotion
    (GITHUB, SIGN_LOOP, 'for image in "$IMAGE"; do\n            cosign sign --yes "${image}@${IMAGE_DIGEST}"'),
    (GITLAB, EACH + '\n        cosign sign --yes', 'for image in "$IMAGE"; do\n        cosign sign --yes'),
    (GITLAB, '"${image}@${IMAGE_DIGEST}" >> cosign-verify.json', '"${IMAGE}@${IMAGE_DIGEST}" >> cosign-verify.json'),
    (GITHUB, "  docker buildx imagetools create \"$@\" \"${image}@${IMAGE_DIGEST}\"", "  docker buildx imagetools create \"$@\" \"${IMAGE}@${IMAGE_DIGEST}\""),
    (GITLAB, "IMAGE_NAMES=${names}", "IMAGE_NAMES=${image}"),
    (GITHUB, 'echo "IMAGE_NAMES=${IMAGE_NAMES}" >> outputs.env', 'echo "IMAGE_NAMES=${IMAGE}" >> outputs.env'),
    # another registry's secret, or a secret outside the environment
    (GITHUB, "REGISTRY_USER_QUAY_IO: ${{ secrets.REGISTRY_USER_QUAY_IO }}", "REGISTRY_USER_QUAY_IO: ${{ secrets.REGISTRY_USER_DOCKER_IO }}"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "old", "new"), TAMPERS)
def test_verify_sees_every_repository_tamper(path: str, old: str, new: str, tmp_path: Path) -> None:
    assert verify_edited(CASE, tmp_path, (path, old, new)), f"verify missed: {old!r} -> {new!r}"


# -- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        ("[ghcr.io/a/b, ghcr.io/a/b]", "unique", 6, 15, "repeats an item"),
        ("[]", "length", 6, 15, "needs at least 1 item"),
        ("[a.io/x, b.io/x, c.io/x, d.io/x, e.io/x, f.io/x]", "length", 6, 15, "at most 5 item"),
        ("[ghcr.io/a/b, Docker.io/a/b]", "pattern", 6, 29, "all in lower case"),
        ("[ghcr.io/a/b, 3]", "type", 6, 29, "expected a string"),
        ("[ghcr.io/a/b, a-b.io/x, a.b.io/x]", "conflict", 6, 39, "REGISTRY_USER_A_B_IO"),
    ],
)
def test_bad_repository_lists_are_positioned_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: tuple[str, str, int, int, str]
) -> None:
    value, code, line, col, words = case
    (tmp_path / "Dockerfile").write_text("FROM scratch\n", encoding="utf-8")
    rows = diagnostics(tmp_path, BASE + f"image:\n  repository: {value}\n", capsys)
    assert [(r["code"], r["line"], r["col"]) for r in rows] == [(code, line, col)], rows
    assert words in str(rows[0]["message"])


def test_the_primary_registry_shares_no_variables_with_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The primary's registry takes REGISTRY_USER (no suffix), so another registry whose suffix
    only punctuation tells apart from the primary's conflicts with nothing."""
    (tmp_path / "Dockerfile").write_text("FROM scratch\n", encoding="utf-8")
    (tmp_path / "ciforge.yml").write_text(BASE + "image:\n  repository: [a-b.io/x, a.b.io/x]\n", encoding="utf-8")
    result = compile_file(tmp_path / "ciforge.yml", out_dir=tmp_path, targets=TARGET_NAMES, display="ciforge.yml")
    assert not [d for d in result.diagnostics if d.severity == "error"]
    assert "REGISTRY_USER_A_B_IO: ${{ secrets.REGISTRY_USER_A_B_IO }}" in result.files[GITHUB]
