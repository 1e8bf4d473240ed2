/*
 * What the analytics integration tests share: an analytics daemon on
 * topics and a Redis scope of its own, and a known set of complaint and
 * merchant events in the first minute of 2026 whose figures the tests
 * check exactly.
 */
#ifndef CDP_ANALYTICS_HARNESS_H
#define CDP_ANALYTICS_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "cdp/v1/analytics.pb-c.h"

#define AH_T0		1767225600000LL		/* 2026-01-01T00:00:00Z */
#define AH_EVENTS	21	/* folded in minute 0 */
#define AH_FIRST	11	/* of which ah_feed_first() */

struct ah {
	char	*complaints;
	char	*merchants;
	char	*snapshots;
	char	*group;
	char	*prefix;	/* of complaint ids */
	pid_t	 pid;
	int	 port;		/* summary, dashboard */
	int	 admin_port;	/* /readyz, /metrics (ADMIN_LISTEN) */
};

void	ah_setup(struct ah *h, const char *name);
void	ah_start(struct ah *h);
void	ah_stop(struct ah *h);
void	ah_kill(struct ah *h);
void	ah_feed_first(struct ah *h);
void	ah_feed_second(struct ah *h);
void	ah_feed_closer(struct ah *h);
json_t	*ah_summary(struct ah *h, const char *window);
bool	ah_wait_events(struct ah *h, long long want, int timeout_ms);
Cdp__V1__AnalyticsSnapshot *ah_wait_snapshot(struct ah *h, const char *key,
	    char *event_id, int timeout_ms);
void	ah_check_minute0(const Cdp__V1__AnalyticsSnapshot *s);
void	ah_check_summary(json_t *j);
void	ah_expect_near(int64_t got, int64_t exact);
void	ah_expect_subset(json_t *want, json_t *got, const char *path);
char	*ah_id(struct ah *h, const char *c);
bool	ah_wait_metrics(struct ah *h, const char *const *want, int timeout_ms);
void	ah_free(struct ah *h);

#endif
