"""Lowering of the release on tags: the release set (release-assets), its notes (release-notes)
and the platform's release (release), docs/release.md."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ciforge import ir, lower_provenance, scripts_supply as s

if TYPE_CHECKING:
    from ciforge.lower_supply import SupplyChain


def jobs(chain: SupplyChain, collectors: list[ir.Job]) -> list[ir.Job]:
    """release-assets (checksums, signature, SBOM), release-notes and release, on tags."""
    sign = chain.m.sign
    key = sign is not None and sign.key is not None
    image = chain.m.image is not None
    tag_sbom = chain.m.sbom is not None and (not image or ir.Event.PUSH_TAG in chain.publish_events)
    tag_verify = image and sign is not None and sign.verify and ir.Event.PUSH_TAG in chain.publish_events
    tags = frozenset({ir.Event.PUSH_TAG})
    if collectors:
        binaries = tuple(c.id for c in collectors)
        consumes = [ir.ArtifactInput(producer=c.id, name=c.produces[0].name) for c in collectors]
    else:
        binaries = chain.builds
        consumes = [ir.ArtifactInput(producer=b, name=f"build-{ir.LEG_TOKEN}", all_legs=True) for b in chain.builds]
    if tag_sbom:
        consumes.append(ir.ArtifactInput(producer="sbom", name="sbom"))
    assets_env: list[tuple[str, ir.EnvValue]] = []
    if tag_sbom:
        assets_env.append(("SBOM_FILE", chain.sbom_file()[0]))
    if chain.archives:
        assets_env.append(("RELEASE_TAG", ir.PlatformValue("tag_name")))
    if sign is not None:
        assets_env += chain.signing_env(private=True)
    provenance = lower_provenance.wanted(chain.m)
    assets = ir.Job(
        id="release-assets",
        name="Release assets",
        stage="release",
        needs=tuple(
            dict.fromkeys(
                chain.ship_needs
                + binaries
                + (("sbom",) if tag_sbom else ())
                + (("scan",) if chain.scans_release() else ())
            )
        ),
        events=tags,
        runtime=ir.Runtime.COSIGN if sign else ir.Runtime.SHELL,
        env=lower_provenance.with_env(tuple(assets_env)) if provenance else tuple(assets_env),
        steps=((chain.tool("cosign"),) if sign else ())
        + (
            ir.Run(
                id="release-assets",
                name="Checksums and signature",
                script=s.release_assets(
                    binaries=" ".join(b.binary for b in chain.binaries),
                    released=" ".join(b.binary for b in chain.binaries if b.release),
                    legs=" ".join(leg.key for leg in chain.legs),
                    # one per line: a long release stays readable (and under YAML linters' line length)
                    archives="\n".join(f"{leg}={name}" for leg, name in chain.archives),
                    sbom=tag_sbom,
                    sign=sign is not None,
                    key=key,
                ),
            ),
        )
        + (lower_provenance.release_steps(key=key) if provenance else ()),
        consumes=tuple(consumes),
        produces=(ir.Artifact(name="release", paths=("release/",)),),
        access=chain.access(),
        oidc=sign is not None and not key,
        timeout_minutes=15,
        cancellable=False,
        environment=chain.environment,
        gates=(ir.Gate(kind="exit_code", block="release-assets"),)
        # the checksums' signature is verified as soon as it is made
        + ((ir.Gate(kind="signature", block="release-assets"),) if sign is not None else ())
        + ((ir.Gate(kind="signature", block="release-provenance"),) if provenance else ()),
    )
    notes = chain.m.release is not None and chain.m.release.notes == "generate"
    # a library (build: false) without an SBOM releases its notes only
    shipped = chain.m.build is not None or tag_sbom
    publish = ir.Job(
        id="release",
        name="Release",
        stage="release",
        needs=(("release-assets",) if shipped else ())
        + (("verify",) if tag_verify else ())
        + (("release-notes",) if notes else ()),
        events=tags,
        runtime=ir.Runtime.SHELL,
        env=(("RELEASE_TAG", ir.PlatformValue("ref_name")),),
        steps=(
            ir.PublishRelease(notes=notes, draft=chain.m.release is not None and chain.m.release.draft, assets=shipped),
        ),
        consumes=((ir.ArtifactInput(producer="release-assets", name="release"),) if shipped else ())
        + ((ir.ArtifactInput(producer="release-notes", name="release-notes"),) if notes else ()),
        access=frozenset({ir.Access.WRITE_RELEASES}),
        timeout_minutes=15,
        cancellable=False,
        environment=chain.environment,
    )
    return [*([assets] if shipped else []), *([notes_job(chain)] if notes else []), publish]


def notes_job(chain: SupplyChain) -> ir.Job:
    """release.notes: generate. The commits since the previous tag, from a full clone (tags
    included), in a shell image with git on GitLab; it ships nothing, so it starts at once."""
    return ir.Job(
        id="release-notes",
        name="Release notes",
        stage="release",
        events=frozenset({ir.Event.PUSH_TAG}),
        runtime=ir.Runtime.GIT,
        env=(("RELEASE_TAG", ir.PlatformValue("ref_name")),),
        steps=(ir.Checkout(), ir.Run(id="release-notes", name="Release notes", script=s.release_notes())),
        produces=(ir.Artifact(name="release-notes", paths=("release-notes.md",)),),
        access=chain.access(),
        full_history=True,
        timeout_minutes=10,
        gates=(ir.Gate(kind="exit_code", block="release-notes"),),
    )
