/*
 * Space-Saving (Metwally, Agrawal, El Abbadi 2005): TOPK_MAX counters.
 * A key already counted is incremented; a new key takes a free counter,
 * or replaces the smallest one, inheriting its count as its error. So a
 * counter never undercounts, and overcounts by at most its err.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics.h"
#include "utf8.h"

void
topk_init(struct topk *t)
{
	memset(t, 0, sizeof(*t));
}

const struct topk_entry *
topk_find(const struct topk *t, const char *key)
{
	size_t	i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->e[i].key, key) == 0)
			return &t->e[i];
	return NULL;
}

static struct topk_entry *
topk_smallest(struct topk *t)
{
	struct topk_entry	*min = &t->e[0];
	size_t			 i;

	for (i = 1; i < t->n; i++)
		if (t->e[i].count < min->count)
			min = &t->e[i];
	return min;
}

/*
 * Counts w occurrences of key; an empty key is not counted. Keys are event
 * text, so they are kept as UTF-8 (utf8.h), cut to fit between
 * characters, before they are looked up: the snapshot and the dashboard
 * are JSON, and jansson refuses anything else.
 */
void
topk_add(struct topk *t, const char *raw, uint64_t w)
{
	struct topk_entry	*e;
	char			 key[TOPK_KEY_MAX];

	utf8_copy(key, sizeof(key), raw);
	e = (struct topk_entry *)topk_find(t, key);
	if (key[0] == '\0' || w == 0)
		return;
	t->total += w;
	if (e == NULL && t->n < TOPK_MAX) {
		e = &t->e[t->n++];
		memset(e, 0, sizeof(*e));
		snprintf(e->key, sizeof(e->key), "%s", key);
	} else if (e == NULL) {
		e = topk_smallest(t);
		e->err = e->count;
		snprintf(e->key, sizeof(e->key), "%s", key);
	}
	e->count += w;
}

static int
topk_cmp(const void *a, const void *b)
{
	const struct topk_entry	*x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->key, y->key);
}

/* Copies the counters into out, largest first (ties by key); returns n. */
size_t
topk_sorted(const struct topk *t, struct topk_entry *out)
{
	memcpy(out, t->e, t->n * sizeof(t->e[0]));
	qsort(out, t->n, sizeof(out[0]), topk_cmp);
	return t->n;
}

json_t *
topk_encode(const struct topk *t)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < t->n; i++)
		json_array_append_new(a, json_pack("[sII]", t->e[i].key,
		    (json_int_t)t->e[i].count, (json_int_t)t->e[i].err));
	return json_pack("{sIso}", "total", (json_int_t)t->total, "e", a);
}

int
topk_decode(const json_t *j, struct topk *t)
{
	json_int_t	 total, c, err;
	json_t		*a, *v;
	const char	*key;
	size_t		 i;

	topk_init(t);
	if (json_unpack((json_t *)j, "{sIso}", "total", &total, "e", &a) ==
	    -1 || !json_is_array(a) || json_array_size(a) > TOPK_MAX)
		return -1;
	t->total = (uint64_t)total;
	json_array_foreach(a, i, v) {
		if (json_unpack(v, "[sII]", &key, &c, &err) == -1)
			return -1;
		snprintf(t->e[i].key, sizeof(t->e[i].key), "%s", key);
		t->e[i].count = (uint64_t)c;
		t->e[i].err = (uint64_t)err;
		t->n++;
	}
	return 0;
}
