package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The shipped manifests pass; each broken variant below is caught with the reason named.
func TestShippedManifestsPass(t *testing.T) {
	for _, dir := range []string{"base", "overlays/ha", "overlays/bundle-configmap"} {
		objs, err := render(filepath.Join("../../deploy/kubernetes", dir))
		if err != nil {
			t.Fatal(err)
		}
		if problems := check(objs); len(problems) > 0 {
			t.Errorf("%s: %v", dir, problems)
		}
	}
}

func TestBrokenManifestsFail(t *testing.T) {
	base, err := os.ReadFile("../../deploy/kubernetes/base/deployment.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ note, from, to, want string }{
		{"a misspelt field is an unknown field", "readinessProbe:", "readynessProbe:", "unknown field"},
		{"a wrong type", "replicas: 1", "replicas: one", "cannot unmarshal"},
		{"the readiness probe on the wrong path", "path: /health/ready", "path: /healthz", "readiness probe must GET /health/ready"},
		{"no preStop drain", "preStop:", "postStart:", "no preStop hook"},
		{"a writable root file system", "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", "readOnlyRootFilesystem"},
		{"a probe on a port the container lacks", "port: http\n            periodSeconds: 10", "port: metrics\n            periodSeconds: 10", "liveness probe port metrics"},
		{"too little grace after the preStop sleep", "terminationGracePeriodSeconds: 45", "terminationGracePeriodSeconds: 15", "leaves under 10 s"},
	}
	for _, c := range cases {
		t.Run(c.note, func(t *testing.T) {
			broken := strings.Replace(string(base), c.from, c.to, 1)
			if broken == string(base) {
				t.Fatalf("%q not found in deployment.yaml", c.from)
			}
			objs, err := decodeAll("deployment.yaml", []byte(broken))
			var got string
			if err != nil {
				got = err.Error()
			} else {
				got = strings.Join(check(objs), "\n")
			}
			if !strings.Contains(got, c.want) {
				t.Errorf("want a problem containing %q, got %q", c.want, got)
			}
		})
	}
}
