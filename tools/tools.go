//go:build tools

// Package tools pins the Go-based toolchain regent builds policies with.
// The Makefile builds these into .tools/bin; nothing here ships at run time.
package tools

import (
	_ "github.com/open-policy-agent/opa"
)
