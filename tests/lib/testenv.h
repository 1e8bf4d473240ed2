/*
 * What integration tests share: the test Kafka that ./dev test starts
 * (KAFKA_BROKERS; its Redis is testenv_redis.h's), unique names so tests
 * never see each other's data, topics made on the fly, running an event
 * loop until a condition holds, and a plain reader to check what landed
 * on a topic.
 */
#ifndef CDP_TESTENV_H
#define CDP_TESTENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <librdkafka/rdkafka.h>

#include "cdp/v1/complaint.pb-c.h"

struct testenv_record {
	char	*key;
	size_t	 key_len;
	void	*payload;
	size_t	 len;
	int32_t	 partition;
	int64_t	 offset;
	rd_kafka_headers_t *headers;
};

const char	*testenv_require(const char *name);
const char	*testenv_brokers(void);
char		*testenv_unique(const char *prefix);
void		 testenv_create_topic(const char *topic, int partitions);
int		 testenv_partition_count(const char *topic);
bool		 testenv_run_until(struct event_base *base,
		    bool (*done)(void *), void *arg, int timeout_ms);
size_t		 testenv_read_key(const char *topic, const char *key,
		    int timeout_ms, struct testenv_record **out);
int		 testenv_topic_ends(const char *topic, int64_t **ends);
size_t		 testenv_read_from(const char *topic, const char *key,
		    const int64_t *from, int timeout_ms,
		    struct testenv_record **out);
void		 testenv_records_free(struct testenv_record *r, size_t n);
const char	*testenv_header(const struct testenv_record *r,
		    const char *name);
int		 testenv_dev(const char *args);
void		 testenv_produce(const char *topic, const char *key,
		    const void *payload, size_t len);
void		 testenv_produce_event(const Cdp__V1__ComplaintEvent *ev);
size_t		 testenv_events_now(const char *key, int body,
		    Cdp__V1__ComplaintEvent **out, size_t max);
size_t		 testenv_wait_events(const char *key, int body, size_t want,
		    int timeout_ms, Cdp__V1__ComplaintEvent **out,
		    size_t max);
void		 testenv_free_events(Cdp__V1__ComplaintEvent **evs,
		    size_t n);

#endif
