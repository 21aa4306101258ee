package rampart

/*
#include "rampart.h"
#include "helpers.h"
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"runtime"
	"unsafe"

	"rampart.dev/go/code"
)

// Category is an object category.
type Category uint32

// The categories.
const (
	Playbooks   Category = C.RAMPART_CATEGORY_PLAYBOOK
	Configs     Category = C.RAMPART_CATEGORY_CONFIG
	Components  Category = C.RAMPART_CATEGORY_COMPONENT
	Connections Category = C.RAMPART_CATEGORY_CONNECTION
)

// Object is an object of a request: its category and key (`ns/name` or id).
type Object struct {
	Category Category
	Key      string
}

// Playbook is a playbook by `namespace/name` or id.
func Playbook(key string) Object { return Object{Playbooks, key} }

// Config is a config by id.
func Config(key string) Object { return Object{Configs, key} }

// Component is a component by id.
func Component(key string) Object { return Object{Components, key} }

// Connection is a connection by `namespace/name` or id.
func Connection(key string) Object { return Object{Connections, key} }

// Target is what a request is about: objects, a global object, or explicitly nothing.
// The zero Target is refused (ErrInvalidRequest): a forgotten target must not become a
// request about nothing.
type Target struct {
	set       bool
	keys      [4]string
	present   [4]bool
	global    string
	hasGlobal bool
	problem   string
}

// Objects is a target of objects, at most one per category (an empty key is a key:
// it is refused as unknown, never dropped).
func Objects(objects ...Object) Target {
	t := Target{set: true}
	for _, o := range objects {
		if o.Category > Connections {
			t.problem = "a category number out of range"
			continue
		}
		if t.present[o.Category] {
			t.problem = "two objects of one category in one request"
		}
		t.keys[o.Category], t.present[o.Category] = o.Key, true
	}
	if len(objects) == 0 {
		t.problem = "Objects() names no object (use rampart.Nothing() for a request about nothing)"
	}
	return t
}

// Global is a target of one global object (`catalog`, `mcp`, ...).
func Global(name string) Target { return Target{set: true, global: name, hasGlobal: true} }

// Nothing is a request about nothing: decided by the rules that constrain no category
// (the `admin` role's).
func Nothing() Target { return Target{set: true} }

func (t Target) check() error {
	switch {
	case !t.set:
		return &Error{Code: code.InvalidRequest, Message: "invalid request: the request has no target (use rampart.Objects, rampart.Global or rampart.Nothing)"}
	case t.problem != "":
		return &Error{Code: code.InvalidRequest, Message: "invalid request: " + t.problem}
	}
	return nil
}

// Request is a request by names.
type Request struct {
	// Subject is `email|id|name`, `playbook:ns/name` or `notification:ns/name`.
	Subject string
	// Action is `read`, `playbook:run`, ...
	Action string
	// Target is what the request is about.
	Target Target
}

// Reason is why a decision came out as it did.
type Reason string

// The reasons.
const (
	Allowed      Reason = "allowed"
	ExplicitDeny Reason = "explicit_deny"
	NoAllowRule  Reason = "no_allow_rule"
)

// Decision is an answer. A failed call returns the zero Decision (denied) and an error.
type Decision struct {
	Allowed bool
	Reason  Reason
}

func decisionOf(d C.RampartDecision) Decision {
	reason := NoAllowRule
	switch d.reason {
	case C.RAMPART_REASON_ALLOWED:
		reason = Allowed
	case C.RAMPART_REASON_EXPLICIT_DENY:
		reason = ExplicitDeny
	}
	return Decision{Allowed: d.allowed == 1, Reason: reason}
}

// IsAuthorized decides a request by names. A name that does not resolve is an error
// (ErrUnknownSubject, ErrUnknownObject, ...), never a denial.
func (t *Tables) IsAuthorized(r Request) (Decision, error) {
	h, err := t.live()
	if err != nil {
		return Decision{}, err
	}
	if err := r.Target.check(); err != nil {
		return Decision{}, err
	}
	s, sl := bytesOf(r.Subject)
	a, al := bytesOf(r.Action)
	pb, pbl := optional(r.Target.keys[0], r.Target.present[0])
	cf, cfl := optional(r.Target.keys[1], r.Target.present[1])
	cp, cpl := optional(r.Target.keys[2], r.Target.present[2])
	cn, cnl := optional(r.Target.keys[3], r.Target.present[3])
	g, gl := optional(r.Target.global, r.Target.hasGlobal)
	checked := C.go_rampart_check(h, s, sl, a, al, pb, pbl, cf, cfl, cp, cpl, cn, cnl, g, gl)
	runtime.KeepAlive(t)
	runtime.KeepAlive(r)
	if checked.code != C.RAMPART_OK {
		return Decision{}, failure(checked.code, checked.error)
	}
	return decisionOf(checked.decision), nil
}

// PrincipalID, ActionID and TargetID are ids resolved once by name, for CheckIDs. They
// belong to the tables that resolved them: other tables refuse them.
type (
	PrincipalID uint64
	ActionID    uint64
	// TargetID is an object's or a global object's id.
	TargetID uint64
)

func (t *Tables) resolve(name string, f func(*C.RampartTables, *C.uint8_t, C.size_t, *C.uint64_t, **C.RampartError) C.int32_t) (uint64, error) {
	h, err := t.live()
	if err != nil {
		return 0, err
	}
	p, l := bytesOf(name)
	var out C.uint64_t
	var e *C.RampartError
	c := f(h, p, l, &out, &e)
	runtime.KeepAlive(t)
	runtime.KeepAlive(name)
	if c != C.RAMPART_OK {
		return 0, failure(c, e)
	}
	return uint64(out), nil
}

// Principal resolves a subject.
func (t *Tables) Principal(subject string) (PrincipalID, error) {
	id, err := t.resolve(subject, func(h *C.RampartTables, p *C.uint8_t, l C.size_t, o *C.uint64_t, e **C.RampartError) C.int32_t {
		return C.rampart_principal(h, p, l, o, e)
	})
	return PrincipalID(id), err
}

// Action resolves an action.
func (t *Tables) Action(action string) (ActionID, error) {
	id, err := t.resolve(action, func(h *C.RampartTables, p *C.uint8_t, l C.size_t, o *C.uint64_t, e **C.RampartError) C.int32_t {
		return C.rampart_action(h, p, l, o, e)
	})
	return ActionID(id), err
}

// Object resolves an object key of a category.
func (t *Tables) Object(category Category, key string) (TargetID, error) {
	id, err := t.resolve(key, func(h *C.RampartTables, p *C.uint8_t, l C.size_t, o *C.uint64_t, e **C.RampartError) C.int32_t {
		return C.rampart_object(h, C.uint32_t(category), p, l, o, e)
	})
	return TargetID(id), err
}

// GlobalObject resolves a global object.
func (t *Tables) GlobalObject(name string) (TargetID, error) {
	id, err := t.resolve(name, func(h *C.RampartTables, p *C.uint8_t, l C.size_t, o *C.uint64_t, e **C.RampartError) C.int32_t {
		return C.rampart_global(h, p, l, o, e)
	})
	return TargetID(id), err
}

// CheckIDs decides by ids (the fast path): object ids (at most one per category) or one
// global id; none is a request about nothing.
func (t *Tables) CheckIDs(principal PrincipalID, action ActionID, targets ...TargetID) (Decision, error) {
	h, err := t.live()
	if err != nil {
		return Decision{}, err
	}
	var ids [4]C.uint64_t
	if len(targets) > len(ids) {
		return Decision{}, &Error{Code: code.InvalidRequest, Message: "invalid request: more than four targets"}
	}
	for i, id := range targets {
		ids[i] = C.uint64_t(id)
	}
	checked := C.go_rampart_check_ids(C.uintptr_t(uintptr(unsafe.Pointer(h))), C.uint64_t(principal), C.uint64_t(action),
		ids[0], ids[1], ids[2], ids[3], C.size_t(len(targets)))
	runtime.KeepAlive(t)
	if checked.code != C.RAMPART_OK {
		return Decision{}, failure(checked.code, checked.error)
	}
	return decisionOf(checked.decision), nil
}

// IDCheck is one request of CheckIDsBatch: the ids CheckIDs takes.
type IDCheck struct {
	Principal PrincipalID
	Action    ActionID
	// Object ids (at most one per category) or one global id; none is a request about
	// nothing.
	Targets []TargetID
}

// CheckIDsBatch decides many requests by ids in one call into the library, so that the
// cost of crossing from Go to C (cgo's, several times a check's own) is paid once per
// batch rather than once per check. The decision of checks[i] is the i-th of the answer.
// All or nothing: when a request cannot be decided, the error is that request's (its
// message says which) and no decision is returned.
func (t *Tables) CheckIDsBatch(checks []IDCheck) ([]Decision, error) {
	h, err := t.live()
	if err != nil {
		return nil, err
	}
	if len(checks) == 0 {
		return []Decision{}, nil
	}
	requests := make([]C.RampartIdCheck, len(checks))
	for i, c := range checks {
		if len(c.Targets) > 4 {
			return nil, &Error{Code: code.InvalidRequest, Message: fmt.Sprintf(
				"check %d of the batch: invalid request: %d targets (at most one object per category, or one global object)",
				i, len(c.Targets))}
		}
		r := &requests[i]
		r.principal = C.uint64_t(c.Principal)
		r.action = C.uint64_t(c.Action)
		for j, id := range c.Targets {
			r.targets[j] = C.uint64_t(id)
		}
		r.targets_len = C.size_t(len(c.Targets))
	}
	out := make([]C.RampartDecision, len(checks))
	var cerr *C.RampartError
	status := C.rampart_check_ids_batch(h, &requests[0], C.size_t(len(requests)), &out[0], nil, &cerr)
	runtime.KeepAlive(t)
	if status != C.RAMPART_OK {
		return nil, failure(status, cerr)
	}
	decisions := make([]Decision, len(out))
	for i, d := range out {
		decisions[i] = decisionOf(d)
	}
	return decisions, nil
}

// Response is a decision with, when explained, the deciding permissions and the nearest
// candidates: the JSON answer of `rampart check --format json`.
type Response struct {
	Allowed     bool                     `json:"allowed"`
	Decision    string                   `json:"decision"`
	Reason      Reason                   `json:"reason"`
	Permissions []map[string]interface{} `json:"permissions,omitempty"`
	Candidates  []map[string]interface{} `json:"candidates,omitempty"`
}

// Check decides one request in the JSON model of `rampart check --batch` (`{subject,
// action, objects: {...}}` with keys or attribute objects, `{subject, action, global}`,
// or `{subject, action}`); with explain, the answer says why.
func (t *Tables) Check(request []byte, explain bool) (Response, error) {
	raw, err := t.CheckJSON(request, explain)
	if err != nil {
		return Response{}, err
	}
	var r Response
	err = json.Unmarshal(raw, &r)
	return r, err
}

// CheckJSON is Check with the answer as JSON text.
func (t *Tables) CheckJSON(request []byte, explain bool) ([]byte, error) {
	h, err := t.live()
	if err != nil {
		return nil, err
	}
	var p *C.uint8_t
	if len(request) > 0 {
		p = (*C.uint8_t)(unsafe.Pointer(&request[0]))
	}
	flags := C.uint32_t(0)
	if explain {
		flags = C.RAMPART_EXPLAIN
	}
	var out C.RampartBuffer
	var e *C.RampartError
	c := C.rampart_check_json(h, p, C.size_t(len(request)), flags, &out, &e)
	runtime.KeepAlive(t)
	runtime.KeepAlive(request)
	if c != C.RAMPART_OK {
		return nil, failure(c, e)
	}
	return takeBuffer(&out), nil
}
