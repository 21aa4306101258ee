// Package rampart is the Rampart authorization runtime in-process, through cgo over the C
// ABI (bindings/c, include/rampart.h): load decision tables, check by ids or by names,
// explain, list, who-can, SQL filters and connection resolution, with the answers and
// refusals of every other face of Rampart.
//
// Build the C library first (`cargo build --release -p rampart-c` at the repository's
// root); the package links target/release/librampart.a (or -lrampart with -tags
// rampart_system). Services built with CGO_ENABLED=0 use rampart.dev/go/sidecar instead.
//
// A *Tables is immutable and safe for concurrent use by any number of goroutines. Close
// makes every later call fail with code.ErrClosed; the memory is released when the
// garbage collector finds the *Tables unreachable, so that no call in flight can touch
// freed memory.
package rampart

/*
#cgo CFLAGS: -I${SRCDIR}/../../c/include
#include <stdlib.h>
#include "rampart.h"

#include "helpers.h"
*/
import "C"

import (
	"encoding/json"
	"runtime"
	"sync/atomic"
	"unsafe"

	"rampart.dev/go/code"
)

// Error is the error every call returns: a stable code and a message (see package code).
type Error = code.Error

// Sentinels for errors.Is (see package code for all of them).
var (
	ErrUnknownSubject   = code.ErrUnknownSubject
	ErrUnknownAction    = code.ErrUnknownAction
	ErrUnknownObject    = code.ErrUnknownObject
	ErrUnknownGlobal    = code.ErrUnknownGlobal
	ErrInvalidRequest   = code.ErrInvalidRequest
	ErrMalformedRequest = code.ErrMalformedRequest
	ErrDenied           = code.ErrDenied
	ErrClosed           = code.ErrClosed
)

// Version is the C library's version.
func Version() string { return C.GoString(C.rampart_version()) }

// FormatVersion is the table format version the library reads.
func FormatVersion() uint32 { return uint32(C.rampart_format_version()) }

// Tables are loaded, validated, immutable decision tables.
type Tables struct {
	handle *C.RampartTables
	closed uint32
	info   Info
}

// Info says what tables are.
type Info struct {
	// Revision is the payload checksum in hex: equal revisions, equal tables.
	Revision        string `json:"revision"`
	CompilerVersion string `json:"compiler_version"`
	Signed          bool   `json:"signed"`
	FormatVersion   uint32 `json:"format_version"`
}

// nonEmpty gives a present-but-empty string a non-NULL pointer (NULL means absent).
var nonEmpty = [1]byte{0}

// bytesOf points at a string's bytes (valid while the string is reachable; the C side
// only reads them during the call).
func bytesOf(s string) (*C.uint8_t, C.size_t) {
	if len(s) == 0 {
		return (*C.uint8_t)(unsafe.Pointer(&nonEmpty[0])), 0
	}
	return (*C.uint8_t)(*(*unsafe.Pointer)(unsafe.Pointer(&s))), C.size_t(len(s))
}

// optional is bytesOf, or NULL when absent.
func optional(s string, present bool) (*C.uint8_t, C.size_t) {
	if !present {
		return nil, 0
	}
	return bytesOf(s)
}

// failure turns a C error into an *Error (and frees it).
func failure(c C.int32_t, e *C.RampartError) error {
	name := C.GoString(C.rampart_code_name(c))
	if e == nil {
		return &Error{Code: name, Message: name}
	}
	var length C.size_t
	message := C.rampart_error_message(e, &length)
	text := C.GoStringN(message, C.int(length))
	C.rampart_error_free(e)
	return &Error{Code: name, Message: text}
}

// LoadOption configures Load and LoadBytes.
type LoadOption func(*loadOptions)

type loadOptions struct {
	publicKey string
	verify    bool
}

// WithPublicKey refuses tables not signed with the private half of key (the text
// `rampart keygen` writes).
func WithPublicKey(key string) LoadOption {
	return func(o *loadOptions) { o.publicKey, o.verify = key, true }
}

func newTables(handle *C.RampartTables) (*Tables, error) {
	t := &Tables{handle: handle}
	runtime.SetFinalizer(t, func(t *Tables) { C.rampart_tables_free(t.handle) })
	var out C.RampartBuffer
	var e *C.RampartError
	if c := C.rampart_tables_info_json(handle, &out, &e); c != C.RAMPART_OK {
		return nil, failure(c, e)
	}
	err := json.Unmarshal(takeBuffer(&out), &t.info)
	return t, err
}

// Load reads, checks and validates a table file.
func Load(path string, options ...LoadOption) (*Tables, error) {
	var o loadOptions
	for _, option := range options {
		option(&o)
	}
	p, pl := bytesOf(path)
	k, kl := optional(o.publicKey, o.verify)
	var handle *C.RampartTables
	var e *C.RampartError
	if c := C.rampart_tables_load(p, pl, k, kl, &handle, &e); c != C.RAMPART_OK {
		return nil, failure(c, e)
	}
	runtime.KeepAlive(path)
	return newTables(handle)
}

// LoadBytes checks and validates a table file's bytes (only read during the call).
func LoadBytes(data []byte, options ...LoadOption) (*Tables, error) {
	var o loadOptions
	for _, option := range options {
		option(&o)
	}
	var p *C.uint8_t
	if len(data) > 0 {
		p = (*C.uint8_t)(unsafe.Pointer(&data[0]))
	}
	k, kl := optional(o.publicKey, o.verify)
	var handle *C.RampartTables
	var e *C.RampartError
	if c := C.rampart_tables_from_bytes(p, C.size_t(len(data)), k, kl, &handle, &e); c != C.RAMPART_OK {
		return nil, failure(c, e)
	}
	runtime.KeepAlive(data)
	return newTables(handle)
}

// Info says what the tables are.
func (t *Tables) Info() Info { return t.info }

// Close makes every later call on t fail with ErrClosed. The memory is released when t is
// garbage (see the package documentation). Closing twice is harmless.
func (t *Tables) Close() error {
	atomic.StoreUint32(&t.closed, 1)
	return nil
}

// live is the handle, or ErrClosed.
func (t *Tables) live() (*C.RampartTables, error) {
	if t == nil || t.handle == nil || atomic.LoadUint32(&t.closed) != 0 {
		return nil, &Error{Code: code.Closed, Message: "the tables are closed"}
	}
	return t.handle, nil
}

// takeBuffer copies a buffer's bytes into Go memory and frees it.
func takeBuffer(b *C.RampartBuffer) []byte {
	if b.ptr == nil {
		return nil
	}
	out := C.GoBytes(unsafe.Pointer(b.ptr), C.int(b.len))
	C.rampart_buffer_free(b)
	return out
}
