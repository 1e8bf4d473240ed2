/*
 * Other teams publish onto our topics, so an event whose body this build
 * does not know is counted in events_unknown_total{topic} and skipped:
 * never dead-lettered, never fatal. The test writes such an event (a
 * ComplaintEvent with a body field number from a newer schema) to the
 * real complaints.events and reads the counter from each of the three
 * consuming daemons, which stay healthy and go on with the next event.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdp/v1/complaint.pb-c.h"
#include "log.h"
#include "meta.h"
#include "nitems.h"
#include "pb.h"
#include "testenv.h"
#include "testhttp.h"
#include "testproc.h"
#include "xmalloc.h"

#define SERIES	"\nevents_unknown_total{topic=\"complaints.events\"} "

struct daemon {
	const char	*name;
	pid_t		 pid;
	int		 port;		/* ADMIN_LISTEN: /readyz, /metrics */
};

static void
daemon_start(struct daemon *d)
{
	d->pid = testproc_start_ready(d->name, "unknown", &d->port, 60000);
	assert_true(d->pid > 0);
}

/*
 * Polls the daemon's /metrics until the counter shows at least one (a
 * daemon that reads the topic from its beginning may meet others).
 */
static bool
daemon_counted(struct daemon *d, int timeout_ms)
{
	struct testhttp_response	r;
	int64_t				deadline = meta_now_ms() + timeout_ms;
	bool				seen = false;
	const char			*line;

	while (!seen && meta_now_ms() < deadline) {
		assert_int_equal(testhttp_request(d->port, "GET", "/metrics",
		    "", NULL, &r), 0);
		seen = r.status == 200 && (line = strstr(r.body, SERIES)) !=
		    NULL && atof(line + strlen(SERIES)) >= 1;
		testhttp_free(&r);
		if (!seen)
			usleep(100000);
	}
	return seen;
}

/*
 * A ComplaintEvent with metadata and a complaint id, and a body in field
 * 99, which no ComplaintEvent of this build has.
 */
static uint8_t *
event_from_newer_schema(const char *id, size_t *len)
{
	Cdp__V1__ComplaintEvent	 ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__EventMeta	 meta;
	struct meta_ids		 ids;
	static const uint8_t	 field99[] = { 0x9a, 0x06, 0x02, 0x08, 0x01 };
	uint8_t			*packed, *buf;
	size_t			 n;

	meta_fill(&meta, &ids, "another-team", NULL, NULL);
	ev.meta = &meta;
	ev.complaint_id = (char *)id;
	ev.merchant_id = "M1001";
	packed = pb_pack(&ev.base, &n);
	buf = xmalloc(n + sizeof(field99));
	memcpy(buf, packed, n);
	memcpy(buf + n, field99, sizeof(field99));
	free(packed);
	*len = n + sizeof(field99);
	return buf;
}

static void
test_unknown_bodies_are_counted_and_skipped(void **state)
{
	struct daemon	 ds[] = { { "intake", 0, 0 }, { "classifier", 0, 0 },
			    { "sla-timer", 0, 0 } };
	char		*id = testenv_unique("CU");
	uint8_t		*payload;
	size_t		 len, i;
	Cdp__V1__ComplaintEvent *back;

	payload = event_from_newer_schema(id, &len);
	/* This build decodes it, with no body set. */
	back = cdp__v1__complaint_event__unpack(NULL, len, payload);
	assert_non_null(back);
	assert_int_equal(back->body_case,
	    CDP__V1__COMPLAINT_EVENT__BODY__NOT_SET);
	cdp__v1__complaint_event__free_unpacked(back, NULL);

	for (i = 0; i < nitems(ds); i++)
		daemon_start(&ds[i]);
	testenv_produce("complaints.events", id, payload, len);
	for (i = 0; i < nitems(ds); i++) {
		if (!daemon_counted(&ds[i], 20000))
			fail_msg("%s did not count the unknown body", ds[i].name);
		assert_true(testproc_wait_http(ds[i].port, "/healthz", 200,
		    1000));
	}
	for (i = 0; i < nitems(ds); i++)
		assert_int_equal(testproc_stop(ds[i].pid, 15000), 0);
	free(payload);
	free(id);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_bodies_are_counted_and_skipped),
	};

	log_init("test", LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
