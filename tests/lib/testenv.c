#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kafka.h"
#include "log.h"
#include "meta.h"
#include "pb.h"
#include "testenv.h"
#include "testproc.h"
#include "xmalloc.h"

/* A setting ./dev test gives every test; a test run without it stops. */
const char *
testenv_require(const char *name)
{
	const char	*v = getenv(name);

	if (v == NULL || v[0] == '\0') {
		fprintf(stderr, "%s is not set: run integration tests through "
		    "./dev test, which starts the test Kafka and Redis\n", name);
		exit(1);
	}
	return v;
}

const char *
testenv_brokers(void)
{
	return testenv_require("KAFKA_BROKERS");
}

/* A name no other test or run uses. */
char *
testenv_unique(const char *prefix)
{
	char	id[META_ID_LEN + 1];

	meta_random_id(id);
	id[8] = '\0';
	return xasprintf("%s.%d.%s", prefix, (int)getpid(), id);
}

void
testenv_create_topic(const char *topic, int partitions)
{
	rd_kafka_conf_t			*conf = rd_kafka_conf_new();
	rd_kafka_t			*rk;
	rd_kafka_NewTopic_t		*nt;
	rd_kafka_queue_t		*q;
	rd_kafka_event_t		*ev;
	const rd_kafka_topic_result_t	**res;
	size_t				 n;
	char				 err[256];

	rd_kafka_conf_set(conf, "bootstrap.servers", testenv_brokers(), err,
	    sizeof(err));
	if ((rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err))) ==
	    NULL)
		fatalx("testenv: %s", err);
	nt = rd_kafka_NewTopic_new(topic, partitions, 1, err, sizeof(err));
	q = rd_kafka_queue_new(rk);
	rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
	if ((ev = rd_kafka_queue_poll(q, 30000)) == NULL)
		fatalx("testenv: no answer creating %s", topic);
	res = rd_kafka_CreateTopics_result_topics(
	    rd_kafka_event_CreateTopics_result(ev), &n);
	if (rd_kafka_event_error(ev) != 0 || n != 1 ||
	    (rd_kafka_topic_result_error(res[0]) != 0 &&
	    rd_kafka_topic_result_error(res[0]) !=
	    RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS))
		fatalx("testenv: creating %s failed", topic);
	rd_kafka_event_destroy(ev);
	rd_kafka_NewTopic_destroy(nt);
	rd_kafka_queue_destroy(q);
	rd_kafka_destroy(rk);
}

struct until {
	struct event_base	*base;
	bool			(*done)(void *);
	void			*arg;
	bool			 met;
};

static void
until_check(evutil_socket_t fd, short what, void *arg)
{
	struct until	*u = arg;

	if (u->done(u->arg)) {
		u->met = true;
		event_base_loopbreak(u->base);
	}
}

static void
until_timeout(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(arg);
}

/* Runs the loop until done(arg) holds or timeout_ms pass. */
bool
testenv_run_until(struct event_base *base, bool (*done)(void *), void *arg,
    int timeout_ms)
{
	struct until	 u = { base, done, arg, false };
	struct timeval	 tick = { 0, 10000 };
	struct timeval	 limit;
	struct event	*check, *timeout;

	timeout_ms = testproc_scale_ms(timeout_ms);
	limit.tv_sec = timeout_ms / 1000;
	limit.tv_usec = (timeout_ms % 1000) * 1000;
	if (done(arg))
		return true;
	check = event_new(base, -1, EV_PERSIST, until_check, &u);
	timeout = evtimer_new(base, until_timeout, base);
	event_add(check, &tick);
	evtimer_add(timeout, &limit);
	event_base_dispatch(base);
	event_free(check);
	event_free(timeout);
	return u.met;
}

static void
testenv_keep(struct testenv_record **recs, size_t *n, rd_kafka_message_t *m)
{
	struct testenv_record	*r;

	*recs = xreallocarray(*recs, *n + 1, sizeof(**recs));
	r = &(*recs)[(*n)++];
	memset(r, 0, sizeof(*r));
	r->key = xstrndup(m->key != NULL ? m->key : "", m->key_len);
	r->key_len = m->key_len;
	r->payload = xmalloc(m->len + 1);
	memcpy(r->payload, m->payload, m->len);
	r->len = m->len;
	r->partition = m->partition;
	r->offset = m->offset;
	rd_kafka_message_detach_headers(m, &r->headers);
}

static rd_kafka_t *
testenv_reader(void)
{
	rd_kafka_conf_t	*conf = rd_kafka_conf_new();
	rd_kafka_t	*rk;
	char		 err[256];

	rd_kafka_conf_set(conf, "bootstrap.servers", testenv_brokers(), err,
	    sizeof(err));
	rd_kafka_conf_set(conf, "group.id", "testenv-reader", err, sizeof(err));
	rd_kafka_conf_set(conf, "enable.partition.eof", "true", err,
	    sizeof(err));
	if ((rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err))) ==
	    NULL)
		fatalx("testenv: %s", err);
	return rk;
}

static int
testenv_partitions(rd_kafka_t *rk, const char *topic)
{
	char	err[256];
	int	n;

	if ((n = kafka_partitions(rk, topic, 10000, err, sizeof(err))) == -1)
		fatalx("testenv: %s", err);
	return n;
}

/* How many partitions topic has, from the brokers' metadata. */
int
testenv_partition_count(const char *topic)
{
	rd_kafka_t	*rk = testenv_reader();
	int		 n = testenv_partitions(rk, topic);

	rd_kafka_destroy(rk);
	return n;
}

/*
 * A reader of every partition of topic, from offset from[p] (from the
 * beginning when from is NULL).
 */
static rd_kafka_t *
testenv_assign_all(const char *topic, const int64_t *from, int *npartitions)
{
	rd_kafka_t			*rk = testenv_reader();
	rd_kafka_topic_partition_list_t	*parts;
	int				 i;

	*npartitions = testenv_partitions(rk, topic);
	parts = rd_kafka_topic_partition_list_new(*npartitions);
	for (i = 0; i < *npartitions; i++)
		rd_kafka_topic_partition_list_add(parts, topic, i)->offset =
		    from != NULL ? from[i] : RD_KAFKA_OFFSET_BEGINNING;
	rd_kafka_assign(rk, parts);
	rd_kafka_topic_partition_list_destroy(parts);
	rd_kafka_poll_set_consumer(rk);
	return rk;
}

/*
 * The end of every partition of topic now (the offset the next record
 * will get), for testenv_read_from(); returns the partition count. The
 * caller frees *ends.
 */
int
testenv_topic_ends(const char *topic, int64_t **ends)
{
	rd_kafka_t		*rk = testenv_reader();
	int			 n = testenv_partitions(rk, topic), i;
	int64_t			 low;
	rd_kafka_resp_err_t	 err;

	*ends = xcalloc((size_t)n, sizeof(**ends));
	for (i = 0; i < n; i++)
		if ((err = rd_kafka_query_watermark_offsets(rk, topic, i, &low,
		    &(*ends)[i], 10000)) != RD_KAFKA_RESP_ERR_NO_ERROR)
			fatalx("testenv: no end of %s[%d]: %s", topic, i,
			    rd_kafka_err2str(err));
	rd_kafka_destroy(rk);
	return n;
}

/*
 * Reads every partition of topic from offset from[p] (the beginning when
 * from is NULL) to its current end, keeping the records with the given key
 * (all when NULL); timeout_ms bounds the whole read. A partition counts as
 * read once it reported its end (it may report it again when more came
 * meanwhile). A read cut short by the timeout says so on stderr: what it
 * returns then may miss the newest records.
 */
size_t
testenv_read_from(const char *topic, const char *key, const int64_t *from,
    int timeout_ms, struct testenv_record **out)
{
	rd_kafka_message_t	*m;
	struct testenv_record	*recs = NULL;
	size_t			 n = 0;
	int			 nparts, ended = 0;
	rd_kafka_t		*rk = testenv_assign_all(topic, from, &nparts);
	bool			*at_end = xcalloc((size_t)nparts,
				    sizeof(*at_end));
	int64_t			 deadline = meta_now_ms() + timeout_ms;

	while (ended < nparts && meta_now_ms() < deadline) {
		if ((m = rd_kafka_consumer_poll(rk, 100)) == NULL)
			continue;
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			if (m->partition >= 0 && m->partition < nparts &&
			    !at_end[m->partition]) {
				at_end[m->partition] = true;
				ended++;
			}
		} else if (m->err == 0 && (key == NULL ||
		    (m->key_len == strlen(key) &&
		    memcmp(m->key, key, m->key_len) == 0)))
			testenv_keep(&recs, &n, m);
		rd_kafka_message_destroy(m);
	}
	if (ended < nparts)
		fprintf(stderr, "testenv: the read of %s stopped after %d ms "
		    "with %d of %d partitions read to their end (%zu records "
		    "kept)\n", topic, timeout_ms, ended, nparts, n);
	free(at_end);
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	*out = recs;
	return n;
}

/* testenv_read_from() from the beginning of every partition. */
size_t
testenv_read_key(const char *topic, const char *key, int timeout_ms,
    struct testenv_record **out)
{
	return testenv_read_from(topic, key, NULL, timeout_ms, out);
}

void
testenv_records_free(struct testenv_record *r, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(r[i].key);
		free(r[i].payload);
		if (r[i].headers != NULL)
			rd_kafka_headers_destroy(r[i].headers);
	}
	free(r);
}

/* A header's value as a string (static buffer), or NULL. */
const char *
testenv_header(const struct testenv_record *r, const char *name)
{
	static char	 buf[1024];
	const void	*v;
	size_t		 len;

	if (r->headers == NULL ||
	    rd_kafka_header_get_last(r->headers, name, &v, &len) != 0)
		return NULL;
	snprintf(buf, sizeof(buf), "%.*s", (int)len, (const char *)v);
	return buf;
}

/* Runs "$CDP_DEV args" (e.g. "redis stop test"); returns its exit status. */
int
testenv_dev(const char *args)
{
	char	*cmd = xasprintf("%s %s", testenv_require("CDP_DEV"), args);
	int	 rc = system(cmd);

	free(cmd);
	return rc;
}

/* Writes one message and waits until the broker confirmed it. */
void
testenv_produce(const char *topic, const char *key, const void *payload,
    size_t len)
{
	rd_kafka_conf_t		*conf = rd_kafka_conf_new();
	rd_kafka_t		*rk;
	rd_kafka_resp_err_t	 err;
	char			 errstr[256];

	rd_kafka_conf_set(conf, "bootstrap.servers", testenv_brokers(), errstr,
	    sizeof(errstr));
	rd_kafka_conf_set(conf, "partitioner", "murmur2_random", errstr,
	    sizeof(errstr));
	rd_kafka_conf_set(conf, "enable.idempotence", "true", errstr,
	    sizeof(errstr));
	if ((rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr,
	    sizeof(errstr))) == NULL)
		fatalx("testenv: %s", errstr);
	err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
	    RD_KAFKA_V_KEY(key, strlen(key)),
	    RD_KAFKA_V_VALUE((void *)payload, len),
	    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
	if (err != 0 || rd_kafka_flush(rk, 30000) != 0)
		fatalx("testenv: cannot produce to %s", topic);
	rd_kafka_destroy(rk);
}

/* Writes one complaint event keyed by its complaint id. */
void
testenv_produce_event(const Cdp__V1__ComplaintEvent *ev)
{
	uint8_t	*buf;
	size_t	 len;

	buf = pb_pack(&ev->base, &len);
	testenv_produce("complaints.events", ev->complaint_id, buf, len);
	free(buf);
}

/*
 * The events of the body case for key that complaints.events holds now
 * (read to its end; at most max, freed with testenv_free_events).
 */
size_t
testenv_events_now(const char *key, int body, Cdp__V1__ComplaintEvent **out,
    size_t max)
{
	struct testenv_record	*recs;
	Cdp__V1__ComplaintEvent	*ev;
	size_t			 n, i, found = 0;

	n = testenv_read_key("complaints.events", key, 15000, &recs);
	for (i = 0; i < n; i++) {
		ev = cdp__v1__complaint_event__unpack(NULL, recs[i].len,
		    recs[i].payload);
		if (ev != NULL && (int)ev->body_case == body && found < max)
			out[found++] = ev;
		else if (ev != NULL)
			cdp__v1__complaint_event__free_unpacked(ev, NULL);
	}
	testenv_records_free(recs, n);
	return found;
}

/*
 * Waits until complaints.events holds at least want events of the body case
 * for key, and returns all of them (at most max; the caller frees them with
 * testenv_free_events), or 0 after timeout_ms.
 */
size_t
testenv_wait_events(const char *key, int body, size_t want, int timeout_ms,
    Cdp__V1__ComplaintEvent **out, size_t max)
{
	int64_t	deadline = meta_now_ms() + testproc_scale_ms(timeout_ms);
	size_t	found;

	do {
		if ((found = testenv_events_now(key, body, out, max)) >= want)
			return found;
		testenv_free_events(out, found);
		usleep(100000);
	} while (meta_now_ms() < deadline);
	return 0;
}

void
testenv_free_events(Cdp__V1__ComplaintEvent **evs, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		cdp__v1__complaint_event__free_unpacked(evs[i], NULL);
}
