/*
 * Unit tests for services/penalty/fold.c: an id longer than the ledger
 * keeps is skipped, not cut. Cut in the middle of a character it was not
 * UTF-8, and penalty exited when it wrote the ledger (found by fuzzing).
 */
/* cdp-test-sources: services/penalty/fold.c services/penalty/rules.c services/penalty/ledger.c services/penalty/state.c */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "penalty/penalty.h"

static void
test_long_ids_are_skipped_whole(void **state)
{
	Cdp__V1__MerchantEvent		ev = CDP__V1__MERCHANT_EVENT__INIT;
	Cdp__V1__EventMeta		meta = CDP__V1__EVENT_META__INIT;
	Cdp__V1__ViolationRecorded	v = CDP__V1__VIOLATION_RECORDED__INIT;
	const char			*root = getenv("CDP_SOURCE_DIR");
	struct pen_rules		*rules;
	struct ledger			 l;
	struct fold			 f;
	char				 path[1024], err[512], id[128] = "";
	char				*json;
	int				 i;

	snprintf(path, sizeof(path), "%s/config/penalty-rules.conf",
	    root != NULL ? root : ".");
	if ((rules = rules_load(path, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	for (i = 0; i < 30; i++)
		strcat(id, "商");		/* 90 bytes */
	ev.meta = &meta;
	ev.merchant_id = "M1";
	ev.body_case = CDP__V1__MERCHANT_EVENT__BODY_VIOLATION_RECORDED;
	ev.violation_recorded = &v;
	v.violation = "merchant_response_overdue";
	v.complaint_id = "C1";
	v.committed_at_ms = 1765000000000LL;
	v.base_points = 2;
	meta.event_id = id;
	ledger_init(&l, "M1");
	memset(&f, 0, sizeof(f));
	assert_false(fold_ids_fit(&ev));
	assert_int_equal(fold_event(&l, rules, &ev, &f), FOLD_NONE);
	assert_int_equal(l.nentries, 0);
	meta.event_id = "E1";
	assert_true(fold_ids_fit(&ev));
	assert_int_equal(fold_event(&l, rules, &ev, &f), FOLD_APPLIED);
	json = state_encode(&l, rules);
	assert_non_null(json);
	free(json);
	ledger_free(&l);
	rules_free(rules);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_long_ids_are_skipped_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
