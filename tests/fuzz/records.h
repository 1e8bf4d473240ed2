/*
 * Several events in one fuzz input, for targets that fold a sequence into
 * state: each record is a selector byte (which topic), a two-byte
 * big-endian length, then that many bytes of the event. A short last
 * record takes what is left.
 */
#ifndef FUZZ_RECORDS_H
#define FUZZ_RECORDS_H

#include <stddef.h>
#include <stdint.h>

struct fuzz_record {
	uint8_t		 selector;
	const uint8_t	*data;
	size_t		 size;
};

static inline int
fuzz_record_next(const uint8_t **data, size_t *size, struct fuzz_record *r)
{
	size_t	n;

	if (*size < 3)
		return 0;
	r->selector = (*data)[0];
	n = (size_t)(*data)[1] << 8 | (*data)[2];
	*data += 3;
	*size -= 3;
	if (n > *size)
		n = *size;
	r->data = *data;
	r->size = n;
	*data += n;
	*size -= n;
	return 1;
}

#endif
