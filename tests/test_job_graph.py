"""The job graph (docs/cost.md): the builds start with the checks, what ships waits for both, and
gathering jobs keep every job within GitLab's 50 needs, gathered again while too many."""

from __future__ import annotations

import pytest

from ciforge import ir
from ciforge.lower import SHIP_RESERVE, gather
from ciforge.lower_build import NEEDS_LIMIT
from tests.helpers import CASES, render_case


def _job(name: str, legs: int = 0, stage: ir.Stage = "check") -> ir.Job:
    return ir.Job(
        id=name,
        name=name,
        stage=stage,
        legs=tuple(ir.Leg(key=f"{name}-{i}", variables=(("L", str(i)),)) for i in range(legs)),
    )


def _concrete(jobs: list[ir.Job], ids: tuple[str, ...]) -> int:
    by_id = {j.id: j for j in jobs}
    return sum(max(1, len(by_id[i].legs)) for i in ids)


def test_needs_that_fit_are_direct() -> None:
    jobs = [_job("lint"), _job("test", legs=3), _job("build", legs=6, stage="build")]
    assert gather(jobs, reserve=SHIP_RESERVE) == (("lint", "test", "build"), [])


def test_over_the_limit_each_gathering_job_needs_at_most_50_in_order() -> None:
    """60 check jobs: checks-1 needs the first 50, checks-2 the other 10 and the build."""
    checks = [_job(f"c{i:02}") for i in range(60)]
    build = _job("build", legs=6, stage="build")
    needs, made = gather([*checks, build], reserve=SHIP_RESERVE)
    assert needs == ("checks-1", "checks-2")
    assert [j.needs for j in made] == [tuple(c.id for c in checks[:50]), (*(c.id for c in checks[50:]), "build")]
    assert [j.stage for j in made] == ["check", "build"]  # never before what it needs
    every = [*checks, build, *made]
    assert all(_concrete(every, j.needs) <= NEEDS_LIMIT for j in made)


def test_too_many_gathering_jobs_are_gathered_again() -> None:
    """60 shards of 50 legs: 60 first-level gathering jobs are themselves too many to need, so two
    more gather them; the waiting job needs two."""
    shards = [_job(f"build-{i}", legs=50, stage="build") for i in range(1, 61)]
    needs, made = gather(shards, reserve=SHIP_RESERVE)
    assert len(made) == 62
    assert needs == ("checks-61", "checks-62")
    assert made[60].needs == tuple(f"checks-{i}" for i in range(1, 51))
    assert made[61].needs == tuple(f"checks-{i}" for i in range(51, 61))
    every = [*shards, *made]
    assert all(_concrete(every, j.needs) <= NEEDS_LIMIT for j in made)
    assert _concrete(every, needs) + SHIP_RESERVE <= NEEDS_LIMIT


@pytest.mark.parametrize("reserve", [0, 3, 40])
def test_the_reserve_leaves_room_for_the_other_needs(reserve: int) -> None:
    jobs = [_job(f"c{i}") for i in range(NEEDS_LIMIT - reserve)]
    assert gather(jobs, reserve=reserve)[1] == []
    assert gather([*jobs, _job("one-more")], reserve=reserve)[1] != []


def test_the_example_builds_start_with_the_checks_and_what_ships_waits_for_all() -> None:
    result = render_case(CASES / "go-service")
    assert result.pipeline is not None
    job = result.pipeline.job
    assert job("build").needs == ()
    assert job("image-build").needs == ()
    checks_and_build = {"lint", "test", "build"}
    assert set(job("image-publish").needs) == checks_and_build
    assert checks_and_build <= set(job("release-assets").needs)
    # the example's own smoke job needs the build, so it waits for the checks too
    assert set(job("smoke").needs) == checks_and_build


@pytest.mark.parametrize("reserve", [NEEDS_LIMIT, NEEDS_LIMIT + 7])
def test_a_reserve_that_leaves_no_room_is_refused_not_gathered_forever(reserve: int) -> None:
    """Even one gathering job plus this reserve exceeds the limit: the loop could never end."""
    with pytest.raises(ValueError, match=f"a reserve of {reserve} leaves no room within 50 needs"):
        gather([_job("lint"), _job("build", legs=6, stage="build")], reserve=reserve)


def test_the_largest_reserve_with_room_still_gathers() -> None:
    """A reserve of 49 leaves room for exactly one need: every job is gathered down to one."""
    checks = [_job(f"c{i:02}") for i in range(5)]
    needs, made = gather(checks, reserve=NEEDS_LIMIT - 1)
    assert len(needs) == 1
    assert made[-1].id == needs[0]
