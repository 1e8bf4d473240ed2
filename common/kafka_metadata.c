/*
 * What the brokers' metadata says of a topic: one place that asks, for the
 * daemons (intake's read model places complaints by it), the operator
 * tools, the benchmarks and the tests.
 */
#include <stdio.h>

#include "kafka.h"

/*
 * The partition count of topic, asked of the brokers through rk within
 * timeout_ms; -1 with the reason in err when they did not answer or the
 * topic has no partitions.
 */
int
kafka_partitions(rd_kafka_t *rk, const char *topic, int timeout_ms,
    char *err, size_t errsz)
{
	const struct rd_kafka_metadata	*md;
	rd_kafka_topic_t		*rkt = rd_kafka_topic_new(rk, topic, NULL);
	rd_kafka_resp_err_t		 e;
	int				 n = -1;

	e = rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms);
	if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
		snprintf(err, errsz, "%s: metadata: %s", topic,
		    rd_kafka_err2str(e));
	else if (md->topic_cnt != 1)
		snprintf(err, errsz, "%s: no such topic", topic);
	else if (md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR)
		snprintf(err, errsz, "%s: %s", topic,
		    rd_kafka_err2str(md->topics[0].err));
	else if (md->topics[0].partition_cnt <= 0)
		snprintf(err, errsz, "%s: no partitions", topic);
	else
		n = md->topics[0].partition_cnt;
	if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
		rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(rkt);
	return n;
}
