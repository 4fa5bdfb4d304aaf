# METADATA
# title: Reason text tests
# description: The phrases reason messages share.
package regent.text_test

import data.regent.text

test_list_is_sorted if {
	text.list({"slack", "email"}) == "email, slack"
	text.list(["b", "a"]) == "a, b"
	text.list(set()) == ""
}

test_from if {
	text.from(set()) == ""
	text.from({"workday"}) == " from workday"
}

test_labelled if {
	text.labelled(set()) == ""
	text.labelled({"pii", "compensation"}) == " (labels compensation, pii)"
}

test_long_lists_are_cut if {
	names := {n | some i in numbers.range(1, 12); n := concat("", ["s", format_int(i + 10, 10)])}
	text.list(names) == "s11, s12, s13, s14, s15, s16, s17, s18, s19, s20 and 2 more"
}
