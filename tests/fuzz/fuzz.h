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

#endif
