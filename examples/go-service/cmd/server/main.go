// Command server runs the orders API. All logic lives in internal/server.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"example.com/orders-api/internal/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := server.Main(ctx, os.Args[1:], os.Getenv, os.Stderr)
	stop()
	os.Exit(code)
}
