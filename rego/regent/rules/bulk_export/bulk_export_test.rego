# METADATA
# title: Bulk export rule tests
# description: More than max_records records from a customer system denies; config absent is a no-op.
package regent.rules.bulk_export_test

import data.regent.rules.bulk_export

_config := {"systems": ["crm"], "max_records": 3}

_tools := {
	"crm.list_contacts": {"system": "crm", "kinds": ["read"]},
	"chat.post": {"system": "chat", "kinds": ["send"]},
}

_records(n) := [{"name": "x"} | some _ in numbers.range(1, n)]

_read(payload, context) := {
	"agent": {"id": "sales-bot"},
	"action": {"tool": "crm.list_contacts", "kind": "read"},
	"payload": payload,
	"context": context,
}

_post(source, payload) := {
	"agent": {"id": "sales-bot"},
	"action": {"tool": "chat.post", "kind": "send"},
	"data_flow": {"sources": [{"system": source}], "destination": {"system": "chat", "audience": "team"}},
	"payload": payload,
}

# note -> [input, wanted codes]
cases := {
	"a read of 4 contacts": [_read({"contacts": _records(4)}, {}), {"rules.bulk_export.too_many_records"}],
	"a read of 3 contacts": [_read({"contacts": _records(3)}, {}), set()],
	"a nested array counts": [_read({"page": {"items": _records(5)}}, {}), {"rules.bulk_export.too_many_records"}],
	"a declared count can make it stricter": [_read({}, {"record_count": 500}), {"rules.bulk_export.too_many_records"}],
	"a declared count cannot make it laxer": [
		_read({"contacts": _records(4)}, {"record_count": 1}),
		{"rules.bulk_export.too_many_records"},
	],
	"a declared count that is not a number is ignored": [
		_read({"contacts": _records(2)}, {"record_count": "9999"}),
		set(),
	],
	"a send of contacts read from the CRM": [_post("crm", {"rows": _records(4)}), {"rules.bulk_export.too_many_records"}],
	"a send from another system": [_post("wiki", {"rows": _records(4)}), set()],
	# One nested expression: it breaks only by restructuring it, left to its author.
	# regal ignore:line-length
	"a resource on the CRM": [object.union(_read({"ids": _records(4)}, {}), {"action": {"tool": "chat.post", "kind": "read", "resource": {"system": "crm"}}}), {"rules.bulk_export.too_many_records"}],
	"no payload": [_read(null, {}), set()],
}

test_bulk_export[note] if {
	some note, [inp, want] in cases
	codes := {r.code | some r in bulk_export.deny} with input as inp
		with data.regent.config as {"rules": {"bulk_export": _config}, "tools": _tools}
	codes == want
}

test_says_how_many if {
	[r] := [r | some r in bulk_export.deny] with input as _read({"contacts": _records(4)}, {"record_count": 7})
		with data.regent.config as {"rules": {"bulk_export": _config}, "tools": _tools}
	r.details == {"tool": "crm.list_contacts", "systems": ["crm"], "records": 7, "max_records": 3}
}

test_no_config_is_a_no_op if {
	count(bulk_export.deny) == 0 with input as _read({"contacts": _records(400)}, {})
		with data.regent.config as {"tools": _tools}
}

test_a_broken_config_denies if {
	{r.code | some r in bulk_export.deny} == {"rules.bulk_export.config_invalid"} with input as _read({}, {})
		with data.regent.config as {"rules": {"bulk_export": {"systems": ["crm"]}}}
}
