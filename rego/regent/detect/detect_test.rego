# METADATA
# title: Detector findings tests
# description: Secrets leave only to secret stores; unknown types and deny-listed types deny.
package regent.detect_test

import data.regent.detect
import data.regent.flow
import data.regent.redact
import data.regent.request

_action(tool, kind, destination, detected) := request.view({
	"agent": {"id": "eng-assistant"},
	"action": {"tool": tool, "kind": kind},
	"data_flow": {"destination": destination},
	"payload": {"text": "x", "config": "y"},
	"detected": detected,
})

_secrets(req) := detect.secret_redactions(req, flow.destination(req))

_deny_codes(req) := {r.code | some r in detect.deny(req, dest, redact.plan(req, dest))} if dest := flow.destination(req)

# [tool, kind, destination, detections, redacted paths]
secret_cases := {
	"api key posted to chat": [
		"slack.post_message",
		"send",
		{"audience": "team"},
		[{"type": "api_key", "path": "/payload/text"}],
		{"/payload/text"},
	],
	"every secret type is redacted": [
		"slack.post_message", "send", {"audience": "team"},
		[{"type": "jwt", "path": "/payload/text"}, {"type": "github_token", "path": "/payload/config"}],
		{"/payload/text", "/payload/config"},
	],
	"written to a non-store": [
		"github.create_issue",
		"write",
		{"audience": "team"},
		[{"type": "aws_access_key", "path": "/payload/text"}],
		{"/payload/text"},
	],
	"written to the secret store": [
		"vault.write_secret",
		"write",
		{"audience": "individual"},
		[{"type": "aws_access_key", "path": "/payload/text"}],
		set(),
	],
	"read, nothing leaves": [
		"github.read_file",
		"read",
		{"audience": "team"},
		[{"type": "api_key", "path": "/payload/text"}],
		set(),
	],
	"personal data is not a secret": [
		"slack.post_message",
		"send",
		{"audience": "team"},
		[{"type": "email", "path": "/payload/text"}],
		set(),
	],
	"a secret in a key is redacted as every member of its object": [
		"email.send", "send", {"system": "email", "audience": "public"},
		[{"type": "aws_access_key", "path": "/payload/config/AKIAQ4LMZ8X2B7NWRT5Y", "in": "key"}],
		{"/payload/config/*"},
	],
	"a secret in a top-level key": [
		"email.send", "send", {"system": "email", "audience": "public"},
		[{"type": "github_token", "path": "/payload/ghp_x", "in": "key"}],
		{"/payload/*"},
	],
	"a secret in a key, written to the secret store": [
		"vault.write_secret", "write", {"audience": "individual"},
		[{"type": "aws_access_key", "path": "/payload/config/AKIAQ4LMZ8X2B7NWRT5Y", "in": "key"}],
		set(),
	],
}

test_secret_redactions[note] if {
	some note, [tool, kind, destination, detected, want] in secret_cases
	result := _secrets(_action(tool, kind, destination, detected))
	{r.path | some r in result.redactions} == want
	{r.code | some r in result.reasons} == _codes_for(want)
}

_codes_for(set()) := set()

_codes_for(paths) := {"detect.secret_redacted"} if count(paths) > 0

test_secret_reason_names_type_and_destination if {
	result := _secrets(_action("slack.post_message", "send", {"audience": "team"}, [{
		"type": "api_key",
		"path": "/payload/text",
	}]))
	[r] := [r | some r in result.reasons]
	r.details == {"destination": "slack", "audience": "team", "detections": ["api_key"], "paths": ["/payload/text"]}
	contains(r.message, "api_key")
	contains(r.message, "slack")
}

test_key_finding_keeps_its_type_and_never_repeats_the_key if {
	key := "AKIAQ4LMZ8X2B7NWRT5Y"
	req := _action("email.send", "send", {"system": "email", "audience": "public"}, [
		{"type": "aws_access_key", "path": concat("", ["/payload/config/", key]), "in": "key"},
		{"type": "aws_access_key", "path": "/payload/text"},
	])
	result := _secrets(req)
	result.redactions == {
		{
			"path": "/payload/config/*",
			"reason": "detected aws_access_key, which may leave only to a secret store",
			"types": ["aws_access_key"],
		},
		{
			"path": "/payload/text",
			"reason": "detected aws_access_key, which may leave only to a secret store",
			"types": ["aws_access_key"],
		},
	}
	[r] := [r | some r in result.reasons]
	r.details.paths == ["/payload/config/*", "/payload/text"]
	not contains(json.marshal(result), key)
}

test_deny_listed_secret_in_a_key_denies_without_naming_the_key if {
	req := _action("slack.post_message", "send", {"audience": "team"}, [{
		"type": "private_key",
		"path": "/payload/k/-----BEGIN",
		"in": "key",
	}])
	dest := flow.destination(req)
	[r] := [r | some r in detect.deny(req, dest, redact.plan(req, dest))]
	r.code == "detect.denied_type"
	r.details.paths == ["/payload/k/*"]
	not contains(r.message, "BEGIN")
}

test_unknown_type_denies if {
	req := _action("slack.post_message", "send", {"audience": "team"}, [{"type": "dna", "path": "/payload/text"}])
	_deny_codes(req) == {"detect.type_unknown"}
}

test_deny_listed_secret_denies_where_it_would_be_redacted if {
	req := _action("slack.post_message", "send", {"audience": "team"}, [{"type": "private_key", "path": "/payload/text"}])
	_deny_codes(req) == {"detect.denied_type"}
}

test_deny_listed_secret_may_go_to_the_secret_store if {
	req := _action("vault.write_secret", "write", {"audience": "individual"}, [{
		"type": "private_key",
		"path": "/payload/text",
	}])
	_deny_codes(req) == set()
}

test_deny_listed_personal_type_denies_when_uncleared if {
	req := _action("slack.post_message", "send", {"audience": "all_employees"}, [{
		"type": "us_ssn",
		"path": "/payload/text",
	}])
	_deny_codes(req) == {"detect.denied_type"} with data.regent.config.detectors.deny_types as ["us_ssn"]
}

test_deny_listed_personal_type_passes_when_cleared if {
	req := _action("slack.post_message", "send", {"audience": "team"}, [{"type": "us_ssn", "path": "/payload/text"}])
	_deny_codes(req) == set() with data.regent.config.detectors.deny_types as ["us_ssn"]
}

test_secret_stores_come_from_data if {
	detect.secret_store("vault")
	not detect.secret_store("slack")
}

test_result_scanned_incompletely_is_withheld if {
	reasons := detect.deny(
		{
			"kind": "read",
			"phase": "result",
			"scan_complete": false,
			"detected": [],
		},
		{"checked": false}, {"labels": set(), "redacted_labels": set()},
	)
	some r in reasons
	r.code == "detect.scan_incomplete"
	r.details.phase == "result"
}

test_read_scanned_incompletely_is_not_withheld_before_the_call if {
	reasons := detect.deny(
		{
			"kind": "read",
			"phase": "action",
			"scan_complete": false,
			"detected": [],
		},
		{"checked": false}, {"labels": set(), "redacted_labels": set()},
	)
	count({r | some r in reasons; r.code == "detect.scan_incomplete"}) == 0
}
