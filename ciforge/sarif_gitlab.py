"""SARIF 2.1.0 to a GitLab security report (docs/code-scan.md): the findings that a scanner wrote
as SARIF for GitHub code scanning, as the report GitLab shows (artifacts:reports:sast,
secret_detection, dependency_scanning).

The GitLab job runs this very file, standalone (``python3 - SARIF REPORT TYPE`` with the source as
a quoted heredoc): the standard library only, Python 3.11 or later (the python3 of the golang
images' Debian bookworm and trixie). The report fields follow GitLab's "Security scanner integration" documentation
(https://docs.gitlab.com/development/integrations/secure/#report): version, scan (analyzer,
scanner, type, start_time, end_time, status) and per vulnerability an id, a name, a severity
(Unknown, Info, Low, Medium, High, Critical), identifiers (the first is the primary one GitLab
tracks a finding by) and a location (SAST and secret detection: file, start_line, end_line, and
for secrets the commit; dependency scanning: file and dependency.package.name).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from datetime import UTC, datetime
from typing import Any

SCHEMA_VERSION = "15.2.1"
REPORT_TYPES = ("sast", "secret_detection", "dependency_scanning")
# The scanners' own severity words: gosec and Trivy tag each rule with theirs.
_WORDS = {"CRITICAL": "Critical", "HIGH": "High", "MEDIUM": "Medium", "LOW": "Low", "UNKNOWN": "Unknown"}
# SARIF result levels (https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html, 3.27.10).
_LEVELS = {"error": "High", "warning": "Medium", "note": "Low", "none": "Info"}


def _properties(node: dict[str, Any]) -> dict[str, Any]:
    properties = node.get("properties")
    return properties if isinstance(properties, dict) else {}


def severity(rule: dict[str, Any], result: dict[str, Any]) -> str:
    """GitLab's severity of one result: the scanner's own word among its rule's or result's tags,
    else the rule's security-severity score as GitHub ranks it (over 9.0 critical, 7.0 to 8.9
    high, 4.0 to 6.9 medium, 0.1 to 3.9 low), else the SARIF level (error, warning, note)."""
    for tag in [*_properties(result).get("tags", []), *_properties(rule).get("tags", [])]:
        if str(tag).upper() in _WORDS:
            return _WORDS[str(tag).upper()]
    score = _properties(rule).get("security-severity")
    if score is not None:
        value = float(score)
        return "Critical" if value >= 9.0 else "High" if value >= 7.0 else "Medium" if value >= 4.0 else "Low"
    level = result.get("level") or (rule.get("defaultConfiguration") or {}).get("level") or "warning"
    return _LEVELS.get(str(level), "Unknown")


def _path(uri: str, root: str) -> str:
    """A location's file, relative to the project directory ``root`` when the scanner wrote it
    absolute (GitLab's locations are relative to the repository)."""
    path = uri.removeprefix("file://")
    if os.path.isabs(path):
        path = os.path.relpath(path, root)
    return path.removeprefix("./")


def finding_id(rule_id: str, file: str, line: int) -> str:
    """A stable id: the same finding gets the same id in every run (and from Trivy's template)."""
    return hashlib.sha256(f"{rule_id}:{file}:{line}".encode()).hexdigest()


def _location(result: dict[str, Any], report: str, root: str, commit: str) -> tuple[dict[str, Any], str, int]:
    physical = ((result.get("locations") or [{}])[0]).get("physicalLocation") or {}
    file = _path(str((physical.get("artifactLocation") or {}).get("uri", "")), root)
    region = physical.get("region") or {}
    start = int(region.get("startLine", 1))
    end = int(region.get("endLine", start))
    if report == "dependency_scanning":
        # govulncheck: the vulnerable frame, last in each stack, names module@version
        frames = ((result.get("stacks") or [{}])[0]).get("frames") or [{}]
        name, _, version = str(frames[-1].get("module") or result.get("ruleId", "")).partition("@")
        dependency: dict[str, Any] = {"package": {"name": name}}
        if version:
            dependency["version"] = version
        return {"file": file, "dependency": dependency}, file, start
    location: dict[str, Any] = {"file": file, "start_line": start, "end_line": end}
    if report == "secret_detection":
        location["commit"] = {"sha": commit}
    return location, file, start


def _tool(driver: dict[str, Any]) -> dict[str, Any]:
    name = str(driver.get("name") or "unknown")
    tool: dict[str, Any] = {
        "id": name.lower().replace(" ", "-"),
        "name": name,
        "version": str(driver.get("version") or driver.get("semanticVersion") or "unknown"),
        "vendor": {"name": str(driver.get("organization") or name)},
    }
    if driver.get("informationUri"):
        tool["url"] = str(driver["informationUri"])
    return tool


def convert(sarif: dict[str, Any], report: str, *, now: str, root: str = ".", commit: str = "") -> dict[str, Any]:
    """The GitLab report of type ``report`` for a SARIF log (its first run's tool names the
    scanner); ``now`` is the scan time when the run records none (YYYY-MM-DDTHH:MM:SS)."""
    if report not in REPORT_TYPES:
        raise ValueError(f"unknown report type {report!r}")
    runs = sarif.get("runs") or [{}]
    driver = (runs[0].get("tool") or {}).get("driver") or {}
    vulnerabilities: list[dict[str, Any]] = []
    seen: set[str] = set()
    for run in runs:
        rules = {str(rule.get("id")): rule for rule in ((run.get("tool") or {}).get("driver") or {}).get("rules") or []}
        for result in run.get("results") or []:
            rule_id = str(result.get("ruleId") or (result.get("rule") or {}).get("id") or "unknown")
            rule = rules.get(rule_id, {})
            location, file, line = _location(result, report, root, commit)
            identifier = finding_id(rule_id, file, line)
            if identifier in seen:
                continue
            seen.add(identifier)
            name = str((rule.get("shortDescription") or {}).get("text") or rule.get("name") or rule_id)
            message = str((result.get("message") or {}).get("text") or name)
            primary: dict[str, Any] = {"type": f"{_tool(driver)['id']}_rule_id", "name": rule_id, "value": rule_id}
            if rule.get("helpUri"):
                primary["url"] = str(rule["helpUri"])
            vulnerabilities.append(
                {
                    "id": identifier,
                    "name": name,
                    "description": message,
                    "severity": severity(rule, result),
                    "identifiers": [primary],
                    "location": location,
                }
            )
    vulnerabilities.sort(key=lambda v: (v["location"]["file"], v["location"].get("start_line", 0), v["id"]))
    invocation = ((runs[0].get("invocations") or [{}])[0]) if runs else {}
    return {
        "version": SCHEMA_VERSION,
        "scan": {
            "analyzer": _tool(driver),
            "scanner": _tool(driver),
            "type": report,
            "start_time": str(invocation.get("startTimeUtc") or now)[:19],
            "end_time": str(invocation.get("endTimeUtc") or now)[:19],
            "status": "success",
        },
        "vulnerabilities": vulnerabilities,
    }


def main(argv: list[str]) -> int:
    """``SARIF REPORT TYPE``: read the SARIF file, write the GitLab report of TYPE."""
    if len(argv) != 3:
        print("usage: sarif_gitlab SARIF REPORT TYPE", file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as f:
        sarif = json.load(f)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    report = convert(sarif, argv[2], now=now, root=os.getcwd(), commit=os.environ.get("CI_COMMIT_SHA", ""))
    with open(argv[1], "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2, sort_keys=True)
        f.write("\n")
    print(f"{argv[1]}: {len(report['vulnerabilities'])} finding(s) from {argv[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
