/*
 * The Kafka clients every daemon uses, driven from one libevent loop:
 * librdkafka's queues signal a pipe, and a libevent read event on the pipe
 * serves them, so callbacks (delivery reports, rebalances, errors, logs)
 * always run on the daemon's own thread.
 */
#ifndef CDP_KAFKA_H
#define CDP_KAFKA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <librdkafka/rdkafka.h>
#include <protobuf-c/protobuf-c.h>

/* kafka.c: what the producer and the consumer share. */
struct kafka_wakeup;
struct kafka_health {
	bool	 broker_up;	/* some broker was UP in the last statistics */
	int64_t	 last_up_ms;
};

rd_kafka_conf_t	*kafka_conf_new(const char *brokers, const char *client_id);
void		 kafka_conf_set(rd_kafka_conf_t *conf, const char *name,
		    const char *value);
int		 kafka_conf_security(rd_kafka_conf_t *conf, char *err,
		    size_t errsz);
struct kafka_wakeup *kafka_wakeup_new(struct event_base *base,
		    rd_kafka_queue_t *queue, void (*fn)(void *), void *arg);
void		 kafka_wakeup_free(struct kafka_wakeup *w);
void		 kafka_health_update(struct kafka_health *h, const char *json);

/* kafka_metadata.c: what the brokers say of a topic. */
int		 kafka_partitions(rd_kafka_t *rk, const char *topic,
		    int timeout_ms, char *err, size_t errsz);

/* kafka_producer.c: idempotent producer with delivery reports. */
struct kafka_producer;
struct kafka_header {
	const char	*name;
	const void	*value;
	size_t		 len;
};
/*
 * The broker's answer to one write. err is 0 (RD_KAFKA_RESP_ERR_NO_ERROR)
 * when it confirmed the write; otherwise status tells whether the message
 * is surely not written (RD_KAFKA_MSG_STATUS_NOT_PERSISTED) or may have been
 * (RD_KAFKA_MSG_STATUS_POSSIBLY_PERSISTED, e.g. a timeout after sending).
 */
struct kafka_delivery {
	int			 err;
	rd_kafka_msg_status_t	 status;
	int32_t			 partition;
	int64_t			 offset;
};
typedef void (*kafka_delivery_fn)(void *arg, const struct kafka_delivery *d);

struct kafka_producer *kafka_producer_new(struct event_base *base,
		    const char *brokers, const char *client_id,
		    int delivery_timeout_ms);
int		 kafka_producer_send(struct kafka_producer *p,
		    const char *topic, const void *key, size_t keylen,
		    const void *payload, size_t len,
		    const struct kafka_header *headers, size_t nheaders,
		    kafka_delivery_fn fn, void *arg);
int		 kafka_producer_send_pb(struct kafka_producer *p,
		    const char *topic, const char *key,
		    const ProtobufCMessage *msg, kafka_delivery_fn fn,
		    void *arg);
int		 kafka_producer_ready(void *p, char *why, size_t whysz);
int		 kafka_producer_partitions(struct kafka_producer *p,
		    const char *topic, int timeout_ms);
size_t		 kafka_producer_in_flight(struct kafka_producer *p);
void		 kafka_producer_flush(struct kafka_producer *p, int timeout_ms);
void		 kafka_producer_free(struct kafka_producer *p);

/* kafka_consumer.c: consumer group member, in order per key. */
struct kafka_consumer;
struct kafka_partition;
struct kafka_msg {
	const char		*topic;
	int32_t			 partition;
	int64_t			 offset;
	const void		*key;
	size_t			 key_len;
	const void		*payload;
	size_t			 len;
	int64_t			 timestamp_ms;
	/*
	 * The payload decoded and checked by the topic's decoder (below), or
	 * NULL without one. The consumer frees it when m ends, unless the
	 * handler takes it with kafka_msg_take().
	 */
	void			*event;
	/* Private to kafka_consumer.c. */
	rd_kafka_message_t	*rkm;
	struct kafka_partition	*part;
	uint64_t		 generation;
	bool			 in_hand;	/* handed out, not yet ended */
	char			*dead;		/* the dead letter's reason */
	struct event		*retry_ev;
	struct kafka_msg	*next;
	struct kafka_consumer	*consumer;
};

/*
 * The handler borrows m and must end it exactly once, now or later, with
 * kafka_consumer_done(), kafka_consumer_dead() or kafka_consumer_retry().
 * The next message of the same partition with the same key is not handed
 * out before that; with max_in_flight above 1, later ones with other keys
 * may be (kafka_inflight.h).
 */
typedef void (*kafka_handler_fn)(struct kafka_msg *m, void *arg);
/*
 * How a topic's messages are decoded before a handler sees them: the
 * protobuf type, and a check of what every handler of it needs (NULL when
 * the event is usable, otherwise the reason). A message that does not
 * decode or fails the check goes to the dead-letter topic with the reason
 * ("undecodable MerchantEvent"), and no handler ever sees it. events.h
 * has the decoders of the platform's topics.
 */
struct kafka_decoder {
	const ProtobufCMessageDescriptor	*type;
	const char				*(*check)(const char *topic,
						    const ProtobufCMessage *ev);
};
/* Called with the partitions gained (assigned true) or lost. */
typedef void (*kafka_assign_fn)(void *arg,
    const rd_kafka_topic_partition_list_t *parts, bool assigned);
/*
 * Asks where to start reading a newly assigned (or restarted) partition,
 * for a daemon that keeps its progress with its state (a read model in
 * Redis). It must not block: the daemon answers later, from the loop, with
 * kafka_consumer_start_at() and the ticket: an offset,
 * RD_KAFKA_OFFSET_BEGINNING, or KAFKA_START_RETRY when its store did not
 * answer (it is asked again a second later). Until then the partition
 * stays paused and kafka_consumer_ready() says why.
 */
typedef void (*kafka_start_fn)(void *arg, const char *topic,
    int32_t partition, uint64_t ticket);
#define KAFKA_START_RETRY	INT64_MIN

struct kafka_consumer_conf {
	const char		*brokers;
	const char		*group;
	const char		*client_id;
	const char		*instance_id;	/* static membership, or NULL */
	const char *const	*topics;
	size_t			 ntopics;
	/* One per topic, in the order of topics (copied); NULL: raw. */
	const struct kafka_decoder *const *decoders;
	/*
	 * Called when a decoder sends m to the dead-letter topic, for a daemon
	 * that keeps its progress with its state (or NULL).
	 */
	void			(*on_dead)(void *arg, const struct kafka_msg *m);
	const char		*service;	/* recorded in dead letters */
	struct kafka_producer	*dlq_producer;
	const char		*dlq_topic;
	kafka_handler_fn	 handler;
	kafka_assign_fn		 on_assign;	/* or NULL */
	kafka_start_fn		 start_offset;	/* or NULL: committed */
	void			*arg;
	size_t			 max_queued;	/* per partition; 0: default */
	/*
	 * Messages of one partition in the handler's hands at once, never two
	 * with one key; 0 or 1: one at a time.
	 */
	size_t			 max_in_flight;
};

struct kafka_consumer *kafka_consumer_new(struct event_base *base,
		    const struct kafka_consumer_conf *conf);
void		*kafka_msg_take(struct kafka_msg *m);
bool		 kafka_msg_done_before(const struct kafka_msg *m);
void		 kafka_consumer_done(struct kafka_msg *m);
void		 kafka_consumer_dead(struct kafka_msg *m, const char *reason);
void		 kafka_consumer_retry(struct kafka_msg *m, int delay_ms);
void		 kafka_consumer_start_at(struct kafka_consumer *c,
		    const char *topic, int32_t partition, uint64_t ticket,
		    int64_t offset);
void		 kafka_consumer_restart(struct kafka_consumer *c,
		    const char *topic, int32_t partition);
int		 kafka_consumer_ready(void *c, char *why, size_t whysz);
int		 kafka_consumer_commit(struct kafka_consumer *c);
bool		 kafka_consumer_caught_up(struct kafka_consumer *c,
		    const char *topic, int32_t partition);
typedef void	(*kafka_partition_fn)(void *arg, const char *topic,
		    int32_t partition);
void		 kafka_consumer_each_started(struct kafka_consumer *c,
		    kafka_partition_fn fn, void *arg);
void		 kafka_consumer_close(struct kafka_consumer *c);

#endif
