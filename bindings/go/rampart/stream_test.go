package rampart_test

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"rampart.dev/go/rampart"
)

// TestStream times the bench stream through cgo (the same stream and method as
// `rampart-workload stream --time`; see benches/README.md): set RAMPART_STREAM to the file
// `rampart-workload stream --export` wrote and RAMPART_STREAM_TABLES to its tables, and
// run `go test -run TestStream -v ./rampart`. RAMPART_STREAM_PASSES sets the passes
// (default 20; 0 times nothing), RAMPART_STREAM_ONLY=ids, names or batch runs one part: under
// cachegrind, the difference between 0 and 2 passes divided by twice the requests is
// the instructions of one check.
func TestStream(t *testing.T) {
	path, tablesPath := os.Getenv("RAMPART_STREAM"), os.Getenv("RAMPART_STREAM_TABLES")
	if path == "" || tablesPath == "" {
		t.Skip("RAMPART_STREAM and RAMPART_STREAM_TABLES are not set (a measurement, not a test)")
	}
	tables, err := rampart.Load(tablesPath)
	if err != nil {
		t.Fatal(err)
	}
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	type item struct {
		request   rampart.Request
		principal rampart.PrincipalID
		action    rampart.ActionID
		targets   []rampart.TargetID
	}
	var items []item
	lines := bufio.NewScanner(file)
	for lines.Scan() {
		f := strings.Split(lines.Text(), "\t")
		it := item{}
		var objects []rampart.Object
		if len(f) == 4 {
			objects = append(objects, rampart.Playbook(f[2]))
		}
		objects = append(objects, rampart.Config(f[len(f)-1]))
		it.request = rampart.Request{Subject: f[0], Action: f[1], Target: rampart.Objects(objects...)}
		if it.principal, err = tables.Principal(f[0]); err != nil {
			t.Fatal(err)
		}
		if it.action, err = tables.Action(f[1]); err != nil {
			t.Fatal(err)
		}
		for _, o := range objects {
			id, err := tables.Object(o.Category, o.Key)
			if err != nil {
				t.Fatal(err)
			}
			it.targets = append(it.targets, id)
		}
		items = append(items, it)
	}
	passes := 20
	if p := os.Getenv("RAMPART_STREAM_PASSES"); p != "" {
		if passes, err = strconv.Atoi(p); err != nil {
			t.Fatal(err)
		}
	}
	only := os.Getenv("RAMPART_STREAM_ONLY")
	best := func(half string, f func(*item) bool) (time.Duration, int) {
		bestPass, allowed := time.Duration(0), 0
		if only != "" && only != half {
			return 0, 0
		}
		for pass := 0; pass < passes; pass++ {
			allowed = 0
			start := time.Now()
			// By index: copying each item into the loop variable would be timed too.
			for i := range items {
				if f(&items[i]) {
					allowed++
				}
			}
			if d := time.Since(start); pass == 0 || d < bestPass {
				bestPass = d
			}
		}
		return bestPass / time.Duration(len(items)), allowed
	}
	ids, allowedIDs := best("ids", func(it *item) bool {
		d, _ := tables.CheckIDs(it.principal, it.action, it.targets...)
		return d.Allowed
	})
	names, allowedNames := best("names", func(it *item) bool {
		d, _ := tables.IsAuthorized(it.request)
		return d.Allowed
	})
	// The whole stream by ids in batches of 1,000 (one cgo crossing per batch).
	const batchSize = 1000
	checks := make([]rampart.IDCheck, len(items))
	for i, it := range items {
		checks[i] = rampart.IDCheck{Principal: it.principal, Action: it.action, Targets: it.targets}
	}
	batched, allowedBatched := time.Duration(0), 0
	if only == "" || only == "batch" {
		for pass := 0; pass < passes; pass++ {
			allowedBatched = 0
			start := time.Now()
			for at := 0; at < len(checks); at += batchSize {
				end := at + batchSize
				if end > len(checks) {
					end = len(checks)
				}
				decisions, err := tables.CheckIDsBatch(checks[at:end])
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range decisions {
					if d.Allowed {
						allowedBatched++
					}
				}
			}
			if d := time.Since(start); pass == 0 || d < batched {
				batched = d
			}
		}
		batched /= time.Duration(len(items))
	}
	if only == "" && allowedBatched != allowedIDs {
		t.Fatalf("the batches allowed %d, the checks one by one %d", allowedBatched, allowedIDs)
	}
	t.Logf("go (cgo): %d requests, best of %d passes: by ids %d ns, by names %d ns, by ids in batches of %d %d ns per check (%d/%d/%d allowed)",
		len(items), passes, ids.Nanoseconds(), names.Nanoseconds(), batchSize, batched.Nanoseconds(), allowedIDs, allowedNames, allowedBatched)
}
