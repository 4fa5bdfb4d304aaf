//go:build tools

// Package tools pins the Go-based tools regent's build uses: the OPA toolchain that compiles
// policies, and vegeta, the open-loop load generator behind `make bench`. The Makefile builds
// these into .tools/bin; nothing here ships at run time.
package tools

import (
	_ "github.com/open-policy-agent/opa"
	_ "github.com/tsenart/vegeta/v12"
)
