# METADATA
# title: Field tags and redaction tests
# description: >-
#   Where labelled data is found, which fields are removed, and when a label stops counting.
package regent.redact_test

import data.regent.flow
import data.regent.redact
import data.regent.request

_send(data_flow, payload, detected) := request.view({
	"agent": {"id": "hr-assistant"},
	"action": {"tool": "slack.post_message", "kind": "send"},
	"data_flow": data_flow,
	"payload": payload,
	"detected": detected,
})

_plan(req) := redact.plan(req, flow.destination(req))

_paths(plan) := {r.path | some r in plan.redactions}

# [pointer, payload, exists?]
exists_cases := {
	"top-level key": ["/payload/salary", {"salary": 1}, true],
	"missing key": ["/payload/salary", {"bonus": 1}, false],
	"array wildcard": ["/payload/employees/*/salary", {"employees": [{"name": "a"}, {"salary": 2}]}, true],
	"object wildcard": ["/payload/employees/*/salary", {"employees": {"e1": {"salary": 2}}}, true],
	"wildcard with no match": ["/payload/employees/*/salary", {"employees": [{"name": "a"}]}, false],
	"numeric index": ["/payload/employees/1/salary", {"employees": [{}, {"salary": 2}]}, true],
	"escaped key": ["/payload/a~1b", {"a/b": 1}, true],
	"no payload": ["/payload/salary", null, false],
	"not under payload": ["/salary", {"salary": 1}, false],
	"false is a value": ["/payload/flag", {"flag": false}, true],
	"deeper than the unrolled descent": [
		"/payload/a/b/c/d/e/f/g/*/i",
		{"a": {"b": {"c": {"d": {"e": {"f": {"g": [{"i": 1}]}}}}}}},
		true,
	],
	"deep miss": ["/payload/a/b/c/d/e/f/g/*/j", {"a": {"b": {"c": {"d": {"e": {"f": {"g": [{"i": 1}]}}}}}}}, false],
}

test_exists[note] if {
	some note, [pointer, payload, want] in exists_cases
	_exists(payload, pointer) == want
}

_exists(payload, pointer) if redact.exists(payload, pointer)

_exists(payload, pointer) := false if not redact.exists(payload, pointer)

test_tags_come_from_fields_known_paths_and_detectors if {
	req := _send(
		{
			"sources": [{"system": "workday", "classification": "internal"}],
			"fields": [{"path": "/payload/note", "labels": ["performance"]}],
		},
		{"salary": 1, "note": "x", "text": "mail me"},
		[{"type": "email", "path": "/payload/text"}, {"type": "api_key", "path": "/payload/text"}],
	)
	{[t.path, t.label, t.origin] | some t in redact.tags(req)} == {
		["/payload/note", "performance", "field"],
		["/payload/salary", "compensation", "known"],
		["/payload/text", "pii", "detected"],
	}
}

test_known_paths_only_for_source_systems if {
	req := _send({"sources": [{"system": "gdrive", "classification": "internal"}]}, {"salary": 1}, [])
	redact.tags(req) == set()
}

test_uncleared_tagged_label_is_redacted_and_stops_counting if {
	req := _send(
		{
			"sources": [{"system": "workday", "labels": ["compensation"], "classification": "internal"}],
			"destination": {"audience": "all_employees"},
		},
		{"name": "Bob", "salary": 1},
		[],
	)
	plan := _plan(req)
	plan.redacted_labels == {"compensation"}
	_paths(plan) == {"/payload/salary"}
	[r.code | some r in plan.reasons] == ["flow.redacted_label"]
	flow.deny(req, flow.destination(req), plan) == set()
}

test_label_without_a_field_still_counts if {
	req := _send(
		{
			"sources": [{"system": "workday", "labels": ["compensation"], "classification": "internal"}],
			"destination": {"audience": "all_employees"},
		},
		{"text": "Bob earns a lot"},
		[],
	)
	plan := _plan(req)
	plan.redacted_labels == set()
	{r.code | some r in flow.deny(req, flow.destination(req), plan)} == {"flow.audience_not_cleared"}
}

test_cleared_labels_are_not_redacted if {
	req := _send(
		{
			"sources": [{"system": "workday", "labels": ["compensation"], "classification": "internal"}],
			"destination": {"audience": "individual"},
		},
		{"salary": 1},
		[],
	)
	_plan(req).redactions == set()
}

test_no_redaction_inside_the_owning_system if {
	req := request.view({
		"agent": {"id": "hr-assistant"},
		"action": {"tool": "workday.update_employee", "kind": "write"},
		"data_flow": {
			"sources": [{"system": "workday", "labels": ["compensation"], "classification": "internal"}],
			"destination": {"system": "workday", "audience": "team"},
		},
		"payload": {"salary": 1},
	})
	plan := _plan(req)
	plan.redacted_labels == set()
	{r.code | some r in flow.deny(req, flow.destination(req), plan)} == {"flow.audience_not_cleared"}
}

test_caller_field_tags_are_redacted if {
	req := _send(
		{
			"fields": [{"path": "/payload/rows/*/review", "labels": ["performance"]}],
			"destination": {"audience": "all_employees"},
		},
		{"rows": [{"review": "meh"}]},
		[],
	)
	plan := _plan(req)
	_paths(plan) == {"/payload/rows/*/review"}
	plan.redacted_labels == {"performance"}
}

test_detected_personal_data_is_redacted_as_pii if {
	req := _send({"destination": {"audience": "all_employees"}}, {"text": "call +1 555 0100"}, [{
		"type": "phone",
		"path": "/payload/text",
	}])
	plan := _plan(req)
	plan.redacted_labels == {"pii"}
	[r] := [r | some r in plan.reasons]
	r.details.detections == ["phone"]
}

test_detected_personal_data_to_a_cleared_audience_stays if {
	req := _send({"destination": {"audience": "team"}}, {"text": "call +1 555 0100"}, [{
		"type": "phone",
		"path": "/payload/text",
	}])
	_plan(req).redactions == set()
}

test_one_redaction_per_path_naming_every_label if {
	req := _send(
		{
			"fields": [{"path": "/payload/row", "labels": ["compensation", "pii"]}],
			"destination": {"audience": "all_employees"},
		},
		{"row": "x"},
		[],
	)
	[r] := [r | some r in _plan(req).redactions]
	r.path == "/payload/row"
	contains(r.reason, "compensation, pii")
}

test_unknown_destination_plans_nothing if {
	req := _send(
		{
			"sources": [{"system": "workday", "labels": ["compensation"], "classification": "internal"}],
			"destination": {"audience": "martians"},
		},
		{"salary": 1},
		[],
	)
	_plan(req).redactions == set()
}
