module example.com/from-gomod

go 1.25.0

toolchain go1.25.5
