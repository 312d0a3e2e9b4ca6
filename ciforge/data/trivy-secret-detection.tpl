{{- /* Trivy secrets as the GitLab secret detection report (docs/code-scan.md): the fields and ids
of ciforge.sarif_gitlab, as tests/test_code_scan.py checks. */ -}}
{"version":"15.2.1","scan":{
"analyzer":{"id":"trivy","name":"Trivy","url":"https://github.com/aquasecurity/trivy","vendor":{"name":"Aqua Security"},"version":"{{ appVersion }}"},
"scanner":{"id":"trivy","name":"Trivy","url":"https://github.com/aquasecurity/trivy","vendor":{"name":"Aqua Security"},"version":"{{ appVersion }}"},
"type":"secret_detection","start_time":"{{ now | date "2006-01-02T15:04:05" }}","end_time":"{{ now | date "2006-01-02T15:04:05" }}","status":"success"},
"vulnerabilities":[
{{- $first := true }}{{- range . }}{{- $file := .Target }}{{- range .Secrets }}{{- if $first }}{{- $first = false }}{{- else }},{{- end }}
{"id":"{{ printf "%s:%s:%d" .RuleID $file .StartLine | sha256sum }}","name":{{ .Title | toJson }},
"description":{{ printf "%s: %s" .Category .Title | toJson }},"severity":"{{ .Severity | lower | title }}",
"identifiers":[{"type":"trivy_rule_id","name":{{ .RuleID | toJson }},"value":{{ .RuleID | toJson }}}],
"location":{"file":{{ $file | toJson }},"start_line":{{ .StartLine }},"end_line":{{ .EndLine }},"commit":{"sha":{{ env "CI_COMMIT_SHA" | toJson }}}}}
{{- end }}{{- end }}]}
