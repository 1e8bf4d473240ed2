/*
 * The quality-audit sample: a complaint is picked when a hash of its id,
 * taken modulo 1000, falls below the rate in per mille. The same id is
 * always picked or always not, on every instance and every replay, and
 * over many ids the share picked is the rate.
 */
#include <string.h>

#include "analytics.h"

/* FNV-1a over the id, then the splitmix64 finaliser to spread its bits. */
uint64_t
sampler_hash(const char *id)
{
	uint64_t	h = 14695981039346656037ULL;

	for (; *id != '\0'; id++) {
		h ^= (unsigned char)*id;
		h *= 1099511628211ULL;
	}
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

bool
sampler_pick(const char *id, uint32_t permille)
{
	return sampler_hash(id) % 1000 < permille;
}
