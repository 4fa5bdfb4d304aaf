# METADATA
# title: Request view tests
# description: Defaults of the request view and every shape problem that must deny.
package regent.request_test

import data.regent.request

_good := {
	"agent": {"id": "hr-assistant", "roles": ["assistant"], "on_behalf_of": {"id": "alice", "clearance": "restricted"}},
	"action": {
		"tool": "slack.post_message",
		"kind": "send",
		"resource": {"system": "slack", "labels": [], "classification": "internal"},
	},
	"data_flow": {
		"sources": [{"system": "workday", "labels": ["pii"], "classification": "confidential"}],
		"destination": {"system": "slack", "audience": "team", "recipients": [{"id": "bob", "clearance": "internal"}]},
		"fields": [{"path": "/payload/ssn", "labels": ["pii"]}],
	},
	"payload": {"ssn": "x"},
	"session": {"id": "s", "labels": ["pii"], "systems": ["workday"], "classification": null, "steps": 1},
	"detected": [{"type": "email", "path": "/payload/ssn"}],
	"activity": {"agent": {"window_seconds": 300, "denials": 0}},
	"context": {},
}

test_a_well_formed_input_has_no_problems if {
	request.problems(_good) == set()
}

test_minimal_input_has_no_problems if {
	request.problems({"agent": {"id": "a"}, "action": {"tool": "t", "kind": "read"}}) == set()
}

test_view_defaults if {
	v := request.view({"agent": {"id": "a"}, "action": {"tool": "t", "kind": "read"}})
	v.agent_id == "a"
	v.has_roles == false
	v.has_principal == false
	v.has_resource == false
	v.has_destination == false
	v.has_session == false
	v.sources == []
	v.fields == []
	v.detected == []
	v.resource == {}
	v.destination == {}
	v.payload == null
}

test_view_keeps_given_parts if {
	v := request.view(_good)
	v.has_roles
	v.requested_roles == ["assistant"]
	v.principal.id == "alice"
	v.has_destination
	v.destination.audience == "team"
	v.has_session
	v.session.labels == ["pii"]
}

# One malformed part per case, with the problem it must report.
problem_cases := {
	"not an object": ["x", "input must be an object"],
	"agent missing": [object.remove(_good, ["agent"]), "agent must be an object"],
	"agent id not a string": [object.union(_good, {"agent": {"id": 7}}), "agent.id must be a string"],
	"roles not an array": [object.union(_good, {"agent": {"roles": "admin"}}), "agent.roles must be an array of strings"],
	"roles with a number": [object.union(_good, {"agent": {"roles": [1]}}), "agent.roles must be an array of strings"],
	"tool missing": [object.union(_good, {"action": {"tool": null}}), "action.tool must be a string"],
	"kind unknown": [
		object.union(_good, {"action": {"kind": "exfiltrate"}}),
		"action.kind must be one of read, write, send, delete, execute",
	],
	"resource labels a string": [
		object.union(_good, {"action": {"resource": {"labels": "pii"}}}),
		"action.resource.labels must be an array of strings",
	],
	"sources a string": [
		object.union(_good, {"data_flow": {"sources": "workday"}}),
		"data_flow.sources must be an array of {system, labels?, classification?}",
	],
	"source without system": [
		object.union(_good, {"data_flow": {"sources": [{"labels": ["pii"]}]}}),
		"data_flow.sources must be an array of {system, labels?, classification?}",
	],
	"source labels a string": [
		object.union(_good, {"data_flow": {"sources": [{"system": "workday", "labels": "pii"}]}}),
		"data_flow.sources must be an array of {system, labels?, classification?}",
	],
	"recipient without clearance": [
		object.union(_good, {"data_flow": {"destination": {"recipients": [{"id": "bob"}]}}}),
		"data_flow.destination.recipients must be an array of {id, clearance}",
	],
	"field outside the payload": [
		object.union(_good, {"data_flow": {"fields": [{"path": "/agent/id", "labels": ["pii"]}]}}),
		"data_flow.fields must be an array of {path, labels} with paths under /payload/",
	],
	"field without labels": [
		object.union(_good, {"data_flow": {"fields": [{"path": "/payload/x"}]}}),
		"data_flow.fields must be an array of {path, labels} with paths under /payload/",
	],
	"session labels an object": [
		object.union(_good, {"session": {"labels": {"pii": true}}}),
		"session.labels must be an array of strings",
	],
	"session classification a number": [
		object.union(_good, {"session": {"classification": 3}}),
		"session.classification must be a string",
	],
	"detection outside the payload": [
		object.union(_good, {"detected": [{"type": "email", "path": "/context/x"}]}),
		"detected must be an array of {type, path} with paths under /payload/",
	],
	"counter not a number": [
		object.union(_good, {"activity": {"agent": {"denials": "many"}}}),
		"activity.agent must be an object of numbers",
	],
}

test_problems[note] if {
	some note, [inp, want] in problem_cases
	want in request.problems(inp)
}

test_pointer_segments_unescape if {
	request.pointer_segments("/payload/a~1b/c~0d/*") == ["payload", "a/b", "c~d", "*"]
}

test_payload_pointer if {
	request.payload_pointer("/payload/x")
	not request.payload_pointer("/payload")
	not request.payload_pointer("/agent/id")
	not request.payload_pointer(7)
}

test_labels_of_an_object if {
	request.labels({"labels": ["a", "b", "a"]}) == {"a", "b"}
	request.labels({}) == set()
}

test_a_finding_in_a_string_payload_is_well_formed if {
	detected := [{"type": "email", "path": "/payload"}]
	inp := {"agent": {"id": "a"}, "action": {"tool": "t", "kind": "read"}, "detected": detected}
	count(request.problems(inp)) == 0
}
