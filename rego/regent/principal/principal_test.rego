# METADATA
# title: Acting on behalf of a user tests
# description: The principal's clearance bounds reads, sources and the session.
package regent.principal_test

import data.regent.principal
import data.regent.request

_alice(clearance) := {"id": "alice", "clearance": clearance}

_read(who, resource) := request.view({
	"agent": {"id": "hr-assistant", "on_behalf_of": who},
	"action": {"tool": "workday.read_employee", "kind": "read", "resource": resource},
})

_codes(req) := {r.code | some r in principal.deny(req)}

# [principal, resource, expected codes]
read_cases := {
	"cleared for the resource": [
		_alice("restricted"),
		{"labels": ["compensation"], "classification": "restricted"},
		set(),
	],
	"resource above the clearance": [
		_alice("confidential"),
		{"classification": "restricted"},
		{"principal.clearance_exceeded"},
	],
	"label above the clearance": [
		_alice("confidential"),
		{"labels": ["compensation"], "classification": "internal"},
		{"principal.clearance_exceeded"},
	],
	"system default above the clearance": [_alice("internal"), {}, {"principal.clearance_exceeded"}],
	"unknown clearance": [_alice("cosmic"), {"classification": "public"}, {"principal.clearance_unknown"}],
	"no clearance": [{"id": "alice"}, {"classification": "public"}, {"principal.clearance_unknown"}],
}

test_reads[note] if {
	some note, [who, resource, want] in read_cases
	req := _read(who, resource)
	_codes(req) == want
	_permitted_iff_clean(req, want)
}

_permitted_iff_clean(req, set()) if principal.permitted(req)

_permitted_iff_clean(req, want) if {
	count(want) > 0
	not principal.permitted(req)
}

test_no_principal_no_check if {
	req := request.view({
		"agent": {"id": "hr-assistant"},
		"action": {"tool": "workday.read_employee", "kind": "read", "resource": {"classification": "restricted"}},
	})
	principal.deny(req) == set()
	principal.permitted(req)
}

test_sources_count_for_every_kind if {
	req := request.view({
		"agent": {"id": "hr-assistant", "on_behalf_of": _alice("internal")},
		"action": {"tool": "email.send", "kind": "send"},
		"data_flow": {"sources": [{"system": "workday", "labels": ["pii"], "classification": "internal"}]},
	})
	[r] := [r | some r in principal.deny(req)]
	r.code == "principal.clearance_exceeded"
	r.details == {
		"principal": "alice", "clearance": "internal", "classification": "confidential",
		"sources": ["workday"], "labels": ["pii"],
	}
	contains(r.message, "alice")
	contains(r.message, "workday")
}

test_session_counts if {
	req := request.view({
		"agent": {"id": "hr-assistant", "on_behalf_of": _alice("confidential")},
		"action": {"tool": "email.send", "kind": "send"},
		"session": {"id": "s", "labels": ["compensation"], "systems": ["workday"], "classification": "restricted"},
	})
	[r] := [r | some r in principal.deny(req)]
	r.details.sources == ["workday"]
	r.details.labels == ["compensation"]
}

test_resource_of_a_send_does_not_count if {
	req := request.view({
		"agent": {"id": "hr-assistant", "on_behalf_of": _alice("internal")},
		"action": {
			"tool": "slack.post_message",
			"kind": "send",
			"resource": {"system": "slack", "classification": "restricted"},
		},
	})
	principal.deny(req) == set()
}

test_labels_count_when_the_classification_is_missing if {
	req := request.view({
		"agent": {"id": "hr-assistant", "on_behalf_of": _alice("internal")},
		"action": {"tool": "email.send", "kind": "send"},
		"data_flow": {"sources": [{"system": "sharepoint", "labels": ["compensation"]}]},
	})
	[r] := [r | some r in principal.deny(req)]
	r.details.labels == ["compensation"]
	not principal.permitted(req)
}
