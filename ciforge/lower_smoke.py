"""Lower ``smoke:``: a job after the build that starts the runners' own leg (linux/amd64) and
polls its probes, or runs a command in that leg's directory; with ``image: true`` also a job that
starts the pushed image and polls the same probes (docs/smoke.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from ciforge import ir, lower_build, scripts_smoke
from ciforge.model import Smoke

if TYPE_CHECKING:
    from ciforge.lower import Lowering
    from ciforge.lower_supply import SupplyChain

JOB_ID: Final = "smoke-test"
IMAGE_JOB_ID: Final = "smoke-image"


def runner_leg(builds: list[ir.Job]) -> ir.Leg | None:
    """The leg the hosted runners can run: linux/amd64, without cgo first (it needs no C
    library), in matrix order."""
    native = [
        leg
        for job in builds
        for leg in job.legs
        if dict(leg.variables).get("GOOS") == "linux" and dict(leg.variables).get("GOARCH") == "amd64"
    ]
    native.sort(key=lambda leg: dict(leg.variables).get("CGO_ENABLED") == "1")
    return native[0] if native else None


class SmokeLowering:
    """The smoke job of one lowering run; problems go to the run's diagnostics."""

    def __init__(self, low: Lowering, smoke: Smoke) -> None:
        self.low = low
        self.smoke = smoke

    def job(self, builds: list[ir.Job]) -> ir.Job | None:
        smoke = self.smoke
        build = self.low.m.build
        if build is None:
            self.low.error("smoke", "smoke starts a built binary: it needs a build: section", ("smoke",))
            return None
        if (smoke.run is None) == (not smoke.probes):
            self.low.error(
                "smoke",
                "smoke needs either run (a command whose exit status is the verdict) or probes (HTTP checks of the "
                "started binary), not both and not neither",
                ("smoke",),
            )
            return None
        leg = runner_leg(builds)
        if leg is None:
            self.low.error(
                "smoke",
                "smoke runs the linux/amd64 leg on the runner, and build.matrix has none: add an include entry "
                "{goos: linux, goarch: amd64}",
                ("smoke",),
            )
            return None
        names = lower_build.binaries(build, self.low.m.name)
        binary = smoke.binary or next((b.binary for b in names if b.release), names[0].binary)
        if binary not in {b.binary for b in names}:
            self.low.error(
                "smoke",
                f"smoke.binary {binary!r} is none of the build's binaries ({', '.join(b.binary for b in names)})",
                ("smoke", "binary"),
            )
        directory = f"dist/build-{leg.key}"
        if smoke.run is not None:
            step = ir.Run(
                id="smoke",
                name="Smoke test",
                script=scripts_smoke.run_in_leg(directory, smoke.run),
                written_by="manifest",
            )
        else:
            probes = " ".join(f"{p.port}{p.path}={p.expect}" for p in smoke.probes)
            step = ir.Run(
                id="smoke",
                name="Smoke test",
                script=scripts_smoke.probe_binary(
                    binary=f"{directory}/{binary}", args=smoke.args, probes=probes, timeout=smoke.timeout
                ),
            )
        return ir.Job(
            id=JOB_ID,
            name="Smoke test",
            stage="build",
            needs=tuple(job.id for job in builds),
            runtime=ir.Runtime.SHELL,
            env=tuple(sorted(smoke.env.items())),
            steps=(step,),
            consumes=tuple(
                ir.ArtifactInput(producer=job.id, name=job.produces[0].name, all_legs=True) for job in builds
            ),
            timeout_minutes=max(5, smoke.timeout // 60 + 5),
            gates=(ir.Gate(kind="exit_code", block="smoke"),),
        )


def image_probe(chain: SupplyChain) -> ir.Job:
    """``smoke.image``: the pushed image, pulled by digest and started on the runner's Docker (the
    Docker-in-Docker service on GitLab), polled with the binary's probes; promote waits for it."""
    smoke = chain.m.smoke
    assert smoke is not None
    probes = " ".join(f"{p.port}{p.path}={p.expect}" for p in smoke.probes)
    env = tuple(sorted(smoke.env.items()))
    return ir.Job(
        id=IMAGE_JOB_ID,
        name="Smoke test (image)",
        stage="verify",
        needs=("image-publish",),
        events=chain.publish_events,
        runtime=ir.Runtime.SHELL,
        docker=True,
        env=(*chain.registry_env(), ("DOCKER_PUBLISH_HOST", ir.PlatformValue("docker_publish_host")), *env),
        steps=(
            ir.Run(
                id="smoke-image",
                name="Smoke test of the image",
                script=scripts_smoke.probe_image(
                    args=smoke.args, env=tuple(name for name, _ in env), probes=probes, timeout=smoke.timeout
                ),
            ),
        ),
        inputs=(chain.image_input(),),
        access=chain.access(ir.Access.READ_IMAGES),
        timeout_minutes=max(10, smoke.timeout // 60 + 10),
        cancellable=False,
        environment=chain.environment,
        gates=(ir.Gate(kind="exit_code", block="smoke-image"),),
    )


def check_image_probe(chain: SupplyChain) -> None:
    """smoke.image needs the image and probes to poll."""
    smoke = chain.m.smoke
    if smoke is None or not smoke.image:
        return
    if chain.m.image is None:
        chain.error("conflict", "smoke.image probes the pushed image: add an image section", ("smoke", "image"))
    if not smoke.probes:
        chain.error(
            "conflict",
            "smoke.image polls the probes in the started image: give probes (run is for the binary only)",
            ("smoke", "image"),
        )
