# METADATA
# title: regent decision
# description: >-
#   The decision regent asks for on every agent action (docs/policy-contract.md). It gathers
#   the reasons of every rule package and builds the one result object here, so rules never
#   conflict: deny when any rule denies, else redact when anything must be removed from the
#   payload, else allow. Anything that fails to evaluate falls back to a deny.
package regent

import data.regent.activity
import data.regent.detect
import data.regent.flow
import data.regent.identity
import data.regent.principal
import data.regent.redact
import data.regent.request
import data.regent.session

# METADATA
# title: decision
# description: >-
#   {decision, reasons, redactions, session}: deny with every deny reason sorted by code, or
#   redact with the redactions and why, or allow with no reasons. Total for any input.
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
	"reasons": _reasons[_verdict],
	"redactions": _redactions[_verdict],
	"session": _session[_verdict],
}

_req := request.view(input)

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

_denials := (((((_malformed | identity.deny(_req)) | flow.deny(_req, _dest, _plan)) | principal.deny(_req)) | detect.deny(_req, _dest, _plan)) | session.deny(_req)) | activity.deny(_req)

_redaction_reasons := _plan.reasons | _secrets.reasons

# One redaction per path; a path removed for several reasons lists them all. It keeps `types`
# (mask only detector matches inside the string) only when every reason for it is a detection.
_redaction_list := [_merged_redaction(path, {e | some e in entries; e.path == path}) |
	entries := _plan.redactions | _secrets.redactions
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

_verdict := "redact" if {
	count(_denials) == 0
	_permitted
	count(_redaction_list) > 0
}

_verdict := "allow" if {
	count(_denials) == 0
	_permitted
	count(_redaction_list) == 0
}

# Positive checks that mirror the deny rules: allow and redact need them, not only the
# absence of deny reasons.
_permitted if {
	identity.permitted(_req)
	flow.permitted(_req, _dest, _plan)
	principal.permitted(_req)
}

_reasons := {
	"deny": _sorted(_denials),
	"redact": _sorted(_redaction_reasons),
	"allow": [],
}

_redactions := {
	"deny": [],
	"redact": _redaction_list,
	"allow": [],
}

_no_effects := {"add_labels": [], "declassify": []}

_session := {
	"deny": _no_effects,
	"redact": session.effects(_req),
	"allow": session.effects(_req),
}

# Reasons sorted by code, then message, so equal inputs list their reasons in the same order.
_sorted(reasons) := [r | some [_, _, r] in sort([[r.code, r.message, r] | some r in reasons])]
