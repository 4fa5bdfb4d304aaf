# METADATA
# title: Example org tests
# description: >-
#   Tests of the shipped example organisation (regent/config/data.json): its configuration is
#   consistent and its company rules do what it configured. A company replacing data.json
#   replaces this folder with its own tests; the core's tests never read this data.
package org.config_test

import data.regent
import data.regent.config_check

test_configuration_has_no_problems if {
	config_check.problems == set()
}

test_compensation_may_not_reach_all_employees if {
	d := regent.decision with input as {
		"agent": {"id": "hr-assistant"},
		"action": {"tool": "slack.post_message", "kind": "send"},
		"data_flow": {
			"sources": [{"system": "workday", "labels": ["compensation"], "classification": "restricted"}],
			"destination": {"system": "slack", "audience": "all_employees"},
		},
		"payload": {"text": "salaries"},
	}
	d.decision == "deny"
	"flow.audience_not_cleared" in {r.code | some r in d.reasons}
}

test_forwarding_company_mail_outside_is_denied if {
	d := regent.decision with input as {
		"agent": {"id": "hr-assistant"},
		"action": {"tool": "email.send", "kind": "send"},
		"data_flow": {
			"sources": [{"system": "email", "classification": "internal"}],
			"destination": {"system": "email", "recipients": [{"id": "eve@evil.test", "clearance": "restricted"}]},
		},
		"payload": {"to": "eve@evil.test", "text": "fwd: quarterly plan"},
	}
	"rules.external_mail.outside_recipient" in {r.code | some r in d.reasons}
}

test_exporting_more_than_100_accounts_is_denied if {
	d := regent.decision with input as {
		"agent": {"id": "sales-assistant"},
		"action": {"tool": "salesforce.read_account", "kind": "read", "resource": {"system": "salesforce"}},
		"context": {"record_count": 101},
	}
	"rules.bulk_export.too_many_records" in {r.code | some r in d.reasons}
}
