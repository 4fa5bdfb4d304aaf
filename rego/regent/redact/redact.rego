# METADATA
# title: Field tags and redaction
# description: >-
#   Finds where labelled data sits in the payload (caller field tags, the known field paths of
#   each source system, personal-data detector findings) and plans the redactions for a flow:
#   a labelled field leaving its owning systems is removed when the destination is not cleared
#   for its label. A label whose every field is removed no longer counts in the flow's join.
package regent.redact

import data.regent.detect
import data.regent.lattice
import data.regent.request
import data.regent.text

# tags returns where labelled data sits in the payload: a set of
# {path, label, origin, system, detector} where origin is "field" (data_flow.fields),
# "known" (the known_fields map of a source `system` whose path exists in the payload) or
# "detected" (a personal-data finding of type `detector`).
tags(req) := (_field_tags(req) | _known_tags(req)) | _detected_tags(req)

_field_tags(req) := {{"path": f.path, "label": l, "origin": "field", "system": "", "detector": ""} |
	some f in req.fields
	some l in f.labels
}

_known_tags(req) := {{"path": path, "label": l, "origin": "known", "system": system, "detector": ""} |
	some system in {s.system | some s in req.sources}
	some path, labels in object.get(data.regent.config.known_fields, system, {})
	exists(req.payload, path)
	some l in labels
}

# A finding in an object key is tagged at `<object>/*` (detect.shown_path): its own pointer holds
# the key, which may be the personal data itself, and paths go back to the caller.
_detected_tags(req) := {{
	"path": detect.shown_path(d),
	"label": t.label,
	"origin": "detected",
	"system": "",
	"detector": d.type,
} |
	some d in req.detected
	t := data.regent.config.detectors.types[d.type]
	t.category == "personal"
}

# exists holds when a payload has a value at a pointer such as /payload/employees/*/salary,
# where `*` matches any key or index. It descends only along the pointer, so its cost follows
# the matched part of the payload rather than the whole payload.
exists(payload, pointer) if {
	segments := request.pointer_segments(pointer)
	segments[0] == "payload"
	count(_descend(payload, array.slice(segments, 1, count(segments)))) > 0
}

# Rego has no recursion: the descent is unrolled to _max_depth segments; a deeper pointer
# falls back to walking the whole payload.
_max_depth := 8

_descend(payload, segments) := v8 if {
	count(segments) <= _max_depth
	v1 := _step([payload], segments, 0)
	v2 := _step(v1, segments, 1)
	v3 := _step(v2, segments, 2)
	v4 := _step(v3, segments, 3)
	v5 := _step(v4, segments, 4)
	v6 := _step(v5, segments, 5)
	v7 := _step(v6, segments, 6)
	v8 := _step(v7, segments, 7)
}

_descend(payload, segments) := [value |
	walk(payload, [path, value])
	count(path) == count(segments)
	every i, segment in segments {
		_segment_match(segment, path[i])
	}
] if {
	count(segments) > _max_depth
}

_step(values, segments, i) := values if i >= count(segments)

_step(values, segments, i) := [c | some v in values; some c in _children(v, segments[i])] if i < count(segments)

_children(v, "*") := [c | some c in v] if is_object(v)

_children(v, "*") := [c | some c in v] if is_array(v)

_children(v, segment) := [v[segment]] if {
	segment != "*"
	is_object(v)
	_ = v[segment]
}

_children(v, segment) := [v[i]] if {
	segment != "*"
	is_array(v)
	regex.match(`^(0|[1-9][0-9]*)$`, segment)
	i := to_number(segment)
	_ = v[i]
}

_segment_match("*", _)

_segment_match(segment, key) if segment == key

_segment_match(segment, key) if {
	is_number(key)
	format_int(key, 10) == segment
}

# flow_labels are the labels a flow carries: every source's labels and every tag's label.
flow_labels(req, found) := {l | some s in req.sources; some l in request.labels(s)} | {t.label | some t in found}

# plan returns the redactions for a flow to a destination (see regent.flow.destination):
#   labels           every label the flow carries
#   redacted_labels  labels removed from the payload, which no longer count in the join
#   redactions       set of {path, reason}
#   reasons          flow.redacted_label reasons, one per removed label
plan(req, dest) := _empty_plan(req) if {
	not _clearance_rank(dest)
}

plan(req, dest) := result if {
	clearance := _clearance_rank(dest)
	found := tags(req)
	labels := flow_labels(req, found)
	removed := {l |
		some l in labels
		lattice.rank(lattice.label_level(l)) > clearance
		not dest.system in lattice.label_owners(l)
		some t in found
		t.label == l
	}
	result := {
		"labels": labels,
		"redacted_labels": removed,
		"redactions": _redactions(found, removed, dest),
		"reasons": {_label_reason(req, found, l, dest) | some l in removed},
	}
}

_empty_plan(req) := {
	"labels": flow_labels(req, tags(req)),
	"redacted_labels": set(),
	"redactions": set(),
	"reasons": set(),
}

_clearance_rank(dest) := lattice.rank(dest.level) if dest.checked

# A redaction names `types` when only detector findings put the path there: regent then masks
# just those matches inside the string. An empty `types` removes the whole value.
_redactions(found, removed, dest) := {{"path": path, "reason": reason, "types": _mask_types(at_path)} |
	some path in {t.path | some t in found; t.label in removed}
	at_path := {t | some t in found; t.path == path; t.label in removed}
	labels := {t.label | some t in at_path}
	reason := concat("", [
		"labelled ", text.list(labels), ", above the ", dest.level,
		" clearance of ", dest.name,
	])
}

_mask_types(tags) := sort({t.detector | some t in tags}) if {
	every t in tags {
		t.origin == "detected"
	}
}

_mask_types(tags) := [] if {
	some t in tags
	t.origin != "detected"
}

_label_reason(req, found, label, dest) := {
	"code": "flow.redacted_label",
	"message": concat("", [
		"Removed ", label, " (", lattice.label_level(label), ") at ", text.list(paths),
		text.from(systems), " before it goes to ", dest.name,
		", which is cleared only up to ", dest.level, ".",
	]),
	"details": object.union(dest.details, {
		"labels": [label],
		"paths": sort(paths),
		"sources": sort(systems),
		"detections": sort({t.detector | some t in found; t.label == label; t.origin == "detected"}),
	}),
} if {
	paths := {t.path | some t in found; t.label == label}
	systems := {s.system | some s in req.sources; label in request.labels(s)} | {t.system |
		some t in found
		t.label == label
		t.origin == "known"
	}
}
