# METADATA
# title: regent decision
# description: >-
#   The decision regent asks for on every agent action (docs/policy-contract.md). It gathers
#   the reasons of every rule package and builds the one result object here, so rules never
#   conflict: deny when any rule denies, else escalate when a rule asks for a person's approval,
#   else redact when anything must be removed from the payload, else allow. Anything that fails
#   to evaluate falls back to a deny. Company rule packages (data.regent.rules.<name>) are
#   collected here too: they may only add deny, redact and escalate entries, never allow.
package regent

import data.regent.activity
import data.regent.detect
import data.regent.flow
import data.regent.identity
import data.regent.integrity
import data.regent.principal
import data.regent.redact
import data.regent.request
import data.regent.rules
import data.regent.session

# METADATA
# title: decision
# description: >-
#   {decision, reasons, redactions, session}: deny with every deny reason sorted by code, or
#   escalate with every escalation reason (and the redactions and session effects an approved
#   retry would carry), or redact with the redactions and why, or allow with no reasons. Total
#   for any input.
# scope: document
# entrypoint: true
default decision := {
	"decision": "deny",
	"reasons": [{
		"code": "policy.default_deny",
		"message": "No rule allowed this action, so it is denied by default.",
		"details": {},
	}],
	"redactions": [],
	"session": {"add_labels": [], "declassify": []},
}

decision := {
	"decision": _verdict,
	"reasons": _reasons(_verdict),
	"redactions": _redactions(_verdict),
	"session": _session(_verdict),
}

_req := request.current

_dest := flow.destination(_req)

_plan := redact.plan(_req, _dest)

_secrets := detect.secret_redactions(_req, _dest)

_malformed := {{
	"code": "input.malformed",
	"message": concat("", ["The request does not follow the policy contract: ", concat("; ", sort(problems)), "."]),
	"details": {"problems": sort(problems)},
}} if {
	problems := request.problems(input)
	count(problems) > 0
} else := set()

# Where a consequential action's decisive arguments came from (regent's own, src/integrity).
_integrity := object.get(input, "integrity", null)

_denials := union({
	_malformed,
	identity.deny(_req),
	flow.deny(_req, _dest, _plan),
	principal.deny(_req),
	detect.deny(_req, _dest, _plan),
	session.deny(_req),
	activity.deny(_req),
	integrity.deny(_req, _integrity),
	_rule_denials,
})

_redaction_reasons := (_plan.reasons | _secrets.reasons) | _rule_redaction_reasons

# One redaction per path; a path removed for several reasons lists them all. It keeps `types`
# (mask only detector matches inside the string) only when every reason for it is a detection.
_redaction_list := [_merged_redaction(path, {e | some e in entries; e.path == path}) |
	entries := (_plan.redactions | _secrets.redactions) | _rule_redactions
	some path in sort({e.path | some e in entries})
]

_merged_redaction(path, es) := {"path": path, "reason": concat("; ", sort({e.reason | some e in es}))} if {
	some e in es
	count(e.types) == 0
}

_merged_redaction(path, es) := {
	"path": path,
	"reason": concat("; ", sort({e.reason | some e in es})),
	"types": sort({t | some e in es; some t in e.types}),
} if {
	every e in es {
		count(e.types) > 0
	}
}

# Each verdict states all its conditions: an `else` chain would fall through to allow when
# _denials failed to evaluate.
_verdict := "deny" if count(_denials) > 0

# Escalate needs the same positive checks as allow: a person approves an action regent would
# otherwise let through, never one it denies. Deny wins over escalate, escalate over redact.
_verdict := "escalate" if {
	count(_denials) == 0
	_permitted
	count(_escalations) > 0
}

_verdict := "redact" if {
	count(_denials) == 0
	_permitted
	count(_escalations) == 0
	count(_redaction_list) > 0
}

_verdict := "allow" if {
	count(_denials) == 0
	_permitted
	count(_escalations) == 0
	count(_redaction_list) == 0
}

# Positive checks that mirror the deny rules: allow and redact need them, not only the
# absence of deny reasons.
_permitted if {
	identity.permitted(_req)
	flow.permitted(_req, _dest, _plan)
	principal.permitted(_req)
}

# The parts of the decision, as functions of the verdict: only the verdict's own are built (an
# object of all four sorted every verdict's reasons and computed the session effects three times).
_reasons("deny") := _sorted(_denials)

_reasons("escalate") := _sorted(_escalations)

_reasons("redact") := _sorted(_redaction_reasons)

_reasons("allow") := []

# An escalation carries what an approved retry would redact, and its session effects, so the
# decision service can apply them when a person has approved this exact action.
_redactions("deny") := []

_redactions(verdict) := _redaction_list if verdict in {"escalate", "redact"}

_redactions("allow") := []

_session("deny") := {"add_labels": [], "declassify": []}

_session(verdict) := session.effects(_req) if verdict in {"escalate", "redact", "allow"}

# Reasons sorted by code, then message, so equal inputs list their reasons in the same order.
_sorted(reasons) := [r | some [_, _, r] in sort([[r.code, r.message, r] | some r in reasons])]

# --- company rules: data.regent.rules.<name> ------------------------------------------------
#
# Every package under regent.rules may define `deny` and `escalate` (sets of reasons whose
# codes start with `rules.<name>.`) and `redact` (a set of {path, reason, types?} under
# /payload/). Nothing else a rule package defines is read, so a rule can only make a decision
# stricter. A package whose sets do not follow that shape denies with `rules.invalid`, naming
# it: a rule that cannot be read is never skipped.

# [package name, key, value] of every deny, redact and escalate a rule package defines.
# One nested expression: it breaks only by restructuring it, left to its author.
# regal ignore:line-length
_rule_values := ({[name, "deny", v] | v := rules[name].deny} | {[name, "redact", v] | v := rules[name].redact}) | {[name, "escalate", v] | v := rules[name].escalate}

_rule_reasons(key) := {[name, r] |
	some [name, k, v] in _rule_values
	k == key
	is_set(v)
	some r in v
	_rule_reason_ok(name, r)
}

# A rule's escalation asks a person to approve this exact action (src/approvals): the verdict is
# escalate unless something denies. It gates the action only: in the result phase the action has
# run (approved, if it escalated), and an escalation there would be a deny that withholds the
# output of what a person just approved. A rule withholds or redacts results with deny or redact.
_escalations := {r |
	_req.phase != "result"
	some [_, r] in _rule_reasons("escalate")
} | integrity.escalate(_req, _integrity)

_rule_denials := {r | some [_, r] in _rule_reasons("deny")} | _rule_invalid

_rule_redaction_entries := {[name, e] |
	some [name, "redact", v] in _rule_values
	is_set(v)
	some e in v
	_rule_redaction_ok(e)
}

_rule_redactions := {{"path": e.path, "reason": e.reason, "types": object.get(e, "types", [])} |
	some [_, e] in _rule_redaction_entries
}

_rule_redaction_reasons := {{
	"code": "rules.redacted",
	"message": concat("", [
		"Company rule regent.rules.",
		name,
		" removed ",
		concat(", ", paths),
		": ",
		concat("; ", sort({e.reason | some [n, e] in _rule_redaction_entries; n == name})),
		".",
	]),
	"details": {"package": concat("", ["regent.rules.", name]), "paths": paths},
} |
	some name in {n | some [n, _] in _rule_redaction_entries}
	paths := sort({e.path | some [n, e] in _rule_redaction_entries; n == name})
}

_rule_invalid := {{
	"code": "rules.invalid",
	"message": concat("", [
		"Company rule regent.rules.",
		name,
		" does not follow the rule contract, so the action is denied: ",
		concat("; ", problems),
		".",
	]),
	"details": {"package": concat("", ["regent.rules.", name]), "problems": problems},
} |
	some name in {n | some [n, _, _] in _rule_values}
	problems := sort({p | some [n, key, v] in _rule_values; n == name; some p in _rule_problems(name, key, v)})
	count(problems) > 0
}

_rule_problems(_, key, v) := {concat("", [key, " must be a set"])} if not is_set(v)

_rule_problems(name, key, v) := {concat("", [
	key,
	" has a reason that is not {code, message, details?, alternative?} with a code rules.",
	name,
	".<what>",
]) |
	some r in v
	not _rule_reason_ok(name, r)
} if {
	is_set(v)
	key in {"deny", "escalate"}
}

_rule_problems(_, "redact", v) := {_redact_contract |
	some e in v
	not _rule_redaction_ok(e)
} if is_set(v)

_redact_contract := "redact has an entry that is not {path, reason, types?} with a path under /payload/"

_reason_keys := {"code", "message", "details", "alternative"}

# A rule reason's code is namespaced by its package (`rules.<name>.<what>`), so it can never
# pass for a core reason, and keeps the contract's code pattern.
_rule_reason_ok(name, r) if {
	is_object(r)
	every k, _ in r {
		k in _reason_keys
	}
	regex.match(concat("", ["^rules\\.", name, "(\\.[a-z0-9_]+)+$"]), object.get(r, "code", null))
	count(r.code) <= 128
	_text(object.get(r, "message", null))
	is_object(object.get(r, "details", {}))
	_text(object.get(r, "alternative", "-"))
}

_rule_redaction_ok(e) if {
	is_object(e)
	every k, _ in e {
		k in {"path", "reason", "types"}
	}
	request.payload_pointer(object.get(e, "path", null))
	_text(object.get(e, "reason", null))
	types := object.get(e, "types", [])
	is_array(types)
	every t in types {
		is_string(t)
	}
}

_text(s) if {
	is_string(s)
	s != ""
	count(s) <= 4096
}
