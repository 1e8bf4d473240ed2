/*
 * A complaint's clocks change in two places (an event arrives, a deadline
 * falls due); both read, change and write them, so each complaint is
 * changed by one of them at a time. A small open set of ids suffices: at
 * most a few hundred changes are under way at once.
 */
#include <stdlib.h>
#include <string.h>

#include "sla.h"
#include "xmalloc.h"

struct busy {
	char	**ids;
	size_t	  n;
	size_t	  cap;
};

/* Marks id busy; false when it already is (the caller tries later). */
bool
busy_take(struct slatimer *t, const char *id)
{
	struct busy	*b;
	size_t		 i;

	if (t->busy == NULL)
		t->busy = xcalloc(1, sizeof(*t->busy));
	b = t->busy;
	for (i = 0; i < b->n; i++)
		if (strcmp(b->ids[i], id) == 0)
			return false;
	if (b->n == b->cap) {
		b->cap = b->cap > 0 ? 2 * b->cap : 64;
		b->ids = xreallocarray(b->ids, b->cap, sizeof(*b->ids));
	}
	b->ids[b->n++] = xstrdup(id);
	return true;
}

void
busy_give(struct slatimer *t, const char *id)
{
	struct busy	*b = t->busy;
	size_t		 i;

	for (i = 0; b != NULL && i < b->n; i++)
		if (strcmp(b->ids[i], id) == 0) {
			free(b->ids[i]);
			b->ids[i] = b->ids[--b->n];
			return;
		}
}

void
busy_free(struct slatimer *t)
{
	size_t	i;

	if (t->busy == NULL)
		return;
	for (i = 0; i < t->busy->n; i++)
		free(t->busy->ids[i]);
	free(t->busy->ids);
	free(t->busy);
	t->busy = NULL;
}
