/*
 * The number of elements of an array (not of a pointer), as in BSD's
 * <sys/param.h>; one definition for every daemon and test.
 */
#ifndef CDP_NITEMS_H
#define CDP_NITEMS_H

#ifndef nitems
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#endif
