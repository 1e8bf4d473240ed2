/*
 * A consumer group member driven from the event loop.
 *
 * Messages of one partition are handed to the daemon in order, up to
 * max_in_flight at once (default one at a time), never two with the same
 * key (the complaint or order id) side by side, so a handler may work
 * asynchronously (Redis, produce) without two events of one complaint
 * racing; partitions proceed independently. Handlers may end messages in
 * any order; the offset stored is the one after the contiguous prefix of
 * ended messages (kafka_inflight.c), and librdkafka commits stored offsets
 * every second, on rebalance and on close: delivery is at least once. A
 * message whose key is taken waits, and the partition's later messages
 * wait behind it, so order per key needs no look-ahead.
 *
 * Each partition keeps a local queue of fetched messages, those in the
 * handler's hands included; a partition whose queue reaches max_queued is
 * paused until it drains to half of that. A revoked partition's
 * generation is bumped, so a handler that finishes a message after losing
 * the partition stores nothing, and the partition hands out nothing new
 * until those older messages have ended.
 *
 * With decoders, every message is decoded and checked before its handler
 * sees it; one that fails goes to the dead-letter topic from here, so the
 * daemons share one decode, check and dead-letter step.
 *
 * A daemon that keeps its progress with its state (start_offset) says
 * where each assigned partition starts. Until it answers, the partition is
 * assigned but paused, and the consumer is not ready; the daemon asks its
 * store from the loop, so a store that does not answer never blocks it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka.h"
#include "kafka_inflight.h"
#include "log.h"
#include "metrics.h"
#include "nitems.h"
#include "xmalloc.h"

#define CONSUMER_MAX_QUEUED	1000
#define CONSUMER_POLL_BATCH	500
#define CONSUMER_DLQ_RETRY_MS	1000
#define CONSUMER_ASK_AGAIN_MS	1000	/* the daemon's store did not answer */
#define CONSUMER_SEEK_AGAIN_MS	100	/* the fetcher was not ready to seek */
#define CONSUMER_SEEK_WAIT_MS	1000	/* in-process: the fetcher's answer */

struct kafka_partition {
	char			*topic;
	const struct kafka_decoder *decoder;	/* its topic's, or NULL */
	int32_t			 partition;
	uint64_t		 generation;
	bool			 assigned;
	bool			 paused;
	bool			 starting;	/* waits for its start offset */
	int64_t			 start_at;	/* the answer, or KAFKA_START_RETRY */
	struct event		*start_ev;
	struct kafka_msg	*head;		/* not yet ended, in order */
	struct kafka_msg	*tail;
	size_t			 queued;
	struct kafka_inflight	*window;	/* of this generation */
	size_t			 stale;		/* in hand, of an older one */
	int64_t			 next_offset;	/* after the last done, or -1 */
	int64_t			 done_before;	/* done here before a restart */
	struct kafka_consumer	*consumer;
	struct kafka_partition	*next;
};

struct kafka_consumer {
	rd_kafka_t		*rk;
	rd_kafka_queue_t	*queue;
	struct kafka_wakeup	*wakeup;
	struct event_base	*base;
	struct event		*dispatch_ev;
	struct event		*serve_ev;
	struct kafka_health	 health;
	struct kafka_partition	*parts;
	bool			 joined;
	bool			 dispatching;
	char			*service;
	char			*dlq_topic;
	struct kafka_producer	*dlq;
	kafka_handler_fn	 handler;
	char			**topics;	/* subscribed, for decoders */
	const struct kafka_decoder **decoders;	/* copied from the conf */
	size_t			 ntopics;
	void			(*on_dead)(void *, const struct kafka_msg *);
	kafka_assign_fn		 on_assign;
	kafka_start_fn		 start_offset;
	void			*arg;
	size_t			 max_queued;
	size_t			 max_in_flight;
	struct metric		*consumed;
	struct metric		*dead;
	struct metric		*retried;
	struct metric		*lag;
};

static void	consumer_dispatch(struct kafka_consumer *c);
static void	consumer_on_start(evutil_socket_t fd, short what, void *arg);

static struct kafka_partition *
partition_find(struct kafka_consumer *c, const char *topic, int32_t partition)
{
	struct kafka_partition	*p;

	for (p = c->parts; p != NULL; p = p->next)
		if (p->partition == partition && strcmp(p->topic, topic) == 0)
			return p;
	return NULL;
}

/* The decoder of a subscribed topic, or NULL for raw payloads. */
static const struct kafka_decoder *
topic_decoder(const struct kafka_consumer *c, const char *topic)
{
	size_t	i;

	for (i = 0; c->decoders != NULL && i < c->ntopics; i++)
		if (strcmp(c->topics[i], topic) == 0)
			return c->decoders[i];
	return NULL;
}

static struct kafka_partition *
partition_get(struct kafka_consumer *c, const char *topic, int32_t partition)
{
	struct kafka_partition	*p;

	if ((p = partition_find(c, topic, partition)) != NULL)
		return p;
	p = xcalloc(1, sizeof(*p));
	p->topic = xstrdup(topic);
	p->decoder = topic_decoder(c, topic);
	p->partition = partition;
	p->next_offset = -1;
	p->window = kafka_inflight_new(c->max_in_flight);
	p->consumer = c;
	p->next = c->parts;
	c->parts = p;
	return p;
}

static void
partition_pause(struct kafka_partition *p, bool pause)
{
	rd_kafka_topic_partition_list_t	*list;
	rd_kafka_resp_err_t		 err;

	list = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(list, p->topic, p->partition);
	if (pause)
		err = rd_kafka_pause_partitions(p->consumer->rk, list);
	else
		err = rd_kafka_resume_partitions(p->consumer->rk, list);
	rd_kafka_topic_partition_list_destroy(list);
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
		log_warnx("kafka: cannot %s %s[%d]: %s",
		    pause ? "pause" : "resume", p->topic, p->partition,
		    rd_kafka_err2str(err));
	else
		p->paused = pause;
}

/* Takes m out of its partition's queue. */
static void
partition_unlink(struct kafka_partition *p, struct kafka_msg *m)
{
	struct kafka_msg	**mp, *prev = NULL;

	for (mp = &p->head; *mp != NULL && *mp != m; mp = &(*mp)->next)
		prev = *mp;
	if (*mp == NULL)
		fatalx("kafka: a message ended twice");
	*mp = m->next;
	if (p->tail == m)
		p->tail = prev;
	m->next = NULL;
	p->queued--;
	if (p->paused && !p->starting &&
	    p->queued <= p->consumer->max_queued / 2)
		partition_pause(p, false);
}

static void
msg_free(struct kafka_msg *m)
{
	if (m->event != NULL)
		protobuf_c_message_free_unpacked(m->event, NULL);
	if (m->retry_ev != NULL)
		event_free(m->retry_ev);
	free(m->dead);
	rd_kafka_message_destroy(m->rkm);
	free(m);
}

/*
 * Frees every queued message that is not in a handler's hands (all of
 * them with all), keeping the others in order.
 */
static void
partition_drop(struct kafka_partition *p, bool all)
{
	struct kafka_msg	*m, *next, **keep = &p->head;

	p->tail = NULL;
	p->queued = 0;
	for (m = p->head; m != NULL; m = next) {
		next = m->next;
		if (m->in_hand && !all) {
			*keep = p->tail = m;
			keep = &m->next;
			p->queued++;
		} else
			msg_free(m);
	}
	*keep = NULL;
}

/*
 * The partition was lost or is read again: messages still in hand are of
 * an older generation now, end without storing anything, and hold back
 * the partition's next messages until they did; the rest is dropped.
 */
static void
partition_forget(struct kafka_partition *p)
{
	p->generation++;
	p->stale += kafka_inflight_pending(p->window);
	kafka_inflight_reset(p->window);
	partition_drop(p, false);
}

static void
consumer_enqueue(struct kafka_consumer *c, rd_kafka_message_t *rkm)
{
	struct kafka_partition	*p;
	struct kafka_msg	*m;

	p = partition_get(c, rd_kafka_topic_name(rkm->rkt), rkm->partition);
	if (!p->assigned || p->starting) {
		rd_kafka_message_destroy(rkm);
		return;
	}
	m = xcalloc(1, sizeof(*m));
	m->rkm = rkm;
	m->part = p;
	m->consumer = c;
	m->generation = p->generation;
	m->topic = p->topic;
	m->partition = rkm->partition;
	m->offset = rkm->offset;
	m->key = rkm->key;
	m->key_len = rkm->key_len;
	m->payload = rkm->payload;
	m->len = rkm->len;
	m->timestamp_ms = rd_kafka_message_timestamp(rkm, NULL);
	if (p->tail != NULL)
		p->tail->next = m;
	else
		p->head = m;
	p->tail = m;
	p->queued++;
	metrics_inc(c->consumed);
	if (!p->paused && p->queued >= c->max_queued)
		partition_pause(p, true);
}

/*
 * librdkafka hands a consumer's fatal error (a static member fenced by
 * another with its group.instance.id, as after a broker restart with a
 * replacement already in) to consumer_poll, not to the error callback. The
 * client holds no partitions after it and never will again: running on
 * would leave the daemon up but idle, its clocks never breaching. Ending
 * lets the supervisor start a fresh member.
 */
static void
consumer_fatal(struct kafka_consumer *c)
{
	char			reason[512];
	rd_kafka_resp_err_t	err;

	err = rd_kafka_fatal_error(c->rk, reason, sizeof(reason));
	fatalx("kafka: %s consumer stops on a fatal error: %s: %s",
	    c->service, rd_kafka_err2name(err), reason);
}

/*
 * Serves the consumer queue: messages go to their partition's queue;
 * rebalances, errors, statistics and logs are served by their callbacks.
 * A large backlog is taken in batches so the loop stays responsive.
 */
static void
consumer_serve(void *arg)
{
	struct kafka_consumer	*c = arg;
	rd_kafka_message_t	*rkm;
	int			 n;

	for (n = 0; n < CONSUMER_POLL_BATCH; n++) {
		if ((rkm = rd_kafka_consumer_poll(c->rk, 0)) == NULL)
			break;
		if (rkm->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
			consumer_enqueue(c, rkm);
			continue;
		}
		if (rkm->err == RD_KAFKA_RESP_ERR__FATAL)
			consumer_fatal(c);
		if (rkm->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
			log_warnx("kafka: consumer: %s",
			    rd_kafka_message_errstr(rkm));
		rd_kafka_message_destroy(rkm);
	}
	if (n == CONSUMER_POLL_BATCH)
		event_active(c->serve_ev, EV_TIMEOUT, 0);
	consumer_dispatch(c);
}

static void
consumer_on_serve(evutil_socket_t fd, short what, void *arg)
{
	consumer_serve(arg);
}

/*
 * Decodes and checks m for its handler (again after the handler took the
 * event and asked for a retry). False when it cannot be handled: it is on
 * its way to the dead-letter topic.
 */
static bool
msg_decode(struct kafka_consumer *c, struct kafka_msg *m)
{
	const struct kafka_decoder	*d = m->part->decoder;
	const char			*why;
	char				 undecodable[128];

	if (d == NULL || m->event != NULL)
		return true;
	m->event = protobuf_c_message_unpack(d->type, NULL, m->len, m->payload);
	if (m->event == NULL) {
		snprintf(undecodable, sizeof(undecodable), "undecodable %s",
		    d->type->short_name);
		why = undecodable;
	} else if (d->check == NULL || (why = d->check(m->topic,
	    m->event)) == NULL)
		return true;
	if (c->on_dead != NULL)
		c->on_dead(c->arg, m);
	kafka_consumer_dead(m, why);
	return false;
}

/* The decoded event of m, which the caller now owns and frees. */
void *
kafka_msg_take(struct kafka_msg *m)
{
	void	*ev = m->event;

	m->event = NULL;
	return ev;
}

/*
 * The partition's next message to hand out, or NULL when there is none or
 * it must wait: for older messages still in hand from before the partition
 * was lost or restarted, for room in the window, or for the message in
 * hand with its key. Later messages wait behind it, which keeps the order
 * of every key.
 */
static struct kafka_msg *
partition_next(struct kafka_partition *p)
{
	struct kafka_msg	*m;

	if (p->stale > 0)
		return NULL;
	for (m = p->head; m != NULL && m->in_hand; m = m->next)
		;
	if (m == NULL || kafka_inflight_full(p->window) ||
	    kafka_inflight_key_busy(p->window, m->key, m->key_len))
		return NULL;
	return m;
}

/*
 * Hands every partition's messages to the handler while its window has
 * room. A handler that ends its message at once lets the next one go in
 * the same pass; one that ends it later schedules a new pass.
 */
static void
consumer_dispatch(struct kafka_consumer *c)
{
	struct kafka_partition	*p;
	struct kafka_msg	*m;

	c->dispatching = true;
	for (p = c->parts; p != NULL; p = p->next) {
		while ((m = partition_next(p)) != NULL) {
			if (kafka_inflight_start(p->window, m->offset, m->key,
			    m->key_len) == -1) {
				log_warnx("kafka: %s[%d]@%lld again: dropped",
				    m->topic, m->partition,
				    (long long)m->offset);
				partition_unlink(p, m);
				msg_free(m);
				continue;
			}
			m->in_hand = true;
			if (msg_decode(c, m))
				c->handler(m, c->arg);
		}
	}
	c->dispatching = false;
}

static void
consumer_on_dispatch(evutil_socket_t fd, short what, void *arg)
{
	consumer_dispatch(arg);
}

/* Stores offset, the next the partition would read after a restart. */
static void
consumer_store(struct kafka_consumer *c, struct kafka_partition *p,
    int64_t offset)
{
	rd_kafka_topic_partition_list_t	*list;
	rd_kafka_resp_err_t		 err;

	list = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(list, p->topic, p->partition)
	    ->offset = offset;
	err = rd_kafka_offsets_store(c->rk, list);
	rd_kafka_topic_partition_list_destroy(list);
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
		log_warnx("kafka: cannot store offset %s[%d]@%lld: %s",
		    p->topic, p->partition, (long long)offset,
		    rd_kafka_err2str(err));
	else
		p->next_offset = offset;
}

static bool
msg_current(struct kafka_msg *m)
{
	return m->part->assigned && m->generation == m->part->generation;
}

/*
 * Whether m was done here once already, before its partition was restarted
 * (kafka_consumer_restart): what it caused outside the daemon's state was
 * confirmed then, and a replay that rebuilds the state need not cause it
 * again.
 */
bool
kafka_msg_done_before(const struct kafka_msg *m)
{
	return m->offset < m->part->done_before;
}

/*
 * Ends m and frees it. Its offset, and those of the ended messages after
 * it, may be committed once every message before it ended too.
 */
static void
msg_end(struct kafka_msg *m)
{
	struct kafka_partition	*p = m->part;
	struct kafka_consumer	*c = m->consumer;
	int64_t			 commit;

	partition_unlink(p, m);
	if (m->generation != p->generation)
		p->stale--;
	else if (kafka_inflight_end(p->window, m->offset, &commit) == 1 &&
	    msg_current(m))
		consumer_store(c, p, commit);
	msg_free(m);
	if (!c->dispatching)
		event_active(c->dispatch_ev, EV_TIMEOUT, 0);
}

/* Ends m: its effects are done, so its offset may be committed. */
void
kafka_consumer_done(struct kafka_msg *m)
{
	if (!m->in_hand || (m->retry_ev != NULL &&
	    evtimer_pending(m->retry_ev, NULL)))
		fatalx("kafka: a message was ended out of turn");
	msg_end(m);
}

static void	consumer_send_dead(struct kafka_msg *m);

/*
 * Hands m out again: to the handler, or, for a message on its way to the
 * dead-letter topic, to that topic, never to the handler again. One whose
 * partition was lost meanwhile just ends.
 */
static void
consumer_on_retry(evutil_socket_t fd, short what, void *arg)
{
	struct kafka_msg	*m = arg;
	struct kafka_consumer	*c = m->consumer;

	if (!msg_current(m))
		msg_end(m);
	else if (m->dead != NULL)
		consumer_send_dead(m);
	else if (msg_decode(c, m))
		c->handler(m, c->arg);
}

/*
 * Ends m for now: it is handed out again after delay_ms, and later
 * messages with its key wait for it, so order is kept. For failures
 * outside the message (Redis or Kafka unavailable).
 */
void
kafka_consumer_retry(struct kafka_msg *m, int delay_ms)
{
	struct timeval	tv = { delay_ms / 1000, (delay_ms % 1000) * 1000 };

	if (!m->in_hand || (m->retry_ev != NULL &&
	    evtimer_pending(m->retry_ev, NULL)))
		fatalx("kafka: a message was retried out of turn");
	metrics_inc(m->consumer->retried);
	if (m->retry_ev == NULL && (m->retry_ev = evtimer_new(
	    m->consumer->base, consumer_on_retry, m)) == NULL)
		fatalx("kafka: cannot create a retry timer");
	evtimer_add(m->retry_ev, &tv);
}

static void
consumer_on_dead_letter(void *arg, const struct kafka_delivery *d)
{
	struct kafka_msg	*m = arg;

	if (d->err != 0) {
		kafka_consumer_retry(m, CONSUMER_DLQ_RETRY_MS);
		return;
	}
	metrics_inc(m->consumer->dead);
	kafka_consumer_done(m);
}

/*
 * Ends m as one that can never be processed: it goes to the dead-letter
 * topic with the reason in a header, and its offset is stored only once the
 * dead letter is written, so nothing is lost. A dead letter the broker
 * did not take is sent again, and m never goes back to the handler: it
 * may be one the handler must not see (it failed its topic's check).
 */
void
kafka_consumer_dead(struct kafka_msg *m, const char *reason)
{
	struct kafka_consumer	*c = m->consumer;

	log_warnx("kafka: %s[%d]@%lld to %s: %s", m->topic, m->partition,
	    (long long)m->offset, c->dlq_topic ? c->dlq_topic : "nowhere",
	    reason);
	if (c->dlq == NULL) {
		kafka_consumer_done(m);
		return;
	}
	free(m->dead);
	m->dead = xstrdup(reason);
	consumer_send_dead(m);
}

static void
consumer_send_dead(struct kafka_msg *m)
{
	struct kafka_consumer	*c = m->consumer;
	const char		*reason = m->dead;
	char			 partition[16], offset[32];
	struct kafka_header	 h[] = {
		{ "dlq.reason", reason, strlen(reason) },
		{ "dlq.service", c->service, strlen(c->service) },
		{ "dlq.topic", m->topic, strlen(m->topic) },
		{ "dlq.partition", partition, 0 },
		{ "dlq.offset", offset, 0 },
	};

	h[3].len = (size_t)snprintf(partition, sizeof(partition), "%d",
	    m->partition);
	h[4].len = (size_t)snprintf(offset, sizeof(offset), "%lld",
	    (long long)m->offset);
	if (kafka_producer_send(c->dlq, c->dlq_topic, m->key, m->key_len,
	    m->payload, m->len, h, nitems(h),
	    consumer_on_dead_letter, m) == -1)
		kafka_consumer_retry(m, CONSUMER_DLQ_RETRY_MS);
}

static void
consumer_assign(struct kafka_consumer *c,
    const rd_kafka_topic_partition_list_t *parts, bool assigned)
{
	struct kafka_partition	*p;
	int			 i;

	for (i = 0; i < parts->cnt; i++) {
		p = partition_get(c, parts->elems[i].topic,
		    parts->elems[i].partition);
		p->assigned = assigned;
		p->paused = false;
		p->starting = false;
		/*
		 * A partition assigned again keeps its struct, so where its
		 * last ownership ended is forgotten here: the start offset
		 * given now, or unknown until a message is done.
		 */
		if (assigned)
			p->next_offset = parts->elems[i].offset >= 0 ?
			    parts->elems[i].offset : -1;
		if (!assigned)
			partition_forget(p);
	}
	log_info("kafka: %s %d partition(s)", assigned ? "assigned" :
	    "revoked", parts->cnt);
	if (c->on_assign != NULL)
		c->on_assign(c->arg, parts, assigned);
}

static void
consumer_incremental(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *parts,
    bool assign)
{
	rd_kafka_error_t	*error;

	if (assign)
		error = rd_kafka_incremental_assign(rk, parts);
	else
		error = rd_kafka_incremental_unassign(rk, parts);
	if (error != NULL) {
		log_warnx("kafka: incremental %s: %s",
		    assign ? "assign" : "unassign",
		    rd_kafka_error_string(error));
		rd_kafka_error_destroy(error);
	}
}

/* Moves the partition to where the daemon said it starts. */
static int
partition_seek(struct kafka_partition *p)
{
	rd_kafka_topic_partition_list_t	*list;
	rd_kafka_error_t		*error;
	int				 rc = 0;

	list = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(list, p->topic, p->partition)
	    ->offset = p->start_at;
	error = rd_kafka_seek_partitions(p->consumer->rk, list,
	    CONSUMER_SEEK_WAIT_MS);
	if (error != NULL || list->elems[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		log_debug("kafka: cannot seek %s[%d] yet: %s", p->topic,
		    p->partition, error != NULL ? rd_kafka_error_string(error) :
		    rd_kafka_err2str(list->elems[0].err));
		rc = -1;
	}
	if (error != NULL)
		rd_kafka_error_destroy(error);
	rd_kafka_topic_partition_list_destroy(list);
	return rc;
}

static void
partition_start_later(struct kafka_partition *p, int delay_ms)
{
	struct timeval	tv = { delay_ms / 1000, (delay_ms % 1000) * 1000 };

	evtimer_add(p->start_ev, &tv);
}

/* Asks the daemon where the partition starts; the answer comes later. */
static void
partition_ask(struct kafka_partition *p)
{
	struct kafka_consumer	*c = p->consumer;

	if (p->start_ev == NULL && (p->start_ev = evtimer_new(c->base,
	    consumer_on_start, p)) == NULL)
		fatalx("kafka: cannot create a start timer");
	p->starting = true;
	p->start_at = KAFKA_START_RETRY;
	c->start_offset(c->arg, p->topic, p->partition, p->generation);
}

/*
 * The daemon's answer, acted on from the loop: no answer yet means asking
 * again; an offset means seeking there and fetching again.
 */
static void
consumer_on_start(evutil_socket_t fd, short what, void *arg)
{
	struct kafka_partition	*p = arg;

	if (!p->assigned || !p->starting)
		return;
	if (p->start_at == KAFKA_START_RETRY) {
		partition_ask(p);
		return;
	}
	if (partition_seek(p) == -1) {
		partition_start_later(p, CONSUMER_SEEK_AGAIN_MS);
		return;
	}
	p->starting = false;
	p->next_offset = p->start_at >= 0 ? p->start_at : -1;
	partition_pause(p, false);
	log_info("kafka: %s[%d] starts at %s", p->topic, p->partition,
	    p->start_at >= 0 ? "its stored offset" : "the beginning");
}

/*
 * The daemon says where a partition it was asked about starts: ticket is
 * the one it was asked with, so an answer that comes after the partition
 * was lost or restarted is dropped. KAFKA_START_RETRY asks again later.
 */
void
kafka_consumer_start_at(struct kafka_consumer *c, const char *topic,
    int32_t partition, uint64_t ticket, int64_t offset)
{
	struct kafka_partition	*p = partition_find(c, topic, partition);

	if (p == NULL || !p->assigned || !p->starting ||
	    p->generation != ticket)
		return;
	p->start_at = offset;
	partition_start_later(p, offset == KAFKA_START_RETRY ?
	    CONSUMER_ASK_AGAIN_MS : 0);
}

/*
 * Newly assigned partitions of a daemon that keeps its progress with its
 * state wait, paused, until it says where they start.
 */
static void
consumer_ask_starts(struct kafka_consumer *c,
    rd_kafka_topic_partition_list_t *parts)
{
	struct kafka_partition	*p;
	int			 i;

	if (c->start_offset == NULL)
		return;
	for (i = 0; i < parts->cnt; i++) {
		p = partition_get(c, parts->elems[i].topic,
		    parts->elems[i].partition);
		partition_pause(p, true);
		partition_ask(p);
	}
}

/*
 * Reads an assigned partition again from where the daemon says, as if it
 * were newly assigned: for a daemon whose state was lost under it. What was
 * queued is dropped, and a message still in the handler's hands stores
 * nothing when it ends.
 */
void
kafka_consumer_restart(struct kafka_consumer *c, const char *topic,
    int32_t partition)
{
	struct kafka_partition	*p = partition_find(c, topic, partition);

	if (p == NULL || !p->assigned || c->start_offset == NULL)
		return;
	partition_forget(p);
	if (p->next_offset > p->done_before)
		p->done_before = p->next_offset;
	p->next_offset = -1;
	partition_pause(p, true);
	partition_ask(p);
	log_warnx("kafka: %s[%d] restarts", p->topic, p->partition);
}

/*
 * Handles both rebalance protocols: cooperative (incremental) and eager.
 * The daemon hears of lost partitions before they are given up, so it stops
 * acting on their state first.
 */
static void
consumer_on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
    rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	struct kafka_consumer	*c = opaque;
	bool			 coop;

	coop = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
	c->joined = true;
	switch (err) {
	case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
		consumer_assign(c, parts, true);
		if (coop)
			consumer_incremental(rk, parts, true);
		else
			rd_kafka_assign(rk, parts);
		consumer_ask_starts(c, parts);
		break;
	case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
		if (rd_kafka_assignment_lost(rk))
			log_warnx("kafka: partitions lost to the group");
		consumer_assign(c, parts, false);
		if (coop)
			consumer_incremental(rk, parts, false);
		else
			rd_kafka_assign(rk, NULL);
		break;
	default:
		log_warnx("kafka: rebalance: %s", rd_kafka_err2str(err));
		rd_kafka_assign(rk, NULL);
		break;
	}
}

static int
consumer_on_stats(rd_kafka_t *rk, char *json, size_t len, void *opaque)
{
	struct kafka_consumer	*c = opaque;

	kafka_health_update(&c->health, json);
	return 0;
}

/* Messages behind the end of the assigned partitions, from cached marks. */
static double
consumer_lag(void *arg)
{
	struct kafka_consumer	*c = arg;
	struct kafka_partition	*p;
	int64_t			 lo, hi, lag = 0;

	for (p = c->parts; p != NULL; p = p->next) {
		if (!p->assigned || rd_kafka_get_watermark_offsets(c->rk,
		    p->topic, p->partition, &lo, &hi) != 0 || hi < 0)
			continue;
		lag += hi - (p->next_offset >= 0 ? p->next_offset : lo);
	}
	return (double)lag;
}

static rd_kafka_conf_t *
consumer_conf(struct kafka_consumer *c, const struct kafka_consumer_conf *kc)
{
	rd_kafka_conf_t	*conf = kafka_conf_new(kc->brokers, kc->client_id);

	kafka_conf_set(conf, "group.id", kc->group);
	if (kc->instance_id != NULL && kc->instance_id[0] != '\0')
		kafka_conf_set(conf, "group.instance.id", kc->instance_id);
	kafka_conf_set(conf, "partition.assignment.strategy",
	    "cooperative-sticky");
	kafka_conf_set(conf, "enable.auto.offset.store", "false");
	kafka_conf_set(conf, "enable.auto.commit", "true");
	kafka_conf_set(conf, "auto.commit.interval.ms", "1000");
	kafka_conf_set(conf, "auto.offset.reset", "earliest");
	kafka_conf_set(conf, "session.timeout.ms", "6000");
	kafka_conf_set(conf, "heartbeat.interval.ms", "2000");
	/*
	 * A complaint crosses several daemons, one consumer hop each; the
	 * default 500 ms that a broker may hold an empty fetch would add up
	 * to seconds before an agent sees a classification.
	 */
	kafka_conf_set(conf, "fetch.wait.max.ms", "50");
	rd_kafka_conf_set_rebalance_cb(conf, consumer_on_rebalance);
	rd_kafka_conf_set_stats_cb(conf, consumer_on_stats);
	rd_kafka_conf_set_opaque(conf, c);
	return conf;
}

static void
consumer_subscribe(struct kafka_consumer *c, const char *const *topics,
    size_t n)
{
	rd_kafka_topic_partition_list_t	*list;
	rd_kafka_resp_err_t		 err;
	size_t				 i;

	list = rd_kafka_topic_partition_list_new((int)n);
	for (i = 0; i < n; i++)
		rd_kafka_topic_partition_list_add(list, topics[i],
		    RD_KAFKA_PARTITION_UA);
	err = rd_kafka_subscribe(c->rk, list);
	rd_kafka_topic_partition_list_destroy(list);
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
		fatalx("kafka: cannot subscribe: %s", rd_kafka_err2str(err));
}

static void
consumer_metrics(struct kafka_consumer *c, const char *group)
{
	char	labels[256];

	if (metrics_labels(labels, sizeof(labels), "group", group, NULL) == -1)
		fatalx("kafka: consumer group name too long: %s", group);
	c->consumed = metrics_counter("kafka_consumed_total",
	    "Messages received from Kafka.", labels);
	c->dead = metrics_counter("kafka_dead_lettered_total",
	    "Messages sent to the dead-letter topic.", labels);
	c->retried = metrics_counter("kafka_retried_total",
	    "Messages handed out again after a transient failure.", labels);
	c->lag = metrics_gauge_fn("kafka_consumer_lag_messages",
	    "Messages behind the end of the assigned partitions.", labels,
	    consumer_lag, c);
}

struct kafka_consumer *
kafka_consumer_new(struct event_base *base,
    const struct kafka_consumer_conf *kc)
{
	struct kafka_consumer	*c = xcalloc(1, sizeof(*c));
	char			 errstr[512];
	size_t			 i;

	c->base = base;
	c->service = xstrdup(kc->service);
	c->dlq_topic = kc->dlq_topic != NULL ? xstrdup(kc->dlq_topic) : NULL;
	c->dlq = kc->dlq_producer;
	c->handler = kc->handler;
	if (kc->decoders != NULL) {
		c->ntopics = kc->ntopics;
		c->decoders = xcalloc(kc->ntopics, sizeof(*c->decoders));
		c->topics = xcalloc(kc->ntopics, sizeof(*c->topics));
		for (i = 0; i < kc->ntopics; i++) {
			c->decoders[i] = kc->decoders[i];
			c->topics[i] = xstrdup(kc->topics[i]);
		}
	}
	c->on_dead = kc->on_dead;
	c->on_assign = kc->on_assign;
	c->start_offset = kc->start_offset;
	c->arg = kc->arg;
	c->max_queued = kc->max_queued > 0 ? kc->max_queued :
	    CONSUMER_MAX_QUEUED;
	c->max_in_flight = kc->max_in_flight > 0 ? kc->max_in_flight : 1;
	c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, consumer_conf(c, kc), errstr,
	    sizeof(errstr));
	if (c->rk == NULL)
		fatalx("kafka: cannot create consumer: %s", errstr);
	rd_kafka_set_log_queue(c->rk, NULL);
	rd_kafka_poll_set_consumer(c->rk);
	c->queue = rd_kafka_queue_get_consumer(c->rk);
	c->dispatch_ev = event_new(base, -1, 0, consumer_on_dispatch, c);
	c->serve_ev = event_new(base, -1, 0, consumer_on_serve, c);
	if (c->dispatch_ev == NULL || c->serve_ev == NULL)
		fatalx("kafka: cannot create consumer events");
	c->wakeup = kafka_wakeup_new(base, c->queue, consumer_serve, c);
	consumer_metrics(c, kc->group);
	consumer_subscribe(c, kc->topics, kc->ntopics);
	return c;
}

/*
 * Calls fn for every partition assigned and started (its start offset
 * answered), for a daemon that checks its state of each now and then.
 */
void
kafka_consumer_each_started(struct kafka_consumer *c, kafka_partition_fn fn,
    void *arg)
{
	struct kafka_partition	*p;

	for (p = c->parts; p != NULL; p = p->next)
		if (p->assigned && !p->starting)
			fn(arg, p->topic, p->partition);
}

/* A readiness check for httpd: in the group and connected. */
int
kafka_consumer_ready(void *arg, char *why, size_t whysz)
{
	struct kafka_consumer	*c = arg;
	struct kafka_partition	*p;

	if (!c->health.broker_up)
		snprintf(why, whysz, "no Kafka broker connected");
	else if (!c->joined)
		snprintf(why, whysz, "not yet assigned partitions");
	else {
		for (p = c->parts; p != NULL; p = p->next)
			if (p->assigned && p->starting) {
				snprintf(why, whysz, "%s[%d] waits for its "
				    "start offset from the state store",
				    p->topic, p->partition);
				return 0;
			}
		return 1;
	}
	return 0;
}

/*
 * Whether the daemon has handled everything of an assigned partition up to
 * its end as last seen by the fetcher: nothing queued here, and the next
 * offset at the high watermark. A daemon that acts on time (sla-timer)
 * waits for this before acting on state that later events may change.
 */
bool
kafka_consumer_caught_up(struct kafka_consumer *c, const char *topic,
    int32_t partition)
{
	struct kafka_partition	*p = partition_find(c, topic, partition);
	int64_t			 lo, hi;

	if (p == NULL || !p->assigned || p->starting || p->head != NULL)
		return false;
	if (rd_kafka_get_watermark_offsets(c->rk, topic, partition, &lo,
	    &hi) != 0 || hi < 0)
		return false;
	return hi == lo || p->next_offset >= hi;	/* next_offset: -1 unknown */
}

/* Commits the stored offsets now and waits for the answer. */
int
kafka_consumer_commit(struct kafka_consumer *c)
{
	rd_kafka_resp_err_t	err = rd_kafka_commit(c->rk, NULL, 0);

	if (err == RD_KAFKA_RESP_ERR_NO_ERROR ||
	    err == RD_KAFKA_RESP_ERR__NO_OFFSET)
		return 0;
	log_warnx("kafka: commit: %s", rd_kafka_err2str(err));
	return -1;
}

/*
 * librdkafka before 2.3.0 aborts in rd_kafka_destroy() when the group's
 * JoinGroup was answered but no assignment came yet: the cooperative-sticky
 * assignor's state is still NULL and its destroy asserts it is not
 * (librdkafka issue #4312, fixed in 2.3.0; Debian bookworm ships 2.0.2).
 * A daemon stopped in that window (started and stopped at once, as tests
 * and crash loops do) keeps its closed handle until it exits instead: it
 * has left the group already and holds no partition.
 */
#define CONSUMER_KEPT_MAX	8
static rd_kafka_t	*consumer_kept[CONSUMER_KEPT_MAX];

static void
consumer_destroy_handle(struct kafka_consumer *c)
{
	size_t	i;

	if (!c->joined && rd_kafka_version() < 0x020300ff)
		for (i = 0; i < CONSUMER_KEPT_MAX; i++)
			if (consumer_kept[i] == NULL) {
				log_debug("kafka: consumer stopped before its "
				    "first assignment: handle kept (librdkafka "
				    "%s)", rd_kafka_version_str());
				consumer_kept[i] = c->rk;
				return;
			}
	rd_kafka_destroy(c->rk);
}

/*
 * Leaves the group: revokes the partitions (the daemon hears of it),
 * commits the stored offsets and frees everything. Messages still in a
 * handler's hands must have been ended before.
 */
void
kafka_consumer_close(struct kafka_consumer *c)
{
	struct kafka_partition	*p, *next;
	rd_kafka_resp_err_t	 err;
	size_t			 i;

	if (c == NULL)
		return;
	metrics_remove(c->lag);
	if ((err = rd_kafka_consumer_close(c->rk)) != RD_KAFKA_RESP_ERR_NO_ERROR)
		log_warnx("kafka: consumer close: %s", rd_kafka_err2str(err));
	rd_kafka_queue_io_event_enable(c->queue, -1, NULL, 0);
	kafka_wakeup_free(c->wakeup);
	/* Messages hold references into the client: free them first. */
	for (p = c->parts; p != NULL; p = next) {
		next = p->next;
		partition_drop(p, true);
		kafka_inflight_free(p->window);
		if (p->start_ev != NULL)
			event_free(p->start_ev);
		free(p->topic);
		free(p);
	}
	rd_kafka_queue_destroy(c->queue);
	consumer_destroy_handle(c);
	event_free(c->dispatch_ev);
	event_free(c->serve_ev);
	for (i = 0; c->topics != NULL && i < c->ntopics; i++)
		free(c->topics[i]);
	free(c->topics);
	free(c->decoders);
	free(c->service);
	free(c->dlq_topic);
	free(c);
}
