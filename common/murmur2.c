/*
 * Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), which
 * librdkafka's murmur2 partitioners reproduce: 32-bit MurmurHash2 with the
 * seed 0x9747b28c, the key read as little-endian 4-byte words. Pure.
 */
#include "murmur2.h"
#include "log.h"

#define MURMUR2_SEED	0x9747b28cU
#define MURMUR2_M	0x5bd1e995U
#define MURMUR2_R	24

/* The hash as Java's int: the same bits as a signed 32-bit value. */
int32_t
murmur2(const void *key, size_t len)
{
	const unsigned char	*p = key;
	uint32_t		 h = MURMUR2_SEED ^ (uint32_t)len, k;
	size_t			 i, words = len / 4;

	for (i = 0; i < words; i++, p += 4) {
		k = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
		    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
		k *= MURMUR2_M;
		k ^= k >> MURMUR2_R;
		k *= MURMUR2_M;
		h *= MURMUR2_M;
		h ^= k;
	}
	switch (len % 4) {
	case 3:
		h ^= (uint32_t)p[2] << 16;
		/* FALLTHROUGH */
	case 2:
		h ^= (uint32_t)p[1] << 8;
		/* FALLTHROUGH */
	case 1:
		h ^= (uint32_t)p[0];
		h *= MURMUR2_M;
	}
	h ^= h >> 13;
	h *= MURMUR2_M;
	h ^= h >> 15;
	return (int32_t)h;
}

/*
 * The partition of a key among partitions (> 0): positive(murmur2) mod
 * the count, Java's Utils.toPositive clearing the sign bit rather than
 * taking the absolute value.
 */
int32_t
murmur2_partition(const void *key, size_t len, int32_t partitions)
{
	if (partitions <= 0)
		fatalx("murmur2: %d partitions", (int)partitions);
	return (int32_t)(((uint32_t)murmur2(key, len) & 0x7fffffffU) %
	    (uint32_t)partitions);
}
