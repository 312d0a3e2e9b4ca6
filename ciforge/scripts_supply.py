"""Bash blocks of the supply-chain stages (image, SBOM, scan, signing, release).

These blocks also run in the tools' own images on GitLab (busybox or Alpine ``sh``), so they are
POSIX shell plus ``pipefail``; bash on GitHub runs them unchanged. Every value comes from the
environment: ``IMAGE``/``IMAGE_DIGEST`` from the image job's outputs, registry credentials and
identities from platform values (see ciforge.ir.PlatformValue).
"""

from __future__ import annotations

from ciforge.ir import IMAGE_NAMES, build_arg_variable, registry_variables
from ciforge.scripts import block, pinned
from ciforge.scripts_build import placeholder_lines, stamped, tag_version_lines

IMAGE_REF = '"${IMAGE}@${IMAGE_DIGEST}"'
# several repositories: each in turn (docs/release.md, several repositories)
EACH_IMAGE = "for image in $(printf '%s' \"$IMAGE_NAMES\" | tr ',' ' '); do"
EACH_REF = '"${image}@${IMAGE_DIGEST}"'


# SemVer 2.0 (https://semver.org/#is-there-a-suggested-regular-expression-regex-to-check-a-semver-string),
# for grep -E; build metadata is left out of image tags (a tag has no '+':
# https://docs.docker.com/reference/cli/docker/image/tag/).
_SEMVER = "^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$"


def image_ref(
    kinds: tuple[str, ...] = ("ref", "sha"), build_args: tuple[tuple[str, str], ...] = (), *, several: bool = False
) -> str:
    """Lower-case the repository and derive the image tags of ``kinds`` (image.tags) into
    image.env: ``ref`` the ref slug, ``sha`` sha-<12 digits>, ``semver`` on a SemVer tag X.Y.Z,
    X.Y and X (a pre-release only itself), ``latest`` on the default branch. ``build_args``
    (image.build-args: name, value with release placeholders) are written as BUILD_ARG_<NAME>,
    stamped by the build's own placeholder lines (docs/release.md). ``several``: the repositories
    are IMAGE_REPOSITORIES, written as IMAGE_NAMES; IMAGE (and its tags) is the first."""
    named = [
        "names=\"$(printf '%s' \"$IMAGE_REPOSITORIES\" | tr '[:upper:]' '[:lower:]')\"",
        'image="${names%%,*}"',
    ]
    lines = [
        *(named if several else ["image=\"$(printf '%s' \"$IMAGE_REPOSITORY\" | tr '[:upper:]' '[:lower:]')\""]),
        'tags=""',
        'add() { tags="${tags:+${tags},}${image}:$1"; }',
    ]
    if "ref" in kinds:
        lines += [
            "ref=\"$(printf '%s' \"$REF_NAME\" | tr '[:upper:]' '[:lower:]' | sed -e 's/[^a-z0-9._-]/-/g' -e 's/^[.-]*//' | cut -c1-120)\"",
            'add "${ref:-build}"',
        ]
    if "sha" in kinds:
        lines.append('add "sha-$(printf \'%s\' "$COMMIT_SHA" | cut -c1-12)"')
    if "semver" in kinds:
        lines += [
            'version="${RELEASE_TAG:-}"',
            'version="${version##*/}"',
            'version="${version#v}"',
            'version="${version%%+*}"',
            f"if [ -n \"${{RELEASE_TAG:-}}\" ] && printf '%s\\n' \"$version\" | grep -Eq '{_SEMVER}'; then",
            '  add "$version"',
            '  case "$version" in',
            "    *-*) ;;",
            '    *) add "${version%.*}"; add "${version%%.*}" ;;',
            "  esac",
            "fi",
        ]
    if "latest" in kinds:
        lines.append(
            'if [ -z "${RELEASE_TAG:-}" ] && [ -n "${DEFAULT_BRANCH:-}" ] && [ "$REF_NAME" = "$DEFAULT_BRANCH" ]; then add latest; fi'
        )
    arguments = [build_arg_variable(name) for name, _ in build_args]
    if build_args:
        lines += placeholder_lines()
        lines += [stamped(variable, value) for variable, (_, value) in zip(arguments, build_args, strict=True)]
    return block(
        *lines,
        "{",
        '  echo "IMAGE=${image}"',
        '  echo "IMAGE_TAGS=${tags}"',
        *([f'  echo "{IMAGE_NAMES}=${{names}}"'] if several else []),
        *(f'  echo "{variable}=${{{variable}}}"' for variable in arguments),
        "} > image.env",
        "cat image.env",
    )


def _logins(tool: str, registries: tuple[str, ...]) -> list[str]:
    """``tool login`` to each registry: its job variables' suffixes (ir.registry_variables)."""
    lines = []
    for suffix in registries:
        registry, user, password = registry_variables(suffix)
        lines.append(f'printf \'%s\' "${password}" | {tool} login "${registry}" -u "${user}" --password-stdin')
    return lines


def promote(*, may_be_untagged: bool = False, registries: tuple[str, ...] = ("",), several: bool = False) -> str:
    """Add the tags (IMAGE_TAGS from image.env) to the pushed, signed and verified digest, with
    ``docker buildx imagetools create`` at the pinned buildx: the registry copies the manifest,
    nothing is rebuilt, and the digest stays what was verified. ``may_be_untagged``: image.tags
    has neither ref nor sha, so a ref may get no tag (semver off tags, latest off the default
    branch), and then nothing is created. ``several``: each repository of IMAGE_NAMES gets the same
    tags, from its own reference to the digest (``registries``: the suffixes of the logins)."""
    create = [
        *_logins("docker", registries),
        "set --",
        "for tag in $(printf '%s' \"$IMAGE_TAGS\" | tr ',' ' '); do set -- \"$@\" --tag \"$tag\"; done",
        'docker buildx imagetools create "$@" "${IMAGE}@${IMAGE_DIGEST}"',
        'docker buildx imagetools inspect "${IMAGE}@${IMAGE_DIGEST}"',
    ]
    if several:
        create = [
            *_logins("docker", registries),
            EACH_IMAGE,
            "  set --",
            '  for tag in $(printf \'%s\' "$IMAGE_TAGS" | tr \',\' \' \'); do set -- "$@" --tag "${image}:${tag#"${IMAGE}:"}"; done',
            f'  docker buildx imagetools create "$@" {EACH_REF}',
            f"  docker buildx imagetools inspect {EACH_REF}",
            "done",
        ]
    if may_be_untagged:
        create = [
            'if [ -z "$IMAGE_TAGS" ]; then',
            '  echo "promote: image.tags gives this ref no tag; the verified digest stays untagged"',
            "else",
            *("  " + line for line in create),
            "fi",
        ]
    return block("# shellcheck source=/dev/null", ". ./image.env", *create)


def record_image_output(*, several: bool = False) -> str:
    """After a pushed build: IMAGE (and with ``several`` repositories IMAGE_NAMES) joins
    IMAGE_DIGEST in outputs.env (the job's outputs)."""
    return block(
        "# shellcheck source=/dev/null",
        ". ./image.env",
        'echo "IMAGE=${IMAGE}" >> outputs.env',
        *([f'echo "{IMAGE_NAMES}=${{{IMAGE_NAMES}}}" >> outputs.env'] if several else []),
        'grep -q "^IMAGE_DIGEST=sha256:[0-9a-f]\\{64\\}$" outputs.env',
        "cat outputs.env",
    )


def sbom() -> str:
    """Syft SBOM of the pushed digest."""
    return block(
        'export SYFT_REGISTRY_AUTH_AUTHORITY="$REGISTRY" SYFT_REGISTRY_AUTH_USERNAME="$REGISTRY_USER"',
        'export SYFT_REGISTRY_AUTH_PASSWORD="$REGISTRY_PASSWORD"',
        'syft scan "registry:${IMAGE}@${IMAGE_DIGEST}" -o "${SBOM_FORMAT}=${SBOM_FILE}"',
        'ls -l "$SBOM_FILE"',
    )


def source_sbom() -> str:
    """Syft SBOM of the source tree (the Go modules it depends on)."""
    return block('syft scan dir:. -o "${SBOM_FORMAT}=${SBOM_FILE}"', 'ls -l "$SBOM_FILE"')


def _signing_flags(key: bool) -> str:
    return "--key env://COSIGN_PRIVATE_KEY" if key else ""


def _verify_flags(key: bool) -> str:
    if key:
        return "--key env://COSIGN_PUBLIC_KEY"
    return '--certificate-identity "$CERT_IDENTITY" --certificate-oidc-issuer "$CERT_ISSUER"'


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def _each(lines: list[str], *, several: bool) -> list[str]:
    """``lines`` for IMAGE_REF or, with ``several`` repositories, in a loop for each (EACH_REF)."""
    if not several:
        return lines
    return [EACH_IMAGE, *("  " + line.replace("${IMAGE}@", "${image}@") for line in lines), "done"]


def sign(*, key: bool, attest_sbom: bool, registries: tuple[str, ...] = ("",), several: bool = False) -> str:
    """Sign the digest, and attach the SBOM as a signed attestation (``several``: in each
    repository of IMAGE_NAMES; ``registries``: the suffixes of the logins)."""
    lines = [_join("cosign sign --yes", _signing_flags(key), IMAGE_REF)]
    if attest_sbom:
        lines.append(
            _join(
                "cosign attest --yes",
                _signing_flags(key),
                '--type "$SBOM_PREDICATE_TYPE" --predicate "$SBOM_FILE"',
                IMAGE_REF,
            )
        )
    return block(*_logins("cosign", registries), *_each(lines, several=several))


def verify(*, key: bool, attestation: bool, registries: tuple[str, ...] = ("",), several: bool = False) -> str:
    """The verification gate: exact identity and issuer (or the public key); ``several``: in
    each repository of IMAGE_NAMES (``registries``: the suffixes of the logins)."""
    write = ">>" if several else ">"
    lines = [_join("cosign verify", _verify_flags(key), IMAGE_REF, f"{write} cosign-verify.json")]
    if attestation:
        lines.append(
            _join(
                'cosign verify-attestation --type "$SBOM_PREDICATE_TYPE"',
                _verify_flags(key),
                IMAGE_REF,
                f"{write} cosign-verify-attestation.json",
            )
        )
    lines.append('echo "verified ${IMAGE}@${IMAGE_DIGEST}"')
    return block(*_logins("cosign", registries), *_each(lines, several=several))


def collect_builds() -> str:
    """Gather one build shard's legs as ``dist/build-<leg>/``. Each platform delivers a leg's
    files in its own directory: ``dist/build-<leg>/`` on GitLab (paths are kept), and
    ``dist/<artifact name>/``, i.e. ``dist/$BUILD_JOB-<leg>/``, on GitHub."""
    return block(
        "for dir in dist/*/; do",
        '  name="${dir#dist/}"',
        '  name="${name%/}"',
        '  leg="${name#"${BUILD_JOB}"-}"',
        '  leg="${leg#build-}"',
        '  if [ "$name" != "build-$leg" ]; then mv "$dir" "dist/build-$leg"; fi',
        "done",
        'ls -d dist/build-*/ | wc -l | xargs echo "collected legs:"',
    )


def release_assets(*, binaries: str, released: str, legs: str, archives: str, sbom: bool, sign: bool, key: bool) -> str:
    """Collect the released binaries (renamed <binary>-<leg>[.exe]) or, with ``archives``
    (``leg=name`` words, the name with ``{version}``), each leg's archive; then the SBOM,
    SHA256SUMS and, when signing, the checksums' cosign bundle, verified straight away.

    The release set is exactly the declared artifacts of the known legs (RELEASE_LEGS): each
    ``dist/build-<leg>/`` holds exactly the binaries every leg builds (BINARIES, each ``name`` or
    ``name.exe``) and, with archives, the leg's archive for this tag's version. Anything else in
    ``dist/``, a leg with any other file, or a ``release/`` that already exists fails the job."""
    settings = [("BINARIES", binaries), ("RELEASED", released), ("RELEASE_LEGS", legs)]
    lines = [
        *pinned(*settings, *((("ARCHIVES", archives),) if archives else ())),
        'fail() { echo "release-assets: $*" >&2; exit 1; }',
        'if [ -e release ] || [ -L release ]; then fail "release/ exists before the release set is built"; fi',
        "mkdir release",
        *(
            [
                'tag="${RELEASE_TAG:-}"',
                'if [ -z "$tag" ]; then fail "the archives are named for a tag, and this pipeline has none"; fi',
                *tag_version_lines(),
            ]
            if archives
            else []
        ),
        "for entry in dist/* dist/.[!.]* dist/..?*; do",
        '  if [ ! -e "$entry" ] && [ ! -L "$entry" ]; then continue; fi',
        '  case " $RELEASE_LEGS " in',
        '    *" ${entry#dist/build-} "*) ;;',
        '    *) fail "$entry is not the artifact of a known build leg" ;;',
        "  esac",
        "done",
        "for leg in $RELEASE_LEGS; do",
        '  dir="dist/build-${leg}"',
        '  if [ -L "$dir" ] || [ ! -d "$dir" ]; then fail "$dir: the artifact of leg $leg is missing"; fi',
        "  count=0",
        '  for file in "$dir"/* "$dir"/.[!.]* "$dir"/..?*; do',
        '    if [ -e "$file" ] || [ -L "$file" ]; then count=$((count + 1)); fi',
        "  done",
        "  for name in $BINARIES; do",
        '    if [ -f "$dir/$name" ] && [ ! -L "$dir/$name" ]; then file="$name"',
        '    elif [ -f "$dir/$name.exe" ] && [ ! -L "$dir/$name.exe" ]; then file="$name.exe"',
        '    else fail "$dir must hold exactly the binaries $BINARIES (each with .exe on windows)"; fi',
        "    count=$((count - 1))",
        *(
            []
            if archives
            else [
                '    case " $RELEASED " in *" $name "*) cp "$dir/$file" "release/${name}-${leg}${file#"$name"}" ;; esac'
            ]
        ),
        "  done",
        *(
            [
                '  archive="$(for entry in $ARCHIVES; do case "$entry" in "$leg="*) printf \'%s\\n\' "${entry#*=}" ;; esac; done \\',
                '    | sed -e "s|{version}|$version|g")"',
                '  if [ -z "$archive" ] || [ -L "$dir/$archive" ] || [ ! -f "$dir/$archive" ]; then',
                '    fail "$dir: the archive ${archive:-of leg $leg} is missing"',
                "  fi",
                '  cp "$dir/$archive" release/',
                "  count=$((count - 1))",
            ]
            if archives
            else []
        ),
        '  if [ "$count" -ne 0 ]; then',
        f'    fail "$dir must hold exactly the binaries $BINARIES (each with .exe on windows){" and its archive" if archives else ""}"',
        "  fi",
        "done",
    ]
    if sbom:
        lines.append('cp "$SBOM_FILE" release/')
    lines += [
        "cd release",
        "sha256sum -- * | LC_ALL=C sort -k 2 > ../SHA256SUMS",
        "mv ../SHA256SUMS SHA256SUMS",
    ]
    if sign:
        lines += [
            _join("cosign sign-blob --yes", _signing_flags(key), "--bundle SHA256SUMS.sigstore.json SHA256SUMS"),
            _join("cosign verify-blob", _verify_flags(key), "--bundle SHA256SUMS.sigstore.json SHA256SUMS"),
        ]
    lines += ["cat SHA256SUMS"]
    return block(*lines)


def image_layout(*, layout: str, binaries: str) -> str:
    """image.from-build: lay out the downloaded build legs (``dist/build-<leg>/``) for the
    Dockerfile as ``dist/<platform>/<binary>``, one ``platform=leg`` word of ``layout`` each, every
    binary of ``binaries`` (executable: GitHub's artifacts keep no file modes). A ``dist/<os>/``
    that exists before (from the checkout) fails the block: only the build's binaries are shipped."""
    return block(
        *pinned(("IMAGE_LAYOUT", layout), ("BINARIES", binaries)),
        'fail() { echo "image layout: $*" >&2; exit 1; }',
        "for entry in $IMAGE_LAYOUT; do",
        '  platform="${entry%%=*}"',
        '  if [ -e "dist/${platform%%/*}" ] || [ -L "dist/${platform%%/*}" ]; then',
        '    fail "dist/${platform%%/*} exists before the layout: the image ships only the build\'s binaries"',
        "  fi",
        "done",
        "for entry in $IMAGE_LAYOUT; do",
        '  platform="${entry%%=*}"',
        '  leg="${entry#*=}"',
        '  mkdir -p "dist/$platform"',
        '  ext=""',
        '  case "$platform" in windows/*) ext=".exe" ;; esac',
        "  for binary in $BINARIES; do",
        '    if [ ! -f "dist/build-$leg/$binary$ext" ]; then fail "the build leg $leg has no $binary$ext"; fi',
        '    cp "dist/build-$leg/$binary$ext" "dist/$platform/$binary$ext"',
        '    chmod 0755 "dist/$platform/$binary$ext"',
        "  done",
        "done",
        'find dist -path "dist/build-*" -prune -o -type f -print | sort | xargs sha256sum',
    )


def release_notes() -> str:
    """release.notes: generate. The tag's notes, written to release-notes.md from a full clone:
    a heading with the tag, then one line per commit since the previous tag (the nearest tag
    reachable from the tag's parent, ``git describe``), newest first, merges left out, each its
    subject and first 12 digits; control characters other than tab are dropped, so the file is
    the same text GitLab's Releases API receives as JSON (docs/release.md)."""
    return block(
        'tag="$RELEASE_TAG"',
        "# every tag: a full clone of a tag pipeline may hold only its own (GitHub's fetch-depth 0",
        "# brings all; GitLab's clone keeps the job token in origin's URL). Best effort, never a prompt.",
        "GIT_TERMINAL_PROMPT=0 git fetch --quiet --tags origin 2> /dev/null || true",
        'previous="$(git describe --tags --abbrev=0 "${tag}^" 2> /dev/null || true)"',
        'if [ -n "$previous" ]; then range="${previous}..${tag}"; else range="$tag"; fi',
        "{",
        "  printf '## %s\\n\\n' \"$tag\"",
        "  if [ -n \"$previous\" ]; then printf 'Changes since %s:\\n\\n' \"$previous\"; else printf 'Changes:\\n\\n'; fi",
        "  git log --no-merges --format='%H %s' \"$range\" | while IFS=' ' read -r sha subject; do",
        '    printf -- \'- %s (%s)\\n\' "$subject" "$(printf \'%s\' "$sha" | cut -c 1-12)"',
        "  done",
        "} | LC_ALL=C tr -d '\\000-\\010\\013-\\037' > release-notes.md",
        "cat release-notes.md",
    )


# SLSA provenance v1 (https://slsa.dev/spec/v1.0/provenance); cosign's name for its predicate
# type (https://docs.sigstore.dev/cosign/verifying/attestation/).
PROVENANCE_TYPE = "slsaprovenance1"
# The buildType of ciforge's predicate: what its fields mean is written in docs/provenance.md.
PROVENANCE_BUILD_TYPE = "urn:ciforge:buildtype:pipeline:v1"


def provenance_predicate() -> str:
    """Lines that write provenance.json, the SLSA provenance v1 predicate of this run, from the
    environment alone: the source (SERVER_URL/PROJECT_PATH) at its git ref (refs/tags/RELEASE_TAG
    on a tag, else refs/heads/REF_NAME) and commit (COMMIT_SHA), the build platform (SERVER_URL)
    and the run (RUN_URL). Each value is escaped for JSON (a git ref may hold a double quote, never
    a control character: git-check-ref-format(1)). docs/provenance.md."""
    return "\n".join(
        (
            "json() { printf '%s' \"$1\" | sed -e 's/\\\\/\\\\\\\\/g' -e 's/\"/\\\\\"/g'; }",
            'if [ -n "${RELEASE_TAG:-}" ]; then ref="refs/tags/${RELEASE_TAG}"; else ref="refs/heads/${REF_NAME}"; fi',
            'repository="$(json "${SERVER_URL}/${PROJECT_PATH}")"',
            'ref="$(json "$ref")"',
            "{",
            f'  printf \'{{"buildDefinition":{{"buildType":"{PROVENANCE_BUILD_TYPE}",\'',
            '  printf \'"externalParameters":{"source":"%s","ref":"%s"},\' "$repository" "$ref"',
            '  printf \'"resolvedDependencies":[{"uri":"git+%s@%s","digest":{"gitCommit":"%s"}}]},\' \\',
            '    "$repository" "$ref" "$(json "$COMMIT_SHA")"',
            '  printf \'"runDetails":{"builder":{"id":"%s"},"metadata":{"invocationId":"%s"}}}\\n\' \\',
            '    "$(json "$SERVER_URL")" "$(json "$RUN_URL")"',
            "} > provenance.json",
            "cat provenance.json",
        )
    )


def attest_image_provenance(*, key: bool, registries: tuple[str, ...] = ("",), several: bool = False) -> str:
    """sign.provenance: attest the pushed digest's SLSA provenance with cosign (``several``: in
    each repository of IMAGE_NAMES; ``registries``: the suffixes of the logins)."""
    attest = _join(
        "cosign attest --yes", _signing_flags(key), f"--type {PROVENANCE_TYPE} --predicate provenance.json", IMAGE_REF
    )
    return block(provenance_predicate(), *_logins("cosign", registries), *_each([attest], several=several))


def verify_image_provenance(*, key: bool, registries: tuple[str, ...] = ("",), several: bool = False) -> str:
    """The gate: the digest has a provenance attestation signed by this pipeline's identity (or
    key); ``several``: in each repository of IMAGE_NAMES."""
    write = ">>" if several else ">"
    lines = [
        _join(
            f"cosign verify-attestation --type {PROVENANCE_TYPE}",
            _verify_flags(key),
            IMAGE_REF,
            f"{write} cosign-verify-provenance.json",
        ),
        'echo "verified the provenance of ${IMAGE}@${IMAGE_DIGEST}"',
    ]
    return block(*_logins("cosign", registries), *_each(lines, several=several))


def attest_checksums_provenance(*, key: bool) -> str:
    """sign.provenance on a release: attest SHA256SUMS's SLSA provenance with cosign into a
    bundle beside it (a release asset), and verify that bundle straight away."""
    bundle = "release/SHA256SUMS.provenance.sigstore.json"
    return block(
        provenance_predicate(),
        _join(
            "cosign attest-blob --yes",
            _signing_flags(key),
            f"--type {PROVENANCE_TYPE} --predicate provenance.json --bundle {bundle} release/SHA256SUMS",
        ),
        _join(
            f"cosign verify-blob-attestation --type {PROVENANCE_TYPE}",
            _verify_flags(key),
            f"--bundle {bundle} release/SHA256SUMS",
        ),
    )
