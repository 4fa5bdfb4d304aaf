# METADATA
# title: Behavioural windows
# description: >-
#   Sliding-window counters regent keeps per agent and per session (input.activity, counted
#   before this action). A burst of restricted reads by one agent, or a streak of denials in
#   one session, stops further actions until the window moves on. Thresholds live in
#   data.regent.config.activity.
package regent.activity

import data.regent.flow
import data.regent.lattice
import data.regent.request

_config := data.regent.config.activity

# read_rank is the rank of what a read touches: the resource's classification joined with
# its labels'. Undefined for other kinds, or when the resource's classification is unknown.
read_rank(req) := lattice.join_rank({lattice.declared_level(resource)} | {lattice.label_level(l) | some l in request.labels(resource)}) if {
	req.kind == "read"
	resource := flow.read_resource(req)
	lattice.known(lattice.declared_level(resource))
}

# restricted_read holds for a read at or above the burst's classification.
restricted_read(req) if read_rank(req) >= lattice.rank(_config.restricted_read_burst.classification)

# deny returns the activity deny reasons for a request.
deny(req) := _read_burst(req) | _denial_streak(req)

_read_burst(req) := {{
	"code": "activity.restricted_read_burst",
	"message": concat("", [
		"Agent ", req.agent_id, " has already made ", format_int(reads, 10), " ",
		limit_level, " reads", _window(counters), "; another one is refused until the window moves on.",
	]),
	"details": {
		"agent": req.agent_id,
		"restricted_reads": reads,
		"threshold": limit,
		"window_seconds": object.get(counters, "window_seconds", null),
	},
}} if {
	restricted_read(req)
	counters := object.get(req.activity, "agent", {})
	reads := object.get(counters, "restricted_reads", 0)
	limit := _config.restricted_read_burst.max_reads
	limit_level := _config.restricted_read_burst.classification
	reads >= limit
} else := set()

_denial_streak(req) := {{
	"code": "activity.denial_streak",
	"message": concat("", [
		"This session has had ", format_int(denials, 10), " denials", _window(counters),
		"; agent ", req.agent_id, " is stopped until the window moves on.",
	]),
	"details": {
		"agent": req.agent_id,
		"denials": denials,
		"threshold": limit,
		"window_seconds": object.get(counters, "window_seconds", null),
	},
}} if {
	counters := object.get(req.activity, "session", {})
	denials := object.get(counters, "denials", 0)
	limit := _config.denial_streak.max_denials
	denials >= limit
} else := set()

_window(counters) := concat("", [" in the last ", format_int(s, 10), " seconds"]) if {
	s := counters.window_seconds
	is_number(s)
} else := " in the current window"
