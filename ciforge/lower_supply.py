"""Lowering of the supply-chain stages: image, SBOM, scan, signing, verification, release.

The job graph (each edge an explicit ``needs`` on both platforms):

    lint, test ─▶ image            (pull requests, manual runs: build only, never push)
    lint, test ─▶ image-publish ─▶ sbom, scan ─▶ sign ─▶ verify ─▶ promote
    build-*, sbom ─▶ release-assets ─▶ release              (tag pushes)

image-publish pushes by digest only; promote adds the tags once every check of that digest
(SBOM, scan gate, signature, verification) has passed, so no tag ever names an unverified image.
Every job from image-publish onwards runs in the deployment environment and cannot be cancelled
halfway (GitLab interruptible: false; GitHub cancels in-progress runs only for pull requests).

A job's events are always a subset of each needed job's events, so GitHub's skip propagation
(https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#jobsjob_idneeds)
and GitLab's error for needs on a job the pipeline does not have (https://docs.gitlab.com/ci/yaml/#needs)
never come into play.
"""

from __future__ import annotations

from typing import Final

from ciforge import (
    dockerfile_gen,
    ir,
    lower_image,
    lower_provenance,
    lower_registries,
    lower_release,
    lower_scan,
    lower_smoke,
    pins,
    scripts_supply as s,
)
from ciforge.diagnostics import Diagnostic, DiagnosticCode
from ciforge.model import Binary, Manifest

SBOM_FILES: Final = {"spdx-json": ("sbom.spdx.json", "spdxjson"), "cyclonedx-json": ("sbom.cdx.json", "cyclonedx")}


class SupplyChain:
    """Builds the supply-chain jobs for one manifest."""

    def __init__(
        self,
        manifest: Manifest,
        *,
        go: str,
        ship_needs: tuple[str, ...],
        builds: tuple[str, ...],
        legs: tuple[ir.Leg, ...] = (),
        binaries: tuple[Binary, ...] = (),
        collect: bool = False,
        archives: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.m = manifest
        self.go = go  # GO-runtime jobs run in the pipeline's golang image on GitLab
        self.ship_needs = ship_needs  # the checks and builds (or their gathering jobs) before anything ships
        self.builds = builds
        self.legs = legs  # the build legs: the release set is exactly their artifacts
        self.binaries = binaries  # every leg builds each; those with release: true are released
        self.archives = archives  # (leg, archive name with {version}) when the legs make archives
        self.collect = collect  # builds are shards of at most 50 legs, each gathered by a collector
        self.diagnostics: list[Diagnostic] = []
        image = manifest.image
        push = image.push if image else ()
        self.publish_events = frozenset(
            ([ir.Event.PUSH_TAG] if "tags" in push else []) + ([ir.Event.PUSH_BRANCH] if "branches" in push else [])
        )
        self.environment = manifest.environment

    def access(self, *registry: ir.Access) -> frozenset[ir.Access]:
        """The source, and the job's ``registry`` access (a target grants it to its job token
        only for its own registry; another registry is reached with CI secrets)."""
        return frozenset({ir.Access.READ_SOURCE, *registry})

    def error(self, code: DiagnosticCode, message: str, path: tuple[str | int, ...]) -> None:
        self.diagnostics.append(Diagnostic(code=code, message=message, path=path))

    def warn(self, code: DiagnosticCode, message: str, path: tuple[str | int, ...]) -> None:
        self.diagnostics.append(Diagnostic(code=code, message=message, path=path, severity="warning"))

    def registry_env(self, *, every: bool = False) -> ir.Env:
        """Registry and credentials. For the platform's own registry the job token is used; for
        any other registry, the REGISTRY_USER and REGISTRY_PASSWORD CI secrets. ``every``: also
        each other registry of several repositories (ciforge.lower_registries)."""
        return lower_registries.env(self.m.image, every=every)

    def tool(self, name: str) -> ir.SetupTool:
        return ir.SetupTool(tool=name, version=pins.tool_version(name))

    # -- image --------------------------------------------------------------------------------

    def image_env(self) -> ir.Env:
        image = self.m.image
        assert image is not None
        tagged = "semver" in image.tags or "latest" in image.tags
        return (
            *lower_registries.repositories_env(image),
            ("REF_NAME", ir.PlatformValue("ref_name")),
            ("COMMIT_SHA", ir.PlatformValue("commit_sha")),
            *((("RELEASE_TAG", ir.PlatformValue("tag_name")),) if tagged else ()),
            *((("DEFAULT_BRANCH", ir.PlatformValue("default_branch")),) if "latest" in image.tags else ()),
        )

    def image_layout(self) -> ir.Run:
        """image.from-build: the first leg built for each of image.platforms, as dist/<platform>/."""
        assert self.m.image is not None
        legs = lower_image.platform_legs(self.m.image, self.legs)
        layout = " ".join(f"{platform}={legs[i]}" for i, platform in enumerate(self.m.image.platforms) if i in legs)
        binaries = " ".join(b.binary for b in self.binaries)
        return ir.Run(
            id="image-layout",
            name="Lay out the built binaries",
            script=s.image_layout(layout=layout, binaries=binaries),
        )

    def image_job(self, *, publish: bool) -> ir.Job:
        image = self.m.image
        assert image is not None
        copied = self.builds if image.from_build else ()  # the builds whose binaries the image copies
        steps: list[ir.Step] = [
            ir.Checkout(),
            self.tool("buildx"),
            *((lower_image.emulation(image),) if image.emulation else ()),
            ir.Run(
                id="image-ref",
                name="Image name and tags",
                script=s.image_ref(
                    image.tags, tuple(image.build_args.items()), several=lower_registries.several(image)
                ),
            ),
            *((self.image_layout(),) if image.from_build else ()),
            ir.BuildImage(
                context=image.context,
                dockerfile=dockerfile_gen.PATH if image.generated else image.dockerfile,
                platforms=image.platforms,
                push=publish,
                cache=image.cache,
                labels=image.generated,
                build_args=tuple(image.build_args),
                names=ir.IMAGE_NAMES if lower_registries.several(image) else "IMAGE",
                registries=lower_registries.suffixes(image, every=True) if publish else ("",),
            ),
        ]
        if publish:
            record = s.record_image_output(several=lower_registries.several(image))
            steps.append(ir.Run(id="image-output", name="Image digest", script=record))
        events = self.publish_events if publish else ir.ALL_EVENTS - self.publish_events
        return ir.Job(
            id="image-publish" if publish else "image-build",
            name="Image (publish)" if publish else "Image (build only)",
            stage="package",
            # a build that does not push ships nothing: it starts at once, or once the binaries
            # it copies are built
            needs=tuple(dict.fromkeys((self.ship_needs if publish else ()) + copied)),
            consumes=tuple(
                ir.ArtifactInput(
                    producer=build,
                    name=f"build-{ir.LEG_TOKEN}",
                    all_legs=True,
                    legs=tuple(dict.fromkeys(lower_image.platform_legs(image, self.legs).values())),
                )
                for build in copied
            ),
            events=events,
            runtime=ir.Runtime.DOCKER,
            # A build that does not push logs in nowhere and gets no registry credential.
            env=lower_image.stamp_env(image, self.image_env()) + (self.registry_env(every=True) if publish else ()),
            steps=tuple(steps),
            access=self.access(ir.Access.WRITE_IMAGES) if publish else self.access(),
            timeout_minutes=45,
            outputs=lower_registries.outputs(image) if publish else (),
            gates=(ir.Gate(kind="exit_code", block="image-build"),),
            cancellable=not publish,
            environment=self.environment if publish else None,
        )

    def promote_job(self, needs: tuple[str, ...]) -> ir.Job:
        """Tag the verified digest: the only job that pushes human-facing tags."""
        image = self.m.image
        assert image is not None
        return ir.Job(
            id="promote",
            name="Promote (tag the verified digest)",
            stage="release",
            needs=needs,
            events=self.publish_events,
            runtime=ir.Runtime.DOCKER,
            env=self.image_env() + self.registry_env(every=True),
            steps=(
                self.tool("buildx"),
                ir.Run(
                    id="image-ref",
                    name="Image name and tags",
                    script=s.image_ref(image.tags, several=lower_registries.several(image)),
                ),
                ir.Run(
                    id="promote",
                    name="Tag the digest",
                    script=s.promote(
                        may_be_untagged=not {"ref", "sha"} & set(image.tags), **lower_registries.every(self.m.image)
                    ),
                ),
            ),
            inputs=(self.image_input(),),
            access=self.access(ir.Access.WRITE_IMAGES),
            timeout_minutes=10,
            gates=(ir.Gate(kind="exit_code", block="promote"),),
            cancellable=False,
            environment=self.environment,
        )

    def licence_lookup(self) -> ir.Env:
        """When the SBOM's licences are scanned, syft fetches each Go module's licence from the
        module proxy (GOPROXY, from the pipeline's env): neither a Go binary nor a checkout holds
        them. Private modules (go.private) are never asked of the proxy.
        https://github.com/anchore/syft/wiki/configuration (golang.search-remote-licenses)"""
        scan = self.m.scan
        if scan is None or scan.target != "sbom" or (scan.licenses is None and "license" not in scan.scanners):
            return ()
        private = ",".join(self.m.go.private)
        return (
            ("SYFT_GOLANG_SEARCH_REMOTE_LICENSES", "true"),
            *((("SYFT_GOLANG_NO_PROXY", private),) if private else ()),
        )

    def image_input(self) -> ir.OutputInput:
        """image-publish's outputs (on GitLab its dotenv report gives a job that needs it every one)."""
        return ir.OutputInput(producer="image-publish", names=lower_registries.outputs(self.m.image))

    # -- SBOM and scan --------------------------------------------------------------------------

    def sbom_file(self) -> tuple[str, str]:
        assert self.m.sbom is not None
        return SBOM_FILES[self.m.sbom.format]

    def sbom_job(self, *, of_image: bool) -> ir.Job:
        """Syft SBOM of the pushed image or, without an image, of the source tree."""
        assert self.m.sbom is not None
        file, _ = self.sbom_file()
        env: ir.Env = (("SBOM_FORMAT", self.m.sbom.format), ("SBOM_FILE", file), *self.licence_lookup())
        steps: tuple[ir.Step, ...] = (self.tool("syft"), ir.Run(id="sbom", name="Syft SBOM", script=s.sbom()))
        if not of_image:
            steps = (ir.Checkout(), self.tool("syft"), ir.Run(id="sbom", name="Syft SBOM", script=s.source_sbom()))
        return ir.Job(
            id="sbom",
            name="SBOM",
            stage="verify",
            needs=("image-publish",) if of_image else (),
            events=self.publish_events if of_image else ir.ALL_EVENTS,
            runtime=ir.Runtime.SYFT,
            env=env + (self.registry_env() if of_image else ()),
            steps=steps,
            inputs=(self.image_input(),) if of_image else (),
            produces=(ir.Artifact(name="sbom", paths=(file,)),),
            access=self.access(ir.Access.READ_IMAGES) if of_image else self.access(),
            timeout_minutes=20,
            cyclonedx_sbom=file if self.m.sbom.format == "cyclonedx-json" else None,
            gates=(ir.Gate(kind="exit_code", block="sbom"),),
            cancellable=not of_image,
            environment=self.environment if of_image else None,
        )

    def scans_release(self) -> bool:
        """Whether the release assets wait for the scan: an SBOM or repository scan that runs on
        tags (an image scan gates the image's promotion instead)."""
        scan = self.m.scan
        return scan is not None and scan.target != "image" and ir.Event.PUSH_TAG in lower_scan.events(self, scan)

    # -- signing --------------------------------------------------------------------------------

    def signing_env(self, *, private: bool) -> ir.Env:
        sign = self.m.sign
        assert sign is not None
        if sign.key is not None:
            env: list[tuple[str, ir.EnvValue]] = [
                ("COSIGN_PUBLIC_KEY", ir.PlatformValue("variable", sign.public_key[4:]))
            ]
            if private:
                env += [
                    ("COSIGN_PRIVATE_KEY", ir.PlatformValue("secret", sign.key[4:])),
                    ("COSIGN_PASSWORD", ir.PlatformValue("secret", "COSIGN_PASSWORD")),
                ]
            return tuple(env)
        return (
            ("CERT_IDENTITY", ir.PlatformValue("signing_identity", sign.gitlab_url)),
            ("CERT_ISSUER", ir.PlatformValue("signing_issuer", sign.gitlab_url)),
        )

    def sbom_env(self) -> ir.Env:
        if self.m.sbom is None:
            return ()
        file, predicate = self.sbom_file()
        return (("SBOM_FILE", file), ("SBOM_PREDICATE_TYPE", predicate))

    def sign_job(self) -> ir.Job:
        sign = self.m.sign
        assert sign is not None
        key = sign.key is not None
        needs = ("image-publish",) + (("sbom",) if self.m.sbom else ()) + (("scan",) if self.m.scan else ())
        provenance = lower_provenance.wanted(self.m)
        env = (*self.registry_env(every=True), *self.sbom_env(), *self.signing_env(private=True))
        return ir.Job(
            id="sign",
            name="Sign",
            stage="sign",
            needs=needs,
            events=self.publish_events,
            runtime=ir.Runtime.COSIGN,
            env=lower_provenance.with_env(env) if provenance else env,
            steps=(
                self.tool("cosign"),
                ir.Run(
                    id="sign",
                    name="Cosign sign",
                    script=s.sign(key=key, attest_sbom=self.m.sbom is not None, **lower_registries.every(self.m.image)),
                ),
                *(lower_provenance.image_steps(key=key, **lower_registries.every(self.m.image)) if provenance else ()),
            ),
            inputs=(self.image_input(),),
            consumes=(ir.ArtifactInput(producer="sbom", name="sbom"),) if self.m.sbom else (),
            access=self.access(ir.Access.WRITE_IMAGES),
            oidc=not key,
            timeout_minutes=15,
            cancellable=False,
            environment=self.environment,
            gates=(ir.Gate(kind="exit_code", block="sign"),),
        )

    def verify_job(self) -> ir.Job:
        sign = self.m.sign
        assert sign is not None
        key = sign.key is not None
        provenance = lower_provenance.wanted(self.m)
        return ir.Job(
            id="verify",
            name="Verify signature",
            stage="sign",
            needs=("image-publish", "sign"),
            events=self.publish_events,
            runtime=ir.Runtime.COSIGN,
            env=(*self.registry_env(every=True), *self.sbom_env(), *self.signing_env(private=False)),
            steps=(
                self.tool("cosign"),
                ir.Run(
                    id="verify",
                    name="Cosign verify",
                    script=s.verify(
                        key=key, attestation=self.m.sbom is not None, **lower_registries.every(self.m.image)
                    ),
                ),
                *(
                    (lower_provenance.verify_step(key=key, **lower_registries.every(self.m.image)),)
                    if provenance
                    else ()
                ),
            ),
            inputs=(self.image_input(),),
            access=self.access(ir.Access.READ_IMAGES),
            timeout_minutes=10,
            gates=(ir.Gate(kind="signature", block="verify"),)
            + ((ir.Gate(kind="signature", block="verify-provenance"),) if provenance else ()),
            cancellable=False,
            environment=self.environment,
        )

    # -- release --------------------------------------------------------------------------------

    def collectors(self) -> list[ir.Job]:
        """One job per build shard that gathers its legs' binaries into one artifact, so the
        release needs a handful of jobs instead of every leg (GitLab's limit of 50 needs). They
        run wherever something ships: what publishes waits for the builds through them
        (docs/cost.md, the job graph)."""
        if not self.collect:
            return []
        return [
            ir.Job(
                id=f"collect-{build}",
                name=f"Collect {build}",
                stage="build",
                needs=(build,),
                events=self.publish_events | {ir.Event.PUSH_TAG},
                runtime=ir.Runtime.SHELL,
                env=(("BUILD_JOB", build),),
                steps=(ir.Run(id="collect", name="Collect the binaries", script=s.collect_builds()),),
                consumes=(ir.ArtifactInput(producer=build, name=f"{build}-{ir.LEG_TOKEN}", all_legs=True),),
                produces=(ir.Artifact(name=f"binaries-{build}", paths=("dist/",)),),
                timeout_minutes=10,
                cancellable=False,
                gates=(ir.Gate(kind="exit_code", block="collect"),),
            )
            for build in self.builds
        ]

    # -- all ------------------------------------------------------------------------------------

    def check(self) -> None:
        m = self.m
        needs_push = [name for name in ("sbom", "sign") if getattr(m, name) is not None]
        needs_push += ["scan"] if m.scan is not None and m.scan.target == "image" else []
        needs_push += ["smoke.image"] if m.smoke is not None and m.smoke.image else []
        lower_scan.check(self)
        lower_smoke.check_image_probe(self)
        lower_image.check(self)
        lower_registries.check(self)
        releases = m.release is not None and m.release.on_tags
        if m.sign is not None and m.image is None and (not releases or (m.build is None and m.sbom is None)):
            self.error(
                "conflict",
                "sign needs something to sign: an image section, or release.on-tags with binaries or an SBOM",
                ("sign",),
            )
        if m.release is not None and releases and m.build is None:
            if m.release.archives is not None:
                self.error(
                    "conflict", "release.archives packs the built binaries, but build is false", ("release", "archives")
                )
            elif m.sbom is None and not m.release.notes:
                self.error(
                    "conflict",
                    "a release without binaries (build: false) ships its notes and an SBOM: keep release.notes "
                    "or add an sbom section",
                    ("release",),
                )
        if needs_push and m.image is not None and not m.image.push:
            self.error(
                "conflict",
                f"{', '.join(needs_push)} work on the pushed image digest, but image.push is empty",
                ("image", "push"),
            )
        if m.sign is not None and m.sign.key is None and not m.sign.keyless:
            self.error("conflict", "set sign.keyless to true or give sign.key", ("sign",))
        if m.sign is not None and m.sign.key is not None and m.sign.keyless:
            self.error("conflict", "sign.key is given, so set sign.keyless to false", ("sign", "keyless"))
        if m.release is not None and m.release.on_tags and not m.triggers.tags:
            self.error(
                "conflict", "release.on-tags needs tag triggers (triggers.tags is empty)", ("release", "on-tags")
            )

    def digest_jobs(self, scan: ir.Job | None, *, checked: list[ir.Job]) -> list[ir.Job]:
        """The pushed digest's jobs: publish, its checks (SBOM, ``scan`` when it reads the image
        or its SBOM, the image probe, signature and verification), then promote, which needs
        every check of the digest (``checked``: earlier jobs, e.g. a repository scan)."""
        m = self.m
        jobs = [self.image_job(publish=True)]
        if m.sbom is not None:
            jobs.append(self.sbom_job(of_image=True))
        if scan is not None:
            jobs.append(scan)
        if m.smoke is not None and m.smoke.image:
            jobs.append(lower_smoke.image_probe(self))
        if m.sign is not None:
            jobs.append(self.sign_job())
            if m.sign.verify:
                jobs.append(self.verify_job())
        # every check of the digest before its tags: verify needs sign, which needs both
        checks = [
            job.id
            for job in (*checked, *jobs)
            if job.id in ("sbom", "scan", lower_smoke.IMAGE_JOB_ID, "sign", "verify")
        ]
        return [*jobs, self.promote_job(("image-publish", *checks))]

    def jobs(self) -> list[ir.Job]:
        """Every supply-chain job the manifest asks for, in pipeline order."""
        self.check()
        if any(d.severity == "error" for d in self.diagnostics):
            return []
        m = self.m
        collectors = self.collectors()
        jobs: list[ir.Job] = [*collectors]
        scan = lower_scan.job(self) if m.scan is not None else None
        target = m.scan.target if m.scan is not None else None
        if scan is not None and target == "fs":
            jobs.append(scan)
        if m.image is None and m.sbom is not None:
            jobs.append(self.sbom_job(of_image=False))
            if scan is not None and target == "sbom":
                jobs.append(scan)
        if m.image is not None:
            if ir.ALL_EVENTS - self.publish_events:
                jobs.append(self.image_job(publish=False))
            if self.publish_events:
                jobs += self.digest_jobs(scan if target in ("image", "sbom") else None, checked=jobs)
        if m.release is not None and m.release.on_tags:
            jobs += lower_release.jobs(self, collectors)
        return jobs
