/*
 * The notifier's handling of complaints.events and merchants.events (the
 * first byte picks the topic): decided, the facts taken from the event,
 * the shipped templates filled, masked for a merchant, and the notice kept
 * and read back as it goes through Redis, then the body a recipient gets.
 */
/* cdp-test-sources: tests/fuzz/input.c services/notifier/decide.c services/notifier/facts.c services/notifier/template.c services/notifier/notice.c */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "fuzz.h"
#include "notifier/notifier.h"
#include "xmalloc.h"

static struct template_set	*templates;

static void
notify(const struct decision *d, const struct facts *f, const char *event,
    const char *complaint_id, const char *merchant_id)
{
	struct notice	 j, back;
	const char	*text;
	char		*filled, *s;

	notice_init(&j);
	j.kind = d->kind;
	j.deadline_ms = d->deadline_ms;
	snprintf(j.complaint_id, sizeof(j.complaint_id), "%s", complaint_id);
	snprintf(j.merchant_id, sizeof(j.merchant_id), "%s", merchant_id);
	snprintf(j.template_name, sizeof(j.template_name), "%s",
	    d->template_name);
	snprintf(j.event, sizeof(j.event), "%s", event);
	if ((text = template_text(templates, d->template_name, "en")) ==
	    NULL) {
		notice_clear(&j);
		return;
	}
	filled = template_fill(text, f);
	j.text = notice_masked(filled);
	j.to = xstrdup("13812345678");
	free(filled);
	if ((s = notice_encode(&j)) != NULL) {
		notice_init(&back);
		notice_decode(s, strlen(s), &back);
		notice_clear(&back);
		free(s);
	}
	free(notice_body(&j));
	notice_clear(&j);
}

static void
complaint(const uint8_t *data, size_t size)
{
	Cdp__V1__ComplaintEvent	*ev;
	struct decision		 d[DECIDE_MAX];
	struct facts		 f;
	size_t			 i, n;

	if ((ev = fuzz_event(&events_complaint, "complaints.events", data,
	    size)) == NULL)
		return;
	n = decide_complaint(ev, d, DECIDE_MAX);
	for (i = 0; i < n; i++) {
		facts_complaint(&f, ev, d[i].deadline_ms);
		notify(&d[i], &f, decide_event_name(ev), ev->complaint_id,
		    ev->merchant_id);
	}
	cdp__v1__complaint_event__free_unpacked(ev, NULL);
}

static void
merchant(const uint8_t *data, size_t size)
{
	Cdp__V1__MerchantEvent	*ev;
	struct decision		 d[DECIDE_MAX];
	struct facts		 f;
	size_t			 i, n;

	if ((ev = fuzz_event(&events_merchant, "merchants.events", data,
	    size)) == NULL)
		return;
	n = decide_merchant(ev, d, DECIDE_MAX);
	for (i = 0; i < n; i++) {
		facts_merchant(&f, ev, d[i].deadline_ms);
		notify(&d[i], &f, decide_merchant_event_name(ev), "",
		    ev->merchant_id);
	}
	cdp__v1__merchant_event__free_unpacked(ev, NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	err[256];

	if (templates == NULL && (templates = template_load(
	    fuzz_config("notifier-templates.conf"), err, sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_notifier_event: %s\n", err);
		abort();
	}
	if (size == 0)
		return 0;
	if (data[0] & 1)
		merchant(data + 1, size - 1);
	else
		complaint(data + 1, size - 1);
	return 0;
}
