/*
 * A small set of taken keys: at most a few hundred changes are under way
 * at once, so a linear search of an array is enough.
 */
#include <stdlib.h>
#include <string.h>

#include "keylock.h"
#include "xmalloc.h"

struct keylock {
	char	**keys;
	size_t	  n;
	size_t	  cap;
};

struct keylock *
keylock_new(void)
{
	return xcalloc(1, sizeof(struct keylock));
}

/* Takes key; false when it is already taken. */
bool
keylock_take(struct keylock *l, const char *key)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->keys[i], key) == 0)
			return false;
	if (l->n == l->cap) {
		l->cap = l->cap > 0 ? 2 * l->cap : 64;
		l->keys = xreallocarray(l->keys, l->cap, sizeof(*l->keys));
	}
	l->keys[l->n++] = xstrdup(key);
	return true;
}

void
keylock_give(struct keylock *l, const char *key)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->keys[i], key) == 0) {
			free(l->keys[i]);
			l->keys[i] = l->keys[--l->n];
			return;
		}
}

void
keylock_free(struct keylock *l)
{
	size_t	i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		free(l->keys[i]);
	free(l->keys);
	free(l);
}
