# METADATA
# title: Classification lattice
# description: >-
#   Ranks classifications (data.regent.config.classifications), joins them, and resolves the
#   classification of labels, sources and resources. Unknown values have no rank: callers
#   must deny on them (see `known`), never treat them as low.
package regent.lattice

_ranks := data.regent.config.classifications

# rank of a classification name; undefined when the name is unknown.
rank(level) := _ranks[level] if is_string(level)

# known holds for a classification name that has a rank.
known(level) if rank(level) != null

# bottom_rank is the rank of the least classification (public).
bottom_rank := min({r | some r in _ranks})

# top_rank is the rank of the highest classification (restricted).
top_rank := max({r | some r in _ranks})

# names lists the classification names from lowest to highest.
names := [name_of(r) | some r in sort({r | some r in _ranks})]

# name_of returns the classification name of a rank.
name_of(r) := level if {
	some level, x in _ranks
	x == r
}

# join_rank is the rank of the join (least upper bound) of a collection of classification
# names; the bottom rank for an empty collection. Unknown names are skipped here, so every
# caller must also deny on them.
join_rank(levels) := max({bottom_rank} | {rank(l) | some l in levels})

# label_level returns the classification of a registered label; undefined when the label is
# not registered or its classification is unknown.
label_level(label) := level if {
	level := data.regent.config.labels[label].classification
	known(level)
}

# label_known holds for a registered label with a known classification.
label_known(label) if label_level(label)

# label_owners returns the systems that own a label (where it may live without leaving).
label_owners(label) := {s | some s in object.get(data.regent.config.labels, [label, "systems"], [])}

# declared_level returns the classification an object (a source, a resource) declares, or its
# system's default from data.regent.config.systems; undefined when neither exists. The result
# may still be an unknown name: check it with `known`.
declared_level(obj) := level if {
	level := object.get(obj, "classification", null)
	level != null
}

declared_level(obj) := data.regent.config.systems[obj.system].classification if {
	object.get(obj, "classification", null) == null
}

# level_or_null is declared_level, or null when there is none.
level_or_null(obj) := level if level := declared_level(obj)

else := null

# level_known holds when an object's declared (or defaulted) classification is known.
level_known(obj) if known(declared_level(obj))
