"""``ciforge verify``: lift the files on disk and compare them with what the manifest means."""

from __future__ import annotations

from pathlib import Path

from ciforge import ir, reading, source
from ciforge.plan import from_ir, lift_github, lift_gitlab, posture, posture_lift, probes
from ciforge.plan.model import differences

FILES = {"github": ".github/workflows/ciforge.yml", "gitlab": ".gitlab-ci.yml"}
LIFTERS = {"github": lift_github.lift, "gitlab": lift_gitlab.lift}
LOADERS = {"github": lift_github.load, "gitlab": lift_gitlab.load}
POSTURES = {"github": posture_lift.github, "gitlab": posture_lift.gitlab}


def check(pipeline: ir.Pipeline, out_dir: Path) -> list[str]:
    """Every difference, on every standard event and every probe event of the manifest
    (ciforge/plan/probes.py), between each file and the manifest's plan."""
    problems: list[str] = []
    for platform, rel in FILES.items():
        path = out_dir / rel
        try:
            # bounded like the manifest: a huge or endless file is refused before it is parsed
            text = reading.read_bounded(path, reading.MAX_OUTPUT_BYTES, follow_symlinks=False).decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = str(exc) if isinstance(exc, reading.FileRefusedError | UnicodeDecodeError) else exc.strerror or exc
            problems.append(f"{rel}: cannot read: {reason}")
            continue
        # The loader's bounds (alias expansion, depth) and checks (duplicate keys, custom tags)
        # apply to the files on disk as they do to the manifest.
        _, loaded = source.load_text(text, rel)
        if loaded:
            problems += [f"{rel}:{d.line}:{d.col}: {d.message} [{d.code}]" for d in loaded]
            continue
        try:
            doc = LOADERS[platform](text)
            found = POSTURES[platform](doc)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            problems.append(f"{rel}: cannot read the file as ciforge output: {exc}")
            continue
        problems += [f"{rel}: {d}" for d in posture.differences(posture.expected(pipeline, platform), found)]
        for event in probes.events_for(pipeline):
            expected = from_ir.plan(pipeline, event)
            try:
                actual = LIFTERS[platform](doc, event)
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                problems.append(f"{rel}: {event.name}: cannot read the file as ciforge output: {exc}")
                break
            problems += [f"{rel}: {d}" for d in differences(expected, actual, names=("manifest", platform))]
    return problems
