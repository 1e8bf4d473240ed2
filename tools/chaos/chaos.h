/*
 * cdp-chaos (docs/reliability.md, Faults): the program half of ./dev chaos.
 * scripts/lib/chaos.sh starts the stack and does the killing; this files
 * the complaints (file.c), answers the notifier (recv.c) and, at the end,
 * gathers what the platform made of them (collect.c) for the verdict
 * (verdict.c).
 */
#ifndef CDP_CHAOS_H
#define CDP_CHAOS_H

#include <stddef.h>
#include <stdint.h>

#include "verdict.h"

/* file.c */
struct file_opts {
	const char	*urls[4];	/* intake instances, tried in turn */
	size_t		 nurls;
	const char	*key;
	const char	*out;		/* "seq\tcomplaint\taccepted_ms" lines */
	uint64_t	 seed;
	double		 rate;		/* complaints a second */
	unsigned	 seconds;
};
int	file_run(const struct file_opts *o);

/* recv.c */
int	recv_run(const char *listen);

/* collect.c: an arena of observations whose strings it owns. */
struct collect {
	struct verdict_obs	*obs;
	size_t			 n, cap;
	char			**strs;
	size_t			 nstrs, capstrs;
};
int	collect_accepted(struct collect *c, const char *path);
int	collect_log(struct collect *c, const char *brokers);
int	collect_views(struct collect *c, const char *url, const char *key);
void	collect_free(struct collect *c);

#endif
