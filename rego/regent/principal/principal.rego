# METADATA
# title: Acting on behalf of a user
# description: >-
#   An agent acting on behalf of a user never handles more than that user may: for reads the
#   resource's classification and labels, for every action the sources' and the session's
#   join, must be at most the user's clearance. An unknown clearance denies.
package regent.principal

import data.regent.flow
import data.regent.lattice
import data.regent.request
import data.regent.text

# deny returns the principal deny reasons for a request.
deny(req) := _unknown(req) | _exceeded(req)

_principal_id(req) := object.get(req.principal, "id", "an unnamed user")

_clearance(req) := object.get(req.principal, "clearance", null)

_unknown(req) := {{
	"code": "principal.clearance_unknown",
	"message": concat("", [
		"Agent ", req.agent_id, " acts on behalf of ", _principal_id(req),
		", whose clearance ", _quoted(_clearance(req)), " is not one of ",
		concat(", ", lattice.names), ", so nothing may be done for them.",
	]),
	"details": {"principal": _principal_id(req)},
}} if {
	req.has_principal
	not lattice.known(_clearance(req))
} else := set()

_quoted(null) := "(none given)"

_quoted(level) := concat("", ["'", level, "'"]) if is_string(level)

_quoted(level) := "(not a string)" if {
	level != null
	not is_string(level)
}

# What the action touches: [system, classification, labels] per part.
# A part without a classification still counts with its labels (the missing classification
# itself is denied by regent.flow).
_parts(req) := (_read_part(req) | {[s.system, lattice.level_or_null(s), request.labels(s)] |
	some s in req.sources
}) | _session_part(req)

_read_part(req) := {[
	object.get(resource, "system", ""),
	lattice.level_or_null(resource),
	request.labels(resource),
]} if {
	req.kind == "read"
	resource := flow.read_resource(req)
} else := set()

# The session counts as one part per system it holds data from ("" when it names none).
_session_part(req) := {[system, req.session.classification, request.labels(req.session)] |
	some system in _session_systems(req.session)
} if {
	req.has_session
} else := set()

_session_systems(session) := {s | some s in session.systems} if count(object.get(session, "systems", [])) > 0

else := {""}

# join_rank is the rank of everything the action touches (see _parts).
join_rank(req) := lattice.join_rank({level | some [_, level, _] in parts} | {lattice.label_level(l) |
	some [_, _, ls] in parts
	some l in ls
}) if {
	parts := _parts(req)
}

# permitted holds when there is no principal, or the principal's clearance is known and at
# least the join. The decision requires it besides the absence of deny reasons.
permitted(req) if not req.has_principal

permitted(req) if {
	req.has_principal
	join_rank(req) <= lattice.rank(_clearance(req))
}

_exceeded(req) := {{
	"code": "principal.clearance_exceeded",
	"message": concat("", [
		"Agent ", req.agent_id, " acts on behalf of ", _principal_id(req),
		", who is cleared only up to ", clearance, ", but this action involves ",
		lattice.name_of(join), " data", text.from(systems), text.labelled(labels), ".",
	]),
	"details": {
		"principal": _principal_id(req),
		"clearance": clearance,
		"classification": lattice.name_of(join),
		"sources": sort(systems),
		"labels": sort(labels),
	},
}} if {
	req.has_principal
	clearance := _clearance(req)
	limit := lattice.rank(clearance)
	parts := _parts(req)
	join := join_rank(req)
	join > limit
	labels := {l | some [_, _, ls] in parts; some l in ls; lattice.rank(lattice.label_level(l)) > limit}
	systems := {system |
		some [system, level, ls] in parts
		system != ""
		_part_over(level, ls, labels, limit)
	}
} else := set()

_part_over(level, _, _, limit) if lattice.rank(level) > limit

_part_over(_, part_labels, over_labels, _) if count(part_labels & over_labels) > 0
