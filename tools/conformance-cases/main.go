// Command conformance-cases prints OPA's own conformance cases (v1/test/cases/testdata/v1 in
// the pinned OPA module) as one JSON array for regent's conformance gate
// (test/policy/conformance.test.ts). It loads them with OPA's own loader (cases.Load), so the
// YAML is read exactly as OPA's test runners read it, and adds what the gate needs to batch and
// classify cases without compiling them: the builtins each case calls, the top-level data roots
// it defines or reads, and whether it reads the whole data document.
//
// Usage: conformance-cases -dir <opa module>/v1/test/cases/testdata/v1 > cases.json
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/test/cases"
)

type outCase struct {
	Name    string   `json:"name"`
	File    string   `json:"file"`
	Query   string   `json:"query"`
	Modules []string `json:"modules"`
	// Data, input and wanted results are JSON texts inside strings, so numbers stay exact
	// through any JSON reader.
	Data          string            `json:"data_text,omitempty"`
	Input         string            `json:"input_text,omitempty"`
	WantDefined   *bool             `json:"want_defined,omitempty"`
	WantResult    string            `json:"want_result_text,omitempty"`
	WantErrorCode *string           `json:"want_error_code,omitempty"`
	WantError     *string           `json:"want_error,omitempty"`
	SortBindings  bool              `json:"sort_bindings,omitempty"`
	StrictError   bool              `json:"strict_error,omitempty"`
	Experimental  bool              `json:"experimental_keywords,omitempty"`
	Env           map[string]string `json:"env,omitempty"`
	Builtins      []string          `json:"builtins"`
	Roots         []string          `json:"roots"`
	WholeData     bool              `json:"whole_data,omitempty"`
	ParseError    string            `json:"parse_error,omitempty"`
	// Prefix is the data root the rewritten case lives under, so that many cases share one
	// bundle: every `data` ref gains `.<prefix>` and every package `<prefix>.` (the case's own
	// data document goes under data.<prefix> too).
	Prefix          string   `json:"prefix"`
	PrefixedModules []string `json:"prefixed_modules"`
	PrefixedQuery   string   `json:"prefixed_query"`
}

func main() {
	dir := flag.String("dir", "", "directory of OPA's v1 conformance cases")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "usage: conformance-cases -dir <opa>/v1/test/cases/testdata/v1")
		os.Exit(2)
	}
	set, err := cases.Load(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out := make([]outCase, 0, len(set.Cases))
	for i, tc := range set.Sorted().Cases {
		rel, _ := filepath.Rel(*dir, tc.Filename)
		c := outCase{
			Name: tc.Note, File: rel, Query: tc.Query, Modules: tc.Modules,
			WantDefined: tc.WantDefined, WantErrorCode: tc.WantErrorCode, WantError: tc.WantError,
			SortBindings: tc.SortBindings, StrictError: tc.StrictError,
			Experimental: tc.ExperimentalKeywords, Env: tc.Env,
		}
		if c.Modules == nil {
			c.Modules = []string{}
		}
		c.PrefixedModules = []string{}
		roots := map[string]bool{}
		if tc.Data != nil {
			c.Data = mustJSON(*tc.Data)
			for k := range *tc.Data {
				roots[k] = true
			}
		}
		switch {
		case tc.InputTerm != nil:
			term, err := ast.ParseTerm(*tc.InputTerm)
			if err == nil {
				var v any
				if v, err = ast.JSON(term.Value); err == nil {
					c.Input = mustJSON(v)
				}
			}
			if err != nil {
				c.ParseError = "input_term: " + err.Error()
			}
		case tc.Input != nil:
			c.Input = mustJSON(*tc.Input)
		}
		if tc.WantResult != nil {
			c.WantResult = mustJSON(*tc.WantResult)
		}
		c.Prefix = fmt.Sprintf("case%04d", i)
		builtins := map[string]bool{}
		var inserts []insert
		visit := func(x any, text string) {
			ast.WalkRefs(x, func(r ast.Ref) bool {
				if loc := r[0].Location; r[0].Equal(ast.DefaultRootDocument) && loc != nil && isDataAt(text, loc.Offset) {
					inserts = append(inserts, insert{at: loc.Offset + len("data"), text: "." + c.Prefix})
				}
				name := r.String()
				if _, ok := ast.BuiltinMap[name]; ok {
					builtins[name] = true
				}
				if r[0].Equal(ast.DefaultRootDocument) {
					if len(r) < 2 {
						c.WholeData = true
					} else if s, ok := r[1].Value.(ast.String); ok {
						roots[string(s)] = true
					} else {
						c.WholeData = true
					}
				}
				return false
			})
		}
		opts := ast.ParserOptions{RegoVersion: ast.RegoV1, AllFutureKeywords: true}
		for i, m := range tc.Modules {
			mod, err := ast.ParseModuleWithOpts(fmt.Sprintf("module-%d.rego", i), m, opts)
			if err != nil {
				c.ParseError = err.Error()
				continue
			}
			inserts = nil
			visit(mod, m)
			if loc := mod.Package.Location; loc != nil {
				at := loc.Offset + len("package")
				for at < len(m) && (m[at] == ' ' || m[at] == '\t') {
					at++
				}
				inserts = append(inserts, insert{at: at, text: c.Prefix + "."})
			}
			c.PrefixedModules = append(c.PrefixedModules, apply(m, inserts))
		}
		if body, err := ast.ParseBodyWithOpts(tc.Query, opts); err != nil {
			c.ParseError = err.Error()
		} else {
			inserts = nil
			visit(body, tc.Query)
			c.PrefixedQuery = apply(tc.Query, inserts)
		}
		c.Builtins = sortedKeys(builtins)
		c.Roots = sortedKeys(roots)
		out = append(out, c)
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func mustJSON(v any) string {
	bs, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(bs)
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

type insert struct {
	at   int
	text string
}

// isDataAt reports whether the identifier `data` (and not a longer name) starts at offset.
func isDataAt(text string, offset int) bool {
	if offset < 0 || offset+4 > len(text) || text[offset:offset+4] != "data" {
		return false
	}
	if offset+4 < len(text) && isIdentChar(text[offset+4]) {
		return false
	}
	return offset == 0 || !(isIdentChar(text[offset-1]) || text[offset-1] == '.')
}

func isIdentChar(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// apply inserts each text at its offset (each offset once), from the end so offsets stay valid.
func apply(text string, inserts []insert) string {
	sort.Slice(inserts, func(a, b int) bool { return inserts[a].at > inserts[b].at })
	seen := map[int]bool{}
	for _, in := range inserts {
		if seen[in.at] {
			continue
		}
		seen[in.at] = true
		text = text[:in.at] + in.text + text[in.at:]
	}
	return text
}
