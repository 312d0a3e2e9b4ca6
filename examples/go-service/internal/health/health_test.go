package health

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestHealthz(t *testing.T) {
	rec := httptest.NewRecorder()
	Healthz(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec.Code != http.StatusOK || rec.Body.String() != "ok" {
		t.Fatalf("got %d %q, want 200 \"ok\"", rec.Code, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Fatalf("content-type = %q", ct)
	}
}

func TestReadyzFollowsFlag(t *testing.T) {
	var r Readiness
	mux := http.NewServeMux()
	Register(mux, &r)

	tests := []struct {
		name   string
		ready  bool
		status int
		body   string
	}{
		{"not ready by default", false, http.StatusServiceUnavailable, "not ready"},
		{"ready", true, http.StatusOK, "ready"},
		{"not ready again", false, http.StatusServiceUnavailable, "not ready"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r.SetReady(tc.ready)
			if r.Ready() != tc.ready {
				t.Fatalf("Ready() = %v, want %v", r.Ready(), tc.ready)
			}
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			if rec.Code != tc.status || rec.Body.String() != tc.body {
				t.Fatalf("got %d %q, want %d %q", rec.Code, rec.Body.String(), tc.status, tc.body)
			}
		})
	}
}

func TestRegisterRejectsOtherMethods(t *testing.T) {
	mux := http.NewServeMux()
	Register(mux, &Readiness{})
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/healthz", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("POST /healthz = %d, want 405", rec.Code)
	}
}

func TestProbe(t *testing.T) {
	var r Readiness
	mux := http.NewServeMux()
	Register(mux, &r)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ctx := context.Background()

	if err := Probe(ctx, srv.Client(), srv.URL+"/healthz"); err != nil {
		t.Fatalf("healthz probe: %v", err)
	}
	if err := Probe(ctx, srv.Client(), srv.URL+"/readyz"); err == nil {
		t.Fatal("readyz probe succeeded while not ready")
	}
	r.SetReady(true)
	if err := Probe(ctx, srv.Client(), srv.URL+"/readyz"); err != nil {
		t.Fatalf("readyz probe when ready: %v", err)
	}
	if err := Probe(ctx, srv.Client(), "http://\x7f/bad"); err == nil {
		t.Fatal("probe with invalid URL succeeded")
	}
	closed := httptest.NewServer(mux)
	url := closed.URL
	closed.Close()
	if err := Probe(ctx, closed.Client(), url+"/healthz"); err == nil {
		t.Fatal("probe of closed server succeeded")
	}
}
