# METADATA
# title: Lattice flow to the destination
# description: >-
#   Denning-style flow check: the join of every source's classification, every label the flow
#   still carries after redaction, and the session's classification must be at most the
#   destination's clearance. The destination is a named audience or a list of recipients
#   (the least-cleared recipient decides). Unknown audiences, classifications and labels deny.
package regent.flow

import data.regent.identity
import data.regent.lattice
import data.regent.request
import data.regent.text

_audiences := data.regent.config.audiences

# checked holds when the flow rules apply: whenever a destination is named, and always for
# send and write, whose data necessarily goes somewhere.
checked(req) if req.has_destination

# A tool's output on its way back (the result phase) goes to the agent, not to the tool's
# destination: it is checked only against the principal regent names as its destination.
checked(req) if {
	req.kind in {"send", "write"}
	req.phase != "result"
}

_checked(req) if checked(req)

else := false

# destination_system is the destination's system, else the tool's system, else "".
destination_system(req) := s if {
	s := req.destination.system
	is_string(s)
} else := s if {
	s := identity.tool_system(req.tool)
} else := ""

# read_resource is the resource a read acts on, defaulting its system to the tool's system.
read_resource(req) := object.union({"system": identity.tool_system(req.tool)}, req.resource) if {
	identity.tool_system(req.tool)
} else := req.resource

# destination describes where a flow goes:
#   checked     whether the flow rules apply (see `checked`)
#   system      destination system ("" when unknown)
#   level       clearance of the destination (null when it cannot be known)
#   problems    why the clearance cannot be known
#   name        human name, e.g. "slack (audience all_employees)"
#   details     {destination, audience?, recipients?} for reason details
destination(req) := {
	"checked": _checked(req),
	"system": system,
	"level": _level(req.destination),
	"problems": _problems(req.destination),
	"name": _name(system, _audience_text(req.destination)),
	"details": object.union({"destination": system}, _audience_details(req.destination)),
} if {
	system := destination_system(req)
}

_name(system, "") := _or_unknown(system)

_name(system, audience) := concat("", [_or_unknown(system), " (", audience, ")"]) if audience != ""

_or_unknown("") := "an unknown system"

_or_unknown(s) := s if s != ""

_recipients(dest) := object.get(dest, "recipients", [])

_audience_ranks(dest) := {r | r := lattice.rank(_audiences[dest.audience].clearance)} | {r |
	some rcpt in _recipients(dest)
	r := lattice.rank(rcpt.clearance)
}

_problems(dest) := (_audience_problems(dest) | _recipient_problems(dest)) | _missing_problems(dest)

_audience_problems(dest) := {msg |
	audience := dest.audience
	not lattice.known(object.get(_audiences, [audience, "clearance"], null))
	msg := concat("", ["audience '", audience, "' is not a known audience"])
}

_recipient_problems(dest) := {msg |
	some rcpt in _recipients(dest)
	not lattice.known(rcpt.clearance)
	msg := concat("", ["recipient '", rcpt.id, "' has the unknown clearance '", rcpt.clearance, "'"])
}

_missing_problems(dest) := {"it names neither an audience nor recipients"} if {
	object.get(dest, "audience", null) == null
	count(_recipients(dest)) == 0
} else := set()

_level(dest) := lattice.name_of(min(_audience_ranks(dest))) if {
	count(_problems(dest)) == 0
} else := null

_audience_text(dest) := concat("; ", [t | some t in [_aud_part(dest), _rcpt_part(dest)]; t != ""])

_aud_part(dest) := concat("", ["audience ", dest.audience]) if is_string(dest.audience)

else := ""

_rcpt_part(dest) := concat("", ["recipients ", text.list(ids)]) if {
	ids := sort([r.id | some r in _recipients(dest)])
	count(ids) > 0
} else := ""

_audience_details(dest) := object.union(
	{"audience": dest.audience | is_string(dest.audience)},
	{"recipients": ids | ids := sort([r.id | some r in _recipients(dest)]); count(ids) > 0},
)

# deny returns the flow deny reasons, given the request, its destination and redaction plan.
deny(req, dest, plan) := union({
	_unknown_classifications(req),
	_unknown_labels(req, plan),
	_audience_unknown(dest),
	_not_cleared(req, dest, plan),
})

_audience_unknown(dest) := {{
	"code": "flow.audience_unknown",
	"message": concat("", [
		"The clearance of ", dest.name, " cannot be known: ",
		concat("; ", array.slice(sort(dest.problems), 0, 10)), ". Unknown audiences are never treated as cleared.",
	]),
	"details": object.union(dest.details, {"problems": sort(dest.problems)}),
	"alternative": concat("", [
		"name one of the audiences ", concat(", ", sort([a | some a, _ in _audiences])),
		", or recipients with a known clearance",
	]),
}} if {
	dest.checked
	count(dest.problems) > 0
} else := set()

# Every classification the decision relies on must be known: the sources', the read
# resource's and the session's.
_unknown_classifications(req) := {_classification_reason(what, system, level) |
	some [what, system, level] in _classifications_in_use(req)
	not lattice.known(level)
}

_classifications_in_use(req) := ({["source", s.system, lattice.level_or_null(s)] |
	some s in req.sources
} | _read_classification(req)) | _session_classification(req)

_read_classification(req) := {["resource", resource.system, lattice.level_or_null(resource)]} if {
	req.kind == "read"
	resource := read_resource(req)
	resource.system
} else := set()

_session_classification(req) := {["session", "", req.session.classification]} if {
	req.has_session
	req.session.classification != null
} else := set()

_classification_reason(what, system, null) := {
	"code": "flow.classification_unknown",
	"message": concat("", [
		"The ", what, " from ", system, " declares no classification and ", system,
		" has no default classification, so its data cannot be placed in the lattice.",
	]),
	"details": {"sources": [system], "part": what},
}

_classification_reason(what, system, level) := {
	"code": "flow.classification_unknown",
	"message": concat("", [
		"The ", _part_name(what, system), " declares the classification '", level, "', which is not one of ",
		concat(", ", lattice.names), ".",
	]),
	"details": {"sources": [s | some s in [system]; s != ""], "part": what, "classification": level},
} if level != null

_part_name("session", _) := "session"

_part_name(what, system) := concat("", [what, " from ", system]) if what != "session"

# Every label the decision relies on must be registered with a known classification.
_unknown_labels(req, plan) := {{
	"code": "flow.label_unknown",
	"message": concat("", [
		"The label(s) ", text.list(unknown),
		" are not registered with a classification, so the data carrying them cannot be placed in the lattice.",
	]),
	"details": {"labels": sort(unknown)},
}} if {
	unknown := {l | some l in (plan.labels | _read_labels(req)); not lattice.label_known(l)}
	count(unknown) > 0
} else := set()

_read_labels(req) := request.labels(req.resource) if req.kind == "read"

else := set()

# The join after redaction must be at most the destination's clearance.
_not_cleared(req, dest, plan) := {_with_alternative(reason, alternative)} if {
	dest.checked
	clearance := lattice.rank(dest.level)
	residual := plan.labels - plan.redacted_labels
	join := join_rank(req, plan)
	join > clearance

	over_labels := {l | some l in residual; lattice.rank(lattice.label_level(l)) > clearance}
	over_by_level := {s.system |
		some s in req.sources
		lattice.rank(lattice.declared_level(s)) > clearance
	}
	over_sources := over_by_level | {s.system |
		some s in req.sources
		some l in request.labels(s)
		l in over_labels
	}
	over_session := _session_over(req, clearance)
	flow_subject := _flow_subject(join, over_sources, over_labels)
	subjects := [t | some t in [flow_subject, _session_subject(over_session, flow_subject == "")]; t != ""]
	reason := {
		"code": "flow.audience_not_cleared",
		"message": concat("", [
			concat(" and ", subjects), " may not go to ", dest.name,
			", which is cleared only up to ", dest.level, ".",
		]),
		"details": object.union(dest.details, {
			"sources": sort(over_sources | over_session.systems),
			"labels": sort(over_labels | over_session.labels),
			"classification": lattice.name_of(join),
			"clearance": dest.level,
		}),
	}
	alternative := _alternatives(join, over_by_level, over_labels, over_session, dest)
} else := set()

# join_rank is the rank of the flow's join after redaction: every source's classification,
# every label still carried, and the session's classification.
join_rank(req, plan) := lattice.join_rank(((_source_levels(req) | {lattice.label_level(l) |
	some l in residual
}) | _session_levels(req))) if {
	residual := plan.labels - plan.redacted_labels
}

# permitted holds when every classification and label in use is known and the flow may go:
# it is not checked, or the destination's clearance is known and at least the join. The
# decision requires it besides the absence of deny reasons, so that a rule that fails to
# evaluate cannot let a flow through.
permitted(req, dest, plan) if {
	count(_unknown_classifications(req)) == 0
	count(_unknown_labels(req, plan)) == 0
	_cleared(req, dest, plan)
}

_cleared(_, dest, _) if not dest.checked

_cleared(req, dest, plan) if {
	dest.checked
	join_rank(req, plan) <= lattice.rank(dest.level)
}

_with_alternative(reason, "") := reason

_with_alternative(reason, alternative) := object.union(reason, {"alternative": alternative}) if alternative != ""

_source_levels(req) := {lattice.declared_level(s) | some s in req.sources}

# The session counts with its classification and the classifications of the labels it holds:
# regent's store derives the classification from declared classifications only, so a label
# whose classification was never declared would otherwise not count.
_session_levels(req) := {req.session.classification} | {lattice.label_level(l) |
	some l in request.labels(req.session)
} if {
	req.has_session
} else := set()

_session_over(req, clearance) := {
	"over": true,
	"level": lattice.name_of(rank),
	"systems": {s | some s in object.get(req.session, "systems", [])},
	"labels": {l |
		some l in request.labels(req.session)
		lattice.rank(lattice.label_level(l)) > clearance
	},
} if {
	rank := lattice.join_rank(_session_levels(req))
	rank > clearance
} else := {"over": false, "level": "", "systems": set(), "labels": set()}

_flow_subject(_, sources, labels) := "" if {
	count(sources) == 0
	count(labels) == 0
}

_flow_subject(join, sources, labels) := concat("", [
	"Data classified ", lattice.name_of(join), text.from(sources), text.labelled(labels),
]) if {
	count(sources) + count(labels) > 0
}

_session_subject(session, _) := "" if not session.over

_session_subject(session, first) := concat("", [
	_the(first), " ", session.level, " data this session already holds",
	text.from(session.systems), text.labelled(session.labels),
]) if {
	session.over
}

_the(true) := "The"

_the(false) := "the"

# A safe alternative: the widest audience that would be cleared, and field tags when
# redaction alone would make the flow pass (no source is over by its own classification, the
# session is not over, and every label over the clearance may leave its owning systems).
_alternatives(join, over_by_level, labels, session, dest) := concat("; or ", [a |
	some a in [_cleared_audience(join), _tag_fields(over_by_level, labels, session, dest)]
	a != ""
])

# Names what the directory would have to say, not an audience to declare: a declared audience
# may only narrow the directory's (docs/decisions/012-trust-boundary.md).
_cleared_audience(join) := concat("", [
	"send it to a destination the destination directory lists as ", concat(" or ", sort(widest)), " (cleared up to ",
	lattice.name_of(lowest), ") or to recipients the principal directory clears for ", lattice.name_of(join),
]) if {
	cleared := {a: r | some a, spec in _audiences; r := lattice.rank(spec.clearance); r >= join}
	count(cleared) > 0
	lowest := min({r | some r in cleared})
	widest := {a | some a, r in cleared; r == lowest}
} else := ""

_tag_fields(over_by_level, labels, session, dest) := concat("", [
	"tag the fields carrying ", text.list(labels),
	" in data_flow.fields so they can be redacted",
]) if {
	count(over_by_level) == 0
	not session.over
	count(labels) > 0
	every l in labels {
		not dest.system in lattice.label_owners(l)
	}
} else := ""
