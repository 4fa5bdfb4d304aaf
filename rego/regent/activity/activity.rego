# METADATA
# title: Behavioural windows
# description: >-
#   Sliding-window counters regent keeps per agent, per session and per principal
#   (input.activity, as they stood just before this action, others in flight included). A burst
#   of restricted reads by one agent or on behalf of one principal, or a streak of denials in
#   one session or on behalf of one principal, stops further actions until the window moves on.
#   Denials regent caused itself (store down, evaluation timeout) are counted as `faults` and
#   never count towards a streak. Thresholds live in data.regent.config.activity.
package regent.activity

import data.regent.flow
import data.regent.lattice
import data.regent.request

_config := data.regent.config.activity

# read_rank is the rank of what a read touches: the resource's classification joined with
# its labels'. Undefined for other kinds, or when the resource's classification is unknown.
read_rank(req) := lattice.join_rank({lattice.declared_level(resource)} | {lattice.label_level(l) |
	some l in request.labels(resource)
}) if {
	req.kind == "read"
	resource := flow.read_resource(req)
	lattice.known(lattice.declared_level(resource))
}

# restricted_read holds for a read at or above the burst's classification.
restricted_read(req) if read_rank(req) >= lattice.rank(_config.restricted_read_burst.classification)

# deny returns the activity deny reasons for a request: one per counter set over its threshold.
deny(req) := _read_burst(req) | _denial_streak(req)

_read_burst(req) := {_burst_reason(req, scope, counters, limit) |
	restricted_read(req)
	limit := _config.restricted_read_burst.max_reads
	some scope in ["agent", "principal"]
	counters := object.get(req.activity, scope, {})
	object.get(counters, "restricted_reads", 0) >= limit
}

_denial_streak(req) := {_streak_reason(req, scope, counters, limit) |
	some scope in ["session", "principal", "agent"]
	limit := _streak_limit(scope)
	counters := object.get(req.activity, scope, {})
	object.get(counters, "denials", 0) >= limit
}

# A session id is the caller's to choose, so the streak also counts per agent, over all its
# sessions: with a limit of its own (max_agent_denials, default three times max_denials), since
# one agent serves many sessions.
_streak_limit("agent") := object.get(_config.denial_streak, "max_agent_denials", _config.denial_streak.max_denials * 3)

_streak_limit(scope) := _config.denial_streak.max_denials if scope != "agent"

_burst_reason(req, scope, counters, limit) := {
	"code": "activity.restricted_read_burst",
	"message": concat("", [
		_burst_subject(req, scope), " ", format_int(reads, 10), " ",
		_config.restricted_read_burst.classification, " reads", _window(counters),
		"; another one is refused until the window moves on.",
	]),
	"details": object.union(_details(req, scope, counters, limit), {"restricted_reads": reads}),
} if {
	reads := object.get(counters, "restricted_reads", 0)
}

_burst_subject(req, "agent") := concat("", ["Agent ", req.agent_id, " has already made"])

_burst_subject(req, "principal") := concat("", [
	"Agent ",
	req.agent_id,
	" acts for ",
	_principal_id(req),
	", who has already had",
])

_streak_reason(req, scope, counters, limit) := {
	"code": "activity.denial_streak",
	"message": concat("", [
		_streak_subject(req, scope), " ", format_int(denials, 10), " denials", _window(counters),
		"; agent ", req.agent_id, " is stopped until the window moves on.",
	]),
	"details": object.union(_details(req, scope, counters, limit), {"denials": denials}),
} if {
	denials := object.get(counters, "denials", 0)
}

_streak_subject(_, "session") := "This session has had"

_streak_subject(req, "agent") := concat("", ["Agent ", req.agent_id, " has had, over all its sessions,"])

_streak_subject(req, "principal") := concat("", ["Actions on behalf of ", _principal_id(req), " have had"])

# details name the agent, which counter set tripped (and the principal when it is that one),
# the threshold and the window.
_details(req, scope, counters, limit) := object.union(
	{
		"agent": req.agent_id,
		"scope": scope,
		"threshold": limit,
		"window_seconds": object.get(counters, "window_seconds", null),
	},
	{"principal": _principal_id(req) | scope == "principal"},
)

_principal_id(req) := id if {
	id := req.principal.id
	is_string(id)
} else := "an unnamed principal"

_window(counters) := concat("", [" in the last ", format_int(s, 10), " seconds"]) if {
	s := counters.window_seconds
	is_number(s)
} else := " in the current window"
