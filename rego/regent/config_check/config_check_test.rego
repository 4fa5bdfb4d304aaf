# METADATA
# title: Configuration check tests
# description: The shipped configuration is consistent, and each kind of mistake is caught.
package regent.config_check_test

import data.regent.config_check

test_shipped_configuration_has_no_problems if {
	config_check.problems == set()
}

# [config key, value merged into it, expected problem]
broken_cases := {
	"duplicate ranks": [
		"classifications",
		{"public": 0, "internal": 0},
		"classifications: ranks must be distinct integers",
	],
	"audience with unknown clearance": [
		"audiences",
		{"world": {"clearance": "none"}},
		"audiences.world: clearance 'none' is not a classification",
	],
	"agent with undefined role": [
		"agents",
		{"bot": {"roles": ["ghost"]}},
		"agents.bot: role 'ghost' is not defined in roles",
	],
	"role with undefined tool": ["roles", {"r": {"tools": ["x.y"]}}, "roles.r: tool 'x.y' is not defined in tools"],
	"tool with bad kind": [
		"tools",
		{"x.y": {"system": "slack", "kinds": ["launch"]}},
		"tools.x.y: kind 'launch' is not one of read, write, send, delete, execute",
	],
	"label with unknown classification": [
		"labels",
		{"l": {"classification": "top", "systems": []}},
		"labels.l: classification 'top' is not a classification",
	],
	"known field outside the payload": [
		"known_fields",
		{"workday": {"/salary": ["compensation"]}},
		"known_fields.workday: '/salary' must start with /payload/",
	],
	"wall with undefined label": [
		"chinese_walls",
		{"w": {"labels": ["customer:acme", "customer:umbrella"]}},
		"chinese_walls.w: label 'customer:umbrella' is not defined in labels",
	],
	"wall with one label": [
		"chinese_walls",
		{"w": {"labels": ["customer:acme"]}},
		"chinese_walls.w: a conflict class needs at least two labels",
	],
	"declassifier not a tool": [
		"declassifiers",
		{"magic.eraser": {"labels": []}},
		"declassifiers.magic.eraser: tool is not defined in tools",
	],
	"activity threshold zero": [
		"activity",
		{"restricted_read_burst": {"classification": "restricted", "max_reads": 0}, "denial_streak": {"max_denials": 3}},
		"activity.restricted_read_burst.max_reads must be a positive integer",
	],
}

test_broken_configurations[note] if {
	some note, [key, value, want] in broken_cases
	config := object.union(data.regent.config, {key: value})
	problems := config_check.problems with data.regent.config as config
	want in problems
}

test_detector_mistakes if {
	problems := config_check.problems with data.regent.config.detectors as {
		"types": {"dna": {"category": "biological"}, "email": {"category": "personal", "label": "contact"}},
		"deny_types": ["retina"],
		"secret_stores": ["safe"],
	}
	problems == {
		"detectors.types.dna: category must be secret or personal",
		"detectors.types.email: a personal type needs a label defined in labels",
		"detectors.deny_types: 'retina' is not in detectors.types",
		"detectors.secret_stores: 'safe' is not defined in systems",
	}
}

test_catalogue_mistakes if {
	config := object.union(data.regent.config, {
		"tools": {"hr.read": {
			"system": "workday",
			"kinds": ["read"],
			"returns": {"labels": ["salaryy"], "classification": "Restricted"},
		}},
		"roles": {},
		"agents": {},
		"declassifiers": {},
		"destinations": {
			"default_audience": "everyone",
			"systems": {
				"chat": {"entries": {"#all": "all_staff"}},
				"slack": {"addressed_by": "members"},
			},
		},
		"principals": {
			"default_clearance": "none",
			"users": {"ann": {"clearance": "top", "groups": ["ghosts"]}},
			"groups": {"hr": {"clearance": "Restricted"}},
		},
		"internal_domains": ["Example.COM"],
	})
	problems := config_check.problems with data.regent.config as config
	every want in {
		"tools.hr.read.returns: label 'salaryy' is not defined in labels",
		"tools.hr.read.returns: classification 'Restricted' is not a classification",
		"destinations.default_audience: 'everyone' is not defined in audiences",
		"destinations.systems.chat: system is not defined in systems",
		"destinations.systems.chat.entries.#all: audience 'all_staff' is not defined in audiences",
		"destinations.systems.slack.addressed_by: must be \"recipients\" or absent",
		"principals.default_clearance: 'none' is not a classification",
		"principals.users.ann: clearance 'top' is not a classification",
		"principals.users.ann: group 'ghosts' is not defined in principals.groups",
		"principals.groups.hr: clearance 'Restricted' is not a classification",
		"internal_domains: 'Example.COM' must be a lower-case domain name",
	} {
		want in problems
	}
}

test_observe_mode_settings if {
	config := object.union(data.regent.config, {
		"agents": {"a": {"roles": [], "mode": "watch", "sessions": "always"}},
		"observe": {"enforce": "detect.*"},
	})
	problems := config_check.problems with data.regent.config as config
	"agents.a.mode: 'watch' must be observe or enforce" in problems
	"agents.a.sessions: 'always' must be required or optional" in problems
	"observe.enforce must be a list of reason codes (a trailing .* names a family)" in problems
}

test_agent_callers_must_name_callers if {
	config := object.union(data.regent.config, {"agents": {
		"listed": {"roles": [], "callers": ["gw-hr", "CN-gateway"]},
		"text": {"roles": [], "callers": "gw-hr"},
		"blank": {"roles": [], "callers": ["gw-hr", ""]},
		"numbers": {"roles": [], "callers": [7]},
	}})
	problems := config_check.problems with data.regent.config as config
	not "agents.listed.callers must be a list of token ids or certificate names" in problems
	"agents.text.callers must be a list of token ids or certificate names" in problems
	"agents.blank.callers must be a list of token ids or certificate names" in problems
	"agents.numbers.callers must be a list of token ids or certificate names" in problems
}
