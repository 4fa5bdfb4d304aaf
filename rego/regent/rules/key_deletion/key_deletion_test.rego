# METADATA
# title: Key deletion rule tests
# description: Deleting a key within its grace period denies, an unknown age escalates; config absent is a no-op.
package regent.rules.key_deletion_test

import data.regent.rules.key_deletion

_config := {"grace_period_days": 30, "tools": ["vault.delete_secret"]}

# 2026-12-07T00:00:00Z
_now := 1796601600000000000

_delete(context, payload) := {
	"agent": {"id": "eng-assistant"},
	"action": {"tool": "vault.delete_secret", "kind": "delete", "resource": {"system": "vault", "id": "db-password"}},
	"payload": payload,
	"context": context,
}

# note -> [input, wanted deny codes, wanted escalate codes]
cases := {
	"created 10 days ago": [
		_delete({"key": {"created_at": "2026-11-27T00:00:00Z"}}, {}),
		{"rules.key_deletion.within_grace_period"},
		set(),
	],
	"created 40 days ago": [_delete({"key": {"created_at": "2026-10-28T00:00:00Z"}}, {}), set(), set()],
	"exactly 30 days ago may go": [_delete({"key": {"created_at": "2026-11-07T00:00:00Z"}}, {}), set(), set()],
	"old but rotated 2 days ago": [
		_delete({"key": {"created_at": "2025-01-01T00:00:00Z", "rotated_at": "2026-12-05T00:00:00Z"}}, {}),
		{"rules.key_deletion.within_grace_period"},
		set(),
	],
	"the payload's time counts too": [
		_delete({}, {"key": {"created_at": "2026-12-01T00:00:00+01:00"}}),
		{"rules.key_deletion.within_grace_period"},
		set(),
	],
	"an older second time cannot loosen": [
		_delete({"key": {"created_at": "2026-12-01T00:00:00Z"}}, {"key": {"created_at": "2020-01-01T00:00:00Z"}}),
		{"rules.key_deletion.within_grace_period"},
		set(),
	],
	"a time in the future": [
		_delete({"key": {"created_at": "2027-01-01T00:00:00Z"}}, {}),
		{"rules.key_deletion.within_grace_period"},
		set(),
	],
	"no time escalates": [_delete({}, {}), set(), {"rules.key_deletion.age_unknown"}],
	"an unparsable time escalates": [
		_delete({"key": {"created_at": "last tuesday"}}, {}),
		set(),
		{"rules.key_deletion.age_unknown"},
	],
	"context of the wrong type escalates": [_delete("key", {}), set(), {"rules.key_deletion.age_unknown"}],
	"another tool is not this rule's business": [
		object.union(_delete({}, {}), {"action": {"tool": "vault.read_secret", "kind": "read"}}),
		set(),
		set(),
	],
}

test_key_deletion[note] if {
	some note, [inp, want_deny, want_escalate] in cases
	deny := {r.code | some r in key_deletion.deny} with input as inp
		with data.regent.config as {"rules": {"key_deletion": _config}}
		with time.now_ns as _now
	escalate := {r.code | some r in key_deletion.escalate} with input as inp
		with data.regent.config as {"rules": {"key_deletion": _config}}
		with time.now_ns as _now
	[deny, escalate] == [want_deny, want_escalate]
}

test_says_how_old_the_key_is if {
	[r] := [r | some r in key_deletion.deny] with input as _delete({"key": {"rotated_at": "2026-11-27T12:00:00Z"}}, {})
		with data.regent.config as {"rules": {"key_deletion": _config}}
		with time.now_ns as _now
	r.details == {"tool": "vault.delete_secret", "age_days": 9, "grace_period_days": 30}
}

test_no_config_is_a_no_op if {
	count(key_deletion.deny | key_deletion.escalate) == 0 with input as _delete({}, {})
		with data.regent.config as {}
}

test_a_broken_config_denies if {
	{r.code | some r in key_deletion.deny} == {"rules.key_deletion.config_invalid"} with input as _delete({}, {})
		with data.regent.config as {"rules": {"key_deletion": {"grace_period_days": "30", "tools": []}}}
}
