# METADATA
# title: Company rule, no forwarding company mail outside
# description: >-
#   Example company rule. Denies forwarding company mail to an address outside the company's
#   domains (data.regent.config.internal_domains; absent means nothing is internal). Settings
#   in data.regent.config.rules.external_mail; without them the rule does nothing.
package regent.rules.external_mail

import data.regent.request

_req := request.current

_config := object.get(data.regent.config, ["rules", "external_mail"], null)

deny contains {
	"code": "rules.external_mail.outside_recipient",
	"message": concat("", [
		"Company mail may not be forwarded outside the company: ", _req.tool,
		" would send it to ", concat(", ", sort(outside)), ".",
	]),
	"details": {"tool": _req.tool, "domains": sort(outside)},
	"alternative": "forward it to recipients at an internal domain, or send a summary without the original mail",
} if {
	_config_ok
	_forwards_company_mail
	outside := {_domain(a) | some a in _addresses; not _internal(_domain(a))}
	count(outside) > 0
}

deny contains {
	"code": "rules.external_mail.config_invalid",
	"message": "data.regent.config.rules.external_mail must be {forward_tools?, mail_systems?} with arrays of names.",
} if {
	_config != null
	not _config_ok
}

_config_ok if {
	is_object(_config)
	is_array(object.get(_config, "forward_tools", []))
	is_array(object.get(_config, "mail_systems", []))
}

# A forwarding tool always forwards mail; any send whose sources include a mail system does too.
_forwards_company_mail if _req.tool in object.get(_config, "forward_tools", [])

_forwards_company_mail if {
	_req.kind == "send"
	some s in _req.sources
	object.get(s, "system", null) in object.get(_config, "mail_systems", [])
}

# Recipient ids that are addresses, and every payload to/cc/bcc entry (a string or an array of
# strings). A payload entry that is not a string counts as an address of unknown domain.
_addresses contains r.id if {
	some r in object.get(_req.destination, "recipients", [])
	is_string(r.id)
	contains(r.id, "@")
}

_addresses contains a if {
	some field in ["to", "cc", "bcc"]
	some a in _as_list(object.get(_payload_object, field, []))
}

_payload_object := _req.payload if is_object(_req.payload)

else := {}

_as_list(x) := x if is_array(x)

_as_list(x) := [x] if not is_array(x)

# The domain after the last "@" ("Bob <bob@Example.com>" -> "example.com"); "" when there is none.
_domain(a) := lower(trim(parts[count(parts) - 1], " <>")) if {
	is_string(a)
	contains(a, "@")
	parts := split(a, "@")
} else := ""

_internal_domains := {lower(d) | some d in object.get(data.regent.config, "internal_domains", []); is_string(d)}

_internal(domain) if {
	domain != ""
	some d in _internal_domains
	_same_or_sub(domain, d)
}

_same_or_sub(domain, d) if domain == d

_same_or_sub(domain, d) if endswith(domain, concat("", [".", d]))
