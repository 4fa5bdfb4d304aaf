# METADATA
# title: Behavioural window tests
# description: >-
#   Restricted-read bursts per agent and per principal, denial streaks per session and per
#   principal, against the thresholds in data; faults never count.
package regent.activity_test

import data.regent.activity
import data.regent.request

_alice := {"id": "alice", "clearance": "restricted"}

_read(resource, activity_input) := request.view({
	"agent": {"id": "hr-assistant", "on_behalf_of": _alice},
	"action": {"tool": "workday.read_employee", "kind": "read", "resource": resource},
	"activity": activity_input,
})

_send(activity_input) := request.view({
	"agent": {"id": "hr-assistant", "on_behalf_of": _alice},
	"action": {"tool": "slack.post_message", "kind": "send"},
	"activity": activity_input,
})

_codes(req) := {r.code | some r in activity.deny(req)}

_scopes(req) := {[r.code, r.details.scope] | some r in activity.deny(req)}

# [resource, input.activity, expected codes]; the shipped threshold is 5 restricted reads.
burst_cases := {
	"below the threshold": [{"classification": "restricted"}, {"agent": {"restricted_reads": 4}}, set()],
	"at the threshold": [
		{"classification": "restricted"},
		{"agent": {"restricted_reads": 5}},
		{"activity.restricted_read_burst"},
	],
	"above the threshold": [
		{"classification": "restricted"},
		{"agent": {"restricted_reads": 9}},
		{"activity.restricted_read_burst"},
	],
	"a restricted label makes the read restricted": [
		{"classification": "internal", "labels": ["compensation"]},
		{"agent": {"restricted_reads": 5}},
		{"activity.restricted_read_burst"},
	],
	"a confidential read is not counted": [{"classification": "confidential"}, {"agent": {"restricted_reads": 50}}, set()],
	"no counters": [{"classification": "restricted"}, {}, set()],
	"the principal's reads through other agents count": [
		{"classification": "restricted"},
		{"agent": {"restricted_reads": 0}, "principal": {"restricted_reads": 5}},
		{"activity.restricted_read_burst"},
	],
	"the principal below the threshold": [
		{"classification": "restricted"},
		{"agent": {"restricted_reads": 0}, "principal": {"restricted_reads": 4}},
		set(),
	],
	"the session's reads are not a burst": [
		{"classification": "restricted"},
		{"session": {"restricted_reads": 50}},
		set(),
	],
	"faults are not reads": [
		{"classification": "restricted"},
		{"agent": {"faults": 50}, "principal": {"faults": 50}},
		set(),
	],
}

test_restricted_read_burst[note] if {
	some note, [resource, counters, want] in burst_cases
	_codes(_read(resource, counters)) == want
}

test_burst_applies_only_to_reads if {
	activity.deny(_send({"agent": {"restricted_reads": 50}, "principal": {"restricted_reads": 50}})) == set()
}

test_burst_threshold_comes_from_data if {
	# One nested expression: it breaks only by restructuring it, left to its author.
	# regal ignore:line-length
	_codes(_read({"classification": "restricted"}, {"agent": {"restricted_reads": 2}})) == {"activity.restricted_read_burst"} with data.regent.config.activity.restricted_read_burst.max_reads as 2
}

test_burst_reason_details if {
	# One nested expression: it breaks only by restructuring it, left to its author.
	# regal ignore:line-length
	[r] := [r | some r in activity.deny(_read({"classification": "restricted"}, {"agent": {"window_seconds": 300, "restricted_reads": 5}}))]
	r.details == {"agent": "hr-assistant", "scope": "agent", "restricted_reads": 5, "threshold": 5, "window_seconds": 300}
	contains(r.message, "in the last 300 seconds")
}

test_burst_gives_one_reason_per_counter_set_over_the_threshold if {
	reasons := activity.deny(_read({"classification": "restricted"}, {
		"agent": {"window_seconds": 300, "restricted_reads": 5},
		"principal": {"window_seconds": 300, "restricted_reads": 7},
	}))
	{[r.details.scope, r.details.restricted_reads] | some r in reasons} == {["agent", 5], ["principal", 7]}
	some r in reasons
	r.details == {
		"agent": "hr-assistant",
		"scope": "principal",
		"principal": "alice",
		"restricted_reads": 7,
		"threshold": 5,
		"window_seconds": 300,
	}
	contains(r.message, "acts for alice")
}

# [input.activity, expected [code, scope] pairs]; the shipped threshold is 3 denials.
streak_cases := {
	"a session below the threshold": [{"session": {"denials": 2}}, set()],
	"a session at the threshold": [{"session": {"denials": 3}}, {["activity.denial_streak", "session"]}],
	"a principal at the threshold, in a new session": [
		{"session": {"denials": 0}, "principal": {"denials": 3}},
		{["activity.denial_streak", "principal"]},
	],
	"both at the threshold": [
		{"session": {"denials": 3}, "principal": {"denials": 4}},
		{["activity.denial_streak", "session"], ["activity.denial_streak", "principal"]},
	],
	"an agent's denials across sessions count with their own limit": [
		{"agent": {"denials": 9}},
		{["activity.denial_streak", "agent"]},
	],
	"an agent below its own limit": [{"agent": {"denials": 8}, "session": {"denials": 2}}, set()],
	"regent's own faults never count": [
		{"session": {"denials": 0, "faults": 50}, "principal": {"denials": 2, "faults": 50}},
		set(),
	],
}

test_denial_streak[note] if {
	some note, [counters, want] in streak_cases
	_scopes(_send(counters)) == want
}

test_denial_streak_threshold_comes_from_data if {
	streak := {"activity.denial_streak"}
	_codes(_send({"session": {"denials": 2}})) == streak with data.regent.config.activity.denial_streak.max_denials as 2
	_codes(_send({"principal": {"denials": 2}})) == streak with data.regent.config.activity.denial_streak.max_denials as 2
}

test_denial_streak_reason_details if {
	[r] := [r | some r in activity.deny(_send({"principal": {"window_seconds": 60, "denials": 3}}))]
	r.details == {
		"agent": "hr-assistant",
		"scope": "principal",
		"principal": "alice",
		"denials": 3,
		"threshold": 3,
		"window_seconds": 60,
	}
	startswith(r.message, "Actions on behalf of alice have had 3 denials in the last 60 seconds")
}

test_denial_streak_counts_per_agent_over_all_sessions if {
	reasons := activity.deny({"agent_id": "a", "kind": "send", "principal": {}, "activity": {
		"agent": {"denials": 9, "window_seconds": 300},
		"session": {"denials": 0, "window_seconds": 300},
	}})
	some r in reasons
	r.code == "activity.denial_streak"
	r.details.scope == "agent"
	r.details.threshold == 9
}

test_denial_streak_per_agent_below_its_limit if {
	reasons := activity.deny({"agent_id": "a", "kind": "send", "principal": {}, "activity": {"agent": {"denials": 8}}})
	count(reasons) == 0
}
