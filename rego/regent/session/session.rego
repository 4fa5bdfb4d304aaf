# METADATA
# title: Session effects and the Chinese wall
# description: >-
#   What an action does to the agent's session: the labels that enter its context
#   (add_labels), the labels an approved declassifier removes (declassify), and the
#   Brewer-Nash Chinese wall: labels of one conflict class must never meet in one session.
package regent.session

import data.regent.request
import data.regent.text

_walls := data.regent.config.chinese_walls

_declassifiers := data.regent.config.declassifiers

# incoming_labels are the labels that enter the agent's context with this action: for reads
# the resource's and the sources' labels, for other kinds the sources' labels.
incoming_labels(req) := _resource_labels(req) | {l | some s in req.sources; some l in request.labels(s)}

_resource_labels(req) := request.labels(req.resource) if req.kind == "read"

else := set()

_held(req) := request.labels(req.session) if req.has_session

else := set()

# declassifier holds for a tool approved to declassify (data.regent.config.declassifiers).
declassifier(tool) if _declassifiers[tool]

# declassify returns the labels an approved declassifier removes from the session: those it
# is approved for, among the labels the session holds or this action brings. Any other tool
# declassifies nothing.
declassify(req) := {l |
	some l in _declassifiers[req.tool].labels
	l in (_held(req) | incoming_labels(req))
} if declassifier(req.tool)

else := set()

# effects returns the session part of the decision. A declassifier's output no longer
# carries the labels it declassifies, so they are not added.
effects(req) := {
	"add_labels": sort(incoming_labels(req) - removed),
	"declassify": sort(removed),
} if {
	removed := declassify(req)
}

# deny returns the Chinese-wall deny reasons: one per conflict class whose labels would meet.
deny(req) := {_wall_reason(req, name, incoming, held) |
	some name, wall in _walls
	members := {l | some l in wall.labels}
	incoming := incoming_labels(req) & members
	count(incoming) > 0
	held := _held(req) & members
	count(incoming | held) > 1
}

_wall_reason(req, name, incoming, held) := {
	"code": "flow.chinese_wall",
	"message": concat("", [
		"Agent ", req.agent_id, " may not bring ", text.list(incoming), _side(held, incoming),
		": they are in the conflict class ", name, " and may never meet in one session.",
	]),
	"details": {
		"class": name,
		"labels": sort(incoming),
		"held": sort(held),
		"sources": sort({s.system |
			some s in req.sources
			count(request.labels(s) & incoming) > 0
		} | _resource_system(req, incoming)),
	},
}

_side(held, incoming) := concat("", [" into a session that already holds ", text.list(held - incoming)]) if {
	count(held - incoming) > 0
} else := " together in one action"

_resource_system(req, incoming) := {req.resource.system} if {
	req.kind == "read"
	count(request.labels(req.resource) & incoming) > 0
	is_string(req.resource.system)
} else := set()
