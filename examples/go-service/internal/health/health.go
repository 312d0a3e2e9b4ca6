// Package health provides liveness and readiness HTTP handlers and a
// client-side probe that the server binary uses as its own container
// health check (distroless images have no shell or curl).
package health

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
)

// Readiness is a concurrency-safe readiness flag. The zero value is "not ready".
type Readiness struct {
	ready atomic.Bool
}

// SetReady marks the service as ready (true) or not ready (false).
func (r *Readiness) SetReady(v bool) { r.ready.Store(v) }

// Ready reports whether the service is ready to receive traffic.
func (r *Readiness) Ready() bool { return r.ready.Load() }

// Healthz is the liveness handler: it always answers 200 "ok".
func Healthz(w http.ResponseWriter, _ *http.Request) {
	writeText(w, http.StatusOK, "ok")
}

// Readyz answers 200 "ready" when the flag is set and 503 "not ready" otherwise.
func (r *Readiness) Readyz(w http.ResponseWriter, _ *http.Request) {
	if r.Ready() {
		writeText(w, http.StatusOK, "ready")
		return
	}
	writeText(w, http.StatusServiceUnavailable, "not ready")
}

// Register mounts /healthz and /readyz on mux (GET, and therefore HEAD).
func Register(mux *http.ServeMux, r *Readiness) {
	mux.HandleFunc("GET /healthz", Healthz)
	mux.HandleFunc("GET /readyz", r.Readyz)
}

// Probe performs a GET on url and returns nil only for a 200 response.
func Probe(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health probe %s: unexpected status %d", url, resp.StatusCode)
	}
	return nil
}

func writeText(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}
