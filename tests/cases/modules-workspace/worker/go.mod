module example.com/services/worker

go 1.24

require example.com/services/api v0.1.0
