//go:build tools

// Package tools pins the Go-based tools regent's build uses: the OPA toolchain that compiles
// policies; Regal, the Rego linter behind `make lint-rego` (built against the OPA pinned here,
// so it parses Rego as the compiler does); vegeta, the open-loop load generator behind `make
// bench`; and (through ./deploycheck, which imports them) the Kubernetes, kustomize and
// prometheus-operator types that `make check-deploy` validates deploy/kubernetes against
// offline. The Makefile builds these into .tools/bin; nothing here ships at run time.
package tools

import (
	_ "github.com/open-policy-agent/opa"
	_ "github.com/open-policy-agent/regal"
	_ "github.com/tsenart/vegeta/v12"
)
