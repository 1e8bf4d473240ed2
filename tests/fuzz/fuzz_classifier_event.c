/*
 * The classifier's handling of complaints.events (records.h; an even
 * selector is a complaint event, an odd one an order snapshot as
 * orders.events and logistics.events leave it in Redis): each Filed or
 * ProactiveOpened complaint classified with the shipped rules and the
 * latest order, its group keys made, classified again as a group member,
 * and the result packed as it is published; the order's proactive causes
 * found as opening.c does.
 */
/* cdp-test-sources: tests/fuzz/input.c services/classifier/group.c services/classifier/rules.c services/classifier/rules_sections.c services/classifier/rule_keys.c services/classifier/rule_conditions.c services/classifier/rule_patterns.c services/classifier/rules_values.c services/classifier/rules_resolve.c services/classifier/classify.c services/classifier/matcher.c services/classifier/proactive.c */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classifier/classifier.h"
#include "events.h"
#include "fuzz.h"
#include "ordersnap.h"
#include "pb.h"
#include "records.h"

#define KEY_MAX		200

static struct rules		*rules;
static const struct proactive_policy	policy = {
	.ship_grace_ms = 3600000, .no_scan_ms = 3 * 86400000LL,
	.signed_grace_ms = 86400000,
};

static void
publish(const Cdp__V1__ComplaintEvent *in, struct classification *c)
{
	Cdp__V1__ComplaintEvent	out = CDP__V1__COMPLAINT_EVENT__INIT;
	size_t			len;

	out.meta = in->meta;
	out.complaint_id = in->complaint_id;
	out.merchant_id = in->merchant_id;
	if (classification_out_of_scope(c)) {
		out.body_case = CDP__V1__COMPLAINT_EVENT__BODY_OUT_OF_SCOPE;
		out.out_of_scope = (Cdp__V1__OutOfScope *)classification_oos(c);
	} else {
		out.body_case = CDP__V1__COMPLAINT_EVENT__BODY_CLASSIFIED;
		out.classified = (Cdp__V1__Classified *)
		    classification_classified(c);
	}
	free(pb_pack(&out.base, &len));
}

static void
complaint(const Cdp__V1__ComplaintEvent *ev,
    const Cdp__V1__OrderSnapshot *order, uint8_t group)
{
	struct classify_facts		 f = { 0 };
	struct classification		*c;
	const Cdp__V1__Classified	*cl;
	char				 sub[160], key[KEY_MAX];
	int				 by;

	if ((f.filed = events_filed(ev)) == NULL)
		return;
	f.order = order;
	f.group_size = 1;
	f.repeat_on_order = group & 1;
	f.now_ms = ev->meta->occurred_at_ms;
	c = classify(rules, &f);
	cl = classification_classified(c);
	snprintf(sub, sizeof(sub), "%s.%s", rules_category(rules,
	    cl->category)->name, cl->subcategory);
	for (by = 0; by < GROUP_BY_N; by++)
		if (group_key(rules, by, ev->merchant_id, f.filed,
		    cl->subcategory[0] != '\0' ? sub : "", key,
		    sizeof(key)) == 0) {
			f.group_size = group;
			f.group_threshold = rules_group(rules, by)->threshold;
			f.group_key = key;
			classification_free(c);
			c = classify(rules, &f);
			break;
		}
	publish(ev, c);
	classification_free(c);
}

static void
order_causes(const Cdp__V1__OrderSnapshot *snap, int64_t now_ms)
{
	Cdp__V1__ProactiveCause	causes[8];

	proactive_causes(&policy, snap, now_ms, causes, 8);
	proactive_next_check(&policy, snap, now_ms);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_record	 r;
	Cdp__V1__OrderSnapshot	*order = NULL;
	Cdp__V1__ComplaintEvent	*ev;
	char			 err[256];

	if (rules == NULL && (rules = rules_load(
	    fuzz_config("classifier-rules.conf"), err, sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_classifier_event: %s\n", err);
		abort();
	}
	while (fuzz_record_next(&data, &size, &r)) {
		if (r.selector & 1) {
			if (order != NULL)
				cdp__v1__order_snapshot__free_unpacked(order,
				    NULL);
			order = ordersnap_unpack((const char *)r.data, r.size,
			    NULL, 0);
			if (order != NULL)
				order_causes(order, 1765000000000LL);
			continue;
		}
		if ((ev = fuzz_event(&events_complaint, "complaints.events",
		    r.data, r.size)) == NULL)
			continue;
		complaint(ev, order, r.selector >> 1);
		cdp__v1__complaint_event__free_unpacked(ev, NULL);
	}
	if (order != NULL)
		cdp__v1__order_snapshot__free_unpacked(order, NULL);
	return 0;
}
