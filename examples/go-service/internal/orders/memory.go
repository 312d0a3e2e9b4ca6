package orders

import (
	"context"
	"sync"
)

// MemoryStore is an in-memory, concurrency-safe Store.
type MemoryStore struct {
	mu     sync.RWMutex
	nextID int
	orders []Order
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{nextID: 1} }

// List returns a copy of all orders in creation order.
func (s *MemoryStore) List(ctx context.Context) ([]Order, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Order, len(s.orders))
	copy(out, s.orders)
	return out, nil
}

// Create stores n and returns it with a freshly assigned ID.
func (s *MemoryStore) Create(ctx context.Context, n NewOrder) (Order, error) {
	if err := ctx.Err(); err != nil {
		return Order{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.nextID == 0 {
		s.nextID = 1
	}
	o := Order{ID: s.nextID, Item: n.Item, Quantity: n.Quantity}
	s.nextID++
	s.orders = append(s.orders, o)
	return o, nil
}
