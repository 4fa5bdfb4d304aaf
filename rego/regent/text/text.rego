# METADATA
# title: Reason text
# description: >-
#   Small helpers that turn sets of systems and labels into the phrases reason messages share,
#   so every message names things the same way. Built on concat only, which runs natively in
#   the WebAssembly module (sprintf would call back into the host).
package regent.text

# list joins names in sorted order: {"b", "a"} -> "a, b". Past _max_listed names it says how
# many more there are, so that a message stays short (regent caps reason text at 4096
# characters and treats a longer one as a malformed result).
list(names) := concat(", ", sort(names)) if count(names) <= _max_listed

list(names) := concat("", [
	concat(", ", array.slice(sort(names), 0, _max_listed)),
	" and ", format_int(count(names) - _max_listed, 10), " more",
]) if {
	count(names) > _max_listed
}

_max_listed := 10

# from phrases the systems data comes from: " from slack, workday", or "" when none.
from(systems) := "" if count(systems) == 0

from(systems) := concat("", [" from ", list(systems)]) if count(systems) > 0

# labelled phrases labels: " (labels compensation, pii)", or "" when none.
labelled(labels) := "" if count(labels) == 0

labelled(labels) := concat("", [" (labels ", list(labels), ")"]) if count(labels) > 0
