/*
 * The order snapshot's reader (ordersnap.h): one HMGET of its two parts,
 * joined and unpacked.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "ordersnap.h"
#include "xmalloc.h"

struct lookup {
	ordersnap_fn	 fn;
	void		*arg;
	size_t		 parts;		/* 1: the order part; 2: both */
};

/*
 * The snapshot of an order from its two stored parts, either of which may
 * be missing (length 0); NULL when both are or the bytes do not decode.
 * The caller frees the result with cdp__v1__order_snapshot__free_unpacked().
 */
Cdp__V1__OrderSnapshot *
ordersnap_unpack(const char *order, size_t olen, const char *scan,
    size_t slen)
{
	Cdp__V1__OrderSnapshot	*snap;
	uint8_t			*buf;

	if (olen + slen == 0)
		return NULL;
	buf = xmalloc(olen + slen);
	if (olen > 0)
		memcpy(buf, order, olen);
	if (slen > 0)
		memcpy(buf + olen, scan, slen);
	if ((snap = cdp__v1__order_snapshot__unpack(NULL, olen + slen,
	    buf)) == NULL)
		log_warnx("ordersnap: undecodable snapshot; treating the "
		    "order as unknown");
	free(buf);
	return snap;
}

static size_t
part_len(const redisReply *part)
{
	return part != NULL && part->type == REDIS_REPLY_STRING ? part->len : 0;
}

static void
ordersnap_on_get(struct redis *r, redisReply *reply, void *arg)
{
	struct lookup		*l = arg;
	Cdp__V1__OrderSnapshot	*snap;
	const redisReply	*o, *s;

	if (redis_reply_error(reply, "order snapshot") ||
	    reply->type != REDIS_REPLY_ARRAY || reply->elements != l->parts)
		l->fn(l->arg, -1, NULL);
	else {
		o = reply->element[0];
		s = l->parts == 2 ? reply->element[1] : NULL;
		snap = ordersnap_unpack(o->str, part_len(o),
		    s != NULL ? s->str : NULL, part_len(s));
		l->fn(l->arg, 0, snap);
		if (snap != NULL)
			cdp__v1__order_snapshot__free_unpacked(snap, NULL);
	}
	free(l);
}

static int
ordersnap_read(struct redis *r, const char *order_id, size_t parts,
    ordersnap_fn fn, void *arg)
{
	struct lookup	*l = xmalloc(sizeof(*l));

	l->fn = fn;
	l->arg = arg;
	l->parts = parts;
	if (redis_command(r, ordersnap_on_get, l, parts == 2 ?
	    "HMGET " ORDERSNAP_KEY " order scan" :
	    "HMGET " ORDERSNAP_KEY " order", order_id) == -1) {
		free(l);
		return -1;
	}
	return 0;
}

/*
 * Reads the snapshot of order_id, both parts; fn gets it (ordersnap_fn).
 * Returns -1 when Redis is not connected (fn is not called).
 */
int
ordersnap_get(struct redis *r, const char *order_id, ordersnap_fn fn,
    void *arg)
{
	return ordersnap_read(r, order_id, 2, fn, arg);
}

/* The same, the order part only (no logistics): what intake fills from. */
int
ordersnap_get_order(struct redis *r, const char *order_id, ordersnap_fn fn,
    void *arg)
{
	return ordersnap_read(r, order_id, 1, fn, arg);
}
