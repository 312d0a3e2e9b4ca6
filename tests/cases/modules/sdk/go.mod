module example.com/telemetry/sdk

go 1.24

require example.com/telemetry v1.0.0

replace example.com/telemetry => ../
