# METADATA
# title: Behavioural window tests
# description: Restricted-read bursts and denial streaks against the thresholds in data.
package regent.activity_test

import data.regent.activity
import data.regent.request

_read(resource, counters) := request.view({
	"agent": {"id": "hr-assistant"},
	"action": {"tool": "workday.read_employee", "kind": "read", "resource": resource},
	"activity": {"agent": counters},
})

_codes(req) := {r.code | some r in activity.deny(req)}

# [resource, agent counters, expected codes]; the shipped threshold is 5 restricted reads.
burst_cases := {
	"below the threshold": [{"classification": "restricted"}, {"restricted_reads": 4}, set()],
	"at the threshold": [{"classification": "restricted"}, {"restricted_reads": 5}, {"activity.restricted_read_burst"}],
	"above the threshold": [{"classification": "restricted"}, {"restricted_reads": 9}, {"activity.restricted_read_burst"}],
	"a restricted label makes the read restricted": [{"classification": "internal", "labels": ["compensation"]}, {"restricted_reads": 5}, {"activity.restricted_read_burst"}],
	"a confidential read is not counted": [{"classification": "confidential"}, {"restricted_reads": 50}, set()],
	"no counters": [{"classification": "restricted"}, {}, set()],
}

test_restricted_read_burst[note] if {
	some note, [resource, counters, want] in burst_cases
	_codes(_read(resource, counters)) == want
}

test_burst_applies_only_to_reads if {
	req := request.view({
		"agent": {"id": "hr-assistant"},
		"action": {"tool": "email.send", "kind": "send", "resource": {"classification": "restricted"}},
		"activity": {"agent": {"restricted_reads": 50}},
	})
	activity.deny(req) == set()
}

test_burst_threshold_comes_from_data if {
	_codes(_read({"classification": "restricted"}, {"restricted_reads": 2})) == {"activity.restricted_read_burst"} with data.regent.config.activity.restricted_read_burst.max_reads as 2
}

test_burst_reason_details if {
	[r] := [r | some r in activity.deny(_read({"classification": "restricted"}, {"window_seconds": 300, "restricted_reads": 5}))]
	r.details == {"agent": "hr-assistant", "restricted_reads": 5, "threshold": 5, "window_seconds": 300}
	contains(r.message, "in the last 300 seconds")
}

_session_counters(denials) := request.view({
	"agent": {"id": "hr-assistant"},
	"action": {"tool": "slack.post_message", "kind": "send"},
	"activity": {"session": {"window_seconds": 60, "denials": denials}},
})

test_denial_streak if {
	_codes(_session_counters(2)) == set()
	_codes(_session_counters(3)) == {"activity.denial_streak"}
	_codes(_session_counters(2)) == {"activity.denial_streak"} with data.regent.config.activity.denial_streak.max_denials as 2
}
