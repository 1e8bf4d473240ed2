/*
 * analytics' handling of a sequence of events (records.h; an odd selector
 * is a merchants.events event, an even one complaints.events): folded in
 * with the default settings, the windows they close snapshotted as the
 * daemon publishes them, and at the end the checkpoint written and read
 * back and the summary the dashboard asks for built.
 */
/* cdp-test-sources: tests/fuzz/input.c services/analytics/window.c services/analytics/fold.c services/analytics/agg.c services/analytics/hist.c services/analytics/topk.c services/analytics/spike.c services/analytics/sampler.c services/analytics/state.c services/analytics/summary.c services/analytics/snapshot.c */
#include <stdlib.h>
#include <string.h>

#include "analytics/analytics.h"
#include "events.h"
#include "fuzz.h"
#include "pb.h"
#include "records.h"
#include "xmalloc.h"

#define CLOSE_MAX	8

static const struct fold_settings	settings = {
	.grace_ms = 60000, .audit_permille = 100, .spike_factor = 3,
	.spike_min = 5,
};

static void
close_windows(struct fold *f)
{
	static struct agg		 closed[CLOSE_MAX];
	Cdp__V1__AnalyticsSnapshot	*s;
	struct snapshot_buf		*b;
	size_t				 i, n, len;
	char				 key[256];

	fold_hold(f, f->latest_ms);
	n = fold_close(f, closed, CLOSE_MAX);
	for (i = 0; i < n; i++) {
		snapshot_key(&closed[i], "1h", key, sizeof(key));
		b = snapshot_build(&closed[i], "1h", &s);
		free(pb_pack(&s->base, &len));
		snapshot_buf_free(b);
	}
	fold_evict(f);
}

static void
checkpoint(struct fold *f)
{
	struct fold	*back = xcalloc(1, sizeof(*back));
	char		*text = state_encode(f);
	json_t		*summary;

	fold_init(back, &settings);
	state_decode(text, strlen(text), back);
	summary = summary_build(back, WINDOW_1H);
	json_decref(summary);
	fold_free(back);
	free(back);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_record	 r;
	struct fold		*f = xcalloc(1, sizeof(*f));
	struct fold_out		 out;
	Cdp__V1__ComplaintEvent	*cev;
	Cdp__V1__MerchantEvent	*mev;

	fold_init(f, &settings);
	while (fuzz_record_next(&data, &size, &r)) {
		if (r.selector & 1) {
			if ((mev = fuzz_event(&events_merchant,
			    "merchants.events", r.data, r.size)) == NULL)
				continue;
			fold_observe(f, "merchants.events", 0,
			    mev->meta->occurred_at_ms);
			fold_merchant_event(f, mev);
			cdp__v1__merchant_event__free_unpacked(mev, NULL);
		} else {
			if ((cev = fuzz_event(&events_complaint,
			    "complaints.events", r.data, r.size)) == NULL)
				continue;
			fold_observe(f, "complaints.events", 0,
			    cev->meta->occurred_at_ms);
			fold_complaint_event(f, cev, &out);
			cdp__v1__complaint_event__free_unpacked(cev, NULL);
		}
		close_windows(f);
	}
	checkpoint(f);
	fold_free(f);
	free(f);
	return 0;
}
