/*
 * The checkpoint of the whole fold as one JSON document: watermark,
 * running totals, open and last closed windows, spike baselines, the
 * complaint table and the offsets it has folded in up to. Written and
 * read as one value, so the figures and the offsets never disagree.
 */
#include <stdlib.h>
#include <string.h>

#include "analytics.h"
#include "log.h"
#include "xmalloc.h"

#define STATE_VERSION	1

static json_t *
state_complaint(const struct fold_complaint *c)
{
	return json_pack("[sIIiiiiibbbbb]", c->id, (json_int_t)c->filed_ms,
	    (json_int_t)c->last_ms, c->channel, c->category, c->severity,
	    c->team, c->status, c->classified, c->contacted, c->decided,
	    c->resolved, c->done);
}

static json_t *
state_complaints(const struct fold *f)
{
	json_t			*a = json_array();
	struct fold_complaint	*c;
	size_t			 i;

	for (i = 0; i < f->tablesz; i++)
		for (c = f->table[i]; c != NULL; c = c->next)
			json_array_append_new(a, state_complaint(c));
	return a;
}

static json_t *
state_offsets(const struct fold *f)
{
	json_t	*o = json_object(), *p;
	size_t	 i, k;

	for (i = 0; i < 2; i++) {
		if (f->offsets[i].topic[0] == '\0')
			continue;
		p = json_object();
		for (k = 0; k < FOLD_PARTITIONS_MAX; k++) {
			char	key[16];

			if (f->offsets[i].next[k] < 0)
				continue;
			snprintf(key, sizeof(key), "%zu", k);
			json_object_set_new(p, key, json_pack("[II]",
			    (json_int_t)f->offsets[i].next[k],
			    (json_int_t)f->offsets[i].maxt[k]));
		}
		json_object_set_new(o, f->offsets[i].topic, p);
	}
	return o;
}

static json_t *
state_windows(const struct fold *f)
{
	json_t	*ws = json_array(), *w, *open;
	size_t	 i, k;

	for (i = 0; i < WINDOW_NWIDTHS; i++) {
		open = json_array();
		for (k = 0; k < f->nopen[i]; k++)
			json_array_append_new(open, agg_encode(&f->open[i][k]));
		w = json_pack("{sososo}", "open", open, "last",
		    agg_encode(&f->last[i]), "baseline", json_array());
		for (k = 0; k < AGG_NHOT; k++)
			json_array_append_new(json_object_get(w, "baseline"),
			    spike_encode(&f->baseline[i][k]));
		json_array_append_new(ws, w);
	}
	return ws;
}

/* The checkpoint text; the caller frees it. */
char *
state_encode(const struct fold *f)
{
	json_t	*j;
	char	*s;

	j = json_pack("{sisIsIsIsosososo}", "v", STATE_VERSION, "watermark",
	    (json_int_t)f->watermark_ms, "latest", (json_int_t)f->latest_ms,
	    "late", (json_int_t)f->late,
	    "totals", agg_encode(&f->totals), "windows", state_windows(f),
	    "complaints", state_complaints(f), "offsets", state_offsets(f));
	if (j == NULL || (s = json_dumps(j, JSON_COMPACT)) == NULL)
		fatalx("state: cannot encode the checkpoint");
	json_decref(j);
	return s;
}

static int
state_decode_complaint(struct fold *f, json_t *v)
{
	struct fold_complaint	 c, *n;
	const char		*id;
	json_int_t		 filed, last;
	int			 ch, cat, sev, team, st, cl, co, de, re, dn;

	if (json_unpack(v, "[sIIiiiiibbbbb]", &id, &filed, &last, &ch, &cat,
	    &sev, &team, &st, &cl, &co, &de, &re, &dn) == -1)
		return -1;
	memset(&c, 0, sizeof(c));
	c.filed_ms = filed;
	c.last_ms = last;
	c.channel = ch;
	c.category = cat;
	c.severity = sev;
	c.team = team;
	c.status = st;
	c.classified = cl;
	c.contacted = co;
	c.decided = de;
	c.resolved = re;
	c.done = dn;
	n = fold_intern(f, id);
	c.next = n->next;
	memcpy(c.id, n->id, sizeof(c.id));
	*n = c;
	return 0;
}

static int
state_decode_offsets(struct fold *f, json_t *o)
{
	const char	*topic, *part;
	json_int_t	 next, maxt;
	json_t		*p, *v;

	json_object_foreach(o, topic, p)
		json_object_foreach(p, part, v) {
			if (json_unpack(v, "[II]", &next, &maxt) == -1)
				return -1;
			fold_offset_set(f, topic, atoi(part), next - 1);
			fold_observe(f, topic, atoi(part), maxt);
		}
	return 0;
}

static int
state_decode_windows(struct fold *f, json_t *ws)
{
	json_t	*w, *open, *b;
	size_t	 i, k;

	if (json_array_size(ws) != WINDOW_NWIDTHS)
		return -1;
	for (i = 0; i < WINDOW_NWIDTHS; i++) {
		w = json_array_get(ws, i);
		open = json_object_get(w, "open");
		b = json_object_get(w, "baseline");
		if (json_array_size(open) > FOLD_OPEN_MAX ||
		    json_array_size(b) != AGG_NHOT ||
		    agg_decode(json_object_get(w, "last"), &f->last[i]) == -1)
			return -1;
		for (k = 0; k < json_array_size(open); k++)
			if (agg_decode(json_array_get(open, k),
			    &f->open[i][f->nopen[i]++]) == -1)
				return -1;
		for (k = 0; k < AGG_NHOT; k++)
			if (spike_decode(json_array_get(b, k),
			    &f->baseline[i][k]) == -1)
				return -1;
	}
	return 0;
}

/*
 * Restores a checkpoint into f, which fold_init() has prepared with the
 * settings; -1 (f partly filled: fold_free and start afresh) when the
 * text is not a checkpoint of this version.
 */
int
state_decode(const char *text, size_t len, struct fold *f)
{
	json_t		*j, *cs;
	json_int_t	 wm, latest, late;
	size_t		 i;
	int		 v, rc = -1;

	if ((j = json_loadb(text, len, 0, NULL)) == NULL)
		return -1;
	if (json_unpack(j, "{sisIsIsIso}", "v", &v, "watermark", &wm,
	    "latest", &latest, "late", &late, "complaints", &cs) == -1 ||
	    v != STATE_VERSION ||
	    !json_is_array(cs))
		goto done;
	f->watermark_ms = wm;
	f->latest_ms = latest;
	f->late = (uint64_t)late;
	if (agg_decode(json_object_get(j, "totals"), &f->totals) == -1 ||
	    state_decode_windows(f, json_object_get(j, "windows")) == -1 ||
	    state_decode_offsets(f, json_object_get(j, "offsets")) == -1)
		goto done;
	for (i = 0; i < json_array_size(cs); i++)
		if (state_decode_complaint(f, json_array_get(cs, i)) == -1)
			goto done;
	rc = 0;
done:
	json_decref(j);
	return rc;
}
