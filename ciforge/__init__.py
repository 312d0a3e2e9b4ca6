"""ciforge: compile one manifest into equivalent GitHub Actions and GitLab CI pipelines."""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
