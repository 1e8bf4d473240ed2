/*
 * The declarative layer over conffile.c's lexer: a configuration file is
 * described by a table of section kinds, each with its table of keys, and
 * this layer does what every parser used to repeat. It finds the kind of
 * each "[kind name]" header, checks that the kind takes (or refuses) a
 * name and that an unnamed kind appears once, opens and closes sections
 * through the kind's callbacks, finds each key in the section's table,
 * refuses unknown keys, keys given twice that are not repeatable, and
 * empty values, and, when a section ends, reports its required keys that
 * were not given. Errors are "<path>:<line>: [<kind> <name>] <reason>":
 * while a section is open, cf->where names it.
 *
 * A parser keeps only its setters, its open and close callbacks and its
 * resolve pass over the whole file; every callback gets the parser's own
 * state back through arg.
 */
#ifndef CDP_CONFSCHEMA_H
#define CDP_CONFSCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conffile.h"

#define CONFSCHEMA_KEYS_MAX	64	/* keys of one kind: bits of a mask */

/* One key of a section kind; its index in the table is its number. */
struct confschema_key {
	const char	*name;
	int		(*set)(void *arg, char *value);
	bool		 repeat;	/* may be given more than once */
	bool		 required;	/* the section needs it */
};

/*
 * One kind of section. A named kind is "[kind name]", with the name
 * checked by open (one word: the layer refuses blanks); an unnamed kind is
 * "[kind]", once per file, and open gets NULL. open and close may be
 * NULL. close runs with cf->line at the section's header, after the
 * required keys were checked. open and close get the parser's arg; the
 * setters get arg plus key_arg_offset, the part of the parser's state that
 * the kind's keys fill (0: the parser itself; see calconf.h).
 */
struct confschema_kind {
	const char			*name;
	bool				 named;
	const struct confschema_key	*keys;
	size_t				 nkeys;
	int				(*open)(void *arg, const char *name);
	int				(*close)(void *arg);
	size_t				 key_arg_offset;
};

struct confschema {
	const struct confschema_kind	*kinds;
	size_t				 nkinds;
	bool				 allow_empty;	/* "key =" passes */
};

/* Where the layer is in the file; a parser's state holds one. */
struct confschema_state {
	struct conffile			*cf;
	const struct confschema		*schema;
	void				*arg;		/* the callbacks' */
	const struct confschema_kind	*kind;		/* NULL: none open */
	size_t				 sec_line;
	uint64_t			 given;		/* keys of the section */
	size_t				 key_line[CONFSCHEMA_KEYS_MAX];
	uint64_t			 singles;	/* unnamed kinds seen */
};

int	confschema_parse(struct confschema_state *st, struct conffile *cf,
	    const struct confschema *schema, char *text, size_t len, void *arg);
bool	confschema_given(const struct confschema_state *st, size_t key);
size_t	confschema_key_line(const struct confschema_state *st, size_t key);

#endif
