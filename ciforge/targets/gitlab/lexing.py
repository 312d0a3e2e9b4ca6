"""The tokenizer both expression evaluators share (GitHub ``if:`` and GitLab ``rules:if``)."""

from __future__ import annotations

import re


def tokenize(pattern: re.Pattern[str], text: str, error: type[ValueError], what: str) -> list[tuple[str, str]]:
    """Split ``text`` into (group name, text) pairs with a pattern of named alternatives that
    starts with ``\\s*``; ``error`` is raised at the first character no alternative matches."""
    out = []
    pos = 0
    while text[pos:].strip():
        match = pattern.match(text, pos)
        if not match or match.end() == pos:
            raise error(f"cannot read {what} at {text[pos:]!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out
