# METADATA
# title: External mail rule tests
# description: Forwarding company mail outside the internal domains denies; config absent is a no-op.
package regent.rules.external_mail_test

import data.regent.rules.external_mail

_config := {"forward_tools": ["email.forward"], "mail_systems": ["email"]}

_domains := ["example.com"]

_forward(payload, recipients) := {
	"agent": {"id": "assistant"},
	"action": {"tool": "email.forward", "kind": "send"},
	"data_flow": {"destination": {"system": "email", "recipients": recipients}},
	"payload": payload,
}

_send_from(system, to) := {
	"agent": {"id": "assistant"},
	"action": {"tool": "email.send", "kind": "send"},
	"data_flow": {"sources": [{"system": system}], "destination": {"system": "email"}},
	"payload": {"to": to, "text": "fwd"},
}

# note -> [input, internal_domains (null: absent), wanted codes]
cases := {
	"forward to an outside address": [
		_forward({"to": "eve@evil.test"}, []),
		_domains,
		{"rules.external_mail.outside_recipient"},
	],
	"forward to an internal address": [_forward({"to": ["bob@example.com"]}, []), _domains, set()],
	"a subdomain is internal": [_forward({"cc": "ops@eu.example.com"}, []), _domains, set()],
	"a look-alike domain is outside": [
		_forward({"to": "bob@notexample.com"}, []),
		_domains,
		{"rules.external_mail.outside_recipient"},
	],
	"case and display names do not matter": [_forward({"to": "Bob <Bob@EXAMPLE.com>"}, []), _domains, set()],
	"one outside bcc among internal recipients": [
		_forward({"to": "bob@example.com", "bcc": ["eve@evil.test"]}, []),
		_domains,
		{"rules.external_mail.outside_recipient"},
	],
	"an outside recipient id": [
		_forward({}, [{"id": "eve@evil.test", "clearance": "public"}]),
		_domains,
		{"rules.external_mail.outside_recipient"},
	],
	"a directory recipient id is not an address": [
		_forward({}, [{"id": "alice", "clearance": "internal"}]),
		_domains,
		set(),
	],
	"an address without a domain is outside": [
		_forward({"to": "eve"}, []),
		_domains,
		{"rules.external_mail.outside_recipient"},
	],
	"no internal_domains: nothing is internal": [
		_forward({"to": "bob@example.com"}, []),
		null,
		{"rules.external_mail.outside_recipient"},
	],
	"internal_domains of the wrong type: nothing is internal": [
		_forward({"to": "bob@example.com"}, []),
		"example.com",
		{"rules.external_mail.outside_recipient"},
	],
	"sending mail read from the mail system is forwarding": [
		_send_from("email", "eve@evil.test"),
		_domains,
		{"rules.external_mail.outside_recipient"},
	],
	"sending other data outside is not this rule's business": [_send_from("gdrive", "eve@evil.test"), _domains, set()],
}

test_external_mail[note] if {
	some note, [inp, domains, want] in cases
	codes := {r.code | some r in external_mail.deny} with input as inp
		with data.regent.config as _with_domains({"rules": {"external_mail": _config}}, domains)
	codes == want
}

_with_domains(config, null) := config

_with_domains(config, domains) := object.union(config, {"internal_domains": domains}) if domains != null

test_names_the_outside_domains_only if {
	[r] := [r | some r in external_mail.deny] with input as _forward(
		{"to": [
			"bob@example.com",
			"eve@evil.test",
			"x@other.test",
		]},
		[],
	)
		with data.regent.config as {"rules": {"external_mail": _config}, "internal_domains": _domains}
	r.details == {"tool": "email.forward", "domains": ["evil.test", "other.test"]}
	not contains(r.message, "bob")
}

test_no_config_is_a_no_op if {
	count(external_mail.deny) == 0 with input as _forward({"to": "eve@evil.test"}, [])
		with data.regent.config as {"internal_domains": _domains}
	count(external_mail.deny) == 0 with input as _forward({"to": "eve@evil.test"}, [])
		with data.regent.config as null
}

test_a_broken_config_denies if {
	{r.code | some r in external_mail.deny} == {"rules.external_mail.config_invalid"} with input as _forward({}, [])
		with data.regent.config as {"rules": {"external_mail": {"forward_tools": "email.forward"}}}
}
