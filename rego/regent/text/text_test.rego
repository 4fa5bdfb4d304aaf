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
