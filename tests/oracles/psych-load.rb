# Load YAML documents the way GitLab reads .gitlab-ci.yml: Ruby's Psych, YAML 1.1, safe_load with
# Symbol permitted and aliases on (GitLab's Gitlab::Config::Loader::Yaml).
#
# Protocol: one JSON string (a whole YAML text) per input line; one JSON line per input:
#   {"data": TYPED} or {"error": "Psych::... message"}
# TYPED keeps what JSON would lose: mappings are {"!map": [[key, value], ...]}, integers
# {"!int": "12"}, floats {"!float": "1.5" | "nan" | "inf" | "-inf"}, symbols {"!symbol": "x"}.
# Strings, true/false and nil map to JSON strings, booleans and null.
require "json"
require "yaml"

def typed(value)
  case value
  when Hash then { "!map" => value.map { |k, v| [typed(k), typed(v)] } }
  when Array then value.map { |v| typed(v) }
  when Integer then { "!int" => value.to_s }
  when Float
    text = if value.nan? then "nan" elsif value.infinite? then (value.positive? ? "inf" : "-inf") else value.to_s end
    { "!float" => text }
  when Symbol then { "!symbol" => value.to_s }
  when String, true, false, nil then value
  else { "!other" => value.class.name }
  end
end

$stdout.sync = true
$stdin.each_line do |line|
  text = JSON.parse(line)
  begin
    data = YAML.safe_load(text, permitted_classes: [Symbol], permitted_symbols: [], aliases: true)
    puts JSON.generate({ "data" => typed(data) })
  rescue Psych::Exception, ArgumentError => e
    puts JSON.generate({ "error" => "#{e.class}: #{e.message}" })
  end
end
