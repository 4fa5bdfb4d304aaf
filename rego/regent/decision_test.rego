# METADATA
# title: regent decision tests
# description: >-
#   End-to-end tests of data.regent.decision on the core's fixture configuration
#   (test/rego/fixture, a copy of the example org): the README examples, the HR incident, the
#   competitor wall, one case per reason code, the shape the contract demands, monotonicity
#   properties, and company rules collected from data.regent.rules.
package regent_test

import data.regent

# --- fixtures: the README examples ----------------------------------------------------------

# README "allow": the HR assistant reads one employee for alice, who is cleared for it.
readme_allow := {
	"agent": {"id": "hr-assistant", "on_behalf_of": {"id": "alice", "groups": ["hr"], "clearance": "restricted"}},
	"action": {
		"tool": "workday.read_employee", "kind": "read",
		"resource": {"system": "workday", "id": "emp-42", "labels": ["pii", "compensation"], "classification": "restricted"},
	},
}

# README "deny": restricted compensation from workday posted to a company-wide channel.
readme_deny := {
	"agent": {"id": "hr-assistant"},
	"action": {"tool": "slack.post_message", "kind": "send", "resource": {"system": "slack", "id": "#general"}},
	"data_flow": {
		"sources": [{"system": "workday", "labels": ["pii", "compensation"], "classification": "restricted"}],
		"destination": {"system": "slack", "audience": "all_employees"},
	},
	"payload": {"text": "Bob's salary is 180000"},
}

# README "redact": an internal staff list whose salaries and home addresses must not reach
# all employees; the rest may go.
readme_redact := {
	"agent": {"id": "hr-assistant"},
	"action": {"tool": "slack.post_message", "kind": "send", "resource": {"system": "slack", "id": "#general"}},
	"data_flow": {
		"sources": [{"system": "workday", "labels": ["pii", "compensation"], "classification": "internal"}],
		"destination": {"system": "slack", "audience": "all_employees"},
	},
	"payload": {"employees": [
		{"name": "Bob", "title": "Engineer", "salary": 180000},
		{"name": "Eve", "title": "Designer", "salary": 170000, "home_address": "1 Main St"},
	]},
}

test_readme_allow if {
	d := regent.decision with input as readme_allow
	d == {
		"decision": "allow", "reasons": [], "redactions": [],
		"session": {"add_labels": ["compensation", "pii"], "declassify": []},
	}
}

test_readme_deny if {
	d := regent.decision with input as readme_deny
	d.decision == "deny"
	[r.code | some r in d.reasons] == ["flow.audience_not_cleared"]
	r := d.reasons[0]
	r.details == {
		"sources": ["workday"], "labels": ["compensation", "pii"], "destination": "slack",
		"audience": "all_employees", "classification": "restricted", "clearance": "internal",
	}
	contains(r.message, "workday")
	contains(r.message, "compensation")
	contains(r.message, "slack")
	contains(r.alternative, "individual")
	d.redactions == []
	d.session == {"add_labels": [], "declassify": []}
}

test_readme_redact if {
	d := regent.decision with input as readme_redact
	d.decision == "redact"
	[r.path | some r in d.redactions] == ["/payload/employees/*/home_address", "/payload/employees/*/salary"]
	[r.code | some r in d.reasons] == ["flow.redacted_label", "flow.redacted_label"]
	{l | some r in d.reasons; some l in r.details.labels} == {"compensation", "pii"}
	d.session.add_labels == ["compensation", "pii"]
}

# --- the incident: HR assistant, alice, workday -> slack -> email ---------------------------

_alice := {"id": "alice", "groups": ["hr"], "clearance": "restricted"}

incident_read := {
	"agent": {"id": "hr-assistant", "on_behalf_of": _alice},
	"action": {
		"tool": "workday.read_employee", "kind": "read",
		"resource": {"system": "workday", "id": "emp-42", "labels": ["pii", "compensation"], "classification": "restricted"},
	},
	"session": {"id": "sess-7f3a", "labels": [], "systems": [], "steps": 0},
}

_tainted_session := {
	"id": "sess-7f3a", "labels": ["compensation", "pii"], "systems": ["workday"],
	"classification": "restricted", "steps": 1,
}

incident_post := {
	"agent": {"id": "hr-assistant", "on_behalf_of": _alice},
	"action": {"tool": "slack.post_message", "kind": "send", "resource": {"system": "slack", "id": "#general"}},
	"data_flow": {"destination": {"system": "slack", "audience": "all_employees"}},
	"payload": {"text": "Here is the compensation summary you asked for."},
	"session": _tainted_session,
}

incident_email := {
	"agent": {"id": "hr-assistant", "on_behalf_of": _alice},
	"action": {"tool": "email.send", "kind": "send"},
	"data_flow": {"destination": {"system": "email", "recipients": [{"id": "alice", "clearance": "restricted"}]}},
	"payload": {"subject": "Compensation summary", "body": "..."},
	"session": _tainted_session,
}

test_incident_read_is_allowed_and_taints_the_session if {
	d := regent.decision with input as incident_read
	d.decision == "allow"
	d.session.add_labels == ["compensation", "pii"]
}

test_incident_post_to_all_employees_is_denied_naming_workday if {
	d := regent.decision with input as incident_post
	d.decision == "deny"
	some r in d.reasons
	r.code == "flow.audience_not_cleared"
	r.details.sources == ["workday"]
	contains(r.message, "workday")
	contains(r.message, "all_employees")
}

test_incident_email_to_cleared_individual_is_allowed if {
	d := regent.decision with input as incident_email
	d.decision == "allow"
	d.reasons == []
}

# The session store derives its classification from declared classifications only; when
# none was declared, the labels the session holds still count.
test_incident_post_is_denied_even_without_a_session_classification if {
	inp := object.union(incident_post, {"session": {"classification": null}})
	d := regent.decision with input as inp
	d.decision == "deny"
	d.reasons[0].details.labels == ["compensation", "pii"]
}

# --- Chinese wall: competitor B after competitor A ------------------------------------------

_account(customer) := {
	"agent": {"id": "sales-assistant"},
	"action": {
		"tool": "salesforce.read_account", "kind": "read",
		"resource": {
			"system": "salesforce",
			"id": concat("", [customer, "-001"]),
			"labels": [concat("", ["customer:", customer])],
		},
	},
}

test_first_competitor_is_allowed if {
	d := regent.decision with input as object.union(_account("acme"), {"session": {
		"id": "s1",
		"labels": [],
		"systems": [],
	}})
	d.decision == "allow"
	d.session.add_labels == ["customer:acme"]
}

test_competitor_b_after_competitor_a_is_denied if {
	inp := object.union(_account("globex"), {"session": {
		"id": "s1", "labels": ["customer:acme"], "systems": ["salesforce"],
		"classification": "confidential",
	}})
	d := regent.decision with input as inp
	d.decision == "deny"
	[r.code | some r in d.reasons] == ["flow.chinese_wall"]
	contains(d.reasons[0].message, "customer:acme")
	contains(d.reasons[0].message, "customer:globex")
}

test_same_customer_again_is_allowed if {
	inp := object.union(_account("acme"), {"session": {
		"id": "s1", "labels": ["customer:acme"], "systems": ["salesforce"],
		"classification": "confidential",
	}})
	d := regent.decision with input as inp
	d.decision == "allow"
}

test_non_competitor_after_competitor_is_allowed if {
	inp := object.union(_account("initech"), {"session": {
		"id": "s1", "labels": ["customer:acme"], "systems": ["salesforce"],
		"classification": "confidential",
	}})
	d := regent.decision with input as inp
	d.decision == "allow"
}

# --- declassification only by the approved tool ---------------------------------------------

_summarize(tool) := {
	"agent": {"id": "hr-assistant"},
	"action": {"tool": tool, "kind": "execute"},
	"data_flow": {"sources": [{"system": "workday", "labels": ["compensation"], "classification": "restricted"}]},
	"session": _tainted_session,
}

test_approved_summarizer_declassifies if {
	d := regent.decision with input as _summarize("docs.approved_summarizer")
	d.decision == "allow"
	d.session == {"add_labels": [], "declassify": ["compensation", "pii"]}
}

# regent.session tests every registered tool; this checks the decision passes it through.
test_unapproved_summarizer_does_not_declassify if {
	d := regent.decision with input as _summarize("docs.summarize")
	d.decision == "allow"
	d.session == {"add_labels": ["compensation"], "declassify": []}
}

test_declassify_is_empty_on_deny if {
	inp := object.union(_summarize("docs.approved_summarizer"), {"agent": {"id": "sales-assistant"}})
	d := regent.decision with input as inp
	d.decision == "deny"
	d.session.declassify == []
}

# --- one input per reason code ----------------------------------------------------------------

_send(overrides) := object.union(
	{
		"agent": {"id": "hr-assistant"},
		"action": {"tool": "slack.post_message", "kind": "send"},
		"data_flow": {"destination": {"system": "slack", "audience": "all_employees"}},
		"payload": {"text": "hello"},
	},
	overrides,
)

_read(overrides) := object.union(
	{
		"agent": {"id": "hr-assistant"},
		"action": {
			"tool": "workday.read_employee", "kind": "read",
			"resource": {"system": "workday", "id": "emp-42", "classification": "confidential"},
		},
	},
	overrides,
)

deny_cases := {
	"input.malformed": _send({"data_flow": {"sources": "workday"}}),
	"detect.scan_incomplete": _send({"detection": {"complete": false}}),
	"agent.unknown": _send({"agent": {"id": "mallory-bot"}}),
	"tool.unknown": _send({"action": {"tool": "slack.delete_workspace", "kind": "delete"}}),
	"tool.kind_mismatch": _send({"action": {"tool": "slack.post_message", "kind": "read"}}),
	"tool.not_allowed": _read({"agent": {"id": "sales-assistant"}}),
	"tool.system_mismatch": _send({"data_flow": {"destination": {"system": "email", "audience": "team"}}}),
	"flow.audience_unknown": _send({"data_flow": {"destination": {"system": "slack", "audience": "the_internet"}}}),
	"flow.audience_not_cleared": readme_deny,
	"flow.classification_unknown": _send({"data_flow": {"sources": [{
		"system": "workday",
		"classification": "top-secret",
	}]}}),
	"flow.label_unknown": _send({"data_flow": {"sources": [{
		"system": "workday",
		"labels": ["blood_type"],
		"classification": "internal",
	}]}}),
	"flow.chinese_wall": _read({
		"agent": {"id": "sales-assistant"},
		"action": {
			"tool": "salesforce.read_account",
			"kind": "read",
			"resource": {"system": "salesforce", "labels": ["customer:globex"]},
		},
		"session": {"id": "s", "labels": ["customer:acme"], "systems": ["salesforce"], "classification": "confidential"},
	}),
	"principal.clearance_unknown": _read({"agent": {
		"id": "hr-assistant",
		"on_behalf_of": {"id": "bob", "clearance": "secret"},
	}}),
	"principal.clearance_exceeded": _read({"agent": {
		"id": "hr-assistant",
		"on_behalf_of": {"id": "bob", "clearance": "internal"},
	}}),
	"detect.type_unknown": _send({"detected": [{"type": "dna_sequence", "path": "/payload/text"}]}),
	"detect.denied_type": _send({"detected": [{"type": "private_key", "path": "/payload/text"}]}),
	"activity.restricted_read_burst": _read({
		"action": {
			"tool": "workday.read_employee",
			"kind": "read",
			"resource": {"system": "workday", "classification": "restricted"},
		},
		"activity": {"agent": {"window_seconds": 300, "restricted_reads": 5}},
	}),
	"activity.denial_streak": _send({"activity": {"session": {"window_seconds": 300, "denials": 3}}}),
}

# Table tests over whole decisions collect the cases that went wrong, with what came out,
# and expect none: `opa test --var-values` shows them on failure. (A test with a ref head
# reports each case, but costs tens of milliseconds per case here.)
test_each_deny_code if {
	wrong := {code: _summary(d) |
		some code, inp in deny_cases
		d := regent.decision with input as inp
		not _only_code(d, "deny", code)
	}
	wrong == {}
}

_only_code(d, verdict, code) if {
	d.decision == verdict
	{r.code | some r in d.reasons} == {code}
	_contract_ok(d)
}

_summary(d) := [d.decision, [r.code | some r in d.reasons]]

redact_cases := {
	"flow.redacted_label": readme_redact,
	"detect.secret_redacted": _send({"detected": [{"type": "api_key", "path": "/payload/text"}]}),
}

test_each_redact_code if {
	wrong := {code: _summary(d) |
		some code, inp in redact_cases
		d := regent.decision with input as inp
		not _only_code(d, "redact", code)
	}
	wrong == {}
}

test_default_deny_for_a_non_object_input if {
	d := regent.decision with input as "not an object"
	d.decision == "deny"
	[r.code | some r in d.reasons] == ["policy.default_deny"]
}

test_a_broken_configuration_still_denies if {
	# Without a tool registry nothing can be allowed; the decision still answers, with deny.
	d := regent.decision with input as readme_allow with regent.config.tools as null
	d.decision == "deny"
}

# --- contract shape ------------------------------------------------------------------------

# _contract_ok holds for a decision of exactly the shape docs/policy-contract.md demands.
_contract_ok(d) if {
	object.keys(d) == {"decision", "reasons", "redactions", "session"}
	_verdict_ok(d)
	every r in d.reasons {
		is_string(r.code)
		is_string(r.message)
		r.message != ""
		is_object(object.get(r, "details", {}))
		is_string(object.get(r, "alternative", ""))
	}
	every x in d.redactions {
		startswith(x.path, "/payload/")
		is_string(x.reason)
	}
	object.keys(d.session) == {"add_labels", "declassify"}
}

_verdict_ok(d) if {
	d.decision == "deny"
	count(d.reasons) > 0
	d.redactions == []
}

_verdict_ok(d) if {
	d.decision == "redact"
	count(d.redactions) > 0
}

_verdict_ok(d) if {
	d.decision == "escalate"
	count(d.reasons) > 0
}

_verdict_ok(d) if {
	d.decision == "allow"
	d.redactions == []
	d.reasons == []
}

test_shape_follows_the_contract if {
	wrong := {note: _summary(d) |
		some note, inp in object.union(unknown_cases, {
			"readme_allow": readme_allow, "readme_deny": readme_deny, "readme_redact": readme_redact,
			"incident_read": incident_read, "incident_post": incident_post, "incident_email": incident_email,
			"empty object": {},
		})
		d := regent.decision with input as inp
		not _contract_ok(d)
	}
	wrong == {}
}

test_deny_reasons_are_sorted_by_code if {
	inp := object.union(readme_deny, {
		"agent": {"id": "hr-assistant", "on_behalf_of": {"id": "bob", "clearance": "internal"}},
		"detected": [{"type": "dna_sequence", "path": "/payload/text"}],
	})
	d := regent.decision with input as inp
	codes := [r.code | some r in d.reasons]
	codes == ["detect.type_unknown", "flow.audience_not_cleared", "principal.clearance_exceeded"]
	codes == sort(codes)
}

# --- monotonicity: more labels or a higher classification never turn deny into allow -------

_more_labels := object.keys(regent.config.labels) | {"unregistered"}

_denied := {
	"readme_deny": readme_deny,
	"incident_post": incident_post,
	"chinese_wall": deny_cases["flow.chinese_wall"],
	"principal": deny_cases["principal.clearance_exceeded"],
	"not allowed": deny_cases["tool.not_allowed"],
}

# One nested expression: it breaks only by restructuring it, left to its author.
# regal ignore:line-length
_with_label(inp, "source", label) := object.union(inp, {"data_flow": {"sources": [object.union(s, {"labels": array.concat(object.get(s, "labels", []), [label])}) |
	some s in object.get(inp, ["data_flow", "sources"], [{"system": "workday", "classification": "internal"}])
]}})

# One nested expression: it breaks only by restructuring it, left to its author.
# regal ignore:line-length
_with_label(inp, "resource", label) := object.union(inp, {"action": {"resource": {"labels": array.concat(object.get(inp, ["action", "resource", "labels"], []), [label])}}})

_with_label(inp, "session", label) := object.union(inp, {"session": {
	"id": "s",
	"labels": array.concat(object.get(inp, ["session", "labels"], []), [label]),
}})

# One test per place a label can be added. (Written out three times: a function whose body
# uses `with` breaks `opa build -t wasm` when test files are not ignored.)
test_adding_a_source_label_keeps_deny if {
	allowed := {[note, label] |
		some note, inp in _denied
		some label in _more_labels
		d := regent.decision with input as _with_label(inp, "source", label)
		d.decision != "deny"
	}
	allowed == set()
}

test_adding_a_resource_label_keeps_deny if {
	allowed := {[note, label] |
		some note, inp in _denied
		some label in _more_labels
		d := regent.decision with input as _with_label(inp, "resource", label)
		d.decision != "deny"
	}
	allowed == set()
}

test_adding_a_session_label_keeps_deny if {
	allowed := {[note, label] |
		some note, inp in _denied
		some label in _more_labels
		d := regent.decision with input as _with_label(inp, "session", label)
		d.decision != "deny"
	}
	allowed == set()
}

test_raising_a_source_classification_keeps_deny if {
	allowed := {[note, level] |
		some note, inp in _denied
		some level, _ in regent.config.classifications
		d := regent.decision with input as _with_source_level(inp, level)
		d.decision != "deny"
	}
	allowed == set()
}

# Raises every source's classification to at least level (adds a workday source if none).
# One nested expression: it breaks only by restructuring it, left to its author.
# regal ignore:line-length
_with_source_level(inp, level) := object.union(inp, {"data_flow": {"sources": [object.union(s, {"classification": _max_level(object.get(s, "classification", "public"), level)}) |
	some s in object.get(inp, ["data_flow", "sources"], [{"system": "workday", "classification": "public"}])
]}})

_max_level(a, b) := a if regent.config.classifications[a] >= regent.config.classifications[b]

_max_level(a, b) := b if regent.config.classifications[a] < regent.config.classifications[b]

# A redaction may turn into a deny when a label is added, never into an allow.
test_adding_a_label_to_a_redaction_never_allows if {
	allowed := {label |
		some label in _more_labels
		d := regent.decision with input as _with_label(readme_redact, "source", label)
		d.decision == "allow"
	}
	allowed == set()
}

# Unknown values anywhere deny, never count as low.
# Agents, tools, audiences, labels, detector types and source classifications are covered
# by test_each_deny_code; these are the other places an unknown value can hide.
unknown_cases := {
	"recipient clearance": _send({"data_flow": {"destination": {
		"system": "slack",
		"recipients": [{"id": "x", "clearance": "low"}],
	}}}),
	"no audience on a send": object.remove(_send({}), ["data_flow"]),
	"source system without default": _send({"data_flow": {"sources": [{"system": "sharepoint"}]}}),
	"session classification": _send({"session": {"id": "s", "labels": [], "systems": [], "classification": "fuzzy"}}),
	"resource classification": _read({"action": {
		"tool": "workday.read_employee",
		"kind": "read",
		"resource": {"system": "workday", "classification": "?"},
	}}),
	"missing principal clearance": _read({"agent": {"id": "hr-assistant", "on_behalf_of": {"id": "bob"}}}),
}

test_unknown_values_deny if {
	wrong := {note: _summary(d) |
		some note, inp in unknown_cases
		d := regent.decision with input as inp
		d.decision != "deny"
	}
	wrong == {}
}

# Every reason code rego/README.md documents, and a test input for each.
reason_codes := {
	"input.malformed", "policy.default_deny",
	"agent.unknown", "tool.unknown", "tool.kind_mismatch", "tool.not_allowed", "tool.system_mismatch",
	"flow.audience_unknown", "flow.classification_unknown", "flow.label_unknown",
	"flow.audience_not_cleared", "flow.chinese_wall",
	"principal.clearance_unknown", "principal.clearance_exceeded",
	"detect.type_unknown", "detect.denied_type", "detect.scan_incomplete",
	"activity.restricted_read_burst", "activity.denial_streak",
	"flow.redacted_label", "detect.secret_redacted",
	"rules.invalid", "rules.redacted",
}

test_every_reason_code_has_a_case if {
	covered := union({
		object.keys(deny_cases),
		object.keys(redact_cases),
		object.keys(rule_cases),
		{"policy.default_deny"},
	})
	covered == reason_codes
}

test_an_incomplete_scan_blocks_egress_but_not_reads if {
	regent.decision.decision == "deny" with input as _send({"detection": {"complete": false}})
	regent.decision.decision == "allow" with input as _read({"detection": {"complete": false}})
	regent.decision.decision == "allow" with input as _send({
		"detection": {"complete": true},
		"data_flow": {"destination": {"system": "slack", "audience": "team"}},
	})
}

# --- company rules: data.regent.rules.<name> ---------------------------------------------------

_acme_deny := {
	"code": "rules.acme.no_friday_deploys",
	"message": "No deploys on Fridays.",
	"details": {"day": "friday"},
}

_acme_escalate := {"code": "rules.acme.review", "message": "A person reviews this.", "alternative": "ask a manager"}

_acme_redact := {"path": "/payload/text", "reason": "acme keeps chat text in house"}

# The README allow, and the same action with a rule that says nothing.
test_rules_that_find_nothing_change_nothing if {
	d := _decide(readme_allow, {"acme": {"deny": set(), "redact": set(), "escalate": set()}})
	d == _decide(readme_allow, {})
	d.decision == "allow"
}

test_a_rule_deny_denies if {
	d := _decide(readme_allow, {"acme": {"deny": {_acme_deny}}})
	d.decision == "deny"
	d.reasons == [_acme_deny]
	d.session == {"add_labels": [], "declassify": []}
}

test_a_rule_deny_joins_the_core_reasons if {
	d := _decide(readme_deny, {"acme": {"deny": {_acme_deny}}})
	[r.code | some r in d.reasons] == ["flow.audience_not_cleared", "rules.acme.no_friday_deploys"]
}

test_a_rule_escalation_escalates_with_its_reasons if {
	d := _decide(readme_allow, {"acme": {"escalate": {_acme_escalate}}})
	d.decision == "escalate"
	d.reasons == [_acme_escalate]
	d.redactions == []
	_contract_ok(d)
	r := _decide(readme_allow, {"acme": {"escalate": {object.union(_acme_escalate, {"details": {"n": 1}})}}}).reasons[0]
	r.details == {"n": 1}
}

# What an approved retry applies: the session effects of the allow it stands for.
test_an_escalation_carries_the_session_effects_of_its_allow if {
	allowed := regent.decision with input as readme_allow
	d := _decide(readme_allow, {"acme": {"escalate": {_acme_escalate}}})
	d.session == allowed.session
}

test_deny_wins_over_escalate if {
	d := _decide(readme_deny, {"acme": {"escalate": {_acme_escalate}}})
	d.decision == "deny"
	[r.code | some r in d.reasons] == ["flow.audience_not_cleared"]
	d2 := _decide(readme_allow, {"acme": {"escalate": {_acme_escalate}, "deny": {_acme_deny}}})
	[r.code | some r in d2.reasons] == ["rules.acme.no_friday_deploys"]
	d2.decision == "deny"
}

# A rule that escalates on the action's shape does not withhold the result of the approved action
# (the result phase is the same tool and arguments, with phase "result"); its deny still applies.
test_a_rule_escalation_gates_the_action_not_its_result if {
	result := object.union(readme_allow, {"phase": "result"})
	d := _decide(result, {"acme": {"escalate": {_acme_escalate}}})
	d.decision == "allow"
	d == _decide(result, {})
	denied := _decide(result, {"acme": {"escalate": {_acme_escalate}, "deny": {_acme_deny}}})
	denied.decision == "deny"
	[r.code | some r in denied.reasons] == ["rules.acme.no_friday_deploys"]
}

# An action the core does not permit is denied, not offered to a person.
test_escalate_needs_the_positive_checks if {
	inp := {"agent": {"id": "mallory-bot"}, "action": {"tool": "gdrive.read_file", "kind": "read"}}
	d := _decide(inp, {"acme": {"escalate": {_acme_escalate}}})
	d.decision == "deny"
}

# Escalate wins over redact, and keeps the redactions an approved retry applies.
test_escalate_wins_over_redact if {
	d := _decide(readme_redact, {"acme": {"escalate": {_acme_escalate}}})
	d.decision == "escalate"
	d.reasons == [_acme_escalate]
	[r.path | some r in d.redactions] == ["/payload/employees/*/home_address", "/payload/employees/*/salary"]
	_contract_ok(d)
}

test_a_rule_redaction_turns_allow_into_redact if {
	inp := _send({"data_flow": {"destination": {"system": "slack", "audience": "team"}}})
	regent.decision.decision == "allow" with input as inp
	d := _decide(inp, {"acme": {"redact": {_acme_redact}}})
	d.decision == "redact"
	d.redactions == [{"path": "/payload/text", "reason": "acme keeps chat text in house"}]
	want := {"package": "regent.rules.acme", "paths": ["/payload/text"]}
	[[r.code, r.details] | some r in d.reasons] == [["rules.redacted", want]]
	_contract_ok(d)
}

test_a_rule_redaction_merges_with_the_core_plan if {
	d := regent.decision with input as readme_redact with regent.rules as {"acme": {"redact": {
		{"path": "/payload/employees/*/salary", "reason": "acme: no pay data in chat"},
		{"path": "/payload/employees/*/title", "reason": "acme: titles are internal", "types": ["email"]},
	}}}
	d.decision == "redact"
	[r.path | some r in d.redactions] == [
		"/payload/employees/*/home_address",
		"/payload/employees/*/salary",
		"/payload/employees/*/title",
	]
	contains(d.redactions[1].reason, "acme: no pay data in chat")
	d.redactions[2].types == ["email"]
	{r.code | some r in d.reasons} == {"flow.redacted_label", "rules.redacted"}
}

test_a_rule_redaction_never_lifts_a_deny if {
	d := _decide(readme_deny, {"acme": {"redact": {{"path": "/payload/text", "reason": "remove the salary"}}}})
	d.decision == "deny"
}

# Whatever else a rule package defines, the core reads only deny, redact and escalate.
test_a_rule_cannot_allow if {
	rules := {"acme": {"allow": true, "decision": {"decision": "allow"}, "permitted": true, "deny": set()}}
	_decide(readme_deny, rules).decision == "deny"
	_decide({"agent": {"id": "mallory-bot"}}, rules).decision == "deny"
}

_reason(code) := {"code": code, "message": "m"}

# note -> the acme package's value; every one denies with rules.invalid naming regent.rules.acme.
invalid_rules := {
	"a reason without a code": {"deny": {{"message": "no code"}}},
	"a code that is not a string": {"deny": {{"code": 7, "message": "m"}}},
	"a code outside its namespace": {"deny": {_reason("flow.audience_not_cleared")}},
	"a code of another package": {"deny": {_reason("rules.other.x")}},
	"a code that only starts like it": {"deny": {_reason("rules.acmecorp.x")}},
	"the bare namespace": {"deny": {_reason("rules.acme")}},
	"a code with capitals": {"deny": {_reason("rules.acme.NoDeploy")}},
	"an empty message": {"deny": {{"code": "rules.acme.x", "message": ""}}},
	"details that are not an object": {"deny": {{"code": "rules.acme.x", "message": "m", "details": "d"}}},
	"a key the contract does not have": {"deny": {{"code": "rules.acme.x", "message": "m", "decision": "allow"}}},
	"a reason that is a string": {"deny": {"rules.acme.x"}},
	"deny that is not a set": {"deny": _reason("rules.acme.x")},
	"deny that is an array": {"deny": [_reason("rules.acme.x")]},
	"a misshapen escalation": {"escalate": {{"code": "rules.acme.x"}}},
	"a redaction outside the payload": {"redact": {{"path": "/agent/id", "reason": "r"}}},
	"a redaction without a reason": {"redact": {{"path": "/payload/text"}}},
	"redaction types that are not strings": {"redact": {{"path": "/payload/text", "reason": "r", "types": [1]}}},
	"redact that is not a set": {"redact": {"path": "/payload/text", "reason": "r"}},
}

test_a_misshapen_rule_denies_naming_its_package if {
	wrong := {note: _summary(d) |
		some note, acme in invalid_rules
		d := regent.decision with input as readme_allow with regent.rules as {"acme": acme, "fine": {"deny": set()}}
		not _invalid_acme(d)
	}
	wrong == {}
}

_invalid_acme(d) if {
	d.decision == "deny"
	[[r.code, r.details.package] | some r in d.reasons] == [["rules.invalid", "regent.rules.acme"]]
	count(d.reasons[0].details.problems) > 0
	_contract_ok(d)
}

# A package's well-formed reasons still count beside its rules.invalid.
test_a_misshapen_rule_keeps_its_good_reasons if {
	d := regent.decision with input as readme_allow with regent.rules as {"acme": {"deny": {_acme_deny, _reason("nope")}}}
	[r.code | some r in d.reasons] == ["rules.acme.no_friday_deploys", "rules.invalid"]
}

rule_cases := {
	"rules.invalid": {"acme": {"deny": {_reason("nope")}}},
	"rules.redacted": {"acme": {"redact": {_acme_redact}}},
}

test_rule_codes_follow_the_contract if {
	inp := _send({"data_flow": {"destination": {"system": "slack", "audience": "team"}}})
	wrong := {code: _summary(d) |
		some code, rules in rule_cases
		d := regent.decision with input as inp with regent.rules as rules
		not _names_code(d, code)
	}
	wrong == {}
}

_names_code(d, code) if {
	code in {r.code | some r in d.reasons}
	_contract_ok(d)
}

# Rules see input.context through the view; anything but an object reads as {}.
test_rules_read_the_context if {
	regent.request.view({"context": {"ticket": "T-1"}}).context == {"ticket": "T-1"}
	regent.request.view({}).context == {}
	regent.request.view({"context": "T-1"}).context == {}
}

# The decision with company rules in place of data.regent.rules.
_decide(inp, rules) := d if {
	# regal ignore:external-reference,with-outside-test-context
	d := regent.decision with input as inp with regent.rules as rules
}
