/*
 * A Prometheus registry: counters, gauges and histograms, each series named
 * by a metric name and a fixed label string, rendered in the text format
 * 0.0.4. Pure and single-threaded, like the daemons: no I/O, no locks.
 *
 * A series is created on first use and found again by a hash lookup, so
 * callers may look a series up on every request instead of keeping the
 * pointer. Names and label strings come from code: a bad name, a malformed
 * label string or a series used as the wrong kind is a programming error
 * and ends the process. Label values that come from outside must be escaped
 * with metrics_labels() before they are part of a label string.
 *
 * A series lives until metrics_remove() or metrics_reset(); an object that
 * registers a computed gauge on itself removes it before it is freed.
 */
#ifndef CDP_METRICS_H
#define CDP_METRICS_H

#include <stddef.h>

struct metric;

struct metric	*metrics_counter(const char *name, const char *help,
		    const char *labels);
struct metric	*metrics_gauge(const char *name, const char *help,
		    const char *labels);
struct metric	*metrics_gauge_fn(const char *name, const char *help,
		    const char *labels, double (*fn)(void *), void *arg);
struct metric	*metrics_histogram(const char *name, const char *help,
		    const char *labels, const double *bounds, size_t nbounds);

void	metrics_inc(struct metric *);
void	metrics_add(struct metric *, double);
void	metrics_set(struct metric *, double);
void	metrics_observe(struct metric *, double);
double	metrics_value(const struct metric *);

void	metrics_remove(struct metric *);

char	*metrics_render(size_t *len);
void	metrics_reset(void);

int	metrics_labels(char *buf, size_t size, ...)
	    __attribute__((sentinel));

extern const double	metrics_latency_seconds[];
extern const size_t	metrics_latency_seconds_n;

#endif
