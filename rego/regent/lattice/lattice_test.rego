# METADATA
# title: Classification lattice tests
# description: Ranks, joins, and how labels, sources and resources get their classification.
package regent.lattice_test

import data.regent.lattice

test_ranks_follow_the_lattice if {
	lattice.names == ["public", "internal", "confidential", "restricted"]
	lattice.rank("public") < lattice.rank("internal")
	lattice.rank("internal") < lattice.rank("confidential")
	lattice.rank("confidential") < lattice.rank("restricted")
}

test_unknown_levels_have_no_rank if {
	not lattice.rank("secret")
	not lattice.known("secret")
	not lattice.known(null)
	not lattice.known(3)
	lattice.known("public")
}

join_cases := {
	"empty is bottom": [[], "public"],
	"one": [["confidential"], "confidential"],
	"max wins": [["internal", "restricted", "public"], "restricted"],
	"unknown is skipped here (callers deny on it)": [["internal", "bogus"], "internal"],
}

test_join[note] if {
	some note, [levels, want] in join_cases
	lattice.name_of(lattice.join_rank(levels)) == want
}

test_label_levels if {
	lattice.label_level("compensation") == "restricted"
	lattice.label_level("pii") == "confidential"
	not lattice.label_level("blood_type")
	lattice.label_known("customer:acme")
	not lattice.label_known("customer:unknown")
}

test_label_owners if {
	lattice.label_owners("compensation") == {"workday"}
	lattice.label_owners("nothing") == set()
}

test_declared_level_prefers_the_declared_value if {
	lattice.declared_level({"system": "workday", "classification": "restricted"}) == "restricted"
}

test_declared_level_defaults_to_the_system if {
	lattice.declared_level({"system": "workday"}) == "confidential"
	lattice.declared_level({"system": "slack"}) == "internal"
}

test_declared_level_undefined_without_either if {
	not lattice.declared_level({"system": "sharepoint"})
	not lattice.level_known({"system": "sharepoint"})
	not lattice.level_known({"system": "workday", "classification": "ultra"})
}

test_level_or_null if {
	lattice.level_or_null({"system": "workday"}) == "confidential"
	lattice.level_or_null({"system": "sharepoint"}) == null
}
