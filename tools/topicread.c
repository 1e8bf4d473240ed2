/*
 * Reading a topic from outside any consumer group, for operators: every
 * record of one partition or of all, from an offset to the end the topic
 * had when the read began, so a read always ends. No group is joined and
 * nothing is committed, so the daemons' offsets are never touched.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka.h"
#include "kafkaclient.h"
#include "topicread.h"
#include "xmalloc.h"

#define TOPICREAD_TIMEOUT_MS	10000	/* a broker that does not answer */
#define TOPICREAD_IDLE_MS	10000	/* no record although some are due */
/*
 * librdkafka's consumer wants a group id even to read assigned partitions;
 * this one is never joined (no subscribe) and never committed to.
 */
#define TOPICREAD_GROUP		"cdp-ops-reader"

/* A consumer handle that joins no group; NULL with err on failure. */
rd_kafka_t *
topicread_client(const char *brokers, char *err, size_t errsz)
{
	return kafkaclient_new(RD_KAFKA_CONSUMER, brokers,
	    (const char *const []){ "group.id", TOPICREAD_GROUP,
	    "enable.auto.commit", "false", "enable.partition.eof", "true",
	    "log_level", "3", NULL }, err, errsz);
}

/* Leaves without committing anything, and frees the handle. */
void
topicread_close(rd_kafka_t *rk)
{
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
}

/* The topic's partition count, or -1 with err (common/kafka_metadata.c). */
int
topicread_partitions(rd_kafka_t *rk, const char *topic, char *err,
    size_t errsz)
{
	return kafka_partitions(rk, topic, TOPICREAD_TIMEOUT_MS, err, errsz);
}

/*
 * Adds partition p from offset from (its first when earlier) to the
 * assignment if it holds records there; ends[p] is where it stops.
 */
static int
assign_add(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *l,
    const char *topic, int32_t p, int64_t from, int64_t *ends, char *err,
    size_t errsz)
{
	int64_t			lo, hi;
	rd_kafka_resp_err_t	e;

	e = rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi,
	    TOPICREAD_TIMEOUT_MS);
	if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(err, errsz, "%s[%d]: offsets: %s", topic, p,
		    rd_kafka_err2str(e));
		return -1;
	}
	ends[p] = hi;
	if (from < lo)
		from = lo;
	if (from < hi)
		rd_kafka_topic_partition_list_add(l, topic, p)->offset = from;
	return 0;
}

/* Marks partition p read to its end; returns how many remain open. */
static int
read_done(bool *done, int32_t p, int open)
{
	if (done[p])
		return open;
	done[p] = true;
	return open - 1;
}

/* Consumes until every assigned partition reached its end. */
static int
read_all(rd_kafka_t *rk, int assigned, int partitions, const int64_t *ends,
    topicread_fn fn, void *arg, char *err, size_t errsz)
{
	rd_kafka_message_t	*m;
	int			 open = assigned, idle = 0, rc = 0;
	bool			*done = xcalloc((size_t)partitions, 1);

	while (open > 0 && rc == 0) {
		if ((m = rd_kafka_consumer_poll(rk, 100)) == NULL) {
			if ((idle += 100) >= TOPICREAD_IDLE_MS) {
				snprintf(err, errsz, "no records for %d s "
				    "although some are due", idle / 1000);
				rc = -1;
			}
			continue;
		}
		idle = 0;
		if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
			if (m->offset < ends[m->partition] && fn(arg, m) == -1)
				rc = -1;
			if (m->offset + 1 >= ends[m->partition])
				open = read_done(done, m->partition, open);
		} else if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
			open = read_done(done, m->partition, open);
		else {
			snprintf(err, errsz, "%s", rd_kafka_message_errstr(m));
			rc = -1;
		}
		rd_kafka_message_destroy(m);
	}
	free(done);
	return rc;
}

/*
 * Calls fn for each record of topic's partition (every partition when it
 * is -1) from offset from to the end as of now, in offset order within a
 * partition. fn returns 0, or -1 to stop. Returns 0, or -1 with err.
 */
int
topicread_records(rd_kafka_t *rk, const char *topic, int32_t partition,
    int64_t from, topicread_fn fn, void *arg, char *err, size_t errsz)
{
	rd_kafka_topic_partition_list_t	*l;
	int64_t				*ends;
	rd_kafka_resp_err_t		 e;
	int				 n, p, rc = -1;

	if ((n = topicread_partitions(rk, topic, err, errsz)) == -1)
		return -1;
	if (partition >= n) {
		snprintf(err, errsz, "%s has no partition %d", topic,
		    partition);
		return -1;
	}
	ends = xcalloc((size_t)n, sizeof(*ends));
	l = rd_kafka_topic_partition_list_new(n);
	for (p = 0; p < n; p++)
		if ((partition < 0 || p == partition) &&
		    assign_add(rk, l, topic, p, from, ends, err, errsz) == -1)
			goto out;
	rc = 0;
	if (l->cnt > 0 && (e = rd_kafka_assign(rk, l)) !=
	    RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(err, errsz, "%s: assign: %s", topic,
		    rd_kafka_err2str(e));
		rc = -1;
	} else if (l->cnt > 0) {
		rc = read_all(rk, l->cnt, n, ends, fn, arg, err, errsz);
		rd_kafka_assign(rk, NULL);
	}
out:
	rd_kafka_topic_partition_list_destroy(l);
	free(ends);
	return rc;
}

/* A header's value as a string in buf ("" when absent). */
const char *
topicread_header(const rd_kafka_message_t *m, const char *name, char *buf,
    size_t size)
{
	rd_kafka_headers_t	*hdrs;
	const void		*v;
	size_t			 len;

	buf[0] = '\0';
	if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR &&
	    rd_kafka_header_get_last(hdrs, name, &v, &len) ==
	    RD_KAFKA_RESP_ERR_NO_ERROR && v != NULL)
		snprintf(buf, size, "%.*s", (int)len, (const char *)v);
	return buf;
}
