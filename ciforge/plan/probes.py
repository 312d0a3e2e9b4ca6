"""The events a comparison checks: the five standard events, plus probes derived from the
manifest's own branch and tag patterns, so a pattern-specific divergence (``**/main`` matching
``main`` on one platform only) shows up on a concrete ref name.

Probes only pick names; whether a name matches is decided by each plan builder independently.
"""

from __future__ import annotations

import re
from typing import Final

import attrs

from ciforge import ir
from ciforge.plan.model import EVENTS, PlanEvent, schedule_event

# One filter-pattern token and what it becomes in the shortest, a middling and a deep instance,
# plus an instance that tries the boundary ("-/" for "**/": characters that do not end a directory).
_TOKEN: Final = re.compile(r"\*\*/|\*\*|\*|\[[^\]]*\][?+]?|\\.[?+]?|[^!][?+]?")
_FILLS: Final = {
    "**/": ("", "a/", "a/b/", "-/", "/"),
    "**": ("", "a", "a/b", "/", "-"),
    "*": ("", "a", "ab", "", "-"),
}


def _instances(pattern: str) -> list[str]:
    tokens = [t.group() for t in _TOKEN.finditer(pattern.removeprefix("!"))]
    names = []
    for variant in range(5):
        out = []
        for token in tokens:
            if token in _FILLS:
                out.append(_FILLS[token][variant])
                continue
            char = token[1] if token.startswith("\\") else (token[1] if token.startswith("[") else token[0])
            quantifier = token[-1] if len(token) > 1 and token[-1] in "?+" and not token.endswith("]") else ""
            if quantifier == "?":
                out.append(("", char, char, "", char * 2)[variant])
            elif quantifier == "+":
                out.append(char * (1, 1, 2, 3, 1)[variant])
            else:
                out.append(char)
        names.append("".join(out))
    valid = (n for n in names if n and not n.startswith("/") and not n.endswith("/") and "//" not in n)
    return list(dict.fromkeys(valid))


def ref_probes(triggers: ir.Triggers) -> list[PlanEvent]:
    """Push events for instances of each branch and tag pattern (excluded ones too)."""
    events: list[PlanEvent] = []
    for kind, prefix, patterns in (("push_branch", "push", triggers.branches), ("push_tag", "tag", triggers.tags)):
        for pattern in patterns:
            events += [PlanEvent(f"{prefix}:{name}", kind, name) for name in _instances(pattern)]
    return list({e.name: e for e in events}.values())


# Head-commit messages: each of GitHub's skip instructions, and near misses that skip on neither
# platform. (GitLab's own variants, e.g. "[SKIP CI]" or "[ci-skip]", skip GitLab only: the
# register's skip-marker-variants exception.)
SKIP_MESSAGES: Final = (
    "fix: typo [skip ci]",
    "docs: [ci skip] wording",
    "wip [no ci]",
    "chore: bump [skip actions]",
    "[actions skip] bump",
    "release\n\nskip-checks:true",
    "release\n\nSigned-off-by: A <a@example.com>\nskip-checks: true\n",
    # the trailer block is the last paragraph; a trailer's value may hold a colon
    "release\n\nWhy it changed.\n\nskip-checks: true",
    "release\n\nLink: https://example.com/issue/1\nskip-checks: true",
)
NEAR_MISSES: Final = (
    "skip ci, but no brackets",
    "[No CI] is not GitHub's spelling",
    "[skip  ci] has two spaces",
    "release\nskip-checks: true",
    "release\n\nskip-checks: true\nSigned-off-by: A <a@example.com>",
    # a line of the last paragraph that is not a trailer (no key, or no colon) makes it no trailer block
    "release\n\nnot-a-trailer\nskip-checks: true",
    "release\n\n: no key\nskip-checks: true",
)


def message_probes(
    messages: tuple[str, ...] = SKIP_MESSAGES + NEAR_MISSES, scheduled: tuple[PlanEvent, ...] = ()
) -> list[PlanEvent]:
    """The standard events (and the ``scheduled`` runs, which no message skips), each with every
    message as its head commit's message."""
    return [
        attrs.evolve(event, name=f"{event.name} {message!r}", message=message)
        for message in messages
        for event in (*EVENTS.values(), *scheduled)
        if event.name != "push:feature"
    ]


# A cron no manifest is likely to list: a scheduled run the file does not define (on GitLab, a
# schedule created by hand without ciforge's variable) must run nothing on both platforms.
UNLISTED_CRON: Final = "59 23 31 12 6"


def schedule_probes(triggers: ir.Triggers) -> list[PlanEvent]:
    """A scheduled run of each of the pipeline's crons, and of one cron it does not list."""
    unlisted = () if UNLISTED_CRON in triggers.schedules else (UNLISTED_CRON,)
    return [schedule_event(cron) for cron in (*triggers.schedules, *unlisted)]


def events_for(
    pipeline: ir.Pipeline, *, messages: tuple[str, ...] = SKIP_MESSAGES + NEAR_MISSES, refs: bool = True
) -> list[PlanEvent]:
    """The standard events, each schedule's run, the probes of this pipeline's ref patterns, and
    the message probes."""
    standard = list(EVENTS.values())
    seen = {(e.kind, e.ref_name) for e in standard}
    ref_events = [e for e in ref_probes(pipeline.triggers) if (e.kind, e.ref_name) not in seen] if refs else []
    scheduled = schedule_probes(pipeline.triggers)
    return standard + scheduled + ref_events + message_probes(messages, tuple(scheduled[:1]))
