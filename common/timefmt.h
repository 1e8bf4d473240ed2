/* Formatting of event times (ms since epoch, UTC) for APIs and messages. */
#ifndef CDP_TIMEFMT_H
#define CDP_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#define TIMEFMT_MAX	32

void	timefmt_rfc3339(int64_t ms, char *buf, size_t size);
void	timefmt_china(int64_t ms, char *buf, size_t size);

#endif
