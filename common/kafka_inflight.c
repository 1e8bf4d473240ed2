/*
 * A ring of at most max entries, oldest first: every message started and
 * not yet behind the committable offset, ended or not. An ended message
 * stays in the ring until all before it ended too, so the ring bounds how
 * far the partition runs ahead of its committable offset, and with it what
 * a crash redelivers. With max 1 a partition handles one message at a time.
 */
#include <stdlib.h>
#include <string.h>

#include "kafka_inflight.h"
#include "xmalloc.h"

struct inflight_entry {
	int64_t	 offset;
	void	*key;		/* owned; NULL when len is 0 */
	size_t	 len;
	bool	 ended;
};

struct kafka_inflight {
	struct inflight_entry	*ring;
	size_t			 max;
	size_t			 first;
	size_t			 n;
	size_t			 pending;	/* started, not ended */
	int64_t			 last;		/* last started, or -1 */
	int64_t			 committable;	/* or -1: none yet */
};

/* A window of max messages (at least one). */
struct kafka_inflight *
kafka_inflight_new(size_t max)
{
	struct kafka_inflight	*w = xcalloc(1, sizeof(*w));

	w->max = max > 0 ? max : 1;
	w->ring = xcalloc(w->max, sizeof(*w->ring));
	w->last = w->committable = -1;
	return w;
}

void
kafka_inflight_free(struct kafka_inflight *w)
{
	if (w == NULL)
		return;
	kafka_inflight_reset(w);
	free(w->ring);
	free(w);
}

static struct inflight_entry *
inflight_at(const struct kafka_inflight *w, size_t i)
{
	return &w->ring[(w->first + i) % w->max];
}

/* Whether no message may start before the oldest one ends. */
bool
kafka_inflight_full(const struct kafka_inflight *w)
{
	return w->n == w->max;
}

/* Messages started and not yet ended. */
size_t
kafka_inflight_pending(const struct kafka_inflight *w)
{
	return w->pending;
}

/*
 * Whether a message with this key must wait: one with the same key has
 * not ended. A message without a key may belong with any other, so it
 * waits for every one, and every one waits for it.
 */
bool
kafka_inflight_key_busy(const struct kafka_inflight *w, const void *key,
    size_t len)
{
	const struct inflight_entry	*e;
	size_t				 i;

	for (i = 0; i < w->n; i++) {
		e = inflight_at(w, i);
		if (e->ended)
			continue;
		if (len == 0 || e->len == 0 || (e->len == len &&
		    memcmp(e->key, key, len) == 0))
			return true;
	}
	return false;
}

/*
 * Starts the message at offset (copies the key). -1 when the window is
 * full or the offset is not past the last one started (a redelivery the
 * caller drops).
 */
int
kafka_inflight_start(struct kafka_inflight *w, int64_t offset,
    const void *key, size_t len)
{
	struct inflight_entry	*e;

	if (kafka_inflight_full(w) || offset < 0 || offset <= w->last)
		return -1;
	e = inflight_at(w, w->n);
	e->offset = offset;
	e->len = len;
	e->key = NULL;
	if (len > 0) {
		e->key = xmalloc(len);
		memcpy(e->key, key, len);
	}
	e->ended = false;
	w->n++;
	w->pending++;
	w->last = offset;
	return 0;
}

/*
 * Ends the message at offset. Returns 1 when the committable offset moved
 * (to *commit), 0 when an older message has still not ended, -1 when no
 * message at offset is pending.
 */
int
kafka_inflight_end(struct kafka_inflight *w, int64_t offset, int64_t *commit)
{
	struct inflight_entry	*e;
	size_t			 i;
	bool			 moved = false;

	for (i = 0; i < w->n; i++) {
		e = inflight_at(w, i);
		if (e->offset == offset && !e->ended)
			break;
	}
	if (i == w->n)
		return -1;
	e->ended = true;
	w->pending--;
	while (w->n > 0 && (e = inflight_at(w, 0))->ended) {
		w->committable = e->offset + 1;
		free(e->key);
		e->key = NULL;
		w->first = (w->first + 1) % w->max;
		w->n--;
		moved = true;
	}
	if (moved)
		*commit = w->committable;
	return moved ? 1 : 0;
}

/* The offset after the ended prefix, or -1 when none ended yet. */
int64_t
kafka_inflight_committable(const struct kafka_inflight *w)
{
	return w->committable;
}

/*
 * Forgets every message, for a partition lost or read again from another
 * offset: what is still pending ends outside the window.
 */
void
kafka_inflight_reset(struct kafka_inflight *w)
{
	size_t	i;

	for (i = 0; i < w->n; i++)
		free(inflight_at(w, i)->key);
	memset(w->ring, 0, w->max * sizeof(*w->ring));
	w->first = w->n = w->pending = 0;
	w->last = w->committable = -1;
}
