/*
 * The SLA policy file, shared by sla-timer (which enforces the clocks) and
 * intake (which promises the first contact time at filing). Pure: no I/O
 * beyond reading the file at start-up.
 */
#ifndef CDP_POLICY_H
#define CDP_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "calendar.h"
#include "cdp/v1/enums.pb-c.h"

#define SLA_POLICY_NAME_MAX	64	/* an entry id, with its NUL */

/*
 * policy.c: the SLA policy file (SLA_POLICY_FILE, config/sla-policies.conf):
 * (severity, category, clock) to a target, a calendar, a warning point and
 * the actions on breach. The most specific entry wins: severity and
 * category, then severity alone, then category alone, then the clock's
 * default.
 */
struct sla_actions {
	int64_t			 coupon_fen;	/* 0: none */
	bool			 escalate;
	Cdp__V1__EscalationLevel escalate_to;
	bool			 penalize_merchant;
	uint32_t		 penalty_points;
	bool			 notify;
};

struct sla_policy {
	const char		*name;		/* the entry's id */
	Cdp__V1__SlaClock	 clock;
	int64_t			 target_ms;	/* > 0 */
	const struct calendar	*calendar;
	uint32_t		 warn_permille;	/* 800: warn at 80% */
	Cdp__V1__Party		 party;		/* whose obligation */
	struct sla_actions	 actions;
};

struct policy_set;

struct policy_set	*policy_load(const char *path, char *err,
			    size_t errsz);
struct policy_set	*policy_load_text(const char *path, char *text,
			    size_t len, char *err, size_t errsz);
const struct sla_policy	*policy_find(const struct policy_set *ps,
			    Cdp__V1__Severity severity,
			    Cdp__V1__Category category,
			    Cdp__V1__SlaClock clock);
int64_t			 policy_due(const struct policy_set *ps,
			    Cdp__V1__Severity severity,
			    Cdp__V1__Category category,
			    Cdp__V1__SlaClock clock, int64_t start_ms);
const struct sla_policy	*policy_by_name(const struct policy_set *ps,
			    const char *name);
const char		*policy_version(const struct policy_set *ps);
void			 policy_free(struct policy_set *ps);

#endif
