"""Keyless signing on GitLab: the ID tokens a job declares, and the block that derives the signing
identity from a token's claims."""

from __future__ import annotations

from typing import Final

from ciforge import ir
from ciforge.scripts import block, quoted
from ciforge.yamldata import Yaml


def _issuer(job: ir.Job) -> str | None:
    for _, value in job.env:
        if isinstance(value, ir.PlatformValue) and value.name == "signing_issuer":
            return value.arg
    return None


def signing_identity(job: ir.Job) -> str | None:
    """The block that sets CERT_ISSUER and CERT_IDENTITY in a job that verifies a keyless
    signature. The identity comes from the claims of the job's ID token, which GitLab signs:
    a pipeline variable overrides CI_PROJECT_PATH or CI_COMMIT_TAG, but cannot change a claim
    (https://docs.gitlab.com/ci/variables/#cicd-variable-precedence). Fulcio's SAN for GitLab is
    https://{ci_config_ref_uri}, i.e. <instance>/<group>/<project>//.gitlab-ci.yml@refs/heads/<branch>
    (note the double slash), or @refs/tags/<tag>. https://docs.gitlab.com/ci/yaml/signing_examples/
    and https://docs.gitlab.com/ci/secrets/id_token_authentication/ (the claims)."""
    issuer = _issuer(job)
    if issuer is None:
        return None
    return block(
        "# the signing identity, from the job's ID token (its claims, not overridable variables)",
        IDENTITY_TOKEN_SOURCE,
        "claims=\"$(printf '%s' \"$token\" | cut -d. -f2 | tr '_-' '/+')\"",
        'while [ $(( ${#claims} % 4 )) -ne 0 ]; do claims="${claims}="; done',
        'claims="$(printf \'%s\' "$claims" | base64 -d)"',
        'claim() { printf \'%s\' "$claims" | sed -n "s/.*\\"$1\\":\\"\\([^\\"]*\\)\\".*/\\1/p"; }',
        'project_path="$(claim project_path)"',
        'ref="$(claim ref)"',
        'case "$(claim ref_type)" in',
        "  branch) kind=heads ;;",
        "  tag) kind=tags ;;",
        '  *) echo "signing identity: the ID token names no branch or tag" >&2; exit 1 ;;',
        "esac",
        'if [ -z "$project_path" ] || [ -z "$ref" ]; then',
        '  echo "signing identity: the ID token has no project_path or ref claim" >&2',
        "  exit 1",
        "fi",
        f"export CERT_ISSUER={quoted(issuer)}",
        'export CERT_IDENTITY="${CERT_ISSUER}/${project_path}//.gitlab-ci.yml@refs/${kind}/${ref}"',
        'echo "signing identity: $CERT_IDENTITY"',
    )


# A signing job reads its Sigstore token; a job that only verifies gets a token of its own
# audience, good for nothing but its claims.
IDENTITY_TOKEN_SOURCE: Final = 'token="${SIGSTORE_ID_TOKEN:-${IDENTITY_ID_TOKEN:-}}"'


def id_tokens(job: ir.Job) -> Yaml:
    """Signing jobs get an OIDC token for Sigstore; a job that only verifies a keyless signature
    gets one with an audience no service accepts, read only for the signing identity.
    https://docs.gitlab.com/ci/yaml/#id_tokens"""
    if job.oidc:
        return {"SIGSTORE_ID_TOKEN": {"aud": "sigstore"}}
    if _issuer(job) is not None:
        return {"IDENTITY_ID_TOKEN": {"aud": "ciforge-signing-identity"}}
    return None
