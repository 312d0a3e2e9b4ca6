module example.com/oldcli

go 1.15

require github.com/spf13/pflag v1.0.5
