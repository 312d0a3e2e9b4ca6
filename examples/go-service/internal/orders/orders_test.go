package orders_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"example.com/orders-api/internal/mocks"
	"example.com/orders-api/internal/orders"
)

func newMux(s orders.Store) *http.ServeMux {
	mux := http.NewServeMux()
	h := &orders.Handler{Store: s, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	h.Register(mux)
	return mux
}

func do(t *testing.T, h http.Handler, method, body, contentType string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, "/orders", strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestListEmptyIsJSONArray(t *testing.T) {
	rec := do(t, newMux(&mocks.FakeStore{}), http.MethodGet, "", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d", rec.Code)
	}
	if got := strings.TrimSpace(rec.Body.String()); got != "[]" {
		t.Fatalf("body = %q, want []", got)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("content-type = %q", ct)
	}
}

func TestCreateThenList(t *testing.T) {
	mux := newMux(orders.NewMemoryStore())

	rec := do(t, mux, http.MethodPost, `{"item":"  widget ","quantity":3}`, "application/json")
	if rec.Code != http.StatusCreated {
		t.Fatalf("create status = %d body=%s", rec.Code, rec.Body)
	}
	if loc := rec.Header().Get("Location"); loc != "/orders/1" {
		t.Fatalf("Location = %q", loc)
	}
	var created orders.Order
	if err := json.Unmarshal(rec.Body.Bytes(), &created); err != nil {
		t.Fatal(err)
	}
	want := orders.Order{ID: 1, Item: "widget", Quantity: 3}
	if created != want {
		t.Fatalf("created = %+v, want %+v", created, want)
	}

	rec = do(t, mux, http.MethodPost, `{"item":"gadget","quantity":1}`, "")
	if rec.Code != http.StatusCreated {
		t.Fatalf("second create status = %d", rec.Code)
	}

	rec = do(t, mux, http.MethodGet, "", "")
	var list []orders.Order
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0] != want || list[1].ID != 2 || list[1].Item != "gadget" {
		t.Fatalf("list = %+v", list)
	}
}

func TestCreateRejectsBadInput(t *testing.T) {
	tests := []struct {
		name, body, ct string
		status         int
		errContains    string
	}{
		{"wrong content type", `{}`, "text/plain", http.StatusUnsupportedMediaType, "application/json"},
		{"malformed json", `{"item":`, "application/json", http.StatusBadRequest, "invalid JSON"},
		{"unknown field", `{"item":"a","quantity":1,"price":2}`, "application/json", http.StatusBadRequest, "unknown field"},
		{"trailing data", `{"item":"a","quantity":1}{}`, "application/json", http.StatusBadRequest, "trailing data"},
		{"missing item", `{"quantity":1}`, "application/json", http.StatusUnprocessableEntity, "item is required"},
		{"blank item", `{"item":"   ","quantity":1}`, "application/json", http.StatusUnprocessableEntity, "item is required"},
		{"item too long", `{"item":"` + strings.Repeat("x", orders.MaxItemLen+1) + `","quantity":1}`, "application/json", http.StatusUnprocessableEntity, "at most 100"},
		{"zero quantity", `{"item":"a","quantity":0}`, "application/json", http.StatusUnprocessableEntity, "quantity"},
		{"huge quantity", `{"item":"a","quantity":1001}`, "application/json", http.StatusUnprocessableEntity, "quantity"},
		{"both invalid", `{"item":"","quantity":-1}`, "application/json", http.StatusUnprocessableEntity, "item is required; quantity"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := &mocks.FakeStore{}
			rec := do(t, newMux(fake), http.MethodPost, tc.body, tc.ct)
			if rec.Code != tc.status {
				t.Fatalf("status = %d, want %d (body %s)", rec.Code, tc.status, rec.Body)
			}
			var e map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
				t.Fatalf("error body not JSON: %v", err)
			}
			if !strings.Contains(e["error"], tc.errContains) {
				t.Fatalf("error = %q, want it to contain %q", e["error"], tc.errContains)
			}
			if len(fake.CreateCalls) != 0 {
				t.Fatalf("store called for invalid input: %+v", fake.CreateCalls)
			}
		})
	}
}

func TestCreateRejectsOversizedBody(t *testing.T) {
	body := `{"item":"` + strings.Repeat("x", 2<<20) + `","quantity":1}`
	rec := do(t, newMux(&mocks.FakeStore{}), http.MethodPost, body, "application/json")
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("status = %d, want 400", rec.Code)
	}
}

func TestStoreErrorsBecome500(t *testing.T) {
	boom := errors.New("boom")
	var logs bytes.Buffer
	fake := &mocks.FakeStore{ListErr: boom, CreateErr: boom}
	mux := http.NewServeMux()
	(&orders.Handler{Store: fake, Logger: slog.New(slog.NewTextHandler(&logs, nil))}).Register(mux)

	for _, method := range []string{http.MethodGet, http.MethodPost} {
		rec := do(t, mux, method, `{"item":"a","quantity":1}`, "application/json")
		if rec.Code != http.StatusInternalServerError {
			t.Fatalf("%s status = %d, want 500", method, rec.Code)
		}
		if strings.Contains(rec.Body.String(), "boom") {
			t.Fatalf("%s leaked internal error: %s", method, rec.Body)
		}
	}
	if fake.ListCalls != 1 || len(fake.CreateCalls) != 1 {
		t.Fatalf("calls: list=%d create=%d", fake.ListCalls, len(fake.CreateCalls))
	}
	if !strings.Contains(logs.String(), "boom") {
		t.Fatalf("error not logged: %q", logs.String())
	}
}

func TestNilLoggerFallsBackToDefault(t *testing.T) {
	prev := slog.Default()
	t.Cleanup(func() { slog.SetDefault(prev) })
	var logs bytes.Buffer
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))

	mux := http.NewServeMux()
	(&orders.Handler{Store: &mocks.FakeStore{ListErr: errors.New("down")}}).Register(mux)
	if rec := do(t, mux, http.MethodGet, "", ""); rec.Code != http.StatusInternalServerError {
		t.Fatalf("status = %d", rec.Code)
	}
	if !strings.Contains(logs.String(), "down") {
		t.Fatalf("default logger not used: %q", logs.String())
	}
}

func TestMemoryStoreHonoursContextAndZeroValue(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := orders.NewMemoryStore()
	if _, err := s.List(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("List err = %v", err)
	}
	if _, err := s.Create(ctx, orders.NewOrder{Item: "a", Quantity: 1}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Create err = %v", err)
	}

	var zero orders.MemoryStore
	o, err := zero.Create(context.Background(), orders.NewOrder{Item: "a", Quantity: 1})
	if err != nil || o.ID != 1 {
		t.Fatalf("zero-value Create = %+v, %v", o, err)
	}
}

func TestMemoryStoreConcurrentCreatesGetUniqueIDs(t *testing.T) {
	s := orders.NewMemoryStore()
	const n = 50
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Create(context.Background(), orders.NewOrder{Item: "x", Quantity: 1}); err != nil {
				t.Error(err)
			}
			if _, err := s.List(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	list, _ := s.List(context.Background())
	seen := map[int]bool{}
	for _, o := range list {
		if seen[o.ID] {
			t.Fatalf("duplicate id %d", o.ID)
		}
		seen[o.ID] = true
	}
	if len(seen) != n {
		t.Fatalf("got %d orders, want %d", len(seen), n)
	}
}
