"""The ``ciforge`` command line. Thin: parse arguments, call the library, print, return a code.

Exit codes: 0 success; 1 ``render --check`` found drift; 2 the manifest (or a path) is bad;
3 an internal error (a bug: reported in one line, with the traceback only under CIFORGE_DEBUG=1).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ciforge import __version__, check_cache
from ciforge.target_names import NAMES

if TYPE_CHECKING:
    from ciforge import ir
    from ciforge.diagnostics import Diagnostic

EXIT_OK, EXIT_DRIFT, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
TARGET_CHOICES = (*NAMES, "all")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ciforge",
        description="Compile ciforge.yml into equivalent GitHub Actions and GitLab CI pipelines.",
    )
    parser.add_argument("--version", action="version", version=f"ciforge {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p: argparse.ArgumentParser, *, diagnostics_format: bool = True) -> None:
        p.add_argument("-m", "--manifest", default="ciforge.yml", type=Path, help="the manifest (default: ciforge.yml)")
        if not diagnostics_format:
            p.set_defaults(format="text")
            return
        p.add_argument(
            "--format",
            choices=("text", "github", "json"),
            default="text",
            help="diagnostics format: text (path:line:col), github (workflow annotations) or json",
        )

    render = sub.add_parser(
        "render", help="write the GitHub and GitLab files (and the Dockerfile, with image.dockerfile: generate)"
    )
    common(render)
    render.add_argument("--target", choices=TARGET_CHOICES, default="all", help="which platform(s) (default: all)")
    render.add_argument("--out", type=Path, help="output root (default: the manifest's directory)")
    render.add_argument("--check", action="store_true", help="write nothing; exit 1 with a diff if files are stale")
    render.add_argument(
        "--force", action="store_true", help="overwrite output files that ciforge did not generate (hand-written)"
    )
    render.add_argument(
        "--gitlab-component",
        action="store_true",
        help="write the GitLab pipeline as a CI/CD component (templates/<name>.yml, with spec:inputs)",
    )

    validate = sub.add_parser("validate", help="check the manifest and report every problem")
    common(validate)

    plan = sub.add_parser("plan", help="show which jobs run on which event")
    common(plan, diagnostics_format=False)
    plan.add_argument(
        "--event",
        default="all",
        help="push:main, push:<branch>, tag:<name>, pr, manual, schedule:<cron>, or all (default: the five standard "
        "events and each schedule of the manifest)",
    )
    plan.add_argument(
        "--format", dest="plan_format", choices=("table", "json", "mermaid"), default="table", help="output format"
    )
    plan.add_argument(
        "--cost",
        action="store_true",
        help="per event: the jobs, legs, set-ups (checkouts, tool installs, cache restores), billed minutes and "
        "the critical path",
    )

    schedules = sub.add_parser(
        "schedules",
        help="print the commands that create the manifest's GitLab pipeline schedules (GitHub reads them from the "
        "workflow)",
    )
    common(schedules, diagnostics_format=False)
    schedules.add_argument(
        "--ref",
        help="the branch they run on, the default branch (GitHub runs schedules there): default, the first "
        "triggers.branches entry that is no pattern, else main",
    )
    schedules.add_argument(
        "--format",
        dest="schedules_format",
        choices=("glab", "curl"),
        default="glab",
        help="glab commands, or a bash script of REST API calls with curl (default: glab)",
    )

    verify = sub.add_parser("verify", help="check that the files on disk still mean what the manifest means")
    common(verify)
    verify.add_argument("--out", type=Path, help="where the outputs are (default: the manifest's directory)")

    explain = sub.add_parser(
        "explain", help="print the effective manifest, where each value comes from, and the jobs per event"
    )
    common(explain, diagnostics_format=False)
    explain.add_argument(
        "--format", dest="explain_format", choices=("text", "yaml", "json"), default="text", help="default: text"
    )

    init = sub.add_parser("init", help="write a starter ciforge.yml for the Go module here")
    init.add_argument("--dir", type=Path, default=Path("."), help="the Go module's directory (default: .)")
    init.add_argument("-m", "--manifest", default="ciforge.yml", help="file name to write (default: ciforge.yml)")
    init.add_argument("--preset", choices=("go-service", "go-cli", "go-library"), help="default: from the module")
    init.add_argument("--force", action="store_true", help="overwrite an existing manifest")

    schema_cmd = sub.add_parser("schema", help="print the manifest's JSON Schema (or its reference page)")
    schema_cmd.add_argument("--format", choices=("json", "markdown"), default="json", help="default: json")
    return parser


def _report(diagnostics: Sequence[Diagnostic], fmt: str) -> None:
    from ciforge.diagnostics import FORMATTERS, format_json, sort_key  # noqa: PLC0415

    ordered = sorted(diagnostics, key=sort_key)
    if fmt == "json":
        print(format_json(ordered))
        return
    for d in ordered:
        print(FORMATTERS[fmt](d), file=sys.stderr)
    errors = sum(d.severity == "error" for d in ordered)
    if errors:
        print(f"ciforge: {errors} error(s) found; nothing was written", file=sys.stderr)


def _one_line(value: object) -> str:
    """A path or message on one log line: CR and LF shown as escapes, so a directory name can
    never start a line of its own (a forged workflow command in a CI log)."""
    return str(value).replace("\r", "\\r").replace("\n", "\\n")


def _targets(choice: str) -> tuple[str, ...]:
    return NAMES if choice == "all" else (choice,)


def _not_generated(out_dir: Path, files: dict[str, str], *, check: bool) -> list[Diagnostic]:
    """Hand-written files at the output paths, as diagnostics that say how to proceed."""
    from ciforge import output  # noqa: PLC0415
    from ciforge.diagnostics import Diagnostic  # noqa: PLC0415

    out = []
    for rel, what in output.not_generated(out_dir, files).items():
        if check:
            advice = "`ciforge render` would refuse to replace it; compare it by hand, or pass --force to replace it"
        else:
            advice = (
                f"ciforge will not overwrite it. To keep it, move it aside (e.g. `git mv {rel} {rel}.orig`) "
                "and render again, or render only the other platform with --target; "
                "to replace it with the generated file, pass --force"
            )
        message = f"not generated by ciforge: {what}, without ciforge's header; {advice}"
        out.append(Diagnostic(code="not-generated", message=message, file=str(out_dir / rel), line=1, col=1))
    return out


def cmd_render(args: argparse.Namespace) -> int:
    manifest: Path = args.manifest
    out_dir: Path = args.out if args.out is not None else manifest.parent
    # render --check of an unchanged repository: the recorded render still holds (check_cache)
    key = check_cache.slot(manifest, out_dir, (args.target, str(args.gitlab_component)))
    if args.check and args.format != "json" and check_cache.current(key, out_dir):
        return EXIT_OK
    from ciforge import output  # noqa: PLC0415
    from ciforge.compiler import compile_file  # noqa: PLC0415

    with check_cache.recording() as reads:
        result = compile_file(
            manifest, out_dir=out_dir, targets=_targets(args.target), gitlab_component=args.gitlab_component
        )
    if not result.ok:
        _report(result.diagnostics, args.format)
        return EXIT_INPUT
    try:
        foreign = [] if args.force and not args.check else _not_generated(out_dir, result.files, check=args.check)
        if result.diagnostics or foreign or args.format == "json":
            _report([*result.diagnostics, *foreign], args.format)
        if args.check:
            code = _check(out_dir, result.files, skip={d.file for d in foreign}, fmt=args.format)
        elif foreign:
            return EXIT_INPUT
        else:
            for path in output.write_all(out_dir, result.files):
                if args.format != "json":
                    print(f"wrote {_one_line(path)}", file=sys.stderr)
            code = EXIT_OK
    except (output.UnsafePathError, OSError) as exc:
        print(f"{_one_line(out_dir)}: error: {_one_line(exc)} [io-error]", file=sys.stderr)
        return EXIT_INPUT
    if code == EXIT_OK and not result.diagnostics and not foreign:
        check_cache.store(key, reads, manifest, out_dir, result.files)
    return code


def _check(out_dir: Path, files: dict[str, str], *, skip: set[str], fmt: str) -> int:
    """``render --check``: print a diff per stale file; hand-written files (``skip``) are their
    own case, already reported."""
    from ciforge import output  # noqa: PLC0415
    from ciforge.diagnostics import workflow_command  # noqa: PLC0415

    diffs = {rel: d for rel, d in output.drift(out_dir, files).items() if str(out_dir / rel) not in skip}
    for rel, diff in diffs.items():
        sys.stdout.write(diff)
        if fmt == "github":
            props = (("file", out_dir / rel), ("line", 1), ("title", "ciforge drift"))
            print(workflow_command("error", props, f"{rel} is out of date; run ciforge render"))
    if diffs:
        print(f"ciforge: {len(diffs)} file(s) out of date; run `ciforge render`", file=sys.stderr)
    if skip:
        print(f"ciforge: {len(skip)} file(s) not generated by ciforge", file=sys.stderr)
    return EXIT_DRIFT if diffs or skip else EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from ciforge.compiler import compile_file  # noqa: PLC0415

    result = compile_file(args.manifest, out_dir=args.manifest.parent, targets=())
    if result.diagnostics or args.format == "json":
        _report(result.diagnostics, args.format)
    if not result.ok:
        return EXIT_INPUT
    if args.format != "json":
        print(f"{args.manifest}: ok", file=sys.stderr)
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    if args.format == "markdown":
        from ciforge.schema_docs import markdown  # noqa: PLC0415

        sys.stdout.write(markdown())
        return EXIT_OK
    from ciforge.schema import schema_text  # noqa: PLC0415

    sys.stdout.write(schema_text())
    return EXIT_OK


def _pipeline(args: argparse.Namespace, out_dir: Path) -> tuple[ir.Pipeline | None, int]:
    from ciforge.compiler import compile_file  # noqa: PLC0415

    result = compile_file(args.manifest, out_dir=out_dir, targets=())
    if result.diagnostics:
        _report(result.diagnostics, args.format)
    if not result.ok or result.pipeline is None:
        return None, EXIT_INPUT
    return result.pipeline, EXIT_OK


def cmd_plan(args: argparse.Namespace) -> int:
    from ciforge.plan import EVENTS, event_from_cli, from_ir, show  # noqa: PLC0415
    from ciforge.plan.model import schedule_event  # noqa: PLC0415

    pipeline, code = _pipeline(args, args.manifest.parent)
    if pipeline is None:
        return code
    try:
        scheduled = [schedule_event(cron) for cron in pipeline.triggers.schedules]
        events = [*EVENTS.values(), *scheduled] if args.event == "all" else [event_from_cli(args.event)]
    except ValueError as exc:
        print(f"ciforge: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    plans = [from_ir.plan(pipeline, e) for e in events]
    if args.cost:
        if args.plan_format != "table":
            print("ciforge: error: --cost is a table; leave out --format", file=sys.stderr)
            return EXIT_INPUT
        from ciforge.plan import cost  # noqa: PLC0415

        sys.stdout.write(cost.view(plans))
    elif args.plan_format == "json":
        sys.stdout.write(show.as_json(plans))
    elif args.plan_format == "mermaid":
        if len(plans) != 1:
            print("ciforge: error: --format mermaid draws one event; pass --event", file=sys.stderr)
            return EXIT_INPUT
        sys.stdout.write(show.mermaid(plans[0]))
    else:
        sys.stdout.write(show.table(plans))
    return EXIT_OK


def _default_branch(pipeline: ir.Pipeline) -> str:
    """The first branch filter that names one branch, else main."""
    plain = [b for b in pipeline.triggers.branches if not any(c in b for c in "*?+[!\\")]
    return plain[0] if plain else "main"


def cmd_schedules(args: argparse.Namespace) -> int:
    pipeline, code = _pipeline(args, args.manifest.parent)
    if pipeline is None:
        return code
    ref = args.ref or _default_branch(pipeline)
    printed = False
    from ciforge.targets import registry  # noqa: PLC0415

    for name in NAMES:
        text = registry.platform(name).schedule_setup(pipeline, ref, args.schedules_format)
        if text is not None:
            sys.stdout.write(text)
            printed = True
    if not printed:
        print("ciforge: the manifest has no triggers.schedule entries; there is nothing to create", file=sys.stderr)
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    from ciforge.plan import verify  # noqa: PLC0415

    out_dir: Path = args.out if args.out is not None else args.manifest.parent
    pipeline, code = _pipeline(args, out_dir)
    if pipeline is None:
        return code
    problems = verify.check(pipeline, out_dir)
    for line in problems:
        print(line)
    if problems:
        print(f"ciforge: {len(problems)} difference(s) between the files and the manifest", file=sys.stderr)
        return EXIT_DRIFT
    print("ciforge: the files on disk are equivalent to the manifest on every event", file=sys.stderr)
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    from ciforge import explain, source  # noqa: PLC0415

    pipeline, code = _pipeline(args, args.manifest.parent)
    if pipeline is None:
        return code
    doc, _ = source.load_bytes(args.manifest.read_bytes(), str(args.manifest))
    if doc is None:  # compiled a moment ago; only a concurrent change gets here
        print(f"ciforge: error: {args.manifest} changed while it was read", file=sys.stderr)
        return EXIT_INPUT
    sys.stdout.write(explain.FORMATS[args.explain_format](doc, pipeline))
    return EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    from ciforge import init  # noqa: PLC0415

    try:
        path = init.write(args.dir, args.manifest, args.preset, force=args.force)
    except init.InitError as exc:
        print(f"ciforge: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    print(f"wrote {path}; now run: ciforge render -m {path}", file=sys.stderr)
    return EXIT_OK


COMMANDS = {
    "init": cmd_init,
    "explain": cmd_explain,
    "render": cmd_render,
    "validate": cmd_validate,
    "schema": cmd_schema,
    "plan": cmd_plan,
    "verify": cmd_verify,
    "schedules": cmd_schedules,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print("ciforge: interrupted; files already in place are unchanged", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: one line, never a traceback unless asked for
        if os.environ.get("CIFORGE_DEBUG") == "1":
            raise
        print(
            f"ciforge: internal error: {exc.__class__.__name__}: {exc} (set CIFORGE_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
