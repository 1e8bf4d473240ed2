/*
 * The verdict of a chaos run (docs/reliability.md, Faults): from what the
 * driver saw (the complaints intake accepted, what the log, the read model
 * and the receivers hold afterwards), how many accepted complaints were
 * lost, how many effects were applied twice, and how many clocks that
 * fell due never breached. Pure: no I/O, so it is unit-tested directly.
 */
#ifndef CDP_CHAOS_VERDICT_H
#define CDP_CHAOS_VERDICT_H

#include <stddef.h>
#include <stdint.h>

enum verdict_kind {
	VERDICT_ACCEPTED,	/* intake answered 202 */
	VERDICT_LOGGED,		/* its Filed is on complaints.events */
	VERDICT_VIEWED,		/* the read model answers for it */
	VERDICT_CLASSIFIED,	/* a Classified or OutOfScope event */
	VERDICT_CLOCK_STARTED,	/* clock: "<clock>:<cycle>", due_ms */
	VERDICT_CLOCK_STOPPED,	/* clock; also paused: it cannot breach */
	VERDICT_BREACHED,	/* clock, at_ms: when it was written */
	VERDICT_EFFECT,		/* cause: what it answers; id: its own id */
};

struct verdict_obs {
	enum verdict_kind	 kind;
	const char		*complaint;
	const char		*clock;		/* clocks and breaches */
	const char		*cause;		/* effects: "coupon:<...>" */
	const char		*id;		/* effects */
	int64_t			 due_ms;	/* started */
	int64_t			 at_ms;		/* breached */
};

struct verdict {
	size_t	accepted;
	size_t	lost;
	size_t	duplicate_effects;
	size_t	missed_breaches;
	size_t	late_breaches;
	int64_t	max_lag_ms;	/* the latest breach after its due time */
};

/* Who hears of each lost complaint and each late breach; any may be NULL. */
struct verdict_listener {
	void	(*lost)(void *arg, const char *complaint, const char *why);
	void	(*late)(void *arg, const char *complaint, const char *clock,
		    int64_t due_ms, int64_t lag_ms);
	void	*arg;
};

/*
 * Clocks due after cutoff_ms need not have breached yet; a breach more
 * than late_ms after its due time is late. l, when not NULL, hears of
 * each lost complaint and where it is missing, and of each late breach.
 */
void	verdict_compute(struct verdict_obs *obs, size_t n, int64_t cutoff_ms,
	    int64_t late_ms, struct verdict *v,
	    const struct verdict_listener *l);
int	verdict_line(const struct verdict *v, char *buf, size_t size);
int	verdict_failed(const struct verdict *v);

#endif
