"""Lowering of sign.provenance: the SLSA build provenance of the pushed image (in the sign job,
checked by the verify job) and of the release's SHA256SUMS (in release-assets, checked at once).

One shared block writes the predicate and cosign attests it on both platforms, so the gates are
the same commands; each platform's own record of it (GitHub's attestation store, GitLab's
runner artifact metadata) is the named exception ``provenance-native``. docs/provenance.md.
"""

from __future__ import annotations

from ciforge import ir, scripts_supply as s
from ciforge.model import Manifest

PROVENANCE_BLOCK = "provenance"


def wanted(manifest: Manifest) -> bool:
    return manifest.sign is not None and manifest.sign.provenance


def env() -> ir.Env:
    """The values the predicate records, each the platform's own spelling of it."""
    return (
        ("SERVER_URL", ir.PlatformValue("server_url")),
        ("PROJECT_PATH", ir.PlatformValue("project_path")),
        ("REF_NAME", ir.PlatformValue("ref_name")),
        ("RELEASE_TAG", ir.PlatformValue("tag_name")),
        ("COMMIT_SHA", ir.PlatformValue("commit_sha")),
        ("RUN_URL", ir.PlatformValue("run_url")),
    )


def with_env(base: ir.Env) -> ir.Env:
    """``base`` and the predicate's values it does not set yet."""
    return ir.env_adding(base, env())


def image_steps(*, key: bool, registries: tuple[str, ...], several: bool) -> tuple[ir.Step, ...]:
    """The sign job's: attest the digest's provenance (in each repository), and the platform's
    own record of it (the primary's)."""
    script = s.attest_image_provenance(key=key, registries=registries, several=several)
    return (
        ir.Run(id=PROVENANCE_BLOCK, name="SLSA provenance (cosign attest)", script=script),
        ir.AttestProvenance(subject="image"),
    )


def verify_step(*, key: bool, registries: tuple[str, ...], several: bool) -> ir.Run:
    """The verify job's gate on the digest's provenance (in each repository)."""
    script = s.verify_image_provenance(key=key, registries=registries, several=several)
    return ir.Run(id="verify-provenance", name="Cosign verify the provenance", script=script)


def release_steps(*, key: bool) -> tuple[ir.Step, ...]:
    """release-assets': attest and verify SHA256SUMS's provenance, and the platform's own record
    of each asset's."""
    return (
        ir.Run(
            id="release-provenance",
            name="SLSA provenance of the checksums",
            script=s.attest_checksums_provenance(key=key),
        ),
        ir.AttestProvenance(subject="checksums"),
    )
