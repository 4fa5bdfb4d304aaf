# METADATA
# title: Company rule, no deleting keys within their grace period
# description: >-
#   Example company rule. A delete with one of the configured tools must not remove a secret or
#   key created or rotated less than grace_period_days ago. The time comes from
#   input.context.key or payload.key ({created_at?, rotated_at?}, RFC 3339); the latest one
#   given counts, so a second timestamp can only make the rule stricter. With none, the delete
#   escalates. Settings in data.regent.config.rules.key_deletion; without them it does nothing.
package regent.rules.key_deletion

import data.regent.request

_req := request.current

_config := object.get(data.regent.config, ["rules", "key_deletion"], null)

_ns_per_day := 86400000000000

deny contains {
	"code": "rules.key_deletion.within_grace_period",
	"message": concat("", [
		_req.tool, " may not delete a key changed ", format_int(age_days, 10),
		" day(s) ago: keys are kept for ", format_int(_config.grace_period_days, 10),
		" days after they are created or rotated.",
	]),
	"details": {"tool": _req.tool, "age_days": age_days, "grace_period_days": _config.grace_period_days},
	"alternative": "disable or rotate the key instead, and delete it once the grace period has passed",
} if {
	_applies
	changed := max(_changed_at)
	age_ns := time.now_ns() - changed
	age_ns < _config.grace_period_days * _ns_per_day
	age_days := floor(age_ns / _ns_per_day)
}

escalate contains {
	"code": "rules.key_deletion.age_unknown",
	"message": concat("", [
		_req.tool, " deletes a key whose creation or rotation time is not given",
		" (context.key or payload.key: created_at, rotated_at in RFC 3339), so a person must approve it.",
	]),
	"details": {"tool": _req.tool},
} if {
	_applies
	count(_changed_at) == 0
}

deny contains {
	"code": "rules.key_deletion.config_invalid",
	"message": concat(" ", [
		"data.regent.config.rules.key_deletion must be",
		"{grace_period_days: a whole number of days >= 0, tools: [names]}.",
	]),
} if {
	_config != null
	not _config_ok
}

_config_ok if {
	is_object(_config)
	is_number(_config.grace_period_days)
	_config.grace_period_days >= 0
	floor(_config.grace_period_days) == _config.grace_period_days
	is_array(_config.tools)
}

_applies if {
	_config_ok
	_req.kind == "delete"
	_req.tool in _config.tools
}

# Every creation or rotation time given, in nanoseconds; values that are not RFC 3339 are left
# out (and when none is left, the delete escalates).
_changed_at contains ns if {
	some holder in [object.get(_req.context, "key", {}), object.get(_payload_object, "key", {})]
	is_object(holder)
	some field in ["created_at", "rotated_at"]
	ts := object.get(holder, field, null)
	is_string(ts)
	ns := time.parse_rfc3339_ns(ts)
}

_payload_object := _req.payload if is_object(_req.payload)

else := {}
