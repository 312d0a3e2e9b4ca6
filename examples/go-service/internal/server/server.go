// Package server wires the HTTP handlers together and runs the server with
// graceful shutdown. cmd/server only calls Main, so everything here is testable.
package server

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"example.com/orders-api/internal/health"
	"example.com/orders-api/internal/orders"
)

// Defaults used when the corresponding Config field is empty.
const (
	DefaultAddr            = ":8080"
	DefaultShutdownTimeout = 10 * time.Second
	probeTimeout           = 3 * time.Second
)

// Config configures Serve and Run. Zero fields get sensible defaults.
type Config struct {
	Addr            string
	ShutdownTimeout time.Duration
	Logger          *slog.Logger
	Store           orders.Store
	Readiness       *health.Readiness
	// Handler overrides the default routes (tests only); nil means NewHandler.
	Handler http.Handler
}

// ConfigFromEnv reads ADDR (default ":8080") via getenv.
func ConfigFromEnv(getenv func(string) string) Config {
	addr := getenv("ADDR")
	if addr == "" {
		addr = DefaultAddr
	}
	return Config{Addr: addr}
}

func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Store == nil {
		c.Store = orders.NewMemoryStore()
	}
	if c.Readiness == nil {
		c.Readiness = &health.Readiness{}
	}
	if c.Handler == nil {
		c.Handler = NewHandler(c.Readiness, c.Store, c.Logger)
	}
	return c
}

// NewHandler returns the service's routes.
func NewHandler(ready *health.Readiness, store orders.Store, logger *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	health.Register(mux, ready)
	(&orders.Handler{Store: store, Logger: logger}).Register(mux)
	return mux
}

// Run listens on cfg.Addr and serves until ctx is cancelled.
func Run(ctx context.Context, cfg Config) error {
	ln, err := net.Listen("tcp", cfg.withDefaults().Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	return Serve(ctx, ln, cfg)
}

// Serve serves on ln, marks the service ready once serving, and on ctx
// cancellation marks it not ready and shuts down gracefully within
// cfg.ShutdownTimeout, forcibly closing connections after that.
func Serve(ctx context.Context, ln net.Listener, cfg Config) error {
	cfg = cfg.withDefaults()
	srv := &http.Server{
		Handler:           cfg.Handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       60 * time.Second,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	errCh := make(chan error, 1)
	go func() { errCh <- srv.Serve(ln) }()
	cfg.Readiness.SetReady(true)
	cfg.Logger.Info("listening", "addr", ln.Addr().String())

	select {
	case err := <-errCh:
		cfg.Readiness.SetReady(false)
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	cfg.Readiness.SetReady(false)
	cfg.Logger.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	<-errCh // srv.Serve always returns http.ErrServerClosed after Shutdown
	cfg.Logger.Info("stopped")
	return nil
}

// ProbeURL returns the loopback /healthz URL for a listen address such as
// ":8080" or "0.0.0.0:8080".
func ProbeURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("bad listen address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz", nil
}

// Main is the whole program: with -healthcheck it probes a running server
// (used as the container HEALTHCHECK, since distroless has no shell or curl);
// otherwise it runs the server until ctx is cancelled. It returns the exit code.
func Main(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) int {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	healthcheck := fs.Bool("healthcheck", false, "probe GET /healthz on the local server and exit 0 if healthy")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg := ConfigFromEnv(getenv)
	cfg.Logger = slog.New(slog.NewJSONHandler(stderr, nil))

	if *healthcheck {
		url, err := ProbeURL(cfg.Addr)
		if err == nil {
			pctx, cancel := context.WithTimeout(ctx, probeTimeout)
			defer cancel()
			err = health.Probe(pctx, &http.Client{Timeout: probeTimeout}, url)
		}
		if err != nil {
			fmt.Fprintln(stderr, "unhealthy:", err)
			return 1
		}
		return 0
	}

	if err := Run(ctx, cfg); err != nil {
		cfg.Logger.Error("server failed", "err", err)
		return 1
	}
	return 0
}
