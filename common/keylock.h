/*
 * Keys (complaint or order ids) whose state in Redis is being changed by a
 * read-change-write on the event loop: one change at a time per key. A
 * caller that finds its key taken tries again a little later.
 */
#ifndef CDP_KEYLOCK_H
#define CDP_KEYLOCK_H

#include <stdbool.h>

struct keylock;

struct keylock	*keylock_new(void);
bool		 keylock_take(struct keylock *l, const char *key);
void		 keylock_give(struct keylock *l, const char *key);
void		 keylock_free(struct keylock *l);

#endif
