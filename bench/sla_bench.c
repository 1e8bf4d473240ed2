/*
 * Benchmark of the sla-timer's clocks (issue 15, item 4), through the
 * daemon's own code: clocks made by clock.c from real events and written
 * by store.c's save script, as the daemon writes them.
 *
 *	sla_bench mem -r HOST:PORT [-n CLOCKS] [-k RUNS]
 *	sla_bench prepare -r HOST:PORT -b BROKERS
 *	sla_bench burst -r HOST:PORT -b BROKERS [-n CLOCKS] [-l LEAD_MS]
 *
 * mem: on a Redis of its own (it is flushed), CLOCKS (default 1,000,000)
 * open clocks, two per complaint (a classification starts first contact
 * and solution), each complaint's clocks saved by store_save(); the INFO
 * used_memory delta divided by the clocks, against the delta of one plain
 * sorted set with a member (complaint id and clock) per clock. RUNS runs
 * (default 3); the RESULT row has the medians.
 *
 * prepare: flushes the Redis and writes every partition's epoch and
 * offset (the last one in the log), so that a sla-timer started next
 * resumes at the end of complaints.events and merchants.events.
 *
 * burst: with that sla-timer running, saves CLOCKS complaints (default
 * 100,000) whose first-contact clock falls due at one instant T0, LEAD_MS
 * (default 6000) from the start, and reads complaints.events from its end
 * meanwhile: every SlaBreached with that due time is one clock fired and
 * emitted. Prints one line, "burst n=... fired=... per_s=... p50_ms=...
 * p99_ms=...": clocks a second from T0 to the last event, and the lag from
 * T0 to each event's arrival at this consumer. bench/run-sla.sh runs it
 * three times (a fresh daemon each time) and takes the medians.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>
#include <librdkafka/rdkafka.h>

#include "complaint_id.h"
#include "kafka.h"
#include "log.h"
#include "redis.h"
#include "redis_shards.h"
#include "result.h"
#include "sla-timer/sla.h"
#include "xmalloc.h"

#define BENCH_WINDOW		512	/* saves in flight */
#define BENCH_RUNS_MAX		15
#define BENCH_DAY_MS		86400000LL
#define BENCH_WAIT_MS		120000	/* for the burst's last event */

struct opts {
	const char	*redis;
	const char	*brokers;
	const char	*policies;
	size_t		 n;
	size_t		 runs;
	int64_t		 lead_ms;
	char		 host[256];
	int		 port;
};

/* Saves complaints through store.c, BENCH_WINDOW at a time. */
struct loader {
	struct slatimer	 t;
	const char	*run;		/* seeds the complaint ids */
	size_t		 n;		/* complaints */
	size_t		 next;
	size_t		 done;
	size_t		 failed;
	size_t		 inflight;
	int64_t		 t0;		/* burst: the due time; 0: mem */
	int64_t		 now;
};

static double
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
usage(void)
{
	fprintf(stderr, "usage: sla_bench mem|prepare|burst -r host:port "
	    "[-b brokers] [-n clocks] [-k runs] [-l lead_ms] [-p policies]\n");
	exit(2);
}

static redisContext *
sync_connect(const struct opts *o)
{
	redisContext	*c = redisConnect(o->host, o->port);

	if (c == NULL || c->err != 0)
		fatalx("redis %s: %s", o->redis, c ? c->errstr : "no memory");
	return c;
}

static redisReply *
sync_cmd(redisContext *c, const char *fmt, ...)
{
	redisReply	*r;
	va_list		 ap;

	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	if (r == NULL || r->type == REDIS_REPLY_ERROR)
		fatalx("redis: %s", r ? r->str : c->errstr);
	return r;
}

static long long
used_memory(redisContext *c)
{
	redisReply	*r = sync_cmd(c, "INFO memory");
	char		*p = strstr(r->str, "used_memory:");
	long long	 v;

	if (p == NULL)
		fatalx("redis: INFO memory has no used_memory");
	v = strtoll(p + strlen("used_memory:"), NULL, 10);
	freeReplyObject(r);
	return v;
}

/* complaints.events's partitions: config/topics.conf's, or the broker's. */
static int32_t	bench_partitions = 12;

/* The partition murmur2 puts a complaint on, as the producers do. */
static int32_t
bench_partition(const char *id)
{
	return rd_kafka_msg_partitioner_murmur2(NULL, id, strlen(id),
	    bench_partitions, NULL, NULL);
}

/*
 * Complaint i's clocks as the daemon makes them: Filed, then Classified
 * (normal, product) at the same time, through clock_apply(). A burst
 * moves the first-contact clock's deadline to T0 (no warning left) and the
 * solution clock's a day later, so each complaint has one clock due at T0,
 * and leaves the offset at -1, below the daemon's own breach events.
 */
static void
bench_state(struct loader *l, size_t i, struct sla_state *s, char *id)
{
	Cdp__V1__ComplaintEvent	ev = CDP__V1__COMPLAINT_EVENT__INIT;
	Cdp__V1__EventMeta	meta = CDP__V1__EVENT_META__INIT;
	Cdp__V1__Filed		filed = CDP__V1__FILED__INIT;
	Cdp__V1__Classified	cl = CDP__V1__CLASSIFIED__INIT;
	struct clock_change	ch[2 * SLA_CLOCKS_MAX];
	char			seed[64];
	size_t			k;

	snprintf(seed, sizeof(seed), "sla-bench/%s/%zu", l->run, i);
	complaint_id_derive(COMPLAINT_ID_FILED, seed, id);
	state_init(s);
	snprintf(s->merchant_id, sizeof(s->merchant_id), "M%05zu", i % 5000);
	/* Filed over the last hour, so the deadlines spread as in life. */
	meta.occurred_at_ms = l->now - (int64_t)(i % 3600) * 1000;
	ev.meta = &meta;
	ev.body_case = CDP__V1__COMPLAINT_EVENT__BODY_FILED;
	ev.filed = &filed;
	clock_apply(&s->c, l->t.policies, &ev, ch, sizeof(ch) / sizeof(ch[0]));
	cl.severity = CDP__V1__SEVERITY__SEVERITY_NORMAL;
	cl.category = CDP__V1__CATEGORY__CATEGORY_PRODUCT;
	ev.body_case = CDP__V1__COMPLAINT_EVENT__BODY_CLASSIFIED;
	ev.classified = &cl;
	clock_apply(&s->c, l->t.policies, &ev, ch, sizeof(ch) / sizeof(ch[0]));
	if (l->t0 == 0) {
		/* The offset of the event last applied, as in a busy log. */
		s->offset = 1000000 + (int64_t)i;
		return;
	}
	for (k = 0; k < s->c.nclocks; k++) {
		s->c.clocks[k].due_ms = k == 0 ? l->t0 : l->t0 + BENCH_DAY_MS;
		s->c.clocks[k].warn_ms = 0;
	}
}

static void	loader_next(struct loader *l);

static void
loader_on_saved(void *arg, int rc)
{
	struct loader	*l = arg;

	l->inflight--;
	l->done++;
	if (rc != 1)
		l->failed++;
	loader_next(l);
}

static void
loader_next(struct loader *l)
{
	struct sla_state	s;
	char			id[COMPLAINT_ID_LEN + 1];

	while (l->next < l->n && l->inflight < BENCH_WINDOW) {
		bench_state(l, l->next++, &s, id);
		l->inflight++;
		if (store_save(&l->t, bench_partition(id), id, &s, false,
		    loader_on_saved, l) == -1) {
			l->inflight--;
			l->failed++;
			l->done++;
		}
	}
	if (l->done == l->n)
		event_base_loopbreak(l->t.base);
}

static void
loader_on_connect(void *arg)
{
	loader_next(arg);
}

/* Saves n complaints through store.c and returns when all are answered. */
static void
loader_run(struct loader *l, const struct opts *o, size_t n)
{
	l->n = n;
	l->next = l->done = l->failed = l->inflight = 0;
	l->now = (int64_t)now_ms();
	if ((l->t.base = event_base_new()) == NULL)
		fatalx("cannot create the event loop");
	l->t.shards = redis_shards_new(l->t.base, &(struct redis_endpoint){
	    o->host, o->port, NULL, NULL }, 1);
	store_start(&l->t);
	redis_on_connect(redis_shards_at(l->t.shards, 0), loader_on_connect,
	    l);
	event_base_dispatch(l->t.base);
	redis_shards_free(l->t.shards);
	event_base_free(l->t.base);
	if (l->failed != 0)
		fatalx("%zu of %zu saves failed", l->failed, n);
}

static void
loader_init(struct loader *l, const struct opts *o, const char *run)
{
	char	err[512];

	memset(l, 0, sizeof(*l));
	l->run = run;
	l->t.retention_s = 7776000;
	if ((l->t.policies = policy_load(o->policies, err, sizeof(err))) ==
	    NULL)
		fatalx("%s", err);
}

/* Every slot's epoch (and offset when given), as a partition taken up. */
static void
write_epochs(redisContext *c, const int64_t *offsets, int32_t nslots)
{
	int32_t	slot;

	for (slot = 0; slot < nslots; slot++) {
		freeReplyObject(sync_cmd(c, "SET sla:{%s}:epoch %lld",
		    store_tag(slot), (long long)now_ms()));
		if (offsets != NULL && offsets[slot] != INT64_MIN)
			freeReplyObject(sync_cmd(c, "SET sla:{%s}:offset %lld",
			    store_tag(slot), (long long)offsets[slot]));
	}
}

/* The bytes of a plain sorted set with one member per clock. */
static long long
zset_bytes(redisContext *c, size_t clocks, const char *run)
{
	char		 seed[64], id[COMPLAINT_ID_LEN + 1], member[32];
	long long	 before = used_memory(c);
	size_t		 i, pending = 0;
	redisReply	*r;

	for (i = 0; i < clocks; i++) {
		snprintf(seed, sizeof(seed), "sla-bench/%s/%zu", run, i / 2);
		complaint_id_derive(COMPLAINT_ID_FILED, seed, id);
		snprintf(member, sizeof(member), "%s:%zu", id, i % 2);
		redisAppendCommand(c, "ZADD bench:due %lld %s",
		    (long long)now_ms() + (long long)(i % 86400) * 1000,
		    member);
		if (++pending == 1000 || i + 1 == clocks) {
			while (pending > 0) {
				if (redisGetReply(c, (void **)&r) != REDIS_OK)
					fatalx("redis: %s", c->errstr);
				freeReplyObject(r);
				pending--;
			}
		}
	}
	return used_memory(c) - before;
}

/* Where a complaint's bytes go, from MEMORY USAGE of one of them. */
static void
mem_sample(redisContext *c, const char *run)
{
	char		 seed[64], id[COMPLAINT_ID_LEN + 1];
	redisReply	*key, *len, *due;

	snprintf(seed, sizeof(seed), "sla-bench/%s/%d", run, 0);
	complaint_id_derive(COMPLAINT_ID_FILED, seed, id);
	key = sync_cmd(c, "MEMORY USAGE sla:{%s}:c:%s",
	    store_tag(bench_partition(id)), id);
	len = sync_cmd(c, "STRLEN sla:{%s}:c:%s",
	    store_tag(bench_partition(id)), id);
	due = sync_cmd(c, "MEMORY USAGE sla:{%s}:due SAMPLES 0",
	    store_tag(bench_partition(id)));
	printf("one complaint's clocks key: %lld bytes (MEMORY USAGE), its "
	    "value %lld bytes; its partition's due set: %lld bytes\n",
	    key->integer, len->integer, due->integer);
	freeReplyObject(key);
	freeReplyObject(len);
	freeReplyObject(due);
}

static int
cmd_mem(const struct opts *o)
{
	redisContext	*c = sync_connect(o);
	struct loader	 l;
	double		 ours[BENCH_RUNS_MAX], zset[BENCH_RUNS_MAX], m, b;
	long long	 before;
	size_t		 i, complaints = (o->n + 1) / 2;
	char		 run[32];
	double		 t;

	for (i = 0; i < o->runs; i++) {
		snprintf(run, sizeof(run), "mem%zu", i);
		freeReplyObject(sync_cmd(c, "FLUSHALL"));
		loader_init(&l, o, run);
		write_epochs(c, NULL, SLA_MERCHANT_SLOT);
		before = used_memory(c);
		t = now_ms();
		loader_run(&l, o, complaints);
		ours[i] = (double)(used_memory(c) - before) / (2 * complaints);
		t = (now_ms() - t) / 1e3;
		printf("run %zu: %zu complaints, %zu open clocks saved in "
		    "%.1f s (%.0f saves/s): %.1f bytes a clock\n", i + 1,
		    complaints, 2 * complaints, t, complaints / t, ours[i]);
		if (i == 0)
			mem_sample(c, run);
		policy_free(l.t.policies);
		freeReplyObject(sync_cmd(c, "FLUSHALL"));
		zset[i] = (double)zset_bytes(c, 2 * complaints, run) /
		    (2 * complaints);
		printf("run %zu: plain sorted set of %zu members: %.1f bytes a "
		    "member\n", i + 1, 2 * complaints, zset[i]);
		freeReplyObject(sync_cmd(c, "FLUSHALL"));
	}
	m = result_median(ours, o->runs);
	b = result_median(zset, o->runs);
	result_row("sla.bytes_per_clock", m, "bytes", "zset.bytes_per_member",
	    b, m / b, "ratio<=2", m / b <= 2);
	redisFree(c);
	return 0;
}

/* The last offset of each partition of a topic, by slot. */
static void
topic_offsets(rd_kafka_t *rk, const char *topic, int32_t base,
    int64_t *offsets)
{
	int64_t	lo, hi;
	char	err[256];
	int	n, i;

	if ((n = kafka_partitions(rk, topic, 10000, err, sizeof(err))) == -1)
		fatalx("kafka: %s", err);
	for (i = 0; i < n; i++) {
		if (rd_kafka_query_watermark_offsets(rk, topic, i, &lo, &hi,
		    10000) != 0)
			fatalx("kafka: no offsets for %s[%d]", topic, i);
		offsets[base + i] = hi - 1;
	}
}

static rd_kafka_t *
kafka_client(const struct opts *o, rd_kafka_type_t type)
{
	rd_kafka_conf_t	*conf = rd_kafka_conf_new();
	rd_kafka_t	*rk;
	char		 err[512];

	if (rd_kafka_conf_set(conf, "bootstrap.servers", o->brokers, err,
	    sizeof(err)) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "group.id", "sla-bench", err,
	    sizeof(err)) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "enable.auto.commit", "false", err,
	    sizeof(err)) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "fetch.wait.max.ms", "10", err,
	    sizeof(err)) != RD_KAFKA_CONF_OK)
		fatalx("kafka: %s", err);
	if ((rk = rd_kafka_new(type, conf, err, sizeof(err))) == NULL)
		fatalx("kafka: %s", err);
	return rk;
}

static int
cmd_prepare(const struct opts *o)
{
	redisContext	*c = sync_connect(o);
	rd_kafka_t	*rk = kafka_client(o, RD_KAFKA_CONSUMER);
	int64_t		 offsets[SLA_PARTITIONS_MAX];
	size_t		 i;

	for (i = 0; i < SLA_PARTITIONS_MAX; i++)
		offsets[i] = INT64_MIN;
	topic_offsets(rk, SLA_COMPLAINTS_TOPIC, 0, offsets);
	topic_offsets(rk, SLA_MERCHANTS_TOPIC, SLA_MERCHANT_SLOT, offsets);
	freeReplyObject(sync_cmd(c, "FLUSHALL"));
	write_epochs(c, offsets, SLA_PARTITIONS_MAX);
	rd_kafka_destroy(rk);
	redisFree(c);
	return 0;
}

/* Assigns every partition of complaints.events at its end. */
static void
burst_assign(rd_kafka_t *rk)
{
	rd_kafka_topic_partition_list_t	*parts;
	int64_t				 offsets[SLA_PARTITIONS_MAX];
	int32_t				 i;

	for (i = 0; i < SLA_PARTITIONS_MAX; i++)
		offsets[i] = INT64_MIN;
	topic_offsets(rk, SLA_COMPLAINTS_TOPIC, 0, offsets);
	parts = rd_kafka_topic_partition_list_new(SLA_MERCHANT_SLOT);
	for (i = 0; i < SLA_MERCHANT_SLOT && offsets[i] != INT64_MIN; i++)
		rd_kafka_topic_partition_list_add(parts, SLA_COMPLAINTS_TOPIC,
		    i)->offset = offsets[i] + 1;
	bench_partitions = i;
	if (rd_kafka_assign(rk, parts) != 0)
		fatalx("kafka: cannot assign %s", SLA_COMPLAINTS_TOPIC);
	rd_kafka_topic_partition_list_destroy(parts);
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pctl(const double *sorted, size_t n, double p)
{
	size_t	i = (size_t)ceil(p * n);

	return n == 0 ? 0 : sorted[i == 0 ? 0 : i - 1];
}

/* The lag of a message if it is one of the burst's breaches, else -1. */
static double
burst_lag(const rd_kafka_message_t *m, int64_t t0, double at)
{
	Cdp__V1__ComplaintEvent	*ev;
	double			 lag = -1;

	if (m->err != 0 || (ev = cdp__v1__complaint_event__unpack(NULL,
	    m->len, m->payload)) == NULL)
		return -1;
	if (ev->body_case == CDP__V1__COMPLAINT_EVENT__BODY_SLA_BREACHED &&
	    ev->sla_breached->due_ms == t0)
		lag = at - t0;
	cdp__v1__complaint_event__free_unpacked(ev, NULL);
	return lag;
}

static int
cmd_burst(const struct opts *o)
{
	rd_kafka_t		*rk = kafka_client(o, RD_KAFKA_CONSUMER);
	rd_kafka_message_t	*m;
	struct loader		 l;
	double			*lags, start, loaded, at, last = 0, lag;
	size_t			 fired = 0;
	char			 run[32];

	burst_assign(rk);
	lags = xreallocarray(NULL, o->n, sizeof(*lags));
	start = now_ms();
	snprintf(run, sizeof(run), "burst%lld", (long long)start);
	loader_init(&l, o, run);
	l.t0 = (int64_t)start + o->lead_ms;
	loader_run(&l, o, o->n);
	loaded = now_ms();
	if (loaded > l.t0)
		fatalx("the %zu clocks took %.0f ms to save, more than the "
		    "lead of %lld ms: give a longer -l", o->n, loaded - start,
		    (long long)o->lead_ms);
	while (fired < o->n && now_ms() < l.t0 + BENCH_WAIT_MS) {
		if ((m = rd_kafka_consumer_poll(rk, 100)) == NULL)
			continue;
		at = now_ms();
		if ((lag = burst_lag(m, l.t0, at)) >= 0) {
			lags[fired++] = lag;
			last = at;
		}
		rd_kafka_message_destroy(m);
	}
	qsort(lags, fired, sizeof(*lags), cmp_double);
	printf("burst n=%zu fired=%zu per_s=%.0f p50_ms=%.1f p99_ms=%.1f "
	    "saved_s=%.2f\n", o->n, fired, fired > 0 && last > l.t0 ?
	    fired / ((last - l.t0) / 1e3) : 0, pctl(lags, fired, 0.5),
	    pctl(lags, fired, 0.99), (loaded - start) / 1e3);
	policy_free(l.t.policies);
	free(lags);
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return fired == o->n ? 0 : 1;
}

int
main(int argc, char *argv[])
{
	struct opts	 o = { NULL, NULL, "config/sla-policies.conf", 0, 3,
			    6000, "", 0 };
	const char	*cmd;
	char		*colon;
	int		 ch;

	if (argc < 2)
		usage();
	cmd = argv[1];
	optind = 2;
	while ((ch = getopt(argc, argv, "r:b:n:k:l:p:")) != -1) {
		switch (ch) {
		case 'r':
			o.redis = optarg;
			break;
		case 'b':
			o.brokers = optarg;
			break;
		case 'n':
			o.n = strtoul(optarg, NULL, 10);
			break;
		case 'k':
			o.runs = strtoul(optarg, NULL, 10);
			break;
		case 'l':
			o.lead_ms = strtoll(optarg, NULL, 10);
			break;
		case 'p':
			o.policies = optarg;
			break;
		default:
			usage();
		}
	}
	if (o.redis == NULL || (colon = strrchr(o.redis, ':')) == NULL ||
	    o.runs < 1 || o.runs > BENCH_RUNS_MAX)
		usage();
	snprintf(o.host, sizeof(o.host), "%.*s", (int)(colon - o.redis),
	    o.redis);
	o.port = atoi(colon + 1);
	log_init("sla-bench", LOG_LEVEL_WARN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(cmd, "mem") == 0)
		return o.n = o.n ? o.n : 1000000, cmd_mem(&o);
	if (o.brokers == NULL)
		usage();
	if (strcmp(cmd, "prepare") == 0)
		return cmd_prepare(&o);
	if (strcmp(cmd, "burst") == 0)
		return o.n = o.n ? o.n : 100000, cmd_burst(&o);
	usage();
	return 2;
}
