package regent.integrity_test

import data.regent.integrity
import data.regent.request

_tools := {
	"email.send": {"system": "email", "kinds": ["send"], "consequential": {"arguments": ["/payload/to"]}},
	"bank.pay": {
		"system": "bank", "kinds": ["write"],
		"consequential": {"arguments": ["/payload/iban"], "unknown": "deny", "untrusted": "escalate"},
	},
	"iam.reset_password": {"system": "iam", "kinds": ["write"], "consequential": {}},
	"web.get_page": {"system": "web", "kinds": ["read"], "returns": {"integrity": "untrusted"}},
}

_req(tool, kind, session, phase) := request.view(object.union(
	{"agent": {"id": "a"}, "action": {"tool": tool, "kind": kind}, "session": session},
	{"phase": phase | phase != null},
))

_clean := {"id": "s", "labels": [], "systems": [], "untrusted_sources": []}

_tainted := {"id": "s", "labels": [], "systems": [], "untrusted_sources": ["web.get_page"]}

_overflowed := object.union(_tainted, {"untrusted_values_overflow": true})

_args(provenances) := {"consequential": true, "arguments": [{"path": p, "provenance": v} | some [p, v] in provenances]}

cases := {
	"a clean session sends to anyone": {
		"tool": "email.send", "kind": "send", "session": _clean, "phase": null,
		"integrity": _args([["/payload/to", "untrusted"]]),
		"deny": set(), "escalate": set(),
	},
	"a tool that is not consequential is never stopped": {
		"tool": "web.get_page", "kind": "read", "session": _tainted, "phase": null,
		"integrity": null,
		"deny": set(), "escalate": set(),
	},
	"an address from untrusted content denies": {
		"tool": "email.send", "kind": "send", "session": _tainted, "phase": null,
		"integrity": _args([["/payload/to", "untrusted"]]),
		"deny": {"integrity.untrusted_argument"}, "escalate": set(),
	},
	"an address from the configuration passes": {
		"tool": "email.send", "kind": "send", "session": _tainted, "phase": null,
		"integrity": _args([["/payload/to", "configuration"]]),
		"deny": set(), "escalate": set(),
	},
	"an address from a trusted output passes": {
		"tool": "email.send", "kind": "send", "session": _tainted, "phase": null,
		"integrity": _args([["/payload/to", "trusted"]]),
		"deny": set(), "escalate": set(),
	},
	"an address from nowhere known passes by default": {
		"tool": "email.send", "kind": "send", "session": _tainted, "phase": null,
		"integrity": _args([["/payload/to", "unknown"]]),
		"deny": set(), "escalate": set(),
	},
	"an address from nowhere known denies once untrusted values overflowed": {
		"tool": "email.send", "kind": "send", "session": _overflowed, "phase": null,
		"integrity": _args([["/payload/to", "unknown"]]),
		"deny": {"integrity.unverified_argument"}, "escalate": set(),
	},
	"a missing integrity input denies (fail closed)": {
		"tool": "email.send", "kind": "send", "session": _tainted, "phase": null,
		"integrity": null,
		"deny": {"integrity.unverified_argument"}, "escalate": set(),
	},
	"a malformed integrity input denies": {
		"tool": "email.send", "kind": "send", "session": _tainted, "phase": null,
		"integrity": {"arguments": "x"},
		"deny": {"integrity.unverified_argument"}, "escalate": set(),
	},
	"a tool may escalate untrusted arguments": {
		"tool": "bank.pay", "kind": "write", "session": _tainted, "phase": null,
		"integrity": _args([["/payload/iban", "untrusted"]]),
		"deny": set(), "escalate": {"integrity.untrusted_argument"},
	},
	"a tool may require known provenance": {
		"tool": "bank.pay", "kind": "write", "session": _tainted, "phase": null,
		"integrity": _args([["/payload/iban", "unknown"]]),
		"deny": {"integrity.unverified_argument"}, "escalate": set(),
	},
	"a consequential tool without arguments denies as a whole": {
		"tool": "iam.reset_password", "kind": "write", "session": _tainted, "phase": null,
		"integrity": null,
		"deny": {"integrity.untrusted_session"}, "escalate": set(),
	},
	"a consequential tool without arguments is free in a clean session": {
		"tool": "iam.reset_password", "kind": "write", "session": _clean, "phase": null,
		"integrity": null,
		"deny": set(), "escalate": set(),
	},
	"a result is not an action": {
		"tool": "email.send", "kind": "send", "session": _tainted, "phase": "result",
		"integrity": null,
		"deny": set(), "escalate": set(),
	},
	"no arguments given: nothing to judge": {
		"tool": "email.send", "kind": "send", "session": _tainted, "phase": null,
		"integrity": _args([]),
		"deny": set(), "escalate": set(),
	},
}

test_integrity[note] if {
	some note, c in cases
	req := _req(c.tool, c.kind, c.session, c.phase)
	got_deny := {r.code | some r in integrity.deny(req, c.integrity)} with data.regent.config.tools as _tools
	got_deny == c.deny
	got_escalate := {r.code | some r in integrity.escalate(req, c.integrity)} with data.regent.config.tools as _tools
	got_escalate == c.escalate
}

test_reasons_name_paths_and_sources if {
	req := _req("email.send", "send", _tainted, null)
	integ := _args([["/payload/to", "untrusted"], ["/payload/cc/0", "configuration"]])
	[r] := [r | some r in integrity.deny(req, integ)] with data.regent.config.tools as _tools
	r.details == {"tool": "email.send", "paths": ["/payload/to"], "untrusted_sources": ["web.get_page"]}
	contains(r.message, "/payload/to")
	contains(r.message, "web.get_page")
}

_send := {
	"agent": {"id": "hr-assistant"},
	"action": {"tool": "email.send", "kind": "send"},
	"data_flow": {"destination": {"system": "email", "recipients": [{"id": "bob@example.com", "clearance": "internal"}]}},
	"payload": {"to": "bob@example.com", "text": "hello"},
	"session": {"id": "s", "labels": [], "systems": [], "untrusted_sources": ["web.get_page"]},
}

test_decision_denies_an_untrusted_recipient if {
	inp := object.union(_send, {"integrity": _args([["/payload/to", "untrusted"]])})
	d := data.regent.decision with input as inp
		with data.regent.config.tools["email.send"].consequential as {"arguments": ["/payload/to"]}
	d.decision == "deny"
	[r.code | some r in d.reasons] == ["integrity.untrusted_argument"]
}

test_decision_allows_a_configured_recipient if {
	inp := object.union(_send, {"integrity": _args([["/payload/to", "configuration"]])})
	d := data.regent.decision with input as inp
		with data.regent.config.tools["email.send"].consequential as {"arguments": ["/payload/to"]}
	d.decision == "allow"
}

test_decision_unchanged_without_consequential_tools if {
	inp := object.union(_send, {"integrity": _args([["/payload/to", "untrusted"]])})
	d := data.regent.decision with input as inp
	d.decision == "allow"
}

config_cases := {
	"good settings": [
		{
			"tools": _tools,
			"systems": {"web": {"integrity": "untrusted"}},
			"integrity": {"trusted_values": ["a@example.com"]},
		},
		0,
	],
	"field list": [{"tools": {"t": {"returns": {"integrity": {"untrusted": ["/payload/*/body"]}}}}}, 0],
	"unknown output integrity": [{"tools": {"t": {"returns": {"integrity": "maybe"}}}}, 1],
	"an author that is not a member name": [
		{"tools": {"t": {"returns": {"integrity": {"untrusted": ["/payload/*/body"], "author": 1}}}}},
		1,
	],
	"field outside the payload": [{"tools": {"t": {"returns": {"integrity": {"untrusted": ["/body"]}}}}}, 1],
	"bad consequential outcome": [{"tools": {"t": {"consequential": {"untrusted": "allow"}}}}, 1],
	"unknown consequential key": [{"tools": {"t": {"consequential": {"args": []}}}}, 1],
	"bad system integrity": [{"systems": {"web": {"integrity": 1}}}, 1],
	"bad trusted values": [{"integrity": {"trusted_values": "a"}}, 1],
}

test_config_problems[note] if {
	some note, [cfg, want] in config_cases
	count(integrity.config_problems(cfg)) == want
}
