# METADATA
# title: Request view
# description: >-
#   Turns a decision input (docs/policy-contract.md) into one view with every optional part
#   defaulted, and lists the shape problems that must deny: a field of the wrong type would
#   otherwise be skipped silently by iteration, which would fail open.
package regent.request

# Action kinds the contract allows.
kinds := {"read", "write", "send", "delete", "execute"}

# view returns the input with defaults, so that other packages can use plain references.
# `has_*` flags say whether an optional part was given at all.
view(inp) := {
	"agent_id": object.get(inp, ["agent", "id"], ""),
	"has_roles": _has(inp, ["agent", "roles"]),
	"requested_roles": object.get(inp, ["agent", "roles"], []),
	"has_principal": _has(inp, ["agent", "on_behalf_of"]),
	"principal": object.get(inp, ["agent", "on_behalf_of"], {}),
	"tool": object.get(inp, ["action", "tool"], ""),
	"kind": object.get(inp, ["action", "kind"], ""),
	"has_resource": _has(inp, ["action", "resource"]),
	"resource": object.get(inp, ["action", "resource"], {}),
	"sources": object.get(inp, ["data_flow", "sources"], []),
	"has_destination": _has(inp, ["data_flow", "destination"]),
	"destination": object.get(inp, ["data_flow", "destination"], {}),
	"fields": object.get(inp, ["data_flow", "fields"], []),
	"payload": object.get(inp, "payload", null),
	"has_session": _has(inp, ["session"]),
	"session": object.get(inp, "session", {}),
	"detected": object.get(inp, "detected", []),
	"scan_complete": object.get(inp, ["detection", "complete"], true) != false,
	"activity": object.get(inp, "activity", {}),
	"context": _object_or_empty(object.get(inp, "context", {})),
	"phase": _phase(inp),
}

# current is the view of this decision's input. Every package reads it rather than calling view
# itself: a rule is evaluated once per decision, a function once per call (four calls were about
# 9% of an evaluation in a profile of the bench corpus).
current := view(input)

# Context is free-form caller metadata that only company rules read; anything but an object
# reads as {}, so a rule never iterates a string.
_object_or_empty(x) := x if is_object(x)

_object_or_empty(x) := {} if not is_object(x)

# labels returns the labels of an object with an optional `labels` array, as a set.
labels(obj) := {l | some l in object.get(obj, "labels", [])}

# pointer_segments splits a JSON pointer ("/payload/a/*/b") into its unescaped segments.
pointer_segments(pointer) := array.slice(parts, 1, count(parts)) if {
	not contains(pointer, "~")
	parts := split(pointer, "/")
} else := [_unescape(s) | some i, s in split(pointer, "/"); i > 0]

# payload_pointer holds when a string is a JSON pointer into the payload, as the contract
# requires of redaction paths.
payload_pointer(p) if {
	is_string(p)
	startswith(p, "/payload/")
}

_unescape(s) := replace(replace(s, "~1", "/"), "~0", "~")

_has(inp, path) := object.get(inp, path, null) != null

# problems lists every part of the input whose shape is wrong. Each one denies.
problems(inp) := {"input must be an object"} if not is_object(inp)

problems(inp) := _type_problems(inp) | _element_problems(inp) if is_object(inp)

# [path, allowed type names, message]; an absent value has the type name "null".
_type_checks := [
	[["agent"], {"object"}, "agent must be an object"],
	[["agent", "id"], {"string"}, "agent.id must be a string"],
	[["agent", "roles"], {"null", "array"}, "agent.roles must be an array of strings"],
	[["agent", "on_behalf_of"], {"null", "object"}, "agent.on_behalf_of must be an object"],
	[["agent", "on_behalf_of", "id"], {"null", "string"}, "agent.on_behalf_of.id must be a string"],
	[["action"], {"object"}, "action must be an object"],
	[["action", "tool"], {"string"}, "action.tool must be a string"],
	[["action", "kind"], {"string"}, "action.kind must be one of read, write, send, delete, execute"],
	[["action", "resource"], {"null", "object"}, "action.resource must be an object"],
	[["action", "resource", "system"], {"null", "string"}, "action.resource.system must be a string"],
	[["action", "resource", "labels"], {"null", "array"}, "action.resource.labels must be an array of strings"],
	[["action", "resource", "classification"], {"null", "string"}, "action.resource.classification must be a string"],
	[["data_flow"], {"null", "object"}, "data_flow must be an object"],
	[
		["data_flow", "sources"],
		{"null", "array"},
		"data_flow.sources must be an array of {system, labels?, classification?}",
	],
	[["data_flow", "destination"], {"null", "object"}, "data_flow.destination must be an object"],
	[["data_flow", "destination", "system"], {"null", "string"}, "data_flow.destination.system must be a string"],
	[["data_flow", "destination", "audience"], {"null", "string"}, "data_flow.destination.audience must be a string"],
	[
		["data_flow", "destination", "recipients"],
		{"null", "array"},
		"data_flow.destination.recipients must be an array of {id, clearance}",
	],
	[
		["data_flow", "fields"],
		{"null", "array"},
		"data_flow.fields must be an array of {path, labels} with paths under /payload/",
	],
	[["session"], {"null", "object"}, "session must be an object"],
	[["session", "labels"], {"null", "array"}, "session.labels must be an array of strings"],
	[["session", "systems"], {"null", "array"}, "session.systems must be an array of strings"],
	[["session", "classification"], {"null", "string"}, "session.classification must be a string"],
	[["detected"], {"null", "array"}, "detected must be an array of {type, path} with paths under /payload/"],
	[["activity"], {"null", "object"}, "activity must be an object"],
	[["activity", "agent"], {"null", "object"}, "activity.agent must be an object of numbers"],
	[["activity", "session"], {"null", "object"}, "activity.session must be an object of numbers"],
	[["activity", "principal"], {"null", "object"}, "activity.principal must be an object of numbers"],
]

_type_problems(inp) := {msg |
	some [path, types, msg] in _type_checks
	not type_name(object.get(inp, path, null)) in types
}

_kind_problems(inp) := {"action.kind must be one of read, write, send, delete, execute"} if {
	kind := object.get(inp, ["action", "kind"], null)
	is_string(kind)
	not kind in kinds
} else := set()

# [path, element shape, message] for the elements of arrays and objects.
_element_checks := [
	[["agent", "roles"], "string", "agent.roles must be an array of strings"],
	[["action", "resource", "labels"], "string", "action.resource.labels must be an array of strings"],
	[["data_flow", "sources"], "source", "data_flow.sources must be an array of {system, labels?, classification?}"],
	[
		["data_flow", "destination", "recipients"],
		"recipient",
		"data_flow.destination.recipients must be an array of {id, clearance}",
	],
	[["data_flow", "fields"], "field", "data_flow.fields must be an array of {path, labels} with paths under /payload/"],
	[["session", "labels"], "string", "session.labels must be an array of strings"],
	[["session", "systems"], "string", "session.systems must be an array of strings"],
	[["detected"], "detection", "detected must be an array of {type, path} with paths under /payload/"],
	[["activity", "agent"], "number", "activity.agent must be an object of numbers"],
	[["activity", "session"], "number", "activity.session must be an object of numbers"],
	[["activity", "principal"], "number", "activity.principal must be an object of numbers"],
]

_element_problems(inp) := _kind_problems(inp) | {msg |
	some [path, shape, msg] in _element_checks
	collection := object.get(inp, path, [])
	type_name(collection) in {"array", "object"}
	some e in collection
	not _element_ok(e, shape)
}

_element_ok(e, "string") if is_string(e)

_element_ok(e, "number") if is_number(e)

_element_ok(e, "source") if {
	is_string(e.system)
	_strings_or_absent(object.get(e, "labels", null))
	type_name(object.get(e, "classification", null)) in {"null", "string"}
}

_element_ok(e, "recipient") if {
	is_string(e.id)
	is_string(e.clearance)
}

_element_ok(e, "field") if {
	payload_pointer(e.path)
	is_array(e.labels)
	_strings_or_absent(e.labels)
}

_element_ok(e, "detection") if {
	is_string(e.type)
	payload_pointer(e.path)
}

# A payload that is one string (a tool's plain-text output) has its findings at /payload itself.
_element_ok(e, "detection") if {
	is_string(e.type)
	e.path == "/payload"
}

_strings_or_absent(null)

_strings_or_absent(x) if {
	is_array(x)
	every e in x {
		is_string(e)
	}
}

# _phase is "result" for a tool's output on its way back to the agent (POST /v1/results), else
# "action". Only regent sets it: the request schema has no such field.
_phase(inp) := "result" if object.get(inp, "phase", null) == "result"

else := "action"
