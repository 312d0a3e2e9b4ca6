"""The build job's block: the release placeholders of ``build.ldflags`` and ``go build`` of every
binary of one matrix leg, identical on both platforms (docs/release.md).

The placeholders are computed from the checked-out commit (``git``) and from two values each
platform passes through the job's environment: the ref name (``RELEASE_REF``), the pull or merge
request's source branch (``RELEASE_HEAD``, empty for other events: a pull request's ref name is
``<number>/merge`` on GitHub) and the tag (``RELEASE_TAG``, empty off tags).
"""

from __future__ import annotations

from typing import Final

import attrs

from ciforge.scripts import block, pinned, quoted
from ciforge.scripts_archive import archive_lines

PLACEHOLDERS: Final = ("version", "tag", "commit", "short_commit", "date")
# The characters a tag may have to be stamped: they pass through sed's replacement (delimiter |)
# and go build's quoting of -ldflags (https://pkg.go.dev/cmd/go#hdr-Compile_packages_and_dependencies:
# the flag value is split on spaces, with ' and " quoting) unchanged.
TAG_CHARACTERS: Final = "A-Za-z0-9._+/-"
SLUG_LIMIT: Final = 63
# The CI's own files in the work tree, kept out of git status so that Go's vcs.modified stamp is
# the same on both platforms: GitLab's project-local module and build caches, the build output,
# and the marker of modules a change does not affect.
CI_FILES: Final = ("/.go/", "/.cache/", "/dist/", "/.ciforge-unaffected")


def tag_version_lines() -> list[str]:
    """``version`` from a non-empty ``tag``: its last path segment without a leading v; a tag
    with another character than TAG_CHARACTERS fails the block."""
    return [
        f'case "$tag" in *[!{TAG_CHARACTERS}]*)',
        f'  echo "release placeholders: the tag $tag has characters other than {TAG_CHARACTERS}" >&2',
        "  exit 1 ;;",
        "esac",
        'version="${tag##*/}"',
        'version="${version#v}"',
    ]


def placeholder_lines() -> list[str]:
    """Compute ``version``, ``tag``, ``commit``, ``short_commit`` and ``date`` (shell variables)
    and print them. ``LC_ALL=C``: the slug is made of bytes, the same on every runner."""
    return [
        'tag="${RELEASE_TAG:-}"',
        'commit="$(git rev-parse HEAD)"',
        'short_commit="$(printf \'%s\' "$commit" | cut -c 1-12)"',
        "date=\"$(TZ=UTC0 git log -1 --format=%cd --date='format-local:%Y-%m-%dT%H:%M:%SZ')\"",
        'if [ -n "$tag" ]; then',
        *("  " + line for line in tag_version_lines()),
        "else",
        "  slug=\"$(printf '%s' \"${RELEASE_HEAD:-${RELEASE_REF:-}}\" | LC_ALL=C tr '[:upper:]' '[:lower:]' \\",
        f"    | LC_ALL=C sed -e 's/[^a-z0-9]\\{{1,\\}}/-/g' -e 's/^-//' | cut -c 1-{SLUG_LIMIT} | sed -e 's/-$//')\"",
        '  version="0.0.0-${slug:-ref}-${short_commit}"',
        "fi",
        'echo "release placeholders: version=$version tag=$tag commit=$commit date=$date"',
    ]


def _substitutions() -> str:
    return " ".join(f'-e "s|{{{name}}}|${name}|g"' for name in PLACEHOLDERS)


def stamped(variable: str, template: str) -> str:
    """Set the shell ``variable`` to ``template`` with its placeholders replaced (after
    :func:`placeholder_lines`); the template is single-quoted, so the shell expands nothing in it."""
    return f"{variable}=\"$(printf '%s\\n' {quoted(template)} | sed {_substitutions()})\""


@attrs.frozen(kw_only=True)
class Archive:
    """What a leg's archive holds (release.archives): the released binaries' names, the
    repository's paths, the build's own paths (space-separated), and whether a top-level
    directory wraps them."""

    released: str
    files: str
    built: str
    wrap: bool


def go_build(*, binaries: str, ldflags: str, stamp: bool, buildvcs: bool, archive: Archive | None = None) -> str:
    """Build every binary of one matrix leg reproducibly into ``dist/build-<leg>/`` (the
    artifact's own name, so downloads land at the same path on both platforms). ``binaries``:
    ``name=main`` words; ``stamp``: ``ldflags`` has placeholders; ``buildvcs``: keep Go's VCS
    stamping, with the CI's own files kept out of git status; ``archive``: then pack the leg's
    archive (its name, ARCHIVE, is a leg variable)."""
    lines = [*pinned(("BINARIES", binaries), ("LDFLAGS", ldflags))]
    if archive is not None:
        lines += pinned(
            ("RELEASED", archive.released),
            ("ARCHIVE_FILES", archive.files),
            ("ARCHIVE_BUILT", archive.built),
            ("ARCHIVE_WRAP", "true" if archive.wrap else "false"),
        )
    if stamp or archive is not None:
        lines += placeholder_lines()
        lines.append(f'ldflags="$(printf \'%s\\n\' "$LDFLAGS" | sed {_substitutions()})"')
    else:
        lines.append('ldflags="$LDFLAGS"')
    if buildvcs:
        lines += [
            'exclude="$(git rev-parse --git-path info/exclude)"',
            'mkdir -p "$(dirname "$exclude")"',
            f"printf '%s\\n' {' '.join(CI_FILES)} >> \"$exclude\"",
        ]
        if archive is not None:
            # what the build makes for the archives (setup.run): the build's output, not a change
            lines.append('for path in $ARCHIVE_BUILT; do printf \'/%s\\n\' "$path" >> "$exclude"; done')
    lines += [
        'ext=""',
        'if [ "$GOOS" = "windows" ]; then ext=".exe"; fi',
        "for entry in $BINARIES; do",
        '  out="dist/build-${BUILD_LEG}/${entry%%=*}${ext}"',
        f'  go build -trimpath -buildvcs={"true" if buildvcs else "false"} -tags "${{GO_TAGS:-}}" \\',
        '    -ldflags "$ldflags" -o "$out" "${entry#*=}"',
        '  sha256sum "$out"',
        "done",
    ]
    if archive is not None:
        lines += archive_lines()
    return block(*lines)
