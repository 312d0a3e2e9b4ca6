package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"example.com/orders-api/internal/health"
	"example.com/orders-api/internal/orders"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestNewHandlerRoutes(t *testing.T) {
	ready := &health.Readiness{}
	srv := httptest.NewServer(NewHandler(ready, orders.NewMemoryStore(), quiet))
	defer srv.Close()

	if code, body := get(t, srv.URL+"/healthz"); code != 200 || body != "ok" {
		t.Fatalf("/healthz = %d %q", code, body)
	}
	if code, _ := get(t, srv.URL+"/readyz"); code != 503 {
		t.Fatalf("/readyz before ready = %d", code)
	}
	ready.SetReady(true)
	if code, _ := get(t, srv.URL+"/readyz"); code != 200 {
		t.Fatalf("/readyz after ready = %d", code)
	}
	resp, err := http.Post(srv.URL+"/orders", "application/json", strings.NewReader(`{"item":"tea","quantity":2}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /orders = %d", resp.StatusCode)
	}
	if code, body := get(t, srv.URL+"/orders"); code != 200 || !strings.Contains(body, `"item":"tea"`) {
		t.Fatalf("GET /orders = %d %q", code, body)
	}
	if code, _ := get(t, srv.URL+"/nope"); code != 404 {
		t.Fatalf("/nope = %d", code)
	}
}

func TestServeLifecycle(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ready := &health.Readiness{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, Config{Logger: quiet, Readiness: ready}) }()

	deadline := time.Now().Add(3 * time.Second)
	for !ready.Ready() {
		if time.Now().After(deadline) {
			t.Fatal("server never became ready")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if code, body := get(t, base+"/readyz"); code != 200 || body != "ready" {
		t.Fatalf("/readyz = %d %q", code, body)
	}
	if code, body := get(t, base+"/orders"); code != 200 || strings.TrimSpace(body) != "[]" {
		t.Fatalf("/orders = %d %q", code, body)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve returned %v, want nil", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
	if ready.Ready() {
		t.Fatal("still ready after shutdown")
	}
	http.DefaultClient.CloseIdleConnections()
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("server still answering after shutdown")
	}
}

func TestServeReportsListenerFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	ready := &health.Readiness{}
	err = Serve(context.Background(), ln, Config{Logger: quiet, Readiness: ready})
	if !errors.Is(err, net.ErrClosed) {
		t.Fatalf("err = %v, want net.ErrClosed", err)
	}
	if ready.Ready() {
		t.Fatal("ready after serve failure")
	}
}

func TestServeShutdownTimeoutForcesClose(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	release := make(chan struct{})
	defer close(release)
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, ln, Config{Logger: quiet, Handler: slow, ShutdownTimeout: 20 * time.Millisecond})
	}()

	clientErr := make(chan error, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err == nil {
			resp.Body.Close()
		}
		clientErr <- err
	}()
	select {
	case <-started:
	case <-time.After(3 * time.Second):
		t.Fatal("slow handler never started")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Serve err = %v, want deadline exceeded", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Serve did not return")
	}
	if err := <-clientErr; err == nil {
		t.Fatal("in-flight request succeeded after forced close")
	}
}

func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Run(ctx, Config{Addr: "127.0.0.1:0", Logger: quiet}); err != nil {
		t.Fatalf("Run with cancelled ctx = %v", err)
	}
	if err := Run(ctx, Config{Addr: "127.0.0.1:-1", Logger: quiet}); err == nil || !strings.Contains(err.Error(), "listen") {
		t.Fatalf("Run with bad addr = %v", err)
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if got := ConfigFromEnv(getenv).Addr; got != ":8080" {
		t.Fatalf("default addr = %q", got)
	}
	env["ADDR"] = "127.0.0.1:9000"
	if got := ConfigFromEnv(getenv).Addr; got != "127.0.0.1:9000" {
		t.Fatalf("addr = %q", got)
	}
	c := Config{}.withDefaults()
	if c.Addr != DefaultAddr || c.ShutdownTimeout != DefaultShutdownTimeout || c.Logger == nil ||
		c.Store == nil || c.Readiness == nil || c.Handler == nil {
		t.Fatalf("withDefaults left zero fields: %+v", c)
	}
}

func TestProbeURL(t *testing.T) {
	tests := []struct{ addr, want string }{
		{":8080", "http://127.0.0.1:8080/healthz"},
		{"0.0.0.0:8080", "http://127.0.0.1:8080/healthz"},
		{"[::]:8080", "http://127.0.0.1:8080/healthz"},
		{"127.0.0.2:81", "http://127.0.0.2:81/healthz"},
		{"[::1]:8080", "http://[::1]:8080/healthz"},
		{"localhost:8080", "http://localhost:8080/healthz"},
	}
	for _, tc := range tests {
		got, err := ProbeURL(tc.addr)
		if err != nil || got != tc.want {
			t.Errorf("ProbeURL(%q) = %q, %v; want %q", tc.addr, got, err, tc.want)
		}
	}
	if _, err := ProbeURL("8080"); err == nil {
		t.Error("ProbeURL without port succeeded")
	}
}

func TestMainExitCodes(t *testing.T) {
	healthy := httptest.NewServer(http.HandlerFunc(health.Healthz))
	defer healthy.Close()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()

	tests := []struct {
		name string
		ctx  context.Context
		args []string
		addr string
		want int
		log  string
	}{
		{"bad flag", context.Background(), []string{"-nope"}, "", 2, "flag provided but not defined"},
		{"healthcheck ok", context.Background(), []string{"-healthcheck"}, healthy.Listener.Addr().String(), 0, ""},
		{"healthcheck bad addr", context.Background(), []string{"-healthcheck"}, "nope", 1, "unhealthy"},
		{"healthcheck refused", context.Background(), []string{"-healthcheck"}, "127.0.0.1:1", 1, "unhealthy"},
		{"serve then stop", cancelled, nil, "127.0.0.1:0", 0, `"msg":"stopped"`},
		{"listen fails", cancelled, nil, "127.0.0.1:-1", 1, "server failed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			getenv := func(k string) string {
				if k == "ADDR" {
					return tc.addr
				}
				return ""
			}
			if got := Main(tc.ctx, tc.args, getenv, &stderr); got != tc.want {
				t.Fatalf("Main = %d, want %d; stderr:\n%s", got, tc.want, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.log) {
				t.Fatalf("stderr %q does not contain %q", stderr.String(), tc.log)
			}
		})
	}
}
