// Package sidecar is a client of `rampart serve` (the HTTP sidecar) in pure Go: the
// standard library only, no cgo, for services built with CGO_ENABLED=0. It speaks the
// sidecar's AuthZEN 1.0 endpoints and returns the errors of package code, so that a
// service can move between this client and the in-process package rampart.dev/go/rampart
// without changing how it handles refusals.
//
//	client := sidecar.New("http://127.0.0.1:8181")
//	d, err := client.IsAuthorized(ctx, sidecar.Request{
//		Subject: "john@doe.com", Action: "playbook:run",
//		Objects: []sidecar.Object{sidecar.Playbook("mc/echo-config"), sidecar.Config("c-mc-pod")},
//	})
//
// A name that does not resolve is an error (code.ErrUnknownObject, ...), never a denial;
// a sidecar that cannot be reached is code.ErrTransport, never a denial either: the
// caller decides what to do, and a zero Decision is a denial.
package sidecar

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"rampart.dev/go/code"
)

// Client asks one sidecar. Safe for concurrent use.
type Client struct {
	base   string
	token  string
	http   *http.Client
	maxOut int64
}

// Option configures a Client.
type Option func(*Client)

// WithToken sends `Authorization: Bearer token` (the sidecar's --token-file).
func WithToken(token string) Option { return func(c *Client) { c.token = token } }

// WithHTTPClient uses h (timeouts, a Unix-socket transport, ...).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// New is a client of the sidecar at base (`http://127.0.0.1:8181`).
func New(base string, options ...Option) *Client {
	c := &Client{
		base:   strings.TrimRight(base, "/"),
		http:   &http.Client{Timeout: 5 * time.Second},
		maxOut: 16 << 20,
	}
	for _, o := range options {
		o(c)
	}
	return c
}

// Object is an object of a request: its category and key.
type Object struct {
	// Category is playbook, config, component or connection.
	Category string
	// Key is `namespace/name` or an id.
	Key string
}

// Playbook is a playbook by `namespace/name` or id.
func Playbook(key string) Object { return Object{"playbook", key} }

// Config is a config by id.
func Config(key string) Object { return Object{"config", key} }

// Component is a component by id.
func Component(key string) Object { return Object{"component", key} }

// Connection is a connection by `namespace/name` or id.
func Connection(key string) Object { return Object{"connection", key} }

// Request is a request by names: objects (at most one per category) or one global
// object. The sidecar's AuthZEN API always names a resource: a request about nothing is
// refused (code.ErrUnsupported); use the in-process package for those.
type Request struct {
	// Subject is `email|id|name`, `playbook:ns/name` or `notification:ns/name`.
	Subject string
	Action  string
	Objects []Object
	// Global is a global object (`catalog`, ...), instead of objects.
	Global string
	// Explain asks for the deciding permissions.
	Explain bool
}

// Decision is an answer; the zero Decision is a denial.
type Decision struct {
	Allowed bool
	// Reason is allowed, explicit_deny or no_allow_rule.
	Reason string
	// Revision is the revision of the tables that answered.
	Revision string
	// Explanation holds `permissions` and `candidates` when asked for.
	Explanation map[string]interface{}
}

type entity struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

type evaluation struct {
	Subject  entity                 `json:"subject"`
	Action   map[string]string      `json:"action"`
	Resource entity                 `json:"resource"`
	Context  map[string]interface{} `json:"context,omitempty"`
}

// subject is the AuthZEN subject of a runtime subject name.
func subject(name string) entity {
	for _, kind := range []string{"playbook", "notification"} {
		if strings.HasPrefix(name, kind+":") {
			return entity{kind, strings.TrimPrefix(name, kind+":")}
		}
	}
	return entity{"user", name}
}

func (r Request) evaluation() (evaluation, error) {
	e := evaluation{Subject: subject(r.Subject), Action: map[string]string{"name": r.Action}}
	switch {
	case r.Global != "" && len(r.Objects) > 0:
		return e, &code.Error{Code: code.InvalidRequest, Message: "invalid request: a request names objects or a global object, not both"}
	case r.Global != "":
		e.Resource = entity{"global", r.Global}
	case len(r.Objects) == 0:
		return e, &code.Error{Code: code.Unsupported, Message: "the sidecar's AuthZEN API needs a resource: a request about nothing is not supported"}
	default:
		e.Resource = entity{r.Objects[0].Category, r.Objects[0].Key}
		if len(r.Objects) > 1 {
			more := []entity{}
			for _, o := range r.Objects[1:] {
				more = append(more, entity{o.Category, o.Key})
			}
			e.Context = map[string]interface{}{"resources": more}
		}
	}
	if r.Explain {
		if e.Context == nil {
			e.Context = map[string]interface{}{}
		}
		e.Context["explain"] = true
	}
	return e, nil
}

type answer struct {
	Decision *bool                  `json:"decision"`
	Context  map[string]interface{} `json:"context"`
}

func (a answer) decision() (Decision, error) {
	if a.Decision == nil {
		return Decision{}, &code.Error{Code: code.Transport, Message: "the sidecar's answer has no decision"}
	}
	if e, ok := a.Context["error"].(map[string]interface{}); ok {
		return Decision{}, errorOf(e)
	}
	d := Decision{Allowed: *a.Decision}
	d.Reason, _ = a.Context["reason"].(string)
	d.Revision, _ = a.Context["revision"].(string)
	d.Explanation, _ = a.Context["reason_user"].(map[string]interface{})
	return d, nil
}

func errorOf(e map[string]interface{}) error {
	c, _ := e["code"].(string)
	m, _ := e["message"].(string)
	if c == "" {
		c = code.Transport
	}
	return &code.Error{Code: c, Message: m}
}

// post sends body to path and decodes a 200 answer into out; an error body becomes its
// *code.Error.
func (c *Client) post(ctx context.Context, path string, body interface{}, out interface{}) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return &code.Error{Code: code.InvalidArgument, Message: err.Error()}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(raw))
	if err != nil {
		return &code.Error{Code: code.Transport, Message: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return &code.Error{Code: code.Transport, Message: err.Error()}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.maxOut))
	if err != nil {
		return &code.Error{Code: code.Transport, Message: err.Error()}
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error map[string]interface{} `json:"error"`
		}
		if json.Unmarshal(data, &e) == nil && e.Error != nil {
			return errorOf(e.Error)
		}
		return &code.Error{Code: code.Transport, Message: fmt.Sprintf("the sidecar answered %s", resp.Status)}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &code.Error{Code: code.Transport, Message: "the sidecar's answer is not JSON: " + err.Error()}
	}
	return nil
}

// IsAuthorized decides one request (POST /access/v1/evaluation).
func (c *Client) IsAuthorized(ctx context.Context, r Request) (Decision, error) {
	e, err := r.evaluation()
	if err != nil {
		return Decision{}, err
	}
	var a answer
	if err := c.post(ctx, "/access/v1/evaluation", e, &a); err != nil {
		return Decision{}, err
	}
	return a.decision()
}

// Result is one answer of a batch: a decision, or the error of that request alone.
type Result struct {
	Decision Decision
	Err      error
}

// IsAuthorizedBatch decides many requests in one round trip (POST
// /access/v1/evaluations); answers come in order, and a request that cannot be decided
// has its own error without failing the others.
func (c *Client) IsAuthorizedBatch(ctx context.Context, requests []Request) ([]Result, error) {
	results := make([]Result, len(requests))
	items := []evaluation{}
	index := []int{}
	for i, r := range requests {
		e, err := r.evaluation()
		if err != nil {
			results[i].Err = err
			continue
		}
		items = append(items, e)
		index = append(index, i)
	}
	if len(items) == 0 {
		return results, nil
	}
	var out struct {
		Evaluations []answer `json:"evaluations"`
	}
	if err := c.post(ctx, "/access/v1/evaluations", map[string]interface{}{"evaluations": items}, &out); err != nil {
		return nil, err
	}
	if len(out.Evaluations) != len(items) {
		return nil, &code.Error{Code: code.Transport, Message: fmt.Sprintf("%d answers for %d evaluations", len(out.Evaluations), len(items))}
	}
	for k, a := range out.Evaluations {
		d, err := a.decision()
		results[index[k]] = Result{Decision: d, Err: err}
	}
	return results, nil
}

// Conditional is a subject allowed on the one object WhoCan was asked about only
// together with an object of the category With (`playbook:run` granted on a playbook
// with configs), and what that object must be: any object of the category (AllowAll),
// or one matching one of Allow; and none matching Deny.
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

// WhoCan is who may do an action on a target, as the in-process package answers it:
// Subjects, allowed on the target as asked; and, asked about one object, Conditional,
// the subjects allowed there only together with an object of another category. A
// subject in neither may not act on the target, alone or paired.
type WhoCan struct {
	Subjects    []string      `json:"subjects"`
	Conditional []Conditional `json:"conditional"`
}

// name is the runtime subject name of a search result.
func (s entity) name() string {
	if s.Type == "user" {
		return s.ID
	}
	return s.Type + ":" + s.ID
}

// WhoCan returns the subjects of kind `user`, `playbook` or `notification` allowed the
// action on the objects or global object of r (its Subject is ignored), as runtime
// subject names (`john@doe.com`, `notification:mc/check-alerts`), with those allowed
// only together with a second object (the search's `context.conditional`).
func (c *Client) WhoCan(ctx context.Context, kind string, r Request) (WhoCan, error) {
	who := WhoCan{Subjects: []string{}, Conditional: []Conditional{}}
	e, err := r.evaluation()
	if err != nil {
		return who, err
	}
	body := map[string]interface{}{
		"subject":  map[string]string{"type": kind},
		"action":   e.Action,
		"resource": e.Resource,
	}
	if e.Context != nil {
		body["context"] = e.Context
	}
	token := ""
	for first := true; ; first = false {
		body["page"] = map[string]interface{}{"token": token, "limit": 10000}
		var out struct {
			Results []entity `json:"results"`
			Page    struct {
				NextToken string `json:"next_token"`
			} `json:"page"`
			Context *struct {
				Conditional []struct {
					Conditional
					Subject entity `json:"subject"`
				} `json:"conditional"`
			} `json:"context"`
		}
		if err := c.post(ctx, "/access/v1/search/subject", body, &out); err != nil {
			return who, err
		}
		if out.Context == nil || out.Context.Conditional == nil {
			// A server that does not say who is allowed only with a second object
			// cannot be read as a complete answer.
			return who, &code.Error{Code: code.Transport, Message: "the search answer has no `context.conditional` (a sidecar older than this client?)"}
		}
		for _, s := range out.Results {
			who.Subjects = append(who.Subjects, s.name())
		}
		if first {
			// Every page carries the whole conditional list.
			for _, entry := range out.Context.Conditional {
				entry.Conditional.Subject = entry.Subject.name()
				who.Conditional = append(who.Conditional, entry.Conditional)
			}
		}
		if out.Page.NextToken == "" {
			break
		}
		token = out.Page.NextToken
	}
	return who, nil
}
