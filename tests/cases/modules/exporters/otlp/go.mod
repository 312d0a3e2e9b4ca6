module example.com/telemetry/exporters/otlp

go 1.24

require (
	example.com/telemetry v1.0.0 // indirect
	example.com/telemetry/sdk v1.0.0
)

replace example.com/telemetry/sdk => ../../sdk
