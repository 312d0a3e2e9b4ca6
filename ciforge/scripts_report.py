"""test.report: junit. The go test block runs ``go test -json`` and a small Go program (standard
library only, run with the job's own Go, offline) that prints what go test prints without -v (each
package's result and the output of failed tests) and writes three files: ``junit.xml`` (GitLab's
test report, https://docs.gitlab.com/ci/testing/unit_test_reports/), ``test-summary.md`` and
``test-failures.tsv`` (package, test, first line of its message), which GitHub's own step turns
into the job summary and failure annotations. The same block on both platforms; the program is
written to a temporary directory, never into the work tree.
"""

from __future__ import annotations

from typing import Final

from ciforge.scripts import block

# Indented with spaces, not tabs: Go accepts both, and a YAML literal block cannot start with a tab.
# Lines stay short: re-dumped as one folded double-quoted scalar, a long line with \n escapes came
# back changed from ruamel.yaml's pure emitter ("\\ n"), so a round trip of the file broke verify
# (tests/test_security_verify.py, test_untouched_files_verify).
REPORT_PROGRAM: Final = """\
// ciforge's go test -json reader: prints what go test prints (each package's result, and the
// output of failed tests), and writes junit.xml, test-summary.md and test-failures.tsv.
package main

import (
    "bufio"
    "encoding/json"
    "encoding/xml"
    "fmt"
    "os"
    "sort"
    "strings"
)

type event struct {
    Action  string
    Package string
    Test    string
    Elapsed float64
    Output  string
}

type failure struct {
    Message string `xml:"message,attr"`
    Text    string `xml:",chardata"`
}

type testCase struct {
    Name      string    `xml:"name,attr"`
    Classname string    `xml:"classname,attr"`
    Time      string    `xml:"time,attr"`
    Failure   *failure  `xml:"failure,omitempty"`
    Skipped   *struct{} `xml:"skipped,omitempty"`
}

type suite struct {
    Name     string     `xml:"name,attr"`
    Tests    int        `xml:"tests,attr"`
    Failures int        `xml:"failures,attr"`
    Skipped  int        `xml:"skipped,attr"`
    Time     string     `xml:"time,attr"`
    Cases    []testCase `xml:"testcase"`
}

type run struct {
    action  string
    elapsed float64
    output  strings.Builder
}

func main() {
    runs := map[string]map[string]*run{} // package -> test ("" for the package) -> run
    lines := bufio.NewScanner(os.Stdin)
    lines.Buffer(make([]byte, 1<<20), 1<<26)
    for lines.Scan() {
        var e event
        if json.Unmarshal(lines.Bytes(), &e) != nil || e.Package == "" {
            fmt.Println(lines.Text())
            continue
        }
        if runs[e.Package] == nil {
            runs[e.Package] = map[string]*run{"": {}}
        }
        r := runs[e.Package][e.Test]
        if r == nil {
            r = &run{}
            runs[e.Package][e.Test] = r
        }
        switch e.Action {
        case "output":
            r.output.WriteString(e.Output)
        case "pass", "fail", "skip":
            r.action, r.elapsed = e.Action, e.Elapsed
        }
    }
    packages := make([]string, 0, len(runs))
    for name := range runs {
        packages = append(packages, name)
    }
    sort.Strings(packages)
    var suites []suite
    var failures, summary strings.Builder
    summary.WriteString("## Tests\\n\\n")
    summary.WriteString("| Package | Passed | Failed | Skipped | Time (s) |\\n")
    summary.WriteString("|---|---:|---:|---:|---:|\\n")
    for _, name := range packages {
        tests := make([]string, 0, len(runs[name]))
        for test := range runs[name] {
            if test != "" {
                tests = append(tests, test)
            }
        }
        sort.Strings(tests)
        pkg := runs[name][""]
        s := suite{Name: name, Time: fmt.Sprintf("%.3f", pkg.elapsed)}
        for _, test := range tests {
            r := runs[name][test]
            c := testCase{Name: test, Classname: name, Time: fmt.Sprintf("%.3f", r.elapsed)}
            switch r.action {
            case "fail":
                fmt.Print(r.output.String())
                c.Failure = &failure{Message: "Failed", Text: r.output.String()}
                s.Failures++
                fmt.Fprintf(&failures, "%s\\t%s\\t%s\\n", name, test, firstLine(r.output.String(), test))
            case "skip":
                c.Skipped = &struct{}{}
                s.Skipped++
            }
            s.Tests++
            s.Cases = append(s.Cases, c)
        }
        if pkg.action == "fail" && s.Failures == 0 { // the package failed outside its tests (build, TestMain, a panic)
            c := testCase{Name: "(package)", Classname: name, Time: s.Time, Failure: &failure{Message: "Failed", Text: pkg.output.String()}}
            s.Cases, s.Tests, s.Failures = append(s.Cases, c), s.Tests+1, s.Failures+1
            fmt.Fprintf(&failures, "%s\\t(package)\\t%s\\n", name, firstLine(pkg.output.String(), ""))
        }
        for _, line := range strings.SplitAfter(pkg.output.String(), "\\n") { // as go test prints without -v
            if trimmed := strings.TrimSpace(line); trimmed != "PASS" && trimmed != "FAIL" && !strings.HasPrefix(line, "coverage: ") {
                fmt.Print(line)
            }
        }
        suites = append(suites, s)
        fmt.Fprintf(&summary, "| `%s` | %d | %d | %d | %s |\\n", name, s.Tests-s.Failures-s.Skipped, s.Failures, s.Skipped, s.Time)
    }
    report, err := xml.MarshalIndent(struct {
        XMLName xml.Name `xml:"testsuites"`
        Suites  []suite  `xml:"testsuite"`
    }{Suites: suites}, "", "  ")
    if err != nil {
        panic(err)
    }
    write("junit.xml", xml.Header+string(report)+"\\n")
    write("test-summary.md", summary.String())
    write("test-failures.tsv", failures.String())
}

// firstLine is the first line of a failed test's own message (a file:line: line), or its first
// line of output, on one line.
func firstLine(output, test string) string {
    for _, line := range strings.Split(output, "\\n") {
        line = strings.TrimSpace(line)
        if line != "" && !strings.HasPrefix(line, "=== ") && !strings.HasPrefix(line, "--- ") && line != "FAIL" {
            return strings.ReplaceAll(line, "\\t", " ")
        }
    }
    return "failed"
}

func write(name, text string) {
    if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
        panic(err)
    }
}
"""

JUNIT_FILE: Final = "junit.xml"
REPORT_FILES: Final = (JUNIT_FILE, "test-summary.md", "test-failures.tsv")


def go_test_reported(go_test: str) -> str:
    """``go_test`` (one ``go test ...`` command line) run with -json into go-test.json, then read
    by the report program; the block fails as go test did."""
    command = go_test.replace("go test ", "go test -json ", 1)
    return block(
        'report="$(mktemp -d)/report.go"',
        "cat > \"$report\" <<'GO'",
        REPORT_PROGRAM.rstrip("\n"),
        "GO",
        "status=0",
        f"{command} > go-test.json || status=$?",
        'go run "$report" < go-test.json',
        # fail as go test did; never exit 0: GitLab runs the job's later blocks in this same shell
        'if [ "$status" -ne 0 ]; then exit "$status"; fi',
    )
