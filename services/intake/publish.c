/*
 * Writes one complaint event and answers only once the broker has: intake
 * promises 202 only for what Kafka confirmed (acks=all), and 503 only for
 * what it surely did not write.
 */
#include <stdlib.h>
#include <string.h>

#include "cdp/v1/complaint.pb-c.h"
#include "intake.h"
#include "kafka.h"
#include "log.h"
#include "xmalloc.h"

struct publish {
	struct intake	*in;
	publish_fn	 fn;
	void		*arg;
};

static void
publish_on_delivery(void *arg, const struct kafka_delivery *d)
{
	struct publish		*p = arg;
	enum publish_result	 result;

	if (d->err == 0)
		result = PUBLISH_OK;
	else if (d->status == RD_KAFKA_MSG_STATUS_NOT_PERSISTED)
		result = PUBLISH_FAILED;
	else {
		result = PUBLISH_UNCERTAIN;
		log_warnx("publish: the broker may have the event although "
		    "the write failed: %s", rd_kafka_err2str(d->err));
	}
	p->in->in_flight--;
	p->fn(p->arg, result);
	free(p);
}

/*
 * Sends msg to topic under key. Returns 0 when queued (fn will be called
 * once), -1 when refused at once (fn is not called).
 */
int
publish_pb(struct intake *in, const char *topic, const char *key,
    const ProtobufCMessage *msg, publish_fn fn, void *arg)
{
	struct publish	*p = xmalloc(sizeof(*p));

	p->in = in;
	p->fn = fn;
	p->arg = arg;
	if (kafka_producer_send_pb(in->producer, topic, key, msg,
	    publish_on_delivery, p) == -1) {
		free(p);
		return -1;
	}
	in->in_flight++;
	return 0;
}

/* A complaint event, keyed by its complaint id. */
int
publish_event(struct intake *in, const Cdp__V1__ComplaintEvent *ev,
    publish_fn fn, void *arg)
{
	return publish_pb(in, in->topic, ev->complaint_id, &ev->base, fn, arg);
}
