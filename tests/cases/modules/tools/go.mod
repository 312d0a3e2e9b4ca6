module example.com/telemetry/tools

go 1.24
