package rampart_test

import (
	"errors"
	"path/filepath"
	"testing"

	"rampart.dev/go/code"
	"rampart.dev/go/rampart"
)

// Two-object grants from Go (issue 20, item 22): john@doe.com may run mc/echo-config only
// on the mission-control configs. Before the fix WhoCan on the playbook answered a list
// of names without him (an auditor read "john may not"), and SQLFilter for his configs
// was FALSE with no way to pair it with the playbook.
func TestWhoCanOnAPlaybookNamesTheSubjectsAllowedOnlyWithAConfig(t *testing.T) {
	tables, err := rampart.Load(filepath.Join(root, "fixtures", "tables", "format-v3.rampart"))
	if err != nil {
		t.Fatal(err)
	}
	who, err := tables.WhoCan("playbook:run", rampart.Objects(rampart.Playbook("mc/echo-config")))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range who.Subjects {
		if s == "john@doe.com" {
			t.Fatalf("john is not allowed on the playbook alone: %+v", who)
		}
	}
	var john *rampart.Conditional
	for i := range who.Conditional {
		if who.Conditional[i].Subject == "john@doe.com" {
			john = &who.Conditional[i]
		}
	}
	if john == nil || john.With != "config" || len(john.Allow) == 0 || john.DenyAll {
		t.Fatalf("john must be listed as allowed together with a config: %+v", who)
	}
	both, err := tables.WhoCan("playbook:run", rampart.Objects(rampart.Playbook("mc/echo-config"), rampart.Config("c-mc-pod")))
	if err != nil || len(both.Conditional) != 0 {
		t.Fatalf("on the pair nothing is conditional: %+v %v", both, err)
	}
}

func TestSQLFilterWithPairsTheRowsWithOneObject(t *testing.T) {
	tables, err := rampart.Load(filepath.Join(root, "fixtures", "tables", "format-v3.rampart"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = tables.SQLFilter("john@doe.com", "playbook:run", rampart.Configs, rampart.SQLFilterOptions{})
	if !errors.Is(err, &code.Error{Code: code.InvalidRequest}) {
		t.Fatalf("a filter that would be FALSE only for want of the playbook is refused, not silent: %v", err)
	}
	filter, err := tables.SQLFilterWith("john@doe.com", "playbook:run", rampart.Configs, rampart.Playbook("mc/echo-config"), rampart.SQLFilterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if filter.Form != "predicate" || filter.With == nil || *filter.With != (rampart.Paired{Type: "playbook", ID: "mc/echo-config"}) {
		t.Fatalf("%+v", filter)
	}
	_, err = tables.SQLFilterWith("john@doe.com", "playbook:run", rampart.Configs, rampart.Object{Category: 9, Key: "x"}, rampart.SQLFilterOptions{})
	if !errors.Is(err, &code.Error{Code: code.InvalidRequest}) {
		t.Fatalf("a category out of range: %v", err)
	}
}
