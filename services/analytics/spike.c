/*
 * Spike alerts: a hot spot whose count in a closed window exceeds its
 * recent baseline by a factor. The baseline of a key is an exponentially
 * weighted mean of its counts in the earlier windows of the same width
 * (weight SPIKE_WEIGHT for the newest), learnt when a window closes; a key
 * never seen has a baseline of 0, and a minimum count keeps small numbers
 * from alerting.
 */
#include <stdio.h>
#include <string.h>

#include "analytics.h"

#define SPIKE_WEIGHT	0.5

/* True when count is at least min_count and above factor x baseline. */
bool
spike_is(double baseline, uint64_t count, double factor, uint64_t min_count)
{
	return count >= min_count && (double)count > factor * baseline;
}

double
spike_baseline(const struct spike_table *t, const char *key)
{
	size_t	i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->b[i].key, key) == 0)
			return t->b[i].mean;
	return 0;
}

static struct spike_base *
spike_slot(struct spike_table *t, const char *key)
{
	struct spike_base	*min;
	size_t			 i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->b[i].key, key) == 0)
			return &t->b[i];
	if (t->n < SPIKE_KEYS)
		min = &t->b[t->n++];
	else {
		for (min = &t->b[0], i = 1; i < t->n; i++)
			if (t->b[i].mean < min->mean)
				min = &t->b[i];
	}
	snprintf(min->key, sizeof(min->key), "%s", key);
	min->mean = 0;
	return min;
}

/*
 * Folds one closed window's counts into the baselines: every known key
 * decays towards 0, then the window's keys move towards their count.
 */
void
spike_learn(struct spike_table *t, const struct topk *window)
{
	struct spike_base	*b;
	size_t			 i;

	for (i = 0; i < t->n; i++)
		t->b[i].mean *= 1.0 - SPIKE_WEIGHT;
	for (i = 0; i < window->n; i++) {
		b = spike_slot(t, window->e[i].key);
		b->mean += SPIKE_WEIGHT * (double)window->e[i].count;
	}
}

json_t *
spike_encode(const struct spike_table *t)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < t->n; i++)
		json_array_append_new(a, json_pack("[sf]", t->b[i].key,
		    t->b[i].mean));
	return a;
}

int
spike_decode(const json_t *j, struct spike_table *t)
{
	const char	*key;
	json_t		*v;
	double		 mean;
	size_t		 i;

	memset(t, 0, sizeof(*t));
	if (!json_is_array(j) || json_array_size(j) > SPIKE_KEYS)
		return -1;
	json_array_foreach(j, i, v) {
		if (json_unpack(v, "[sF]", &key, &mean) == -1)
			return -1;
		snprintf(t->b[i].key, sizeof(t->b[i].key), "%s", key);
		t->b[i].mean = mean;
		t->n++;
	}
	return 0;
}
