/*
 * vocab.c: the one public name of every value of every enum of the
 * contract (the API's spelling: SEVERITY_URGENT is "urgent"), read from
 * the generated descriptors, with a small table of older spellings that
 * configuration files may still use. docs/api.md lists the vocabulary.
 */
#ifndef CDP_VOCAB_H
#define CDP_VOCAB_H

#include <stdbool.h>
#include <stddef.h>

#include "cdp/v1/enums.pb-c.h"
#include "conffile.h"

bool		 vocab_name(const ProtobufCEnumDescriptor *d, int value,
		    char *buf, size_t size);
int		 vocab_value(const ProtobufCEnumDescriptor *d,
		    const char *name, int *out);
const char	*vocab_list(const ProtobufCEnumDescriptor *d, char *buf,
		    size_t size);
int		 vocab_conf(struct conffile *cf,
		    const ProtobufCEnumDescriptor *d, const char *what,
		    const char *any, const char *s, int *out);

#endif
