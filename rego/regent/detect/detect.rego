# METADATA
# title: Detector findings
# description: >-
#   Handles the findings of regent's detectors (input.detected: type, path and, for a finding
#   in an object key, in: "key"; never offsets or values).
#   The types form a closed list in data.regent.config.detectors.types; an unknown type denies.
#   Secrets are redacted from any send or write whose destination system is not a secret
#   store; personal-data types become field tags of their label (see regent.redact); types
#   listed in deny_types deny where they would otherwise be redacted. A finding in an object
#   key (`in: "key"`) names the member by its pointer, which holds the key itself: it is
#   shown and redacted as `<object>/*` with its type, so no path in a decision repeats it.
package regent.detect

import data.regent.text

_config := data.regent.config.detectors

_outgoing := {"send", "write"}

# secret_store holds for a system listed in detectors.secret_stores.
secret_store(system) if system in _config.secret_stores

# leaking_secrets are the secret findings of a send or write to a system that is not a
# secret store.
leaking_secrets(req, dest) := {d |
	req.kind in _outgoing
	not secret_store(dest.system)
	some d in req.detected
	_config.types[d.type].category == "secret"
}

# shown_path returns where a finding is named in redactions and reasons. A value finding's
# path names its string. A key finding's path names the member whose key holds the secret, so
# it is named as every member of that object: regent's typed redaction of `<object>/*` then
# replaces just the members whose keys hold that type, key and value, by
# "[REDACTED:<type>]": "[REDACTED]" (and masks that type inside the other members' strings,
# which are findings too).
shown_path(d) := d.path if not _in_key(d)

shown_path(d) := concat("/", array.concat(array.slice(parts, 0, count(parts) - 1), ["*"])) if {
	_in_key(d)
	parts := split(d.path, "/")
}

_in_key(d) if object.get(d, "in", "") == "key"

# secret_redactions returns {redactions, reasons} for the leaking secrets.
secret_redactions(req, dest) := {
	"redactions": {{
		"path": shown_path(d),
		"reason": concat("", ["detected ", d.type, ", which may leave only to a secret store"]),
		"types": [d.type],
	} |
		some d in leaking
	},
	"reasons": {_secret_reason(type, leaking, dest) | some type in {d.type | some d in leaking}},
} if {
	leaking := leaking_secrets(req, dest)
}

_secret_reason(type, leaking, dest) := {
	"code": "detect.secret_redacted",
	"message": concat("", [
		"Removed the ", type, " detected at ", text.list(paths), " before it goes to ",
		dest.name, ", which is not a secret store.",
	]),
	"details": object.union(dest.details, {"detections": [type], "paths": sort(paths)}),
} if {
	paths := {shown_path(d) | some d in leaking; d.type == type}
}

# deny returns the detector deny reasons, given the destination and the redaction plan.
deny(req, dest, plan) := (_unknown_types(req) | _denied_types(req, dest, plan)) | _incomplete_scan(req)

# A payload regent could not scan to the end (its size limits cut the scan short) may hide
# secrets the findings do not show, so it may not leave (send or write); reads are unaffected.
_incomplete_scan(req) := {{
	"code": "detect.scan_incomplete",
	"message": concat("", [
		"The payload is too large to be scanned completely for secrets and personal data,",
		" so it may not be sent or written; send less, or split it.",
	]),
	"details": {"kind": req.kind},
	"alternative": "split the payload into smaller messages",
}} if {
	not req.scan_complete
	req.kind in {"send", "write"}
} else := {{
	"code": "detect.scan_incomplete",
	"message": concat("", [
		"The tool's output is too large to be scanned completely for secrets and personal data,",
		" so it is withheld from the agent; ask for less.",
	]),
	"details": {"kind": req.kind, "phase": "result"},
	"alternative": "ask the tool for a smaller result",
}} if {
	not req.scan_complete
	req.phase == "result"
} else := set()

_unknown_types(req) := {{
	"code": "detect.type_unknown",
	"message": concat("", [
		"The detector type(s) ", text.list(unknown), " are not in the closed list this policy",
		" knows, so the findings cannot be handled safely.",
	]),
	"details": {"detections": sort(unknown)},
}} if {
	unknown := {d.type | some d in req.detected; not _config.types[d.type]}
	count(unknown) > 0
} else := set()

_denied_types(req, dest, plan) := {_denied_reason(type, found, dest) | some type in {d.type | some d in found}} if {
	found := {d |
		some d in req.detected
		d.type in _config.deny_types
		_would_redact(d, req, dest, plan)
	}
}

_would_redact(d, req, dest, _) if d in leaking_secrets(req, dest)

_would_redact(d, _, _, plan) if {
	_config.types[d.type].category == "personal"
	_config.types[d.type].label in plan.redacted_labels
}

_denied_reason(type, found, dest) := {
	"code": "detect.denied_type",
	"message": concat("", [
		"A ", type, " was detected at ", text.list(paths), " on its way to ", dest.name,
		"; this type is configured to deny rather than be redacted.",
	]),
	"details": object.union(dest.details, {"detections": [type], "paths": sort(paths)}),
} if {
	paths := {shown_path(d) | some d in found; d.type == type}
}
