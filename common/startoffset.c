/*
 * One question "where does this partition start?" on its way to Redis.
 * The daemon sends its own command (a GET of the stored offset, or a
 * script) with startoffset_on_reply() as the callback; the reply is read
 * the same way for every daemon:
 *
 *   an integer (or its text)	resume just after that offset
 *   nil			no state: read from the beginning (rebuild)
 *   no reply, an error		Redis does not answer: ask again later
 *
 * startoffset_take_lua also writes the partition's epoch (startoffset.h).
 *
 * The consumer is reached through the daemon's pointer to it, which is
 * NULL once it is closed, so a reply that comes at shutdown goes nowhere.
 */
#include <errno.h>
#include <stdlib.h>

#include "log.h"
#include "startoffset.h"
#include "xmalloc.h"

const char startoffset_take_lua[] =
    "if redis.call('EXISTS', KEYS[2]) == 0 then\n"
    "  redis.call('SET', KEYS[2], ARGV[1])\n"
    "end\n"
    "return redis.call('GET', KEYS[1])\n";

struct startoffset {
	struct kafka_consumer *const	*c;
	char				*topic;
	int32_t				 partition;
	uint64_t			 ticket;
};

/* A question for the partition as asked with ticket; freed when answered. */
struct startoffset *
startoffset_new(struct kafka_consumer *const *c, const char *topic,
    int32_t partition, uint64_t ticket)
{
	struct startoffset	*s = xmalloc(sizeof(*s));

	s->c = c;
	s->topic = xstrdup(topic);
	s->partition = partition;
	s->ticket = ticket;
	return s;
}

static void
startoffset_answer(struct startoffset *s, int64_t offset)
{
	if (*s->c != NULL)
		kafka_consumer_start_at(*s->c, s->topic, s->partition,
		    s->ticket, offset);
	free(s->topic);
	free(s);
}

/* Where an offset reply says to start; -1 when it is not an offset. */
static int
startoffset_parse(const redisReply *reply, int64_t *offset)
{
	char		*end;
	long long	 v;

	if (reply->type == REDIS_REPLY_INTEGER) {
		*offset = reply->integer + 1;
		return 0;
	}
	if (reply->type != REDIS_REPLY_STRING || reply->len == 0)
		return -1;
	errno = 0;
	v = strtoll(reply->str, &end, 10);
	if (*end != '\0' || errno != 0 || v < -1)
		return -1;
	*offset = v + 1;
	return 0;
}

/* The redis_reply_fn of a question: takes ownership of arg. */
void
startoffset_on_reply(struct redis *r, redisReply *reply, void *arg)
{
	struct startoffset	*s = arg;
	int64_t			 offset = RD_KAFKA_OFFSET_BEGINNING;

	if (redis_reply_error(reply, "start offset")) {
		startoffset_answer(s, KAFKA_START_RETRY);
		return;
	}
	if (reply->type != REDIS_REPLY_NIL &&
	    startoffset_parse(reply, &offset) == -1) {
		log_warnx("%s[%d]: the stored offset is not a number; "
		    "reading from the beginning", s->topic, (int)s->partition);
		offset = RD_KAFKA_OFFSET_BEGINNING;
	}
	startoffset_answer(s, offset);
}

/* Redis refused the command at once (down): the consumer asks again. */
void
startoffset_refused(struct startoffset *s)
{
	startoffset_answer(s, KAFKA_START_RETRY);
}
