/*
 * The taken keys as a hash set with open addressing and linear probing.
 * A burst has thousands of changes under way at once, and a linear search
 * with strcmp over them was 16% of the sla-timer's time (issue 15); a
 * lookup now hashes the key once and compares it with the few keys of its
 * run, mostly by hash alone.
 *
 * The table's size is a power of two, at most half full. A given key
 * leaves no tombstone: the keys after it in its run are moved back
 * (Knuth's algorithm R), so lookups never slow down as keys come and go.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keylock.h"
#include "xmalloc.h"

#define KEYLOCK_MIN_SLOTS	64

struct keylock_slot {
	char		*key;		/* NULL: free */
	uint64_t	 hash;
};

struct keylock {
	struct keylock_slot	*slots;
	size_t			 mask;		/* slots - 1 */
	size_t			 n;
};

/*
 * FNV-1a, 64 bits: enough for short ids, and a key is held only while its
 * change runs, so no run of colliding keys lasts.
 */
static uint64_t
keylock_hash(const char *key)
{
	uint64_t	h = UINT64_C(14695981039346656037);

	for (; *key != '\0'; key++) {
		h ^= (unsigned char)*key;
		h *= UINT64_C(1099511628211);
	}
	return h;
}

/* The slot holding key, or the free slot where it would go. */
static struct keylock_slot *
keylock_find(const struct keylock *l, const char *key, uint64_t hash)
{
	struct keylock_slot	*s;
	size_t			 i = hash & l->mask;

	for (;; i = (i + 1) & l->mask) {
		s = &l->slots[i];
		if (s->key == NULL ||
		    (s->hash == hash && strcmp(s->key, key) == 0))
			return s;
	}
}

static void
keylock_grow(struct keylock *l)
{
	struct keylock_slot	*old = l->slots, *s;
	size_t			 i, nold = l->mask + 1;

	l->slots = xcalloc(2 * nold, sizeof(*l->slots));
	l->mask = 2 * nold - 1;
	for (i = 0; i < nold; i++)
		if (old[i].key != NULL) {
			s = keylock_find(l, old[i].key, old[i].hash);
			*s = old[i];
		}
	free(old);
}

struct keylock *
keylock_new(void)
{
	struct keylock	*l = xcalloc(1, sizeof(*l));

	l->slots = xcalloc(KEYLOCK_MIN_SLOTS, sizeof(*l->slots));
	l->mask = KEYLOCK_MIN_SLOTS - 1;
	return l;
}

/* Takes key; false when it is already taken. */
bool
keylock_take(struct keylock *l, const char *key)
{
	uint64_t		 hash = keylock_hash(key);
	struct keylock_slot	*s = keylock_find(l, key, hash);

	if (s->key != NULL)
		return false;
	s->key = xstrdup(key);
	s->hash = hash;
	if (++l->n > (l->mask + 1) / 2)
		keylock_grow(l);
	return true;
}

/*
 * Gives key back (nothing when it is not taken). The keys after its slot,
 * up to the next free one, are moved back into the hole when their home
 * slot is not between the hole and where they are, cyclically.
 */
void
keylock_give(struct keylock *l, const char *key)
{
	struct keylock_slot	*s = keylock_find(l, key, keylock_hash(key));
	size_t			 hole, i, home;

	if (s->key == NULL)
		return;
	free(s->key);
	s->key = NULL;
	l->n--;
	hole = i = (size_t)(s - l->slots);
	for (;;) {
		i = (i + 1) & l->mask;
		if (l->slots[i].key == NULL)
			return;
		home = l->slots[i].hash & l->mask;
		if (((i - home) & l->mask) < ((i - hole) & l->mask))
			continue;	/* home lies after the hole: stays */
		l->slots[hole] = l->slots[i];
		l->slots[i].key = NULL;
		hole = i;
	}
}

void
keylock_free(struct keylock *l)
{
	size_t	i;

	if (l == NULL)
		return;
	for (i = 0; i <= l->mask; i++)
		free(l->slots[i].key);
	free(l->slots);
	free(l);
}
