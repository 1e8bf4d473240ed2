/*
 * The plain values of the rules file that several sections share: whole
 * numbers in a range, decimals in thousandths, group thresholds and
 * windows, yes/no, and lists of teams (by their public names, vocab.c).
 * Each reports a bad value with the key's name and what it should be.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rules_parser.h"
#include "vocab.h"
#include "xmalloc.h"

/* Parses a whole base-10 integer in [min, max]. */
int
rules_values_int(struct rules_parser *p, const char *s, const char *what,
    long long min, long long max, long long *out)
{
	if (conffile_int(s, min, max, out) == -1)
		return conffile_error(&p->cf, "bad %s \"" CONFFILE_ECHO
		    "\": an integer from %lld to %lld", what, s, min, max);
	return 0;
}

/*
 * Parses a decimal number with at most three decimals into thousandths,
 * greater than 0 and at most max thousandths. The caller words the error.
 */
int
rules_values_milli(const char *s, int64_t max, int64_t *out)
{
	int64_t	v = 0;
	int	digits = 0, decimals = -1;

	for (; *s != '\0'; s++) {
		if (*s == '.' && decimals == -1 && digits > 0) {
			decimals = 0;
			continue;
		}
		if (*s < '0' || *s > '9' || decimals == 3 || v > max)
			return -1;
		v = v * 10 + (*s - '0');
		digits++;
		if (decimals >= 0)
			decimals++;
	}
	if (decimals == 0 || digits == 0)
		return -1;
	for (decimals = decimals < 0 ? 0 : decimals; decimals < 3; decimals++)
		v *= 10;
	if (v <= 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Parses a group threshold: distinct customers, 2 to 100000. */
int
rules_values_threshold(struct rules_parser *p, char *v, const char *what,
    uint32_t *out)
{
	long long	n;

	if (rules_values_int(p, v, what, 2, 100000, &n) == -1)
		return -1;
	*out = n;
	return 0;
}

/* Parses a duration: a whole number followed by s, m or h. */
int
rules_values_window(struct rules_parser *p, char *v, const char *what,
    int64_t *out)
{
	long long	 n;
	int64_t		 unit;
	char		*end;

	errno = 0;
	n = strtoll(v, &end, 10);
	unit = strcmp(end, "s") == 0 ? 1000 : strcmp(end, "m") == 0 ? 60000 :
	    strcmp(end, "h") == 0 ? 3600000 : 0;
	if (end == v || *v == '-' || *v == '+' || errno != 0 || unit == 0 ||
	    n < 1 || n > 1000000)
		return conffile_error(&p->cf, "bad %s \""
		    CONFFILE_ECHO "\": a whole number (1 to 1000000) of "
		    "seconds, minutes or hours: 90s, 30m, 1h", what, v);
	*out = n * unit;
	return 0;
}

/* Parses the value of an enabled key: yes or no. */
int
rules_values_enabled(struct rules_parser *p, const char *v, bool *out)
{
	if (conffile_bool(v, out) == -1)
		return conffile_error(&p->cf, "bad enabled \"" CONFFILE_ECHO
		    "\": yes or no", v);
	return 0;
}

struct team_list {
	struct rules_parser	 *p;
	Cdp__V1__Team		**teams;
	size_t			 *n;
};

/* Appends one team of a list, which may name each team once. */
static int
add_team(void *arg, char *item)
{
	struct team_list	*tl = arg;
	struct rules_parser	*p = tl->p;
	int			 t;
	size_t			 i;

	if (vocab_conf(&p->cf, &cdp__v1__team__descriptor, "team", NULL, item,
	    &t) == -1)
		return -1;
	for (i = 0; i < *tl->n; i++)
		if ((*tl->teams)[i] == (Cdp__V1__Team)t)
			return conffile_error(&p->cf, "team %s is listed twice",
			    item);
	*tl->teams = xreallocarray(*tl->teams, *tl->n + 1, sizeof(**tl->teams));
	(*tl->teams)[(*tl->n)++] = t;
	return 0;
}

/* Parses a list of teams into *teams (grown; the caller frees it). */
int
rules_values_teams(struct rules_parser *p, char *v, Cdp__V1__Team **teams,
    size_t *n)
{
	struct team_list	tl = { p, teams, n };

	return conffile_list(&p->cf, v, "team", add_team, &tl);
}
