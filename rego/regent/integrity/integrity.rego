# METADATA
# title: Integrity taint
# description: >-
#   The dual of the confidentiality model: confidentiality asks what may leave, integrity asks
#   what may steer. Once a tool's untrusted output (an outside sender's mail, a web page, a file
#   shared from outside: tools.<t>.returns.integrity, systems.<s>.integrity) has entered the
#   session (input.session.untrusted_sources, recorded by the result phase), a consequential
#   action (tools.<t>.consequential) is denied, or escalated, unless its decisive arguments come
#   from trusted sources: the configuration or a trusted tool output. regent tells where each
#   decisive argument came from in input.integrity.arguments (src/integrity); this package
#   decides on it. See docs/decisions/016-integrity-taint.md.
package regent.integrity

import data.regent.text

_tools := object.get(data.regent.config, "tools", {})

# consequential returns the tool's consequential settings, when it has any.
consequential(tool) := spec if {
	spec := _tools[tool].consequential
	is_object(spec)
}

# tainted holds when untrusted content has entered the session of an action (results are not
# actions: they are what brings the taint in).
tainted(req) if {
	req.phase != "result"
	count(object.get(req.session, "untrusted_sources", [])) > 0
}

# deny returns the integrity reasons whose outcome is deny.
deny(req, integ) := {r | some [outcome, r] in _reasons(req, integ); outcome == "deny"}

# escalate returns the integrity reasons whose outcome is escalate (a person approves).
escalate(req, integ) := {r | some [outcome, r] in _reasons(req, integ); outcome == "escalate"}

# [outcome, reason] of every integrity problem of a request; empty unless the session is tainted
# and the tool consequential.
_reasons(req, integ) := _whole_action(req, spec) | _arguments(req, integ, spec) if {
	tainted(req)
	spec := consequential(req.tool)
} else := set()

_outcome(spec, key, fallback) := o if {
	o := object.get(spec, key, fallback)
	o in {"deny", "escalate", "allow"}
} else := "deny"

_sources(req) := sort(object.get(req.session, "untrusted_sources", []))

# A consequential tool with no decisive arguments is consequential as a whole (changing a
# password, deleting an account): once untrusted content has entered, it is not done unasked.
_whole_action(req, spec) := {[_outcome(spec, "untrusted", "deny"), {
	"code": "integrity.untrusted_session",
	"message": concat("", [
		"Untrusted content", _from(req), " has entered this session, so ", req.tool,
		" (a consequential action) is not taken on its say-so.",
	]),
	"details": {"tool": req.tool, "untrusted_sources": _sources(req)},
	"alternative": "ask the user to confirm this action in a new session, or have a person approve it",
}]} if {
	count(object.get(spec, "arguments", [])) == 0
} else := set()

_arguments(_, _, spec) := set() if count(object.get(spec, "arguments", [])) == 0

# regent always says where the arguments came from; without it nothing can be told (fail closed).
_arguments(req, integ, spec) := {[_outcome(spec, "untrusted", "deny"), {
	"code": "integrity.unverified_argument",
	"message": concat("", [
		"Untrusted content", _from(req), " has entered this session and regent could not tell",
		" where the decisive arguments of ", req.tool, " came from.",
	]),
	"details": {"tool": req.tool, "untrusted_sources": _sources(req), "paths": []},
}]} if {
	count(object.get(spec, "arguments", [])) > 0
	not _integrity_ok(integ)
}

_arguments(req, integ, spec) := _untrusted(req, integ, spec) | _unverified(req, integ, spec) if {
	count(object.get(spec, "arguments", [])) > 0
	_integrity_ok(integ)
}

_integrity_ok(integ) if {
	is_object(integ)
	integ.consequential == true
	is_array(integ.arguments)
}

_untrusted(req, integ, spec) := {[_outcome(spec, "untrusted", "deny"), {
	"code": "integrity.untrusted_argument",
	"message": concat("", [
		"The ", text.list(paths), " of ", req.tool, " came from untrusted content", _from(req),
		", so it is not used to ", _verb(req.kind), " on that content's say-so.",
	]),
	"details": {"tool": req.tool, "paths": sort(paths), "untrusted_sources": _sources(req)},
	"alternative": _alternative,
}]} if {
	paths := {a.path | some a in integ.arguments; a.provenance == "untrusted"}
	count(paths) > 0
} else := set()

# A value from nowhere regent knows (neither the configuration, a trusted output nor untrusted
# content) passes unless the tool says otherwise (`unknown`). When more untrusted values entered
# than regent keeps, an unknown value may be one of them, so it counts as untrusted.
_unverified(req, integ, spec) := {[outcome, {
	"code": "integrity.unverified_argument",
	"message": concat("", [
		"The ", text.list(paths), " of ", req.tool, " came from neither the configuration nor a trusted",
		" tool's output, and untrusted content", _from(req), " has entered this session.",
	]),
	"details": {"tool": req.tool, "paths": sort(paths), "untrusted_sources": _sources(req)},
	"alternative": _alternative,
}]} if {
	outcome := _unknown_outcome(req, spec)
	outcome != "allow"
	paths := {a.path | some a in integ.arguments; a.provenance == "unknown"}
	count(paths) > 0
} else := set()

_unknown_outcome(req, spec) := _outcome(spec, "untrusted", "deny") if {
	object.get(req.session, "untrusted_values_overflow", false) == true
} else := _outcome(spec, "unknown", "allow")

_alternative := concat(" ", [
	"use a value from the configuration (a known recipient or account) or from a trusted tool's output,",
	"or have a person approve it",
])

_from(req) := concat("", [" (from ", text.list(_sources(req)), ")"])

_verb("send") := "send"

_verb("delete") := "delete"

_verb("write") := "write"

_verb(kind) := "act" if not kind in {"send", "delete", "write"}

# --- configuration (collected by regent.config_check) ---------------------------------------

_integrity_values := {"trusted", "untrusted"}

# config_problems lists the integrity settings of a configuration that do not resolve.
config_problems(cfg) := (_tool_problems(cfg) | _system_problems(cfg)) | _value_problems(cfg)

_tool_problems(cfg) := {p |
	some tool, t in object.get(cfg, "tools", {})
	returns := _returns_problems(tool, object.get(t, ["returns", "integrity"], "trusted"))
	some p in (returns | _consequential_problems(tool, object.get(t, "consequential", {})))
}

_returns_problems(tool, i) := {concat("", [
	"tools.", tool,
	".returns.integrity must be trusted, untrusted or {untrusted: [JSON pointers under /payload/], author?}",
])} if {
	not _returns_ok(i)
} else := set()

_returns_ok(i) if i in _integrity_values

_returns_ok(i) if {
	is_object(i)
	_pointers(object.get(i, "untrusted", null))
	is_string(object.get(i, "author", ""))
}

_consequential_problems(tool, c) := {concat("", [
	"tools.", tool, ".consequential must be {arguments?: [JSON pointers under /payload/],",
	" unknown?: allow|deny|escalate, untrusted?: deny|escalate}",
])} if {
	not _consequential_ok(c)
} else := set()

_consequential_ok(c) if {
	is_object(c)
	every k, _ in c {
		k in {"arguments", "unknown", "untrusted", "description"}
	}
	_pointers(object.get(c, "arguments", []))
	object.get(c, "unknown", "allow") in {"allow", "deny", "escalate"}
	object.get(c, "untrusted", "deny") in {"deny", "escalate"}
}

_pointers(ps) if {
	is_array(ps)
	every p in ps {
		is_string(p)
		startswith(p, "/payload/")
	}
}

_system_problems(cfg) := {concat("", ["systems.", name, ".integrity must be trusted or untrusted"]) |
	some name, s in object.get(cfg, "systems", {})
	not object.get(s, "integrity", "trusted") in _integrity_values
}

_value_problems(cfg) := {"integrity.trusted_values must be an array of strings"} if {
	values := object.get(object.get(cfg, "integrity", {}), "trusted_values", [])
	not _strings(values)
} else := set()

_strings(xs) if {
	is_array(xs)
	every x in xs {
		is_string(x)
	}
}
