/*
 * Fuzz targets: one per decoder of outside input, each a libFuzzer entry
 * point. Built with clang's -fsanitize=fuzzer by ./dev fuzz; built with the
 * ordinary compiler and driver.c by ./dev test, which replays the seed
 * corpus under the sanitizers, so every past finding stays a test.
 */
#ifndef CDP_FUZZ_H
#define CDP_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * input.c, for the event targets: an event decoded and checked by d as a
 * consumer's handler gets it (NULL if it would be dead-lettered), and the
 * path of a shipped file under config/.
 */
struct kafka_decoder;
void		*fuzz_event(const struct kafka_decoder *d, const char *topic,
		    const uint8_t *data, size_t size);
const char	*fuzz_config(const char *name);

#endif
