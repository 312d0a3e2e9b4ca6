// Package mocks holds test doubles. It is excluded from coverage by the
// ciforge manifest (**/mocks/**) because it only exists to serve tests.
package mocks

import (
	"context"
	"sync"

	"example.com/orders-api/internal/orders"
)

// FakeStore is a scripted orders.Store that records calls.
type FakeStore struct {
	mu sync.Mutex

	Orders    []orders.Order
	ListErr   error
	CreateErr error

	ListCalls   int
	CreateCalls []orders.NewOrder
}

var _ orders.Store = (*FakeStore)(nil)

// List returns Orders, or ListErr if set.
func (f *FakeStore) List(context.Context) ([]orders.Order, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ListCalls++
	if f.ListErr != nil {
		return nil, f.ListErr
	}
	return f.Orders, nil
}

// Create records n and returns it with ID len(Orders)+1, or CreateErr if set.
func (f *FakeStore) Create(_ context.Context, n orders.NewOrder) (orders.Order, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.CreateCalls = append(f.CreateCalls, n)
	if f.CreateErr != nil {
		return orders.Order{}, f.CreateErr
	}
	o := orders.Order{ID: len(f.Orders) + 1, Item: n.Item, Quantity: n.Quantity}
	f.Orders = append(f.Orders, o)
	return o, nil
}
