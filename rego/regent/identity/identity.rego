# METADATA
# title: Agents and tools
# description: >-
#   Who may call what: the agent must be registered, the tool registered and used with a kind
#   it declares, on the system it acts on, and allowed for one of the agent's effective roles.
#   A request may narrow the registry's roles, never widen them.
package regent.identity

import data.regent.text

_agents := data.regent.config.agents

_tools := data.regent.config.tools

_roles := data.regent.config.roles

# effective_roles are the agent's registry roles, narrowed to the roles the request names
# when it names any.
effective_roles(req) := registry if {
	not req.has_roles
	registry := {r | some r in object.get(_agents, [req.agent_id, "roles"], [])}
}

effective_roles(req) := {r |
	some r in object.get(_agents, [req.agent_id, "roles"], [])
} & {r | some r in req.requested_roles} if {
	req.has_roles
}

# tool_system returns the system a registered tool acts on.
tool_system(tool) := _tools[tool].system

# allowed_tools are the tools the agent may use under its effective roles.
allowed_tools(req) := {t | some role in effective_roles(req); some t in object.get(_roles, [role, "tools"], [])}

# permitted holds when every identity check passes; the decision requires it to allow.
permitted(req) if {
	_agents[req.agent_id]
	req.kind in _tools[req.tool].kinds
	req.tool in allowed_tools(req)
	count(_system_mismatches(req)) == 0
	not _session_missing(req)
}

# deny returns the identity deny reasons for a request.
deny(req) := union({
	_unknown_agent(req),
	_unknown_tool(req),
	_kind_mismatch(req),
	_not_allowed(req),
	_system_mismatch(req),
	_session_required(req),
})

# An agent whose registry entry says `"sessions": "required"` is decided only within a session:
# session memory is what remembers what it read, so a caller that dropped `session.id` would
# shed that memory with one word.
_session_missing(req) if {
	object.get(_agents, [req.agent_id, "sessions"], "optional") == "required"
	not req.has_session
}

_session_required(req) := {{
	"code": "session.required",
	"message": concat("", [
		"Agent ", req.agent_id, " is decided only within a session (its registry entry requires one), ",
		"and this request names none.",
	]),
	"details": {"agent": req.agent_id},
	"alternative": "send session.id: the gateway or adapter in front of the agent sets it",
}} if {
	_session_missing(req)
} else := set()

_unknown_agent(req) := {{
	"code": "agent.unknown",
	"message": concat("", ["Agent '", req.agent_id, "' is not in the agent registry, so it may not call any tool."]),
	"details": {"agent": req.agent_id},
}} if {
	not _agents[req.agent_id]
} else := set()

_unknown_tool(req) := {{
	"code": "tool.unknown",
	"message": concat("", ["Tool '", req.tool, "' is not in the tool registry, so no agent may call it."]),
	"details": {"tool": req.tool},
}} if {
	not _tools[req.tool]
} else := set()

_kind_mismatch(req) := {{
	"code": "tool.kind_mismatch",
	"message": concat("", [
		"Tool ", req.tool, " declares the kinds ", text.list(kinds),
		", so it may not be used to ", req.kind, ".",
	]),
	"details": {"tool": req.tool, "kind": req.kind, "kinds": sort(kinds)},
}} if {
	kinds := _tools[req.tool].kinds
	not req.kind in kinds
} else := set()

_not_allowed(req) := {{
	"code": "tool.not_allowed",
	"message": concat("", [
		"Agent ", req.agent_id, " with roles [", text.list(roles),
		"] may not use tool ", req.tool, ".",
	]),
	"details": {"agent": req.agent_id, "roles": sort(roles), "tool": req.tool},
}} if {
	_agents[req.agent_id]
	_tools[req.tool]
	not req.tool in allowed_tools(req)
	roles := effective_roles(req)
} else := set()

_system_mismatch(req) := {{
	"code": "tool.system_mismatch",
	"message": concat("", [
		"Tool ", req.tool, " acts on ", system, ", but the request names ",
		concat(" and ", [concat("", [m[0], " ", m[1]]) | some m in sort(mismatches)]), ".",
	]),
	"details": {"tool": req.tool, "system": system, "named": {m[0]: m[1] | some m in mismatches}},
}} if {
	system := tool_system(req.tool)
	mismatches := _system_mismatches(req)
	count(mismatches) > 0
} else := set()

# Resource and destination systems, when named, must be the tool's own system.
_system_mismatches(req) := {[part, named] |
	some [part, named] in [
		["resource", object.get(req.resource, "system", null)],
		["destination", object.get(req.destination, "system", null)],
	]
	named != null
	named != tool_system(req.tool)
}
