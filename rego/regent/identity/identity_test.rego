# METADATA
# title: Agents and tools tests
# description: Registry lookups, kinds, systems and the narrowing of roles.
package regent.identity_test

import data.regent.identity
import data.regent.request

_req(agent, tool, kind) := request.view({"agent": agent, "action": {"tool": tool, "kind": kind}})

_codes(req) := {r.code | some r in identity.deny(req)}

# [agent, tool, kind, expected deny codes]
cases := {
	"registered agent, allowed tool": [{"id": "hr-assistant"}, "workday.read_employee", "read", set()],
	"unknown agent": [{"id": "mallory-bot"}, "workday.read_employee", "read", {"agent.unknown"}],
	"unknown tool": [{"id": "hr-assistant"}, "workday.delete_everyone", "delete", {"tool.unknown"}],
	"unknown agent and tool": [{"id": "x"}, "y.z", "read", {"agent.unknown", "tool.unknown"}],
	"kind the tool does not declare": [{"id": "hr-assistant"}, "workday.read_employee", "write", {"tool.kind_mismatch"}],
	"tool outside the agent's roles": [{"id": "sales-assistant"}, "workday.read_employee", "read", {"tool.not_allowed"}],
	"second registry role counts": [{"id": "hr-assistant"}, "workday.update_employee", "write", set()],
	"request narrows to one role": [
		{"id": "hr-assistant", "roles": ["assistant"]},
		"workday.update_employee",
		"write",
		{"tool.not_allowed"},
	],
	"narrowed role still allows its tools": [
		{"id": "hr-assistant", "roles": ["assistant"]},
		"slack.post_message",
		"send",
		set(),
	],
	"request cannot widen": [
		{"id": "sales-assistant", "roles": ["sales", "assistant"]},
		"workday.read_employee",
		"read",
		{"tool.not_allowed"},
	],
	"empty role list allows nothing": [
		{"id": "hr-assistant", "roles": []},
		"slack.post_message",
		"send",
		{"tool.not_allowed"},
	],
}

test_identity[note] if {
	some note, [agent, tool, kind, want] in cases
	req := _req(agent, tool, kind)
	_codes(req) == want
	_permitted_iff_no_denial(req, want)
}

_permitted_iff_no_denial(req, set()) if identity.permitted(req)

_permitted_iff_no_denial(req, want) if {
	count(want) > 0
	not identity.permitted(req)
}

test_effective_roles if {
	identity.effective_roles(_req({"id": "hr-assistant"}, "x", "read")) == {"assistant", "hr_editor"}
	identity.effective_roles(_req({"id": "hr-assistant", "roles": ["hr_editor", "root"]}, "x", "read")) == {"hr_editor"}
	identity.effective_roles(_req({"id": "nobody"}, "x", "read")) == set()
}

test_system_mismatch_on_resource_and_destination if {
	req := request.view({
		"agent": {"id": "hr-assistant"},
		"action": {"tool": "slack.post_message", "kind": "send", "resource": {"system": "email"}},
		"data_flow": {"destination": {"system": "gdrive"}},
	})
	[r] := [r | some r in identity.deny(req)]
	r.code == "tool.system_mismatch"
	r.details.named == {"resource": "email", "destination": "gdrive"}
	not identity.permitted(req)
}

test_matching_systems_pass if {
	req := request.view({
		"agent": {"id": "hr-assistant"},
		"action": {"tool": "slack.post_message", "kind": "send", "resource": {"system": "slack"}},
		"data_flow": {"destination": {"system": "slack"}},
	})
	identity.deny(req) == set()
	identity.permitted(req)
}

test_messages_name_agent_and_tool if {
	[r] := [r | some r in identity.deny(_req({"id": "sales-assistant"}, "workday.read_employee", "read"))]
	contains(r.message, "sales-assistant")
	contains(r.message, "workday.read_employee")
	r.details.roles == ["sales"]
}

# An agent whose registry entry requires a session is denied without one, and permitted with one;
# every other agent is decided as before.
test_an_agent_that_requires_a_session if {
	agents := object.union(data.regent.config.agents, {"hr-assistant": {"sessions": "required"}})
	without := _req({"id": "hr-assistant"}, "workday.read_employee", "read")
	_codes(without) == {"session.required"} with data.regent.config.agents as agents
	not identity.permitted(without) with data.regent.config.agents as agents
	with_session := request.view({
		"agent": {"id": "hr-assistant"},
		"action": {"tool": "workday.read_employee", "kind": "read"},
		"session": {"labels": [], "systems": [], "classification": null},
	})
	_codes(with_session) == set() with data.regent.config.agents as agents
	identity.permitted(with_session) with data.regent.config.agents as agents
	_codes(without) == set()
	identity.permitted(without)
}
