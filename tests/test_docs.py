"""Generated documentation stays current."""

from __future__ import annotations

from ciforge.schema_docs import markdown
from tests.conftest import ROOT


def test_manifest_reference_is_current() -> None:
    """docs/manifest.md is exactly what `ciforge schema --format markdown` prints."""
    assert (ROOT / "docs" / "manifest.md").read_text() == markdown(), (
        "run: ciforge schema --format markdown > docs/manifest.md"
    )


def test_manifest_reference_covers_every_key() -> None:
    """Every top-level key of the schema has a row."""
    from ciforge.schema import schema

    text = markdown()
    for key in schema()["properties"]:
        assert f"| `{key}` |" in text


def test_published_schema_is_the_packaged_one() -> None:
    """schemas/ciforge.schema.json (for editors) is byte-identical to the packaged schema."""
    from ciforge.schema import schema_text

    assert (ROOT / "schemas" / "ciforge.schema.json").read_text() == schema_text()


def test_no_reference_to_a_file_outside_the_repository() -> None:
    """Comments and docs cite the vendor docs or docs/, never a reference file that is not in the
    repository (the research notes the code was first written from)."""
    outside = ("semantics" + ".md", "../" + "shared", "/shared" + "/reference")
    files = [ROOT / "README.md", *ROOT.glob("docs/*.md"), *ROOT.glob("ciforge/**/*.py"), *ROOT.glob("tests/*.py")]
    assert len(files) > 50
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if any(name in line for name in outside)
    ]
    assert found == []
