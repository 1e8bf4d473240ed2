/*
 * cdp-ops lag: for each service's consumer group, each partition of what
 * it consumes: the group's committed offset, the partition's end, and the
 * lag between them. The group is asked for its committed offsets without
 * joining it, so the report never disturbs the daemons.
 */
#include <stdio.h>
#include <string.h>

#include "kafka.h"
#include "kafkaclient.h"
#include "ops.h"
#include "topicread.h"

#define LAG_TIMEOUT_MS	10000

/* A handle that may read the group's committed offsets. */
static rd_kafka_t *
lag_client(const char *brokers, const char *group, char *err, size_t errsz)
{
	return kafkaclient_new(RD_KAFKA_CONSUMER, brokers,
	    (const char *const []){ "group.id", group, "enable.auto.commit",
	    "false", NULL }, err, errsz);
}

/* One line a partition: group, topic[p], committed, end, lag. */
static int
lag_topic(rd_kafka_t *rk, const char *group, const char *topic, char *err,
    size_t errsz)
{
	rd_kafka_topic_partition_list_t	*l;
	rd_kafka_topic_partition_t	*tp;
	int64_t				 lo, hi, lag;
	int				 n, p, rc = 0;

	if ((n = topicread_partitions(rk, topic, err, errsz)) == -1)
		return -1;
	l = rd_kafka_topic_partition_list_new(n);
	for (p = 0; p < n; p++)
		rd_kafka_topic_partition_list_add(l, topic, p);
	if (rd_kafka_committed(rk, l, LAG_TIMEOUT_MS) !=
	    RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(err, errsz, "%s: committed offsets of %s", group,
		    topic);
		rd_kafka_topic_partition_list_destroy(l);
		return -1;
	}
	for (p = 0; p < n && rc == 0; p++) {
		tp = &l->elems[p];
		if (rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi,
		    LAG_TIMEOUT_MS) != RD_KAFKA_RESP_ERR_NO_ERROR) {
			snprintf(err, errsz, "%s[%d]: end offset", topic, p);
			rc = -1;
			break;
		}
		lag = tp->offset >= 0 ? hi - tp->offset : hi - lo;
		if (tp->offset >= 0)
			printf("%s\t%s[%d]\t%lld\t%lld\t%lld\n", group, topic,
			    p, (long long)tp->offset, (long long)hi,
			    (long long)lag);
		else
			printf("%s\t%s[%d]\t-\t%lld\t%lld\n", group, topic, p,
			    (long long)hi, (long long)lag);
	}
	rd_kafka_topic_partition_list_destroy(l);
	return rc;
}

static int
lag_service(const char *brokers, const struct ops_service *s)
{
	rd_kafka_t	*rk;
	char		 err[512];
	size_t		 i;
	int		 rc = 0;

	if ((rk = lag_client(brokers, s->group, err, sizeof(err))) == NULL)
		return ops_fail(err);
	for (i = 0; s->topics[i] != NULL && rc == 0; i++)
		rc = lag_topic(rk, s->group, s->topics[i], err, sizeof(err));
	rd_kafka_destroy(rk);
	return rc == -1 ? ops_fail(err) : 0;
}

/*
 * The report for the services named (all when none), with a header line.
 * A partition the group never committed shows "-" and its whole length as
 * lag.
 */
int
lag_report(const char *brokers, int argc, char **argv)
{
	const struct ops_service	*s;
	size_t				 i;
	int				 a;

	for (a = 0; a < argc; a++)
		if (ops_service(argv[a]) == NULL) {
			fprintf(stderr, "cdp-ops: unknown service %s (%s)\n",
			    argv[a], ops_service_names());
			return 2;
		}
	printf("group\tpartition\tcommitted\tend\tlag\n");
	if (argc == 0) {
		for (i = 0; (s = ops_service_at(i)) != NULL; i++)
			if (lag_service(brokers, s) != 0)
				return 1;
		return 0;
	}
	for (a = 0; a < argc; a++)
		if (lag_service(brokers, ops_service(argv[a])) != 0)
			return 1;
	return 0;
}
