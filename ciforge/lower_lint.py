"""Lower ``lint:``: go vet, the drift checks (gofmt, go mod tidy, go generate), govulncheck and
golangci-lint, as the steps of one lint job (per module, with ``modules:``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from ciforge import golangci_lint, goreleases, govulncheck, ir, scripts

if TYPE_CHECKING:
    from ciforge.lower import Lowering

TIDY_DIFF_GO: Final = "1.23"  # go mod tidy -diff (https://go.dev/doc/go1.23#go-command)


class LintLowering:
    """The lint job of one lowering run; problems go to the run's diagnostics."""

    def __init__(self, low: Lowering) -> None:
        self.low = low

    def job(self, go: str) -> ir.Job | None:
        lint = self.low.m.lint
        version = self.golangci_lint_version(go)
        tags = self.low.build_tags("lint")
        steps: list[ir.Step] = [ir.Checkout(), ir.SetupGo(version=go)]
        if lint.vet:
            steps.append(ir.Run(id="go-vet", name="go vet", script=scripts.go_vet(tags=bool(tags))))
        steps += self.drift_checks(go, tagged=bool(tags))
        if version is not None:
            script = scripts.golangci_lint(version, tags=bool(tags))
            steps.append(ir.Run(id="golangci-lint", name=f"golangci-lint {version}", script=script))
        if len(steps) == 2:
            return None
        return ir.Job(
            id="lint",
            name="Lint",
            stage="check",
            go=go,
            env=(("GO_PACKAGES", self.low.m.go.packages), *((("GO_TAGS", tags),) if tags else ())),
            steps=tuple(steps),
            cache=self.low.go_cache(),
            timeout_minutes=20,
            gates=tuple(ir.Gate(kind="exit_code", block=s.id) for s in steps if isinstance(s, ir.Run)),
        )

    def drift_checks(self, go: str, *, tagged: bool) -> list[ir.Step]:
        """gofmt, go mod tidy, go generate and govulncheck, as the manifest asks; ``tagged``: go
        generate and govulncheck take the job's build tags (gofmt and tidy read every file)."""
        lint = self.low.m.lint
        out: list[ir.Step] = []
        if lint.gofmt:
            out.append(ir.Run(id="gofmt", name="gofmt", script=scripts.gofmt_check()))
        if lint.tidy:
            diff_flag = go != self.low.unresolved and goreleases.key(go) >= goreleases.key(TIDY_DIFF_GO)
            out.append(ir.Run(id="go-mod-tidy", name="go mod tidy", script=scripts.tidy_check(diff_flag=diff_flag)))
        if lint.generate:
            out.append(ir.Run(id="go-generate", name="go generate", script=scripts.generate_check(tags=tagged)))
        version = self.govulncheck_version(go)
        if version is not None:
            out.append(
                ir.Run(
                    id="govulncheck", name=f"govulncheck {version}", script=scripts.govulncheck(version, tags=tagged)
                )
            )
        return out

    def govulncheck_version(self, go: str) -> str | None:
        """The govulncheck release the lint job runs (None: off), checked against the Go."""
        asked = self.low.m.lint.govulncheck
        if asked is False or go == self.low.unresolved:
            return None
        if isinstance(asked, str):
            if not govulncheck.builds_with(asked, go):
                try:
                    hint = f"use {govulncheck.choose(go)} or true"
                except govulncheck.NoReleaseError:
                    hint = "no release ciforge knows builds with it; set lint.govulncheck: false"
                self.low.error(
                    "govulncheck",
                    f"govulncheck {asked} needs Go {govulncheck.minimum_go(asked)} to build, and this pipeline runs "
                    f"Go {go}; {hint}",
                    ("lint", "govulncheck"),
                )
            return asked
        try:
            return govulncheck.choose(go)
        except govulncheck.NoReleaseError as exc:
            self.low.error("govulncheck", str(exc), ("lint", "govulncheck"))
            return None

    def golangci_lint_version(self, go: str) -> str | None:
        """The golangci-lint release the lint job runs (None: off), proven to support ``go``."""
        pinned = self.low.m.lint.golangci_lint
        if pinned is False or go == self.low.unresolved:
            return None
        if isinstance(pinned, str):
            known = golangci_lint.release(pinned)
            if known is None:
                self.low.warn(
                    "golangci-lint",
                    f"golangci-lint {pinned} is not in ciforge's release table, so ciforge cannot check that it "
                    f"supports Go {go}",
                    ("lint", "golangci-lint"),
                )
            elif not known.supports(go):
                self.low.error(
                    "golangci-lint",
                    f"golangci-lint {pinned} supports Go {known.go} to {goreleases.minor_of(known.built_with)}.x, "
                    f"not Go {go}; {golangci_lint.choose_hint(go)}",
                    ("lint", "golangci-lint"),
                )
            return pinned
        try:
            return golangci_lint.choose(go).version
        except golangci_lint.NoReleaseError as exc:
            where = ("go", "version") if self.low.m.go.version is not None else ("go", "version-file")
            self.low.error("golangci-lint", str(exc), where)
            return None
