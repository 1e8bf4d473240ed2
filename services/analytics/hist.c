/*
 * A fixed-memory histogram of durations with a bounded relative error
 * (the log-bucket scheme of DDSketch, without its collapsing): a value v
 * >= 1 goes to bucket ceil(log_g v), g = (1+a)/(1-a), and the bucket's
 * representative 2 g^i / (g+1) differs from every value of the bucket by
 * at most a relative a. A quantile is the representative of the bucket
 * holding the value of that rank, so it inherits the bound; it is clamped
 * to the exact minimum and maximum, which are kept.
 */
#include <math.h>
#include <string.h>

#include "analytics.h"

static double
hist_gamma(void)
{
	return (1.0 + HIST_ALPHA) / (1.0 - HIST_ALPHA);
}

void
hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
}

/* The bucket of v: 0 for 0, else ceil(log_g v) + 1, clamped to the last. */
size_t
hist_bucket(int64_t v)
{
	double	i;

	if (v <= 0)
		return 0;
	i = ceil(log((double)v) / log(hist_gamma()));
	if (i < 0)
		i = 0;
	if (i + 1 >= HIST_BUCKETS)
		return HIST_BUCKETS - 1;
	return (size_t)i + 1;
}

static double
hist_representative(size_t b)
{
	double	g = hist_gamma();

	if (b == 0)
		return 0;
	return 2.0 * pow(g, (double)(b - 1)) / (g + 1.0);
}

void
hist_add(struct hist *h, int64_t v)
{
	if (v < 0)
		v = 0;
	if (h->count == 0 || v < h->min)
		h->min = v;
	if (h->count == 0 || v > h->max)
		h->max = v;
	h->count++;
	h->buckets[hist_bucket(v)]++;
}

/*
 * The q-quantile (0 < q <= 1) by nearest rank: the value of rank
 * ceil(q n), estimated within HIST_ALPHA; 0 when empty.
 */
double
hist_quantile(const struct hist *h, double q)
{
	uint64_t	rank, seen = 0;
	size_t		b;
	double		v;

	if (h->count == 0)
		return 0;
	rank = (uint64_t)ceil(q * (double)h->count);
	if (rank < 1)
		rank = 1;
	for (b = 0; b < HIST_BUCKETS; b++) {
		seen += h->buckets[b];
		if (seen >= rank)
			break;
	}
	v = hist_representative(b < HIST_BUCKETS ? b : HIST_BUCKETS - 1);
	if (v < (double)h->min)
		v = (double)h->min;
	if (v > (double)h->max)
		v = (double)h->max;
	return v;
}

/* Sparse: {"n":..,"min":..,"max":..,"b":[[bucket,count],...]}. */
json_t *
hist_encode(const struct hist *h)
{
	json_t	*b = json_array();
	size_t	 i;

	for (i = 0; i < HIST_BUCKETS; i++)
		if (h->buckets[i] != 0)
			json_array_append_new(b, json_pack("[II]", (json_int_t)i,
			    (json_int_t)h->buckets[i]));
	return json_pack("{sIsIsIso}", "n", (json_int_t)h->count, "min",
	    (json_int_t)h->min, "max", (json_int_t)h->max, "b", b);
}

int
hist_decode(const json_t *j, struct hist *h)
{
	json_int_t	 n, min, max, bi, c;
	json_t		*b, *pair;
	size_t		 i;

	hist_init(h);
	if (json_unpack((json_t *)j, "{sIsIsIso}", "n", &n, "min", &min,
	    "max", &max, "b", &b) == -1 || !json_is_array(b))
		return -1;
	h->count = (uint64_t)n;
	h->min = min;
	h->max = max;
	json_array_foreach(b, i, pair) {
		if (json_unpack(pair, "[II]", &bi, &c) == -1 || bi < 0 ||
		    bi >= HIST_BUCKETS)
			return -1;
		h->buckets[bi] = (uint32_t)c;
	}
	return 0;
}
