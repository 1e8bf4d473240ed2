/*
 * The Prometheus registry. A family is one metric name with its help, type
 * and series in creation order; a series is one label string of a family.
 * Series are also chained in a hash table keyed by (name, labels), which is
 * the only lookup on the hot path. Families are few and found by a list
 * walk, which happens only when a series is created.
 */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "metrics.h"
#include "nitems.h"
#include "xmalloc.h"

#define METRICS_HASH_INITIAL	64

enum metric_kind {
	METRIC_COUNTER,
	METRIC_GAUGE,
	METRIC_HISTOGRAM,
};

struct family {
	char		*name;
	char		*help;
	enum metric_kind kind;
	struct metric	*first;
	struct metric	*last;
	struct family	*next;
};

struct metric {
	struct family	*family;
	char		*labels;
	uint64_t	 hash;
	struct metric	*hnext;		/* hash chain */
	struct metric	*next;		/* family's series, in creation order */
	double		 value;
	double		(*fn)(void *);
	void		*arg;
	double		*bounds;	/* upper bounds, without +Inf */
	size_t		 nbounds;
	uint64_t	*buckets;	/* nbounds + 1 counts, not cumulative */
	double		 sum;
	uint64_t	 count;
};

struct sbuf {
	char	*buf;
	size_t	 len;
	size_t	 size;
};

static struct {
	struct metric	**table;
	size_t		  size;
	size_t		  nseries;
	struct family	 *first;
	struct family	 *last;
} reg;

const double metrics_latency_seconds[] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
	1, 2.5, 5, 10,
};
const size_t metrics_latency_seconds_n = nitems(metrics_latency_seconds);

static const char *const metric_kind_names[] = {
	[METRIC_COUNTER] = "counter",
	[METRIC_GAUGE] = "gauge",
	[METRIC_HISTOGRAM] = "histogram",
};

/* FNV-1a over the name, a separator no name contains, and the labels. */
static uint64_t
series_hash(const char *name, const char *labels)
{
	uint64_t	h = 0xcbf29ce484222325ULL;
	const char	*p;

	for (p = name; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	h = (h ^ 0xff) * 0x100000001b3ULL;
	for (p = labels; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	return h;
}

static bool
name_valid(const char *name, bool colon)
{
	const char	*p = name;

	if (*p == '\0' || !((*p >= 'a' && *p <= 'z') ||
	    (*p >= 'A' && *p <= 'Z') || *p == '_' || (colon && *p == ':')))
		return false;
	for (p++; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' ||
		    (colon && *p == ':')))
			return false;
	}
	return true;
}

/* Checks one quoted label value at *p and moves past its closing quote. */
static bool
label_value_valid(const char **p)
{
	const char	*s = *p;

	if (*s++ != '"')
		return false;
	for (; *s != '"'; s++) {
		if (*s == '\0' || *s == '\n')
			return false;
		if (*s == '\\') {
			s++;
			if (*s != '\\' && *s != '"' && *s != 'n')
				return false;
		}
	}
	*p = s + 1;
	return true;
}

/*
 * A label string is empty or name="value" pairs separated by commas, with
 * values escaped as the text format wants. Histograms own the "le" label.
 */
static bool
labels_valid(const char *labels, bool histogram)
{
	const char	*p = labels, *start;
	char		 lname[128];
	size_t		 len;

	while (*p != '\0') {
		start = p;
		while (*p != '=' && *p != '\0')
			p++;
		len = (size_t)(p - start);
		if (*p != '=' || len == 0 || len >= sizeof(lname))
			return false;
		memcpy(lname, start, len);
		lname[len] = '\0';
		if (!name_valid(lname, false) ||
		    (histogram && strcmp(lname, "le") == 0))
			return false;
		p++;
		if (!label_value_valid(&p))
			return false;
		if (*p == ',' && p[1] != '\0')
			p++;
		else if (*p != '\0')
			return false;
	}
	return true;
}

static struct metric *
series_find(const char *name, const char *labels, uint64_t h)
{
	struct metric	*m;

	if (reg.size == 0)
		return NULL;
	for (m = reg.table[h % reg.size]; m != NULL; m = m->hnext) {
		if (m->hash == h && strcmp(m->labels, labels) == 0 &&
		    strcmp(m->family->name, name) == 0)
			return m;
	}
	return NULL;
}

/* Doubles the hash table when it holds as many series as it has chains. */
static void
table_grow(void)
{
	struct metric	**table, *m, *next;
	size_t		  size, i;

	if (reg.nseries < reg.size)
		return;
	size = reg.size == 0 ? METRICS_HASH_INITIAL : reg.size * 2;
	table = xcalloc(size, sizeof(*table));
	for (i = 0; i < reg.size; i++) {
		for (m = reg.table[i]; m != NULL; m = next) {
			next = m->hnext;
			m->hnext = table[m->hash % size];
			table[m->hash % size] = m;
		}
	}
	free(reg.table);
	reg.table = table;
	reg.size = size;
}

static struct family *
family_get(const char *name, const char *help, enum metric_kind kind)
{
	struct family	*f;

	for (f = reg.first; f != NULL; f = f->next) {
		if (strcmp(f->name, name) != 0)
			continue;
		if (f->kind != kind)
			fatalx("metrics: %s is a %s, used as a %s", name,
			    metric_kind_names[f->kind],
			    metric_kind_names[kind]);
		return f;
	}
	if (!name_valid(name, true))
		fatalx("metrics: invalid metric name \"%s\"", name);
	f = xcalloc(1, sizeof(*f));
	f->name = xstrdup(name);
	f->help = xstrdup(help != NULL ? help : "");
	f->kind = kind;
	if (reg.last != NULL)
		reg.last->next = f;
	else
		reg.first = f;
	reg.last = f;
	return f;
}

/*
 * Checks histogram bounds and returns how many to keep: a trailing +Inf is
 * dropped, since the +Inf bucket is always there.
 */
static size_t
bounds_check(const char *name, const double *bounds, size_t nbounds)
{
	size_t	i;

	if (nbounds > 0 && bounds == NULL)
		fatalx("metrics: %s: bounds missing", name);
	if (nbounds > 0 && isinf(bounds[nbounds - 1]) &&
	    bounds[nbounds - 1] > 0)
		nbounds--;
	for (i = 0; i < nbounds; i++) {
		if (!isfinite(bounds[i]) ||
		    (i > 0 && bounds[i] <= bounds[i - 1]))
			fatalx("metrics: %s: bounds must be finite and "
			    "increasing", name);
	}
	return nbounds;
}

static void
histogram_init(struct metric *m, const double *bounds, size_t nbounds)
{
	m->nbounds = nbounds;
	if (nbounds > 0) {
		m->bounds = xcalloc(nbounds, sizeof(*m->bounds));
		memcpy(m->bounds, bounds, nbounds * sizeof(*bounds));
	}
	m->buckets = xcalloc(nbounds + 1, sizeof(*m->buckets));
}

/* Creates a series after checking what came from the caller. */
static struct metric *
series_new(enum metric_kind kind, const char *name, const char *help,
    const char *labels, uint64_t h, const double *bounds, size_t nbounds)
{
	struct metric	*m;
	struct family	*f;

	if (!labels_valid(labels, kind == METRIC_HISTOGRAM))
		fatalx("metrics: %s: invalid labels \"%s\"", name, labels);
	if (kind == METRIC_HISTOGRAM)
		nbounds = bounds_check(name, bounds, nbounds);
	f = family_get(name, help, kind);
	m = xcalloc(1, sizeof(*m));
	m->family = f;
	m->labels = xstrdup(labels);
	m->hash = h;
	if (kind == METRIC_HISTOGRAM)
		histogram_init(m, bounds, nbounds);
	if (f->last != NULL)
		f->last->next = m;
	else
		f->first = m;
	f->last = m;
	table_grow();
	m->hnext = reg.table[h % reg.size];
	reg.table[h % reg.size] = m;
	reg.nseries++;
	return m;
}

/*
 * Returns the series (name, labels), creating it and its family on first
 * use. Validation happens only on creation, so lookups stay cheap.
 */
static struct metric *
series_get(enum metric_kind kind, const char *name, const char *help,
    const char *labels, const double *bounds, size_t nbounds)
{
	struct metric	*m;
	uint64_t	 h;

	if (labels == NULL)
		labels = "";
	h = series_hash(name, labels);
	if ((m = series_find(name, labels, h)) == NULL)
		return series_new(kind, name, help, labels, h, bounds,
		    nbounds);
	if (m->family->kind != kind)
		fatalx("metrics: %s is a %s, used as a %s", name,
		    metric_kind_names[m->family->kind],
		    metric_kind_names[kind]);
	return m;
}

struct metric *
metrics_counter(const char *name, const char *help, const char *labels)
{
	return series_get(METRIC_COUNTER, name, help, labels, NULL, 0);
}

struct metric *
metrics_gauge(const char *name, const char *help, const char *labels)
{
	return series_get(METRIC_GAUGE, name, help, labels, NULL, 0);
}

/*
 * A gauge whose value is computed when /metrics is rendered, for values
 * that live elsewhere (consumer lag, queue depth). Registering it again
 * replaces the function, so a component that restarts can re-register.
 */
struct metric *
metrics_gauge_fn(const char *name, const char *help, const char *labels,
    double (*fn)(void *), void *arg)
{
	struct metric	*m;

	if (fn == NULL)
		fatalx("metrics: %s: gauge function missing", name);
	m = series_get(METRIC_GAUGE, name, help, labels, NULL, 0);
	m->fn = fn;
	m->arg = arg;
	return m;
}

struct metric *
metrics_histogram(const char *name, const char *help, const char *labels,
    const double *bounds, size_t nbounds)
{
	return series_get(METRIC_HISTOGRAM, name, help, labels, bounds,
	    nbounds);
}

void
metrics_inc(struct metric *m)
{
	metrics_add(m, 1);
}

void
metrics_add(struct metric *m, double v)
{
	if (m->family->kind == METRIC_HISTOGRAM || m->fn != NULL)
		fatalx("metrics: %s: add on a %s", m->family->name,
		    m->fn != NULL ? "computed gauge" : "histogram");
	if (m->family->kind == METRIC_COUNTER && !(v >= 0))
		fatalx("metrics: %s: a counter cannot go down",
		    m->family->name);
	m->value += v;
}

void
metrics_set(struct metric *m, double v)
{
	if (m->family->kind != METRIC_GAUGE || m->fn != NULL)
		fatalx("metrics: %s: set is only for plain gauges",
		    m->family->name);
	m->value = v;
}

/* Counts v in its bucket; NaN is dropped, since it would poison the sum. */
void
metrics_observe(struct metric *m, double v)
{
	size_t	i;

	if (m->family->kind != METRIC_HISTOGRAM)
		fatalx("metrics: %s: observe on a %s", m->family->name,
		    metric_kind_names[m->family->kind]);
	if (isnan(v))
		return;
	for (i = 0; i < m->nbounds && v > m->bounds[i]; i++)
		;
	m->buckets[i]++;
	m->sum += v;
	m->count++;
}

/* The current value: a histogram's is its count of observations. */
double
metrics_value(const struct metric *m)
{
	if (m->family->kind == METRIC_HISTOGRAM)
		return (double)m->count;
	if (m->fn != NULL)
		return m->fn(m->arg);
	return m->value;
}

static void
sbuf_printf(struct sbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
sbuf_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(sb->buf + sb->len, sb->size - sb->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			fatalx("metrics: vsnprintf");
		if ((size_t)n < sb->size - sb->len) {
			sb->len += (size_t)n;
			return;
		}
		sb->size = sb->size * 2 + (size_t)n;
		sb->buf = xreallocarray(sb->buf, sb->size, 1);
	}
}

/* Formats a sample value: the shortest of %.15g and %.17g that reads back. */
static const char *
format_double(double v, char *buf, size_t size)
{
	if (isnan(v))
		return "NaN";
	if (isinf(v))
		return v > 0 ? "+Inf" : "-Inf";
	snprintf(buf, size, "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, size, "%.17g", v);
	return buf;
}

static void
render_help(struct sbuf *sb, const struct family *f)
{
	const char	*p;

	sbuf_printf(sb, "# HELP %s ", f->name);
	for (p = f->help; *p != '\0'; p++) {
		if (*p == '\\')
			sbuf_printf(sb, "\\\\");
		else if (*p == '\n')
			sbuf_printf(sb, "\\n");
		else
			sbuf_printf(sb, "%c", *p);
	}
	sbuf_printf(sb, "\n# TYPE %s %s\n", f->name,
	    metric_kind_names[f->kind]);
}

/* Writes one sample line: name, suffix, {labels} when there are any. */
static void
render_sample(struct sbuf *sb, const char *name, const char *suffix,
    const char *labels, const char *value)
{
	if (labels[0] != '\0')
		sbuf_printf(sb, "%s%s{%s} %s\n", name, suffix, labels, value);
	else
		sbuf_printf(sb, "%s%s %s\n", name, suffix, value);
}

static void
render_histogram(struct sbuf *sb, const struct metric *m)
{
	const char	*name = m->family->name;
	char		 num[32], count[32];
	uint64_t	 cum = 0;
	size_t		 i;

	for (i = 0; i <= m->nbounds; i++) {
		cum += m->buckets[i];
		sbuf_printf(sb, "%s_bucket{%s%sle=\"%s\"} %llu\n", name,
		    m->labels, m->labels[0] != '\0' ? "," : "",
		    i < m->nbounds ?
		    format_double(m->bounds[i], num, sizeof(num)) : "+Inf",
		    (unsigned long long)cum);
	}
	render_sample(sb, name, "_sum", m->labels,
	    format_double(m->sum, num, sizeof(num)));
	snprintf(count, sizeof(count), "%llu", (unsigned long long)m->count);
	render_sample(sb, name, "_count", m->labels, count);
}

static void
render_series(struct sbuf *sb, const struct metric *m)
{
	char	num[32];

	if (m->family->kind == METRIC_HISTOGRAM)
		render_histogram(sb, m);
	else
		render_sample(sb, m->family->name, "", m->labels,
		    format_double(metrics_value(m), num, sizeof(num)));
}

/*
 * Renders every family in registration order, in the text format 0.0.4.
 * The caller frees the result; *len (if not NULL) gets its length.
 */
char *
metrics_render(size_t *len)
{
	struct sbuf	 sb;
	struct family	*f;
	struct metric	*m;

	sb.size = 4096;
	sb.len = 0;
	sb.buf = xmalloc(sb.size);
	sb.buf[0] = '\0';
	for (f = reg.first; f != NULL; f = f->next) {
		render_help(&sb, f);
		for (m = f->first; m != NULL; m = m->next)
			render_series(&sb, m);
	}
	if (len != NULL)
		*len = sb.len;
	return sb.buf;
}

static void
series_free(struct metric *m)
{
	free(m->labels);
	free(m->bounds);
	free(m->buckets);
	free(m);
}

/* Unlinks f from the registry's list of families and frees it. */
static void
family_remove(struct family *f)
{
	struct family	*prev = NULL, *g;

	for (g = reg.first; g != f; g = g->next)
		prev = g;
	if (prev != NULL)
		prev->next = f->next;
	else
		reg.first = f->next;
	if (reg.last == f)
		reg.last = prev;
	free(f->name);
	free(f->help);
	free(f);
}

/*
 * Removes one series, for an owner that goes away before the process does:
 * a computed gauge must not outlive the object its function reads. The
 * pointer is invalid afterwards; a family left empty disappears too.
 */
void
metrics_remove(struct metric *m)
{
	struct family	*f = m->family;
	struct metric	**mp, *prev = NULL, *s;

	for (mp = &reg.table[m->hash % reg.size]; *mp != m;
	    mp = &(*mp)->hnext)
		;
	*mp = m->hnext;
	reg.nseries--;
	for (s = f->first; s != m; s = s->next)
		prev = s;
	if (prev != NULL)
		prev->next = m->next;
	else
		f->first = m->next;
	if (f->last == m)
		f->last = prev;
	series_free(m);
	if (f->first == NULL)
		family_remove(f);
}

/* Forgets every series; pointers returned before are no longer valid. */
void
metrics_reset(void)
{
	struct family	*f, *fnext;
	struct metric	*m, *mnext;

	for (f = reg.first; f != NULL; f = fnext) {
		fnext = f->next;
		for (m = f->first; m != NULL; m = mnext) {
			mnext = m->next;
			series_free(m);
		}
		free(f->name);
		free(f->help);
		free(f);
	}
	free(reg.table);
	memset(&reg, 0, sizeof(reg));
}

/* Returns the length of the valid UTF-8 sequence at s, or 0. */
static size_t
utf8_len(const unsigned char *s)
{
	size_t	n, i;

	if (s[0] < 0x80)
		return 1;
	else if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/*
 * Appends value escaped for a label: backslash, quote and newline as the
 * format says; other control bytes and invalid UTF-8 become '?', since the
 * format has no way to carry them and Prometheus rejects the whole scrape.
 */
static bool
label_escape(char *buf, size_t size, size_t *len, const char *value)
{
	const unsigned char	*s = (const unsigned char *)value;
	char			 out[4];
	size_t			 in, n;

	while (*s != '\0') {
		in = n = 1;
		if (*s == '\\' || *s == '"' || *s == '\n') {
			out[0] = '\\';
			out[1] = *s == '\n' ? 'n' : (char)*s;
			n = 2;
		} else if (*s < 0x20 || *s == 0x7f || (in = utf8_len(s)) == 0) {
			out[0] = '?';
			in = 1;
		} else {
			memcpy(out, s, in);
			n = in;
		}
		if (*len + n + 2 > size)	/* room for '"' and NUL */
			return false;
		memcpy(buf + *len, out, n);
		*len += n;
		s += in;
	}
	return true;
}

/*
 * Builds a label string from name, value pairs ending with NULL, escaping
 * the values: the way to put outside data (a merchant id, a topic) into a
 * label. Returns -1, with buf empty, if the result does not fit.
 */
int
metrics_labels(char *buf, size_t size, ...)
{
	va_list		 ap;
	const char	*name, *value;
	size_t		 len = 0;
	bool		 ok = true;

	if (size == 0)
		return -1;
	va_start(ap, size);
	while (ok && (name = va_arg(ap, const char *)) != NULL) {
		if ((value = va_arg(ap, const char *)) == NULL ||
		    !name_valid(name, false))
			fatalx("metrics: bad label \"%s\"", name);
		/* [,]name=" plus the closing quote and the NUL */
		ok = len + (len > 0) + strlen(name) + 4 <= size;
		if (ok) {
			len += (size_t)snprintf(buf + len, size - len,
			    "%s%s=\"", len > 0 ? "," : "", name);
			ok = label_escape(buf, size, &len, value);
		}
		if (ok)
			buf[len++] = '"';
	}
	va_end(ap);
	buf[ok ? len : 0] = '\0';
	return ok ? 0 : -1;
}
