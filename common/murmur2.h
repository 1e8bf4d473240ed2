/*
 * murmur2.c: the partition a keyed message lands on, computed the way the
 * producers place it (partitioner murmur2_random, kafka_producer.c): Kafka's
 * Java client's murmur2 of the key bytes (seed 0x9747b28c), made positive
 * by clearing the sign bit, modulo the topic's partition count. A reader
 * that finds a complaint's state by its partition (intake's read model on
 * Redis sharded by partition) computes it here, without a Kafka client.
 */
#ifndef CDP_MURMUR2_H
#define CDP_MURMUR2_H

#include <stddef.h>
#include <stdint.h>

int32_t	murmur2(const void *key, size_t len);
int32_t	murmur2_partition(const void *key, size_t len, int32_t partitions);

#endif
