/*
 * A ledger as JSON, the way it is kept in Redis: the entries, the level by
 * its name in the rules file (so a reordered file still finds it; a level
 * no longer in the file reads as none, and the next step finds the level
 * again from the points), the restrictions' end and the partition offset
 * of the last event folded in. Pure.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "penalty.h"
#include "xmalloc.h"

static json_t *
entry_encode(const struct pen_entry *e)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:i, s:b, s:s, s:b, s:I}",
	    "id", e->id, "violation", e->violation, "complaint", e->complaint_id,
	    "cause", e->cause_id, "at", (json_int_t)e->at_ms,
	    "base", (int)e->base_points, "reversed", e->reversed,
	    "appeal", e->appeal_id, "appeal_open", e->appeal_open,
	    "appeal_filed", (json_int_t)e->appeal_filed_ms);
}

char *
state_encode(const struct ledger *l, const struct pen_rules *r)
{
	json_t	*o, *entries = json_array();
	char	*s;
	size_t	 i;

	for (i = 0; i < l->nentries; i++)
		json_array_append_new(entries, entry_encode(&l->entries[i]));
	o = json_pack("{s:s, s:s, s:I, s:b, s:I, s:I, s:s, s:o}",
	    "merchant", l->merchant_id, "level", l->level >= 0 &&
	    (size_t)l->level < r->nlevels ? r->levels[l->level].name : "",
	    "until", (json_int_t)l->until_ms, "lifted", l->lifted,
	    "now", (json_int_t)l->now_ms, "offset", (json_int_t)l->offset,
	    "last_event", l->last_event_id, "entries", entries);
	if (o == NULL)
		fatalx("state_encode: cannot build the ledger's JSON");
	if ((s = json_dumps(o, JSON_COMPACT)) == NULL)
		fatalx("state_encode: out of memory");
	json_decref(o);
	return s;
}

static void
field(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src != NULL ? src : "");
}

static int
entry_decode(json_t *j, struct pen_entry *e)
{
	const char	*id, *violation, *complaint, *cause, *appeal;
	json_int_t	 at, filed;
	int		 base, reversed, open;

	if (json_unpack(j, "{s:s, s:s, s:s, s:s, s:I, s:i, s:b, s:s, s:b, "
	    "s:I}", "id", &id, "violation", &violation, "complaint",
	    &complaint, "cause", &cause, "at", &at, "base", &base, "reversed",
	    &reversed, "appeal", &appeal, "appeal_open", &open,
	    "appeal_filed", &filed) == -1 || base < 0)
		return -1;
	memset(e, 0, sizeof(*e));
	field(e->id, sizeof(e->id), id);
	field(e->violation, sizeof(e->violation), violation);
	field(e->complaint_id, sizeof(e->complaint_id), complaint);
	field(e->cause_id, sizeof(e->cause_id), cause);
	field(e->appeal_id, sizeof(e->appeal_id), appeal);
	e->at_ms = at;
	e->base_points = (uint32_t)base;
	e->reversed = reversed;
	e->appeal_open = open;
	e->appeal_filed_ms = filed;
	return 0;
}

static int
level_index(const struct pen_rules *r, const char *name)
{
	size_t	i;

	for (i = 0; i < r->nlevels; i++)
		if (strcmp(r->levels[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Reads a ledger written by state_encode(); -1 leaves l empty. */
int
state_decode(const char *json, size_t len, const struct pen_rules *r,
    struct ledger *l)
{
	json_t		*o, *entries;
	const char	*merchant, *level, *last;
	json_int_t	 until, now, offset;
	int		 lifted, rc = -1;
	size_t		 i;

	ledger_init(l, "");
	if ((o = json_loadb(json, len, 0, NULL)) == NULL)
		return -1;
	if (json_unpack(o, "{s:s, s:s, s:I, s:b, s:I, s:I, s:s, s:o}",
	    "merchant", &merchant, "level", &level, "until", &until, "lifted",
	    &lifted, "now", &now, "offset", &offset, "last_event", &last,
	    "entries", &entries) == -1 || !json_is_array(entries))
		goto out;
	ledger_init(l, merchant);
	l->level = level_index(r, level);
	l->until_ms = until;
	l->lifted = lifted;
	l->now_ms = now;
	l->offset = offset;
	field(l->last_event_id, sizeof(l->last_event_id), last);
	l->entries = xcalloc(json_array_size(entries) + 1, sizeof(*l->entries));
	for (i = 0; i < json_array_size(entries); i++)
		if (entry_decode(json_array_get(entries, i),
		    &l->entries[l->nentries++]) == -1)
			goto out;
	rc = 0;
out:
	if (rc == -1) {
		ledger_free(l);
		ledger_init(l, "");
	}
	json_decref(o);
	return rc;
}
