package sidecar_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"rampart.dev/go/code"
	"rampart.dev/go/sidecar"
)

var root = filepath.Join("..", "..", "..")

// serve starts `rampart serve` on a free loopback port with the fixtures' tables
// (RAMPART_BIN, or the repository's target/release/rampart) and returns its client.
func serve(t *testing.T, extra ...string) (*sidecar.Client, string) {
	t.Helper()
	bin := os.Getenv("RAMPART_BIN")
	if bin == "" {
		bin = filepath.Join(root, "target", "release", "rampart")
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("no rampart binary at %s (cargo build --release -p rampart-cli, or set RAMPART_BIN): %v", bin, err)
	}
	args := append([]string{"serve", "-t", filepath.Join(root, "fixtures", "tables", "format-v3.rampart"), "--listen", "127.0.0.1:0"}, extra...)
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	lines := bufio.NewScanner(stderr)
	found := make(chan string, 1)
	go func() {
		for lines.Scan() {
			line := lines.Text()
			if i := strings.Index(line, "listening on http://"); i >= 0 {
				address := strings.Fields(line[i+len("listening on http://"):])[0]
				found <- address
			}
		}
	}()
	select {
	case address := <-found:
		return sidecar.New("http://" + address), address
	case <-time.After(30 * time.Second):
		t.Fatal("rampart serve did not say where it listens")
	}
	return nil, ""
}

type vectors struct {
	Checks []map[string]interface{} `json:"checks"`
	WhoCan []map[string]interface{} `json:"who_can"`
}

func readVectors(t *testing.T) vectors {
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

var categories = []string{"playbook", "config", "component", "connection"}

// request is a check vector as a sidecar request, when AuthZEN can say it.
func request(vector map[string]interface{}) (sidecar.Request, bool) {
	r, ok := vector["request"].(map[string]interface{})
	if !ok || vector["explain"] != nil {
		return sidecar.Request{}, false
	}
	subject, _ := r["subject"].(string)
	action, _ := r["action"].(string)
	out := sidecar.Request{Subject: subject, Action: action}
	objects, _ := r["objects"].(map[string]interface{})
	for _, c := range categories {
		if key, ok := objects[c]; ok {
			k, isKey := key.(string)
			if !isKey {
				return out, false
			}
			out.Objects = append(out.Objects, sidecar.Object{Category: c, Key: k})
		}
	}
	out.Global, _ = r["global"].(string)
	for k := range r {
		if k != "subject" && k != "action" && k != "objects" && k != "global" {
			return out, false
		}
	}
	if len(out.Objects) == 0 && out.Global == "" {
		return out, false
	}
	if len(out.Objects) > 0 && out.Global != "" {
		return out, false
	}
	return out, true
}

func outcome(d sidecar.Decision, err error) map[string]interface{} {
	if err != nil {
		var e *code.Error
		if !errors.As(err, &e) {
			return map[string]interface{}{"error": err.Error()}
		}
		return map[string]interface{}{"error": map[string]interface{}{"code": e.Code, "message": e.Message}}
	}
	return map[string]interface{}{"allowed": d.Allowed, "reason": d.Reason}
}

func expected(vector map[string]interface{}) map[string]interface{} {
	if e, ok := vector["error"]; ok {
		return map[string]interface{}{"error": e}
	}
	want := vector["expect"].(map[string]interface{})
	return map[string]interface{}{"allowed": want["allowed"], "reason": want["reason"]}
}

func TestTheSidecarAnswersTheVectors(t *testing.T) {
	client, _ := serve(t)
	v := readVectors(t)
	ctx := context.Background()
	var batch []sidecar.Request
	var wants []map[string]interface{}
	asked := 0
	for _, vector := range v.Checks {
		r, ok := request(vector)
		if !ok {
			continue
		}
		asked++
		got := outcome(client.IsAuthorized(ctx, r))
		if !reflect.DeepEqual(got, expected(vector)) {
			t.Errorf("%v:\n got %v\nwant %v", vector["name"], got, expected(vector))
		}
		batch = append(batch, r)
		wants = append(wants, expected(vector))
	}
	if asked < 20 {
		t.Fatalf("only %d vectors asked", asked)
	}
	results, err := client.IsAuthorizedBatch(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	for i, result := range results {
		got := outcome(result.Decision, result.Err)
		if !reflect.DeepEqual(got, wants[i]) {
			t.Errorf("batch item %d:\n got %v\nwant %v", i, got, wants[i])
		}
		if result.Err != nil && result.Decision.Allowed {
			t.Errorf("batch item %d: an error with an allow", i)
		}
	}
	for _, vector := range v.WhoCan {
		target := vector["target"].(map[string]interface{})
		r := sidecar.Request{Action: vector["action"].(string)}
		for _, c := range categories {
			if key, ok := target[c].(string); ok {
				r.Objects = append(r.Objects, sidecar.Object{Category: c, Key: key})
			}
		}
		r.Global, _ = target["global"].(string)
		if len(r.Objects) == 0 && r.Global == "" {
			continue
		}
		who := sidecar.WhoCan{Subjects: []string{}, Conditional: []sidecar.Conditional{}}
		var err error
		for _, kind := range []string{"user", "playbook", "notification"} {
			var some sidecar.WhoCan
			some, err = client.WhoCan(ctx, kind, r)
			if err != nil {
				break
			}
			who.Subjects = append(who.Subjects, some.Subjects...)
			who.Conditional = append(who.Conditional, some.Conditional...)
		}
		if e, failing := vector["error"].(map[string]interface{}); failing {
			var ce *code.Error
			if !errors.As(err, &ce) || ce.Code != e["code"] {
				t.Errorf("%v: want %v, got %v", vector["name"], e["code"], err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", vector["name"], err)
			continue
		}
		// The in-process answer's order is the tables'; the searches go kind by kind.
		var want sidecar.WhoCan
		raw, _ := json.Marshal(vector["expect"])
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatal(err)
		}
		for _, w := range []*sidecar.WhoCan{&who, &want} {
			sort.Strings(w.Subjects)
			sort.Slice(w.Conditional, func(i, j int) bool {
				return w.Conditional[i].Subject+w.Conditional[i].With < w.Conditional[j].Subject+w.Conditional[j].With
			})
		}
		if !reflect.DeepEqual(who, want) {
			t.Errorf("%v: got %+v want %+v", vector["name"], who, want)
		}
	}
}

func TestRefusalsNeverReadAsDenials(t *testing.T) {
	client, address := serve(t)
	ctx := context.Background()
	d, err := client.IsAuthorized(ctx, sidecar.Request{Subject: "admin@example.com", Action: "read"})
	if !errors.Is(err, code.ErrUnsupported) || d.Allowed {
		t.Fatalf("a request about nothing: %v %v", d, err)
	}
	_, err = client.IsAuthorized(ctx, sidecar.Request{Subject: "admin@example.com", Action: "read", Global: "catalog", Objects: []sidecar.Object{sidecar.Config("c-mc-pod")}})
	if !errors.Is(err, code.ErrInvalidRequest) {
		t.Fatalf("objects and a global object: %v", err)
	}
	explained, err := client.IsAuthorized(ctx, sidecar.Request{Subject: "notification:mc/check-alerts", Action: "playbook:run", Objects: []sidecar.Object{sidecar.Playbook("mc/echo-config"), sidecar.Config("c-mc-pod")}, Explain: true})
	if err != nil || !explained.Allowed || explained.Explanation == nil || explained.Revision == "" {
		t.Fatalf("explained: %+v %v", explained, err)
	}
	nobody := sidecar.New("http://127.0.0.1:1")
	d, err = nobody.IsAuthorized(ctx, sidecar.Request{Subject: "john@doe.com", Action: "read", Objects: []sidecar.Object{sidecar.Config("c-mc-pod")}})
	if !errors.Is(err, code.ErrTransport) || d.Allowed {
		t.Fatalf("an unreachable sidecar: %v %v", d, err)
	}
	wrongPath := sidecar.New("http://" + address + "/nothing-here")
	if _, err := wrongPath.IsAuthorized(ctx, sidecar.Request{Subject: "john@doe.com", Action: "read", Objects: []sidecar.Object{sidecar.Config("c-mc-pod")}}); err == nil {
		t.Fatal("an endpoint that is not one answered")
	}
}

func TestATokenIsSent(t *testing.T) {
	dir := t.TempDir()
	token := "a-token-of-at-least-sixteen-characters"
	file := filepath.Join(dir, "token")
	if err := os.WriteFile(file, []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	_, address := serve(t, "--token-file", file)
	r := sidecar.Request{Subject: "john@doe.com", Action: "read", Objects: []sidecar.Object{sidecar.Config("c-mc-pod")}}
	if _, err := sidecar.New("http://"+address).IsAuthorized(context.Background(), r); err == nil {
		t.Fatal("no token, and an answer")
	}
	if _, err := sidecar.New("http://"+address, sidecar.WithToken(token)).IsAuthorized(context.Background(), r); err != nil {
		t.Fatalf("with the token: %v", err)
	}
}
