/*
 * eventlag: how long the pipeline took, from the events' own timestamps
 * (issue 15). Reads complaints.events outside any consumer group, keeps
 * the records produced from start_ms on, and for each complaint filed then
 * (Filed, at intake) measures the time to its Classified (classifier) and
 * to its first SlaClockStarted (sla-timer). The times are the records'
 * Kafka timestamps: when each producer handed the event to librdkafka.
 *
 *	eventlag [-b brokers] -f start_ms [-t end_ms]
 *
 * The last line printed is machine-readable:
 *
 *	eventlag events=N filed=F classified=C started=S events_per_s=E
 *	    classified_p50_ms= classified_p99_ms= classified_max_ms=
 *	    started_p50_ms= started_p99_ms= started_max_ms=
 *
 * events counts every record from start_ms on (all producers: the load
 * is the only traffic) and events_per_s divides it by the time from
 * start_ms to the last of them; filed counts the Filed up to end_ms,
 * classified and started those of them that reached that step by the time
 * of reading. Only the records from start_ms on are read: each partition
 * from the first offset with such a timestamp (offsets_for_times).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdp/v1/complaint.pb-c.h"
#include "../tools/topicread.h"
#include "stats.h"
#include "xmalloc.h"

#define BODY(x)		CDP__V1__COMPLAINT_EVENT__BODY_##x
#define LAG_ID_MAX	64
#define LAG_TOPIC	"complaints.events"
#define LAG_TIMEOUT_MS	10000	/* a broker that does not answer */

enum lag_kind { LAG_FILED, LAG_CLASSIFIED, LAG_STARTED };

struct lag_rec {
	char		id[LAG_ID_MAX];
	int64_t		ts;
	enum lag_kind	kind;
};

struct lag {
	int64_t		 from_ms;
	int64_t		 to_ms;
	int64_t		 last_ms;
	size_t		 events;
	struct lag_rec	*recs;
	size_t		 n;
	size_t		 cap;
};

static __attribute__((noreturn)) void
usage(void)
{
	fprintf(stderr, "usage: eventlag [-b brokers] -f start_ms"
	    " [-t end_ms]\n");
	exit(2);
}

static void
lag_add(struct lag *g, const rd_kafka_message_t *m, int64_t ts,
    enum lag_kind kind)
{
	struct lag_rec	*r;

	if (m->key_len == 0 || m->key_len >= LAG_ID_MAX)
		return;
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 4096;
		g->recs = xreallocarray(g->recs, g->cap, sizeof(*g->recs));
	}
	r = &g->recs[g->n++];
	memcpy(r->id, m->key, m->key_len);
	r->id[m->key_len] = '\0';
	r->ts = ts;
	r->kind = kind;
}

static int
lag_each(void *arg, const rd_kafka_message_t *m)
{
	struct lag		*g = arg;
	Cdp__V1__ComplaintEvent	*ev;
	rd_kafka_timestamp_type_t tt;
	int64_t			 ts = rd_kafka_message_timestamp(m, &tt);

	if (ts < g->from_ms)
		return 0;
	g->events++;
	if (ts > g->last_ms)
		g->last_ms = ts;
	if ((ev = cdp__v1__complaint_event__unpack(NULL, m->len,
	    m->payload)) == NULL)
		return 0;
	switch (ev->body_case) {
	case BODY(FILED):
		if (ts <= g->to_ms)
			lag_add(g, m, ts, LAG_FILED);
		break;
	case BODY(CLASSIFIED):
		lag_add(g, m, ts, LAG_CLASSIFIED);
		break;
	case BODY(SLA_CLOCK_STARTED):
		lag_add(g, m, ts, LAG_STARTED);
		break;
	default:
		break;
	}
	cdp__v1__complaint_event__free_unpacked(ev, NULL);
	return 0;
}

static int
lag_cmp(const void *a, const void *b)
{
	const struct lag_rec	*x = a, *y = b;
	int			 c = strcmp(x->id, y->id);

	if (c != 0)
		return c;
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

/*
 * Pairs each complaint's Filed with its first Classified and its first
 * SlaClockStarted, appending the gaps to cls and clk.
 */
static void
lag_pair(struct lag *g, double *cls, size_t *ncls, double *clk,
    size_t *nclk, size_t *nfiled)
{
	size_t	i = 0, j;
	int64_t	filed;
	bool	have_cls, have_clk;

	qsort(g->recs, g->n, sizeof(*g->recs), lag_cmp);
	while (i < g->n) {
		filed = -1;
		have_cls = have_clk = false;
		for (j = i; j < g->n && strcmp(g->recs[j].id, g->recs[i].id) ==
		    0; j++)
			if (g->recs[j].kind == LAG_FILED && filed < 0)
				filed = g->recs[j].ts;
		for (j = i; filed >= 0 && j < g->n &&
		    strcmp(g->recs[j].id, g->recs[i].id) == 0; j++) {
			if (g->recs[j].kind == LAG_CLASSIFIED && !have_cls) {
				cls[(*ncls)++] = (double)(g->recs[j].ts - filed);
				have_cls = true;
			} else if (g->recs[j].kind == LAG_STARTED && !have_clk) {
				clk[(*nclk)++] = (double)(g->recs[j].ts - filed);
				have_clk = true;
			}
		}
		*nfiled += filed >= 0;
		while (j < g->n && strcmp(g->recs[j].id, g->recs[i].id) == 0)
			j++;
		i = j;
	}
}

/*
 * Calls lag_each for the records of every partition from the first whose
 * timestamp is from_ms or later (offsets_for_times: the earliest offset
 * with such a timestamp, so no record lag_each would keep comes before
 * it). Reading from the topic's start instead went through every earlier
 * run's records and the SLA bursts' hundreds of thousands, on each call.
 */
static int
lag_read(rd_kafka_t *rk, struct lag *g, char *err, size_t errsz)
{
	rd_kafka_topic_partition_list_t	*l;
	rd_kafka_topic_partition_t	*tp;
	rd_kafka_resp_err_t		 e;
	int				 n, i, rc = 0;

	if ((n = topicread_partitions(rk, LAG_TOPIC, err, errsz)) == -1)
		return -1;
	l = rd_kafka_topic_partition_list_new(n);
	for (i = 0; i < n; i++)
		rd_kafka_topic_partition_list_add(l, LAG_TOPIC, i)->offset =
		    g->from_ms;
	if ((e = rd_kafka_offsets_for_times(rk, l, LAG_TIMEOUT_MS)) !=
	    RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(err, errsz, "%s: offsets for times: %s", LAG_TOPIC,
		    rd_kafka_err2str(e));
		rc = -1;
	}
	for (i = 0; rc == 0 && i < l->cnt; i++) {
		tp = &l->elems[i];
		if (tp->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
			snprintf(err, errsz, "%s[%d]: offsets for times: %s",
			    LAG_TOPIC, (int)tp->partition,
			    rd_kafka_err2str(tp->err));
			rc = -1;
		} else if (tp->offset >= 0)	/* else nothing since from_ms */
			rc = topicread_records(rk, LAG_TOPIC, tp->partition,
			    tp->offset, lag_each, g, err, errsz);
	}
	rd_kafka_topic_partition_list_destroy(l);
	return rc;
}

int
main(int argc, char **argv)
{
	struct lag	 g = { .from_ms = -1, .to_ms = INT64_MAX };
	const char	*brokers = "127.0.0.1:29092";
	rd_kafka_t	*rk;
	char		 err[512];
	double		*cls, *clk, span;
	size_t		 ncls = 0, nclk = 0, nfiled = 0;
	int		 ch;

	while ((ch = getopt(argc, argv, "b:f:t:")) != -1) {
		switch (ch) {
		case 'b': brokers = optarg; break;
		case 'f': g.from_ms = strtoll(optarg, NULL, 10); break;
		case 't': g.to_ms = strtoll(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (g.from_ms < 0 || g.to_ms < g.from_ms)
		usage();
	if ((rk = topicread_client(brokers, err, sizeof(err))) == NULL ||
	    lag_read(rk, &g, err, sizeof(err)) == -1) {
		fprintf(stderr, "eventlag: %s\n", err);
		return 1;
	}
	topicread_close(rk);
	cls = xreallocarray(NULL, g.n + 1, sizeof(*cls));
	clk = xreallocarray(NULL, g.n + 1, sizeof(*clk));
	lag_pair(&g, cls, &ncls, clk, &nclk, &nfiled);
	stats_sort(cls, ncls);
	stats_sort(clk, nclk);
	span = (double)(g.last_ms - g.from_ms) / 1000;
	printf("eventlag events=%zu filed=%zu classified=%zu started=%zu"
	    " events_per_s=%.0f classified_p50_ms=%.0f classified_p99_ms=%.0f"
	    " classified_max_ms=%.0f started_p50_ms=%.0f started_p99_ms=%.0f"
	    " started_max_ms=%.0f\n", g.events, nfiled, ncls, nclk,
	    span > 0 ? (double)g.events / span : 0,
	    stats_percentile(cls, ncls, 50), stats_percentile(cls, ncls, 99),
	    stats_percentile(cls, ncls, 100), stats_percentile(clk, nclk, 50),
	    stats_percentile(clk, nclk, 99), stats_percentile(clk, nclk, 100));
	free(cls);
	free(clk);
	free(g.recs);
	return 0;
}
