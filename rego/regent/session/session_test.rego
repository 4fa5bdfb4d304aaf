# METADATA
# title: Session effects and Chinese wall tests
# description: add_labels, declassification by approved tools only, and conflict classes.
package regent.session_test

import data.regent.request
import data.regent.session

_read(resource_labels, held) := request.view(object.union(
	{
		"agent": {"id": "sales-assistant"},
		"action": {
			"tool": "salesforce.read_account",
			"kind": "read",
			"resource": {"system": "salesforce", "labels": resource_labels},
		},
		"data_flow": {"sources": []},
	},
	_session(held),
))

_session(null) := {}

_session(held) := {"session": {"id": "s", "labels": held, "systems": ["salesforce"]}} if held != null

test_incoming_labels_for_reads_and_others if {
	session.incoming_labels(request.view({
		"action": {"kind": "read", "resource": {"labels": ["pii"]}},
		"data_flow": {"sources": [{"system": "workday", "labels": ["compensation"]}]},
	})) == {"pii", "compensation"}
	session.incoming_labels(request.view({
		"action": {"kind": "send", "resource": {"labels": ["pii"]}},
		"data_flow": {"sources": [{"system": "workday", "labels": ["compensation"]}]},
	})) == {"compensation"}
}

# [resource labels, session labels (null: no session), conflict?]
wall_cases := {
	"first competitor": [["customer:acme"], [], false],
	"same competitor again": [["customer:acme"], ["customer:acme"], false],
	"other competitor after the first": [["customer:globex"], ["customer:acme"], true],
	"both competitors in one read": [["customer:acme", "customer:globex"], null, true],
	"a customer outside the class": [["customer:initech"], ["customer:acme"], false],
	"nothing from the class": [["pii"], ["customer:acme", "customer:globex"], false],
}

test_chinese_wall[note] if {
	some note, [labels, held, want] in wall_cases
	_conflict(_read(labels, held)) == want
}

_conflict(req) if count(session.deny(req)) > 0

_conflict(req) := false if count(session.deny(req)) == 0

test_wall_reason_names_both_sides if {
	[r] := [r | some r in session.deny(_read(["customer:globex"], ["customer:acme"]))]
	r.code == "flow.chinese_wall"

	# The whole sentence a caller reads, kept on one line so it can be searched for.
	# regal ignore:line-length
	r.message == "Agent sales-assistant may not bring customer:globex into a session that already holds customer:acme: they are in the conflict class competitor_accounts and may never meet in one session."
	r.details == {
		"class": "competitor_accounts",
		"labels": ["customer:globex"],
		"held": ["customer:acme"],
		"sources": ["salesforce"],
	}
}

_summary(tool, held) := request.view({
	"agent": {"id": "hr-assistant"},
	"action": {"tool": tool, "kind": "execute"},
	"data_flow": {"sources": [{"system": "workday", "labels": ["compensation", "performance"]}]},
	"session": {"id": "s", "labels": held, "systems": ["workday"]},
})

test_approved_declassifier_declassifies_its_labels if {
	req := _summary("docs.approved_summarizer", ["pii", "health"])
	session.declassify(req) == {"compensation", "pii"}
	session.effects(req) == {"add_labels": ["performance"], "declassify": ["compensation", "pii"]}
}

# No registered tool but the approved declassifier can declassify anything.
test_no_other_tool_declassifies[tool] if {
	some tool in (object.keys(data.regent.config.tools) - {"docs.approved_summarizer"})
	session.declassify(_summary(tool, ["pii", "compensation"])) == set()
}

test_declassifiers_come_from_data if {
	session.declassifier("docs.approved_summarizer")
	not session.declassifier("docs.summarize")

	# One nested expression: it breaks only by restructuring it, left to its author.
	# regal ignore:line-length
	session.declassify(_summary("docs.summarize", ["pii"])) == {"pii"} with data.regent.config.declassifiers as {"docs.summarize": {"labels": ["pii"]}}
}
