# METADATA
# title: Configuration check
# description: >-
#   Consistency of data.regent.config: every name the policies look up must resolve, so a
#   typo in the data cannot silently turn a rule off. `problems` is empty for a good
#   configuration; the tests assert that it is for the shipped one.
package regent.config_check

import data.regent.integrity
import data.regent.request

_cfg := data.regent.config

# METADATA
# title: problems
# description: >-
#   Every inconsistency in the configuration, as sentences. regent evaluates it before a
#   revision serves (start, hot reload, bundle activation) and refuses a revision that has any.
# entrypoint: true
problems := union({
	_lattice,
	_audiences,
	_systems,
	_agents_roles_tools,
	_labels,
	_walls_declassifiers,
	_detectors,
	_activity,
	_returns,
	_destinations,
	_principals,
	_domains,
	_observe,
	integrity.config_problems(_cfg),
})

_returns contains concat("", ["tools.", tool, ".returns: label '", label, "' is not defined in labels"]) if {
	some tool, t in _cfg.tools
	some label in object.get(t, ["returns", "labels"], [])
	not _cfg.labels[label]
}

_returns contains concat("", ["tools.", tool, ".returns: classification '", _str(c), "' is not a classification"]) if {
	some tool, t in _cfg.tools
	c := object.get(t, ["returns", "classification"], null)
	c != null
	not _known(c)
}

_dest := object.get(_cfg, "destinations", {})

_destinations contains concat("", ["destinations.default_audience: '", _str(a), "' is not defined in audiences"]) if {
	a := object.get(_dest, "default_audience", null)
	a != null
	not _cfg.audiences[a]
}

_destinations contains concat("", ["destinations.systems.", system, ": system is not defined in systems"]) if {
	some system, _ in object.get(_dest, "systems", {})
	not _cfg.systems[system]
}

_destinations contains concat("", [
	"destinations.systems.",
	system,
	".default_audience: '",
	_str(a),
	"' is not defined in audiences",
]) if {
	some system, d in object.get(_dest, "systems", {})
	a := object.get(d, "default_audience", null)
	a != null
	not _cfg.audiences[a]
}

_destinations contains concat("", [
	"destinations.systems.",
	system,
	".entries.",
	id,
	": audience '",
	_str(a),
	"' is not defined in audiences",
]) if {
	some system, d in object.get(_dest, "systems", {})
	some id, a in object.get(d, "entries", {})
	not _cfg.audiences[a]
}

_destinations contains concat("", [
	"destinations.systems.",
	system,
	".addressed_by: must be \"recipients\" or absent",
]) if {
	some system, d in object.get(_dest, "systems", {})
	by := object.get(d, "addressed_by", null)
	by != null
	by != "recipients"
}

_principals_cfg := object.get(_cfg, "principals", {})

_principals contains concat("", ["principals.", key, ": '", _str(c), "' is not a classification"]) if {
	some key in ["default_clearance", "internal_clearance"]
	c := object.get(_principals_cfg, key, null)
	c != null
	not _known(c)
}

_principals contains concat("", [
	"principals.users.",
	user,
	": clearance '",
	_str(u.clearance),
	"' is not a classification",
]) if {
	some user, u in object.get(_principals_cfg, "users", {})
	object.get(u, "clearance", null) != null
	not _known(u.clearance)
}

_principals contains concat("", [
	"principals.users.",
	user,
	": group '",
	group,
	"' is not defined in principals.groups",
]) if {
	some user, u in object.get(_principals_cfg, "users", {})
	some group in object.get(u, "groups", [])
	object.get(_principals_cfg, ["groups", group], null) == null
}

_principals contains concat("", [
	"principals.groups.",
	group,
	": clearance '",
	_str(g.clearance),
	"' is not a classification",
]) if {
	some group, g in object.get(_principals_cfg, "groups", {})
	object.get(g, "clearance", null) != null
	not _known(g.clearance)
}

_observe contains concat("", ["agents.", agent, ".mode: '", _str(a.mode), "' must be observe or enforce"]) if {
	some agent, a in _cfg.agents
	object.get(a, "mode", "enforce") != "enforce"
	a.mode != "observe"
}

_observe contains concat("", [
	"agents.", agent, ".sessions: '", _str(a.sessions),
	"' must be required or optional",
]) if {
	some agent, a in _cfg.agents
	object.get(a, "sessions", "optional") != "optional"
	a.sessions != "required"
}

# callers: the authenticated callers (token ids, certificate CNs) that may decide for the agent.
_observe contains concat("", [
	"agents.", agent, ".callers must be a list of token ids or certificate names",
]) if {
	some agent, a in _cfg.agents
	"callers" in object.keys(a)
	not _names(a.callers)
}

_observe contains "observe.enforce must be a list of reason codes (a trailing .* names a family)" if {
	enforce := object.get(object.get(_cfg, "observe", {}), "enforce", [])
	not _strings(enforce)
}

_names(xs) if {
	_strings(xs)
	every x in xs {
		x != ""
	}
}

_strings(xs) if {
	is_array(xs)
	every x in xs {
		is_string(x)
	}
}

_domains contains concat("", ["internal_domains: '", _str(d), "' must be a lower-case domain name"]) if {
	some d in object.get(_cfg, "internal_domains", [])
	not _domain(d)
}

_domain(d) if {
	is_string(d)
	lower(d) == d
	regex.match(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$`, d)
}

_known(level) if _cfg.classifications[level] != null

_lattice contains "classifications: ranks must be distinct integers" if {
	ranks := [r | some r in _cfg.classifications]
	count({r | some r in ranks}) != count(ranks)
}

_lattice contains concat("", ["classifications.", name, ": rank must be an integer"]) if {
	some name, r in _cfg.classifications
	not _integer(r)
}

_integer(x) if {
	is_number(x)
	round(x) == x
}

_audiences contains concat("", [
	"audiences.",
	name,
	": clearance '",
	_str(a.clearance),
	"' is not a classification",
]) if {
	some name, a in _cfg.audiences
	not _known(a.clearance)
}

_systems contains concat("", [
	"systems.",
	name,
	": classification '",
	_str(s.classification),
	"' is not a classification",
]) if {
	some name, s in _cfg.systems
	not _known(s.classification)
}

_agents_roles_tools contains concat("", ["agents.", agent, ": role '", role, "' is not defined in roles"]) if {
	some agent, a in _cfg.agents
	some role in a.roles
	not _cfg.roles[role]
}

_agents_roles_tools contains concat("", ["roles.", role, ": tool '", tool, "' is not defined in tools"]) if {
	some role, r in _cfg.roles
	some tool in r.tools
	not _cfg.tools[tool]
}

_agents_roles_tools contains concat("", [
	"tools.",
	tool,
	": kind '",
	_str(kind),
	"' is not one of read, write, send, delete, execute",
]) if {
	some tool, t in _cfg.tools
	some kind in t.kinds
	not kind in request.kinds
}

_agents_roles_tools contains concat("", [
	"tools.",
	tool,
	": system '",
	_str(t.system),
	"' is not defined in systems",
]) if {
	some tool, t in _cfg.tools
	not _cfg.systems[t.system]
}

_labels contains concat("", [
	"labels.",
	label,
	": classification '",
	_str(l.classification),
	"' is not a classification",
]) if {
	some label, l in _cfg.labels
	not _known(l.classification)
}

_labels contains concat("", ["labels.", label, ": owning system '", system, "' is not defined in systems"]) if {
	some label, l in _cfg.labels
	some system in l.systems
	not _cfg.systems[system]
}

_labels contains concat("", ["known_fields.", system, ": '", path, "' must start with /payload/"]) if {
	some system, paths in _cfg.known_fields
	some path, _ in paths
	not request.payload_pointer(path)
}

_labels contains concat("", [
	"known_fields.",
	system,
	": '",
	path,
	"' names label '",
	label,
	"', which is not defined in labels",
]) if {
	some system, paths in _cfg.known_fields
	some path, labels in paths
	some label in labels
	not _cfg.labels[label]
}

_labels contains concat("", ["known_fields.", system, ": system is not defined in systems"]) if {
	some system, _ in _cfg.known_fields
	not _cfg.systems[system]
}

_walls_declassifiers contains concat("", [
	"chinese_walls.",
	name,
	": label '",
	label,
	"' is not defined in labels",
]) if {
	some name, wall in _cfg.chinese_walls
	some label in wall.labels
	not _cfg.labels[label]
}

_walls_declassifiers contains concat("", ["chinese_walls.", name, ": a conflict class needs at least two labels"]) if {
	some name, wall in _cfg.chinese_walls
	count(wall.labels) < 2
}

_walls_declassifiers contains concat("", ["declassifiers.", tool, ": tool is not defined in tools"]) if {
	some tool, _ in _cfg.declassifiers
	not _cfg.tools[tool]
}

_walls_declassifiers contains concat("", [
	"declassifiers.",
	tool,
	": label '",
	label,
	"' is not defined in labels",
]) if {
	some tool, d in _cfg.declassifiers
	some label in d.labels
	not _cfg.labels[label]
}

_detectors contains concat("", ["detectors.types.", type, ": category must be secret or personal"]) if {
	some type, t in _cfg.detectors.types
	not t.category in {"secret", "personal"}
}

_detectors contains concat("", ["detectors.types.", type, ": a personal type needs a label defined in labels"]) if {
	some type, t in _cfg.detectors.types
	t.category == "personal"
	not _cfg.labels[t.label]
}

_detectors contains concat("", ["detectors.deny_types: '", type, "' is not in detectors.types"]) if {
	some type in _cfg.detectors.deny_types
	not _cfg.detectors.types[type]
}

_detectors contains concat("", ["detectors.secret_stores: '", system, "' is not defined in systems"]) if {
	some system in _cfg.detectors.secret_stores
	not _cfg.systems[system]
}

_activity contains "activity.restricted_read_burst.classification is not a classification" if {
	not _known(_cfg.activity.restricted_read_burst.classification)
}

_activity contains concat("", ["activity.", path, " must be a positive integer"]) if {
	some path, value in {
		"restricted_read_burst.max_reads": object.get(_cfg.activity, ["restricted_read_burst", "max_reads"], null),
		"denial_streak.max_denials": object.get(_cfg.activity, ["denial_streak", "max_denials"], null),
	}
	not _positive_integer(value)
}

_positive_integer(x) if {
	_integer(x)
	x > 0
}

_str(x) := x if is_string(x)

else := "(missing)"
