package rampart_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"rampart.dev/go/code"
	"rampart.dev/go/rampart"
)

// root is the repository's root.
var root = filepath.Join("..", "..", "..")

type vectors struct {
	Tables      string                   `json:"tables"`
	Checks      []map[string]interface{} `json:"checks"`
	Lists       []map[string]interface{} `json:"lists"`
	WhoCan      []map[string]interface{} `json:"who_can"`
	SQLFilters  []map[string]interface{} `json:"sql_filters"`
	Connections []map[string]interface{} `json:"connections"`
	Loads       []map[string]interface{} `json:"loads"`
}

func readVectors(t *testing.T) vectors {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "bindings", "vectors", "vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func load(t *testing.T, v vectors) *rampart.Tables {
	t.Helper()
	tables, err := rampart.Load(filepath.Join(root, v.Tables))
	if err != nil {
		t.Fatal(err)
	}
	return tables
}

// expected is what a vector expects: its answer, or {"error": {code, message}}.
func expected(vector map[string]interface{}) interface{} {
	if e, ok := vector["error"]; ok {
		return map[string]interface{}{"error": e}
	}
	return vector["expect"]
}

// outcome is an answer as generic JSON, or the error in the vectors' form.
func outcome(t *testing.T, answer interface{}, err error) interface{} {
	t.Helper()
	if err != nil {
		var e *rampart.Error
		if !errors.As(err, &e) {
			t.Fatalf("an error that is not a *rampart.Error: %v", err)
		}
		if !errors.Is(err, &code.Error{Code: e.Code}) {
			t.Fatalf("errors.Is does not match code %s", e.Code)
		}
		return map[string]interface{}{"error": map[string]interface{}{"code": e.Code, "message": e.Message}}
	}
	raw, jerr := json.Marshal(answer)
	if jerr != nil {
		t.Fatal(jerr)
	}
	var generic interface{}
	if jerr := json.Unmarshal(raw, &generic); jerr != nil {
		t.Fatal(jerr)
	}
	return generic
}

func same(t *testing.T, face string, vector map[string]interface{}, got, want interface{}) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: %v:\n got %v\nwant %v", face, vector["name"], got, want)
	}
}

var categories = []struct {
	name     string
	category rampart.Category
}{{"playbook", rampart.Playbooks}, {"config", rampart.Configs}, {"component", rampart.Components}, {"connection", rampart.Connections}}

// target is a vector's {playbook?, config?, component?, connection?, global?}.
func target(m map[string]interface{}) rampart.Target {
	if g, ok := m["global"].(string); ok {
		return rampart.Global(g)
	}
	var objects []rampart.Object
	for _, c := range categories {
		if key, ok := m[c.name].(string); ok {
			objects = append(objects, rampart.Object{Category: c.category, Key: key})
		}
	}
	if len(objects) == 0 {
		return rampart.Nothing()
	}
	return rampart.Objects(objects...)
}

// parts is a check vector's request by names, when every object is a key.
func parts(vector map[string]interface{}) (rampart.Request, bool) {
	request, ok := vector["request"].(map[string]interface{})
	if !ok {
		return rampart.Request{}, false
	}
	subject, sok := request["subject"].(string)
	action, aok := request["action"].(string)
	if !sok || !aok {
		return rampart.Request{}, false
	}
	m := map[string]interface{}{}
	for k, v := range request {
		switch k {
		case "subject", "action":
		case "global":
			m["global"] = v
		case "objects":
			objects, ok := v.(map[string]interface{})
			if !ok {
				return rampart.Request{}, false
			}
			for name, key := range objects {
				if _, ok := key.(string); !ok {
					return rampart.Request{}, false
				}
				m[name] = key
			}
		default:
			return rampart.Request{}, false
		}
	}
	if _, both := m["global"]; both && len(m) > 1 {
		// Objects and a global object: the Target type cannot say both, so the Go face
		// refuses it before asking (the JSON face answers the vector).
		return rampart.Request{}, false
	}
	return rampart.Request{Subject: subject, Action: action, Target: target(m)}, true
}

func decisionOnly(want interface{}) interface{} {
	m, ok := want.(map[string]interface{})
	if !ok || m["error"] != nil {
		return want
	}
	return map[string]interface{}{"allowed": m["allowed"], "reason": m["reason"]}
}

func TestChecksByJSONNamesAndIDs(t *testing.T) {
	v := readVectors(t)
	tables := load(t, v)
	byParts := 0
	for _, vector := range v.Checks {
		text, _ := vector["request_text"].(string)
		if text == "" {
			raw, _ := json.Marshal(vector["request"])
			text = string(raw)
		}
		explain, _ := vector["explain"].(bool)
		answer, err := tables.CheckJSON([]byte(text), explain)
		var generic interface{}
		if err == nil {
			_ = json.Unmarshal(answer, &generic)
		}
		same(t, "json", vector, outcome(t, generic, err), expected(vector))
		request, ok := parts(vector)
		if !ok || explain {
			continue
		}
		byParts++
		d, err := tables.IsAuthorized(request)
		got := outcome(t, map[string]interface{}{"allowed": d.Allowed, "reason": d.Reason}, err)
		same(t, "names", vector, got, decisionOnly(expected(vector)))
		if _, failing := vector["error"]; failing {
			if d != (rampart.Decision{}) {
				t.Errorf("%v: a failed call returned a non-zero decision", vector["name"])
			}
			continue
		}
		d, err = byIDs(tables, vector)
		got = outcome(t, map[string]interface{}{"allowed": d.Allowed, "reason": d.Reason}, err)
		same(t, "ids", vector, got, decisionOnly(expected(vector)))
	}
	if byParts < 20 {
		t.Fatalf("only %d checks went by names and ids", byParts)
	}
}

func byIDs(tables *rampart.Tables, vector map[string]interface{}) (rampart.Decision, error) {
	c, err := idCheck(tables, vector)
	if err != nil {
		return rampart.Decision{}, err
	}
	return tables.CheckIDs(c.Principal, c.Action, c.Targets...)
}

// idCheck resolves a vector's request by names to ids.
func idCheck(tables *rampart.Tables, vector map[string]interface{}) (rampart.IDCheck, error) {
	request := vector["request"].(map[string]interface{})
	p, err := tables.Principal(request["subject"].(string))
	if err != nil {
		return rampart.IDCheck{}, err
	}
	a, err := tables.Action(request["action"].(string))
	if err != nil {
		return rampart.IDCheck{}, err
	}
	var targets []rampart.TargetID
	objects, _ := request["objects"].(map[string]interface{})
	for _, c := range categories {
		if key, ok := objects[c.name].(string); ok {
			id, err := tables.Object(c.category, key)
			if err != nil {
				return rampart.IDCheck{}, err
			}
			targets = append(targets, id)
		}
	}
	if g, ok := request["global"].(string); ok {
		id, err := tables.GlobalObject(g)
		if err != nil {
			return rampart.IDCheck{}, err
		}
		targets = append(targets, id)
	}
	return rampart.IDCheck{Principal: p, Action: a, Targets: targets}, nil
}

// TestBatchesByIDs decides every vector that resolves to ids in one batch, which must
// answer as the checks one by one do; a batch holding one request that cannot be decided
// fails whole, naming it, and returns no decision.
func TestBatchesByIDs(t *testing.T) {
	v := readVectors(t)
	tables := load(t, v)
	var checks []rampart.IDCheck
	var want []rampart.Decision
	for _, vector := range v.Checks {
		if explain, _ := vector["explain"].(bool); explain {
			continue
		}
		if _, ok := parts(vector); !ok {
			continue
		}
		c, err := idCheck(tables, vector)
		if err != nil {
			continue
		}
		d, err := tables.CheckIDs(c.Principal, c.Action, c.Targets...)
		if err != nil {
			continue
		}
		checks = append(checks, c)
		want = append(want, d)
	}
	if len(checks) < 10 {
		t.Fatalf("only %d vectors resolve to ids", len(checks))
	}
	got, err := tables.CheckIDsBatch(checks)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("the batch answered %v, the checks one by one %v", got, want)
	}
	if got, err := tables.CheckIDsBatch(nil); err != nil || len(got) != 0 {
		t.Fatalf("an empty batch: %v %v", got, err)
	}
	other := load(t, v)
	forged := append([]rampart.IDCheck{}, checks[:3]...)
	stale, _ := idCheck(other, map[string]interface{}{"request": map[string]interface{}{"subject": "john@doe.com", "action": "read"}})
	forged = append(forged, stale)
	forged = append(forged, checks[3:6]...)
	got, err = tables.CheckIDsBatch(forged)
	if !errors.Is(err, rampart.ErrInvalidRequest) || !strings.Contains(err.Error(), "check 3 of the batch") || got != nil {
		t.Fatalf("a batch with another tables' ids at position 3: %v %v", got, err)
	}
	five := append([]rampart.IDCheck{}, checks[0])
	five[0].Targets = make([]rampart.TargetID, 5)
	if _, err := tables.CheckIDsBatch(five); !errors.Is(err, rampart.ErrInvalidRequest) {
		t.Fatalf("five targets: %v", err)
	}
}

func categoryOf(name string) rampart.Category {
	for _, c := range categories {
		if name == c.name || name == c.name+"s" {
			return c.category
		}
	}
	return rampart.Category(99)
}

func TestQueries(t *testing.T) {
	v := readVectors(t)
	tables := load(t, v)
	for _, vector := range v.Lists {
		var with []rampart.Object
		if w, ok := vector["with"].(map[string]interface{}); ok {
			for name, key := range w {
				with = append(with, rampart.Object{Category: categoryOf(name), Key: key.(string)})
			}
		}
		listing, err := tables.List(vector["subject"].(string), vector["action"].(string), categoryOf(vector["category"].(string)), with...)
		same(t, "list", vector, outcome(t, listing, err), expected(vector))
	}
	for _, vector := range v.WhoCan {
		who, err := tables.WhoCan(vector["action"].(string), target(vector["target"].(map[string]interface{})))
		same(t, "who_can", vector, outcome(t, who, err), expected(vector))
	}
	for _, vector := range v.SQLFilters {
		o := rampart.SQLFilterOptions{}
		if columns, ok := vector["columns"].([]interface{}); ok {
			for _, c := range columns {
				o.Columns = append(o.Columns, c.(string))
			}
		}
		o.IDType, _ = vector["id_type"].(string)
		if f, ok := vector["first_param"].(float64); ok {
			o.FirstParam = uint32(f)
		}
		o.IDs, _ = vector["ids"].(bool)
		subject, action, category := vector["subject"].(string), vector["action"].(string), categoryOf(vector["category"].(string))
		var filter rampart.SQLFilter
		var err error
		if w, ok := vector["with"].(map[string]interface{}); !ok {
			filter, err = tables.SQLFilter(subject, action, category, o)
		} else if _, global := w["global"]; global {
			continue // SQLFilterWith takes an Object: a global object cannot be passed.
		} else {
			for name, key := range w {
				filter, err = tables.SQLFilterWith(subject, action, category, rampart.Object{Category: categoryOf(name), Key: key.(string)}, o)
			}
		}
		same(t, "sql_filter", vector, outcome(t, filter, err), expected(vector))
	}
	for _, vector := range v.Connections {
		o := rampart.ResolveOptions{}
		raw, _ := json.Marshal(vector["secrets"])
		_ = json.Unmarshal(raw, &o.Secrets)
		o.Namespace, _ = vector["namespace"].(string)
		o.ShowSecrets, _ = vector["show_secrets"].(bool)
		connection, err := tables.ResolveConnection(vector["reference"].(string), vector["subject"].(string), o)
		same(t, "resolve", vector, outcome(t, connection, err), expected(vector))
	}
	for _, vector := range v.Loads {
		var options []rampart.LoadOption
		if key, ok := vector["public_key"].(string); ok {
			options = append(options, rampart.WithPublicKey(key))
		}
		loaded, err := rampart.Load(filepath.Join(root, vector["file"].(string)), options...)
		var answer interface{}
		if err == nil {
			answer = map[string]interface{}{"loaded": true, "revision": loaded.Info().Revision}
		}
		same(t, "load", vector, outcome(t, answer, err), expected(vector))
	}
}

func TestFailClosedAndSafeHandles(t *testing.T) {
	v := readVectors(t)
	tables := load(t, v)
	if _, err := tables.IsAuthorized(rampart.Request{Subject: "admin@example.com", Action: "read"}); !errors.Is(err, rampart.ErrInvalidRequest) {
		t.Fatalf("a request without a target: %v", err)
	}
	if _, err := tables.IsAuthorized(rampart.Request{Subject: "john@doe.com", Action: "read", Target: rampart.Objects(rampart.Config(""))}); !errors.Is(err, rampart.ErrUnknownObject) {
		t.Fatalf("an empty key is a key, never dropped: %v", err)
	}
	if _, err := tables.IsAuthorized(rampart.Request{Subject: "john@doe.com", Action: "read", Target: rampart.Objects(rampart.Config("c-mc-pod"), rampart.Config("c-bucket"))}); !errors.Is(err, rampart.ErrInvalidRequest) {
		t.Fatalf("two configs: %v", err)
	}
	if _, err := tables.IsAuthorized(rampart.Request{Subject: "j\xffn", Action: "read", Target: rampart.Nothing()}); !errors.Is(err, code.ErrInvalidArgument) {
		t.Fatalf("bytes that are not UTF-8: %v", err)
	}
	other := load(t, v)
	john, _ := tables.Principal("john@doe.com")
	read, _ := tables.Action("read")
	if _, err := other.CheckIDs(john, read); !errors.Is(err, rampart.ErrInvalidRequest) {
		t.Fatalf("ids of other tables: %v", err)
	}
	if _, err := tables.CheckIDs(rampart.PrincipalID(read), read); !errors.Is(err, rampart.ErrInvalidRequest) {
		t.Fatalf("an action id as a principal: %v", err)
	}
	if _, err := rampart.LoadBytes(nil); !errors.Is(err, code.ErrTruncated) {
		t.Fatalf("no bytes: %v", err)
	}
	if err := other.Close(); err != nil {
		t.Fatal(err)
	}
	_ = other.Close()
	if _, err := other.IsAuthorized(rampart.Request{Subject: "john@doe.com", Action: "read", Target: rampart.Nothing()}); !errors.Is(err, rampart.ErrClosed) {
		t.Fatalf("closed tables: %v", err)
	}
	var nilTables *rampart.Tables
	if _, err := nilTables.Principal("john@doe.com"); !errors.Is(err, rampart.ErrClosed) {
		t.Fatalf("nil tables: %v", err)
	}
}

func TestConcurrentChecksAndClose(t *testing.T) {
	v := readVectors(t)
	tables := load(t, v)
	loki, _ := tables.Principal("playbook:mc/loki-logs")
	read, _ := tables.Action("read")
	bucket, _ := tables.Object(rampart.Connections, "mc/loki-bucket")
	var wg sync.WaitGroup
	var mu sync.Mutex
	wrong := 0
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5000; i++ {
				d, err := tables.CheckIDs(loki, read, bucket)
				if err != nil {
					if errors.Is(err, rampart.ErrClosed) {
						return
					}
					mu.Lock()
					wrong++
					mu.Unlock()
					return
				}
				if !d.Allowed {
					mu.Lock()
					wrong++
					mu.Unlock()
				}
			}
		}()
	}
	_ = tables.Close()
	wg.Wait()
	if wrong != 0 {
		t.Fatalf("%d wrong answers under concurrency", wrong)
	}
}

// TestWorkload decides rampart-workload's requests and compares them with the
// generator's own decisions (CI sets RAMPART_WORKLOAD).
func TestWorkload(t *testing.T) {
	dir := os.Getenv("RAMPART_WORKLOAD")
	if dir == "" {
		t.Skip("RAMPART_WORKLOAD is not set (CI sets it to a rampart-workload directory)")
	}
	tables, err := rampart.Load(filepath.Join(dir, "tables.rampart"))
	if err != nil {
		t.Fatal(err)
	}
	requests, err := os.Open(filepath.Join(dir, "requests.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer requests.Close()
	expectedFile, err := os.Open(filepath.Join(dir, "expected.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer expectedFile.Close()
	in, want := bufio.NewScanner(requests), bufio.NewScanner(expectedFile)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	want.Buffer(make([]byte, 1<<20), 1<<20)
	n, mismatches := 0, []int{}
	for in.Scan() {
		if !want.Scan() {
			t.Fatal("fewer expected decisions than requests")
		}
		n++
		var e struct {
			Allowed bool `json:"allowed"`
		}
		if err := json.Unmarshal(want.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		r, err := tables.Check(in.Bytes(), false)
		if err != nil || r.Allowed != e.Allowed {
			mismatches = append(mismatches, n)
		}
	}
	sort.Ints(mismatches)
	if n == 0 || len(mismatches) > 0 {
		t.Fatalf("%d requests, mismatches at %v", n, mismatches)
	}
}
