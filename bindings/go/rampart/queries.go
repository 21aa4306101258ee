package rampart

/*
#include <stdlib.h>
#include "rampart.h"
#include "helpers.h"
*/
import "C"

import (
	"encoding/json"
	"runtime"
	"unsafe"

	"rampart.dev/go/code"
)

// UnknownObjects are the rules that would admit objects the catalog does not know yet.
type UnknownObjects struct {
	AllowAll bool     `json:"allow_all"`
	Allow    []string `json:"allow"`
	DenyAll  bool     `json:"deny_all"`
	Deny     []string `json:"deny"`
}

// Listing is the objects a subject may act on.
type Listing struct {
	Subject        string         `json:"subject"`
	Action         string         `json:"action"`
	Category       string         `json:"category"`
	Total          uint64         `json:"total"`
	Objects        []string       `json:"objects"`
	Next           *string        `json:"next"`
	UnknownObjects UnknownObjects `json:"unknown_objects"`
}

// answer unmarshals a call's JSON answer.
func answer(c C.int32_t, out *C.RampartBuffer, e *C.RampartError, into interface{}) error {
	if c != C.RAMPART_OK {
		return failure(c, e)
	}
	return json.Unmarshal(takeBuffer(out), into)
}

// List returns the known objects of category the subject may do the action on; with an
// object of another category, the objects allowed together with it ("on which configs
// may john run this playbook").
func (t *Tables) List(subject, action string, category Category, with ...Object) (Listing, error) {
	var listing Listing
	h, err := t.live()
	if err != nil {
		return listing, err
	}
	fixed := Target{set: true}
	if len(with) > 0 {
		fixed = Objects(with...)
		if err := fixed.check(); err != nil {
			return listing, err
		}
	}
	s, sl := bytesOf(subject)
	a, al := bytesOf(action)
	pb, pbl := optional(fixed.keys[0], fixed.present[0])
	cf, cfl := optional(fixed.keys[1], fixed.present[1])
	cp, cpl := optional(fixed.keys[2], fixed.present[2])
	cn, cnl := optional(fixed.keys[3], fixed.present[3])
	withFlag := C.int(0)
	if len(with) > 0 {
		withFlag = 1
	}
	var out C.RampartBuffer
	var e *C.RampartError
	c := C.go_rampart_list(h, s, sl, a, al, C.uint32_t(category), withFlag, pb, pbl, cf, cfl, cp, cpl, cn, cnl, &out, &e)
	runtime.KeepAlive(t)
	runtime.KeepAlive(subject)
	runtime.KeepAlive(action)
	runtime.KeepAlive(fixed)
	return listing, answer(c, &out, e, &listing)
}

// Conditional is a subject allowed on the one object WhoCan was asked about only
// together with an object of the category With (`playbook:run` granted on a playbook
// with configs), and what that object must be: any object of the category (AllowAll), or
// one matching one of Allow; and none matching Deny.
type Conditional struct {
	Subject string `json:"subject"`
	// The category and condition of the object the grant needs (With, AllowAll,
	// Allow, DenyAll, Deny).
	Condition
	// And, for a grant naming three or four categories (`playbook:run` on a playbook
	// with configs and components), each further object the request needs besides the
	// one of With, with its condition; empty for a two-object grant.
	And []Condition `json:"and,omitempty"`
}

// Condition is what one object of a Conditional must be: an object of the category
// With, any (AllowAll) or one matching one of Allow; and none matching Deny.
type Condition struct {
	With     string   `json:"with"`
	AllowAll bool     `json:"allow_all"`
	Allow    []string `json:"allow"`
	DenyAll  bool     `json:"deny_all"`
	Deny     []string `json:"deny"`
}

// WhoCan is who may do an action on a target: Subjects, allowed on the target as asked;
// and, asked about one object, Conditional, the subjects allowed there only together
// with an object of another category. A subject in neither may not act on the target,
// alone or paired.
type WhoCan struct {
	Subjects    []string      `json:"subjects"`
	Conditional []Conditional `json:"conditional"`
}

// WhoCan returns who may do the action on the target, by the names subjects are looked
// up by, with the subjects allowed only together with a second object (see WhoCan).
func (t *Tables) WhoCan(action string, target Target) (WhoCan, error) {
	var who WhoCan
	h, err := t.live()
	if err != nil {
		return who, err
	}
	if err := target.check(); err != nil {
		return who, err
	}
	a, al := bytesOf(action)
	pb, pbl := optional(target.keys[0], target.present[0])
	cf, cfl := optional(target.keys[1], target.present[1])
	cp, cpl := optional(target.keys[2], target.present[2])
	cn, cnl := optional(target.keys[3], target.present[3])
	g, gl := optional(target.global, target.hasGlobal)
	var out C.RampartBuffer
	var e *C.RampartError
	c := C.go_rampart_who_can(h, a, al, pb, pbl, cf, cfl, cp, cpl, cn, cnl, g, gl, &out, &e)
	runtime.KeepAlive(t)
	runtime.KeepAlive(action)
	runtime.KeepAlive(target)
	return who, answer(c, &out, e, &who)
}

// SQLFilterOptions say how a SQL filter is wanted.
type SQLFilterOptions struct {
	// Columns are `FIELD=COLUMN` assignments over Mission Control's defaults.
	Columns []string
	// IDType is the SQL type of the id columns (empty: uuid).
	IDType string
	// FirstParam numbers the parameters from this one (0: from 1).
	FirstParam uint32
	// IDs asks for the id list of the known objects.
	IDs bool
}

// SQLFilter is a PostgreSQL WHERE predicate with its parameters.
type SQLFilter struct {
	Subject    string        `json:"subject"`
	Action     string        `json:"action"`
	Category   string        `json:"category"`
	Form       string        `json:"form"`
	SQL        string        `json:"sql"`
	Params     []interface{} `json:"params"`
	FirstParam uint32        `json:"first_param"`
	Note       *string       `json:"note"`
	// With is the object the rows are paired with (SQLFilterWith only).
	With *Paired `json:"with,omitempty"`
}

// Paired is the object a SQL filter's rows are paired with: its category (singular, as
// `playbook`) and key.
type Paired struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// SQLFilter returns a WHERE predicate for the rows of category the subject may do the
// action on. Where the subject's grants name the category only together with another
// one, so that the filter alone would be FALSE, it is an invalid_request error naming
// the object to pair with (SQLFilterWith).
func (t *Tables) SQLFilter(subject, action string, category Category, o SQLFilterOptions) (SQLFilter, error) {
	return t.sqlFilter(subject, action, category, nil, o)
}

// SQLFilterWith returns a WHERE predicate for the rows of category the subject may do the
// action on together with the object with, of another category ("the configs john may
// run this playbook on": category Configs, with Playbook("mc/echo-config")): each row is
// judged as a check of the pair judges it.
func (t *Tables) SQLFilterWith(subject, action string, category Category, with Object, o SQLFilterOptions) (SQLFilter, error) {
	return t.sqlFilter(subject, action, category, &with, o)
}

// sqlFilter is SQLFilter (with nil) and SQLFilterWith.
func (t *Tables) sqlFilter(subject, action string, category Category, with *Object, o SQLFilterOptions) (SQLFilter, error) {
	var filter SQLFilter
	h, err := t.live()
	if err != nil {
		return filter, err
	}
	var fixed Target
	if with != nil {
		fixed = Objects(*with)
		if err := fixed.check(); err != nil {
			return filter, err
		}
	}
	if len(o.Columns) > 64 {
		return filter, &Error{Code: code.InvalidArgument, Message: "more than 64 column assignments"}
	}
	// The assignments are copied into C memory: an array of strings holds pointers,
	// which Go memory handed to C may not.
	columns := (*[64]C.RampartStr)(C.malloc(C.size_t(64 * unsafe.Sizeof(C.RampartStr{}))))
	defer C.free(unsafe.Pointer(columns))
	for i, assignment := range o.Columns {
		columns[i].ptr = (*C.uint8_t)(C.CBytes([]byte(assignment + "\x00")))
		columns[i].len = C.size_t(len(assignment))
		defer C.free(unsafe.Pointer(columns[i].ptr))
	}
	s, sl := bytesOf(subject)
	a, al := bytesOf(action)
	id, idl := optional(o.IDType, o.IDType != "")
	flags := C.uint32_t(0)
	if o.IDs {
		flags = C.RAMPART_FILTER_IDS
	}
	var out C.RampartBuffer
	var e *C.RampartError
	var c C.int32_t
	if with == nil {
		c = C.go_rampart_sql_filter(h, s, sl, a, al, C.uint32_t(category), &columns[0], C.size_t(len(o.Columns)), id, idl, C.uint32_t(o.FirstParam), flags, &out, &e)
	} else {
		pb, pbl := optional(fixed.keys[0], fixed.present[0])
		cf, cfl := optional(fixed.keys[1], fixed.present[1])
		cp, cpl := optional(fixed.keys[2], fixed.present[2])
		cn, cnl := optional(fixed.keys[3], fixed.present[3])
		c = C.go_rampart_sql_filter_with(h, s, sl, a, al, C.uint32_t(category), pb, pbl, cf, cfl, cp, cpl, cn, cnl, &columns[0], C.size_t(len(o.Columns)), id, idl, C.uint32_t(o.FirstParam), flags, &out, &e)
	}
	runtime.KeepAlive(t)
	runtime.KeepAlive(subject)
	runtime.KeepAlive(action)
	runtime.KeepAlive(fixed)
	runtime.KeepAlive(o)
	return filter, answer(c, &out, e, &filter)
}

// Secret is one credential for connection resolution.
type Secret struct {
	// Kind is secret, configmap, helm or serviceaccount.
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Key       string `json:"key"`
	Value     string `json:"value"`
}

// ResolveOptions say how a connection reference is resolved.
type ResolveOptions struct {
	// Namespace of a reference that names none (empty: default).
	Namespace string
	// Secrets are tried first.
	Secrets []Secret
	// Environment also reads NAME_KEY variables.
	Environment bool
	// ShowSecrets returns values instead of masks.
	ShowSecrets bool
}

// ResolvedConnection is a resolved connection; secrets are masked unless asked for.
type ResolvedConnection struct {
	Reference   string            `json:"reference"`
	Type        string            `json:"type"`
	URL         string            `json:"url"`
	Username    *string           `json:"username"`
	Password    *string           `json:"password"`
	Certificate *string           `json:"certificate"`
	Properties  map[string]string `json:"properties"`
	// InsecureTLS is the connection's insecure_tls column (upstream sets it for http,
	// aws, awskms, s3 and elasticsearch connections; false elsewhere).
	InsecureTLS bool `json:"insecure_tls"`
}

// ResolveConnection resolves a `connection://` reference for a subject that may read
// the connection; a subject that may not gets ErrDenied whether or not it exists.
func (t *Tables) ResolveConnection(reference, subject string, o ResolveOptions) (ResolvedConnection, error) {
	var connection ResolvedConnection
	h, err := t.live()
	if err != nil {
		return connection, err
	}
	secrets := o.Secrets
	if secrets == nil {
		secrets = []Secret{}
	}
	text, err := json.Marshal(secrets)
	if err != nil {
		return connection, err
	}
	r, rl := bytesOf(reference)
	s, sl := bytesOf(subject)
	ns, nsl := optional(o.Namespace, o.Namespace != "")
	sec, secl := bytesOf(string(text))
	flags := C.uint32_t(0)
	if o.Environment {
		flags |= C.RAMPART_RESOLVE_ENVIRONMENT
	}
	if o.ShowSecrets {
		flags |= C.RAMPART_RESOLVE_SHOW_SECRETS
	}
	var out C.RampartBuffer
	var e *C.RampartError
	c := C.go_rampart_resolve(h, r, rl, s, sl, ns, nsl, sec, secl, flags, &out, &e)
	runtime.KeepAlive(t)
	runtime.KeepAlive(reference)
	runtime.KeepAlive(subject)
	runtime.KeepAlive(o)
	runtime.KeepAlive(text)
	return connection, answer(c, &out, e, &connection)
}
