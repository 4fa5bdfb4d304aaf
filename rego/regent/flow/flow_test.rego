# METADATA
# title: Lattice flow tests
# description: Destination clearance, the flow join, unknown values and alternatives.
package regent.flow_test

import data.regent.flow
import data.regent.redact
import data.regent.request

_send(data_flow) := request.view({
	"agent": {"id": "hr-assistant"},
	"action": {"tool": "slack.post_message", "kind": "send"},
	"data_flow": data_flow,
	"payload": {"text": "hi"},
})

_deny(req) := flow.deny(req, dest, redact.plan(req, dest)) if dest := flow.destination(req)

_codes(req) := {r.code | some r in _deny(req)}

_only(req, code) := r if {
	[r] := [r | some r in _deny(req)]
	r.code == code
}

# --- destination ------------------------------------------------------------------------

destination_cases := {
	"named audience": [{"system": "slack", "audience": "all_employees"}, "internal"],
	"least-cleared recipient decides": [
		{"system": "email", "recipients": [{"id": "a", "clearance": "restricted"}, {"id": "b", "clearance": "internal"}]},
		"internal",
	],
	"audience and recipients: the lower": [
		{"system": "email", "audience": "individual", "recipients": [{"id": "b", "clearance": "confidential"}]},
		"confidential",
	],
	"unknown audience": [{"system": "slack", "audience": "world"}, null],
	"unknown recipient clearance": [
		{"system": "email", "recipients": [{"id": "a", "clearance": "restricted"}, {"id": "b", "clearance": "vip"}]},
		null,
	],
	"neither": [{"system": "slack"}, null],
	"empty recipients": [{"system": "slack", "recipients": []}, null],
}

test_destination_level[note] if {
	some note, [destination, want] in destination_cases
	flow.destination(_send({"destination": destination})).level == want
}

test_destination_defaults_to_the_tool_system if {
	dest := flow.destination(_send({"destination": {"audience": "team"}}))
	dest.system == "slack"
	dest.name == "slack (audience team)"
}

test_reads_without_destination_are_not_checked if {
	req := request.view({"agent": {"id": "hr-assistant"}, "action": {"tool": "workday.read_employee", "kind": "read"}})
	not flow.checked(req)
	_deny(req) == set()
}

test_send_without_destination_is_checked if {
	req := request.view({"agent": {"id": "hr-assistant"}, "action": {"tool": "slack.post_message", "kind": "send"}})
	flow.checked(req)
	_codes(req) == {"flow.audience_unknown"}
}

# --- the join against the clearance ---------------------------------------------------------

# [data_flow, expected deny codes]
join_cases := {
	"internal source to all employees": [
		{"sources": [{"system": "gdrive", "classification": "internal"}], "destination": {"audience": "all_employees"}},
		set(),
	],
	"confidential source to all employees": [
		{"sources": [{"system": "gdrive", "classification": "confidential"}], "destination": {"audience": "all_employees"}},
		{"flow.audience_not_cleared"},
	],
	"system default counts (workday is confidential)": [
		{"sources": [{"system": "workday"}], "destination": {"audience": "all_employees"}},
		{"flow.audience_not_cleared"},
	],
	"label above the clearance, no field to redact": [
		{
			"sources": [{"system": "gdrive", "labels": ["compensation"], "classification": "internal"}],
			"destination": {"audience": "team"},
		},
		{"flow.audience_not_cleared"},
	],
	"restricted to an individual": [
		{
			"sources": [{"system": "workday", "labels": ["compensation"], "classification": "restricted"}],
			"destination": {"audience": "individual"},
		},
		set(),
	],
	"one uncleared recipient denies": [
		{
			"sources": [{"system": "workday", "classification": "confidential"}],
			"destination": {"recipients": [{"id": "a", "clearance": "restricted"}, {"id": "b", "clearance": "internal"}]},
		},
		{"flow.audience_not_cleared"},
	],
	"unknown source classification": [
		{"sources": [{"system": "gdrive", "classification": "sensitive"}], "destination": {"audience": "individual"}},
		{"flow.classification_unknown"},
	],
	"unknown system without classification": [
		{"sources": [{"system": "sharepoint"}], "destination": {"audience": "individual"}},
		{"flow.classification_unknown"},
	],
	"unknown label": [
		{
			"sources": [{"system": "gdrive", "labels": ["blood_type"], "classification": "public"}],
			"destination": {"audience": "individual"},
		},
		{"flow.label_unknown"},
	],
	"unknown field label": [
		{"fields": [{"path": "/payload/text", "labels": ["blood_type"]}], "destination": {"audience": "individual"}},
		{"flow.label_unknown"},
	],
	"unknown audience": [
		{"sources": [{"system": "gdrive", "classification": "public"}], "destination": {"audience": "partners"}},
		{"flow.audience_unknown"},
	],
}

test_join[note] if {
	some note, [data_flow, want] in join_cases
	req := _send(data_flow)
	_codes(req) == want
	_permitted_iff_clean(req, want)
}

_permitted_iff_clean(req, set()) if {
	dest := flow.destination(req)
	flow.permitted(req, dest, redact.plan(req, dest))
}

_permitted_iff_clean(req, want) if {
	count(want) > 0
	dest := flow.destination(req)
	not flow.permitted(req, dest, redact.plan(req, dest))
}

test_not_cleared_names_sources_labels_and_destination if {
	r := _only(
		_send({
			"sources": [
				{"system": "workday", "labels": ["compensation", "pii"], "classification": "restricted"},
				{"system": "gdrive", "labels": [], "classification": "internal"},
			],
			"destination": {"system": "slack", "audience": "all_employees"},
		}),
		"flow.audience_not_cleared",
	)
	r.details == {
		"sources": ["workday"], "labels": ["compensation", "pii"], "destination": "slack",
		"audience": "all_employees", "classification": "restricted", "clearance": "internal",
	}

	# The whole sentence a caller reads, kept on one line so it can be searched for.
	# regal ignore:line-length
	r.message == "Data classified restricted from workday (labels compensation, pii) may not go to slack (audience all_employees), which is cleared only up to internal."
	contains(r.alternative, "directory lists as individual")
	not contains(r.alternative, "tag the fields")
}

test_session_classification_counts if {
	req := request.view({
		"agent": {"id": "hr-assistant"},
		"action": {"tool": "slack.post_message", "kind": "send"},
		"data_flow": {"destination": {"audience": "all_employees"}},
		"session": {"id": "s", "labels": [], "systems": ["workday"], "classification": "confidential"},
	})
	r := _only(req, "flow.audience_not_cleared")
	r.details.sources == ["workday"]
	startswith(r.message, "The confidential data this session already holds from workday")
}

test_session_labels_count_without_a_classification if {
	req := request.view({
		"agent": {"id": "hr-assistant"},
		"action": {"tool": "slack.post_message", "kind": "send"},
		"data_flow": {"destination": {"audience": "all_employees"}},
		"session": {"id": "s", "labels": ["compensation"], "systems": ["workday"], "classification": null},
	})
	r := _only(req, "flow.audience_not_cleared")
	r.details.labels == ["compensation"]
	r.details.classification == "restricted"
}

test_unknown_session_classification if {
	req := request.view({
		"agent": {"id": "hr-assistant"},
		"action": {"tool": "slack.post_message", "kind": "send"},
		"data_flow": {"destination": {"audience": "individual"}},
		"session": {"id": "s", "labels": [], "systems": [], "classification": "spicy"},
	})
	_codes(req) == {"flow.classification_unknown"}
}

test_unknown_read_resource_classification if {
	req := request.view({
		"agent": {"id": "hr-assistant"},
		"action": {"tool": "workday.read_employee", "kind": "read", "resource": {"classification": "spicy"}},
	})
	r := _only(req, "flow.classification_unknown")
	r.details.sources == ["workday"]
}

test_tagging_is_suggested_when_redaction_would_help if {
	r := _only(
		_send({
			"sources": [{"system": "workday", "labels": ["compensation"], "classification": "internal"}],
			"destination": {"audience": "all_employees"},
		}),
		"flow.audience_not_cleared",
	)
	contains(r.alternative, "tag the fields carrying compensation")
}

test_no_tagging_suggestion_for_the_owning_system if {
	req := request.view({
		"agent": {"id": "hr-assistant"},
		"action": {"tool": "workday.update_employee", "kind": "write"},
		"data_flow": {
			"sources": [{"system": "gdrive", "labels": ["compensation"], "classification": "internal"}],
			"destination": {"system": "workday", "audience": "team"},
		},
	})
	r := _only(req, "flow.audience_not_cleared")
	not contains(r.alternative, "tag the fields")
}

test_audience_unknown_lists_the_audiences if {
	r := _only(_send({"destination": {"audience": "partners"}}), "flow.audience_unknown")
	r.details.problems == ["audience 'partners' is not a known audience"]
	contains(r.alternative, "all_employees, individual, public, team")
}

test_result_of_a_send_without_principal_is_not_a_flow if {
	not flow.checked({"kind": "send", "phase": "result", "has_destination": false})
	flow.checked({"kind": "send", "phase": "action", "has_destination": false})
}
