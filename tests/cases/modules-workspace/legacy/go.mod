module example.com/services/legacy

go 1.21
