package conformance

import (
	"bytes"
	"io"
	"net/http"
	"sync"
)

// record is what a recorder in front of the simulator has seen so far,
// safe for the server's handlers to add to while a test reads it.
type record[T any] struct {
	mu    sync.Mutex
	items []T
}

// add appends v and returns its index.
func (rc *record[T]) add(v T) int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.items = append(rc.items, v)
	return len(rc.items) - 1
}

// update changes the item at index i.
func (rc *record[T]) update(i int, f func(*T)) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	f(&rc.items[i])
}

// all returns a copy of what was added.
func (rc *record[T]) all() []T {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]T(nil), rc.items...)
}

// readBody reads a request's body and puts it back for the handler
// behind the recorder.
func readBody(r *http.Request) []byte {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body
}
