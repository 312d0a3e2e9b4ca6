// Package orders implements the /orders HTTP API on top of a Store.
package orders

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Limits applied when validating a new order.
const (
	MaxItemLen   = 100
	MaxQuantity  = 1000
	maxBodyBytes = 1 << 20
)

// Order is a single customer order.
type Order struct {
	ID       int    `json:"id"`
	Item     string `json:"item"`
	Quantity int    `json:"quantity"`
}

// NewOrder is the request body accepted by POST /orders.
type NewOrder struct {
	Item     string `json:"item"`
	Quantity int    `json:"quantity"`
}

// Validate normalises and checks a new order.
func (n *NewOrder) Validate() error {
	n.Item = strings.TrimSpace(n.Item)
	var problems []string
	if n.Item == "" {
		problems = append(problems, "item is required")
	} else if utf8.RuneCountInString(n.Item) > MaxItemLen {
		problems = append(problems, fmt.Sprintf("item must be at most %d characters", MaxItemLen))
	}
	if n.Quantity < 1 || n.Quantity > MaxQuantity {
		problems = append(problems, fmt.Sprintf("quantity must be between 1 and %d", MaxQuantity))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// Store persists orders.
type Store interface {
	List(ctx context.Context) ([]Order, error)
	Create(ctx context.Context, n NewOrder) (Order, error)
}

// Handler serves the orders API.
type Handler struct {
	Store  Store
	Logger *slog.Logger
}

// Register mounts GET /orders and POST /orders on mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /orders", h.List)
	mux.HandleFunc("POST /orders", h.Create)
}

// List writes all orders as a JSON array.
func (h *Handler) List(w http.ResponseWriter, r *http.Request) {
	list, err := h.Store.List(r.Context())
	if err != nil {
		h.internalError(w, "list orders", err)
		return
	}
	if list == nil {
		list = []Order{}
	}
	writeJSON(w, http.StatusOK, list)
}

// Create decodes, validates and stores a new order.
func (h *Handler) Create(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		writeError(w, http.StatusUnsupportedMediaType, "content type must be application/json")
		return
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	var n NewOrder
	if err := dec.Decode(&n); err != nil {
		writeError(w, http.StatusBadRequest, "invalid JSON body: "+err.Error())
		return
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		writeError(w, http.StatusBadRequest, "invalid JSON body: trailing data")
		return
	}
	if err := n.Validate(); err != nil {
		writeError(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	o, err := h.Store.Create(r.Context(), n)
	if err != nil {
		h.internalError(w, "create order", err)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/orders/%d", o.ID))
	writeJSON(w, http.StatusCreated, o)
}

func (h *Handler) internalError(w http.ResponseWriter, op string, err error) {
	logger := h.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger.Error(op, "err", err)
	writeError(w, http.StatusInternalServerError, "internal error")
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
