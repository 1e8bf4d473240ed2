/* topicread.c: reading a topic outside any consumer group, for operators. */
#ifndef CDP_TOPICREAD_H
#define CDP_TOPICREAD_H

#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

typedef int (*topicread_fn)(void *arg, const rd_kafka_message_t *m);

rd_kafka_t	*topicread_client(const char *brokers, char *err, size_t errsz);
void		 topicread_close(rd_kafka_t *rk);
int		 topicread_partitions(rd_kafka_t *rk, const char *topic,
		    char *err, size_t errsz);
int		 topicread_records(rd_kafka_t *rk, const char *topic,
		    int32_t partition, int64_t from, topicread_fn fn, void *arg,
		    char *err, size_t errsz);
const char	*topicread_header(const rd_kafka_message_t *m,
		    const char *name, char *buf, size_t size);

#endif
