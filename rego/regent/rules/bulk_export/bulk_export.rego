# METADATA
# title: Company rule, no bulk export of customer lists
# description: >-
#   Example company rule. A read or send touching a customer system (configured `systems`) with
#   more than max_records records is denied. The count is the longest array anywhere in the
#   payload, or input.context.record_count when that is larger: a count the caller declares can
#   only make the rule stricter. Settings in data.regent.config.rules.bulk_export; without them
#   the rule does nothing.
package regent.rules.bulk_export

import data.regent.request

_req := request.current

_config := object.get(data.regent.config, ["rules", "bulk_export"], null)

deny contains {
	"code": "rules.bulk_export.too_many_records",
	"message": concat("", [
		_req.tool, " would move ", format_int(records, 10), " records from ", concat(", ", sort(systems)),
		"; at most ", format_int(_config.max_records, 10), " may leave at once.",
	]),
	"details": {"tool": _req.tool, "systems": sort(systems), "records": records, "max_records": _config.max_records},
	"alternative": "export a filtered selection, or ask for an approved bulk export",
} if {
	_config_ok
	_req.kind in {"read", "send"}
	systems := _touched & {s | some s in _config.systems}
	count(systems) > 0
	records := max({_payload_records, _declared_records})
	records > _config.max_records
}

deny contains {
	"code": "rules.bulk_export.config_invalid",
	"message": "data.regent.config.rules.bulk_export must be {systems: [names], max_records: a number >= 0}.",
} if {
	_config != null
	not _config_ok
}

_config_ok if {
	is_object(_config)
	is_array(_config.systems)
	is_number(_config.max_records)
	_config.max_records >= 0
}

# The tool's system, the resource's and every source's.
# One nested expression: it breaks only by restructuring it, left to its author.
# regal ignore:line-length
_touched := ({object.get(data.regent.config, ["tools", _req.tool, "system"], "")} | {object.get(_req.resource, "system", "")}) | {object.get(s, "system", "") | some s in _req.sources}

_payload_records := max({count(v) | walk(_req.payload, [_, v]); is_array(v)} | {0})

_declared_records := n if {
	n := object.get(_req.context, "record_count", 0)
	is_number(n)
} else := 0
