module example.com/from-minimum

go 1.25.0
