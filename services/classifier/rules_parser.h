/*
 * The inside of the rules file's parser, shared by the files that read it
 * and by no one else (classifier.h has the rules' public interface):
 *
 *	rules.c			loading, the parse as a whole, the set's
 *				accessors
 *	rules_sections.c	the schema: every section kind and its keys,
 *				the setters of all but [rule]
 *	rule_keys.c		the [rule] section: its keys and checks
 *	rule_conditions.c	a rule's "when" conditions
 *	rule_patterns.c		keyword patterns and the ways rules use them
 *	rules_values.c		the plain values: numbers, durations, teams
 *	rules_resolve.c		what can only be checked once the file is read
 */
#ifndef CDP_CLASSIFIER_RULES_PARSER_H
#define CDP_CLASSIFIER_RULES_PARSER_H

#include "classifier.h"
#include "conffile.h"
#include "confschema.h"
#include "nitems.h"

#define RULES_FILE_MAX		(4 * 1024 * 1024)
#define RULES_ID_MAX		64
#define RULES_NAME_MAX		64	/* a category's or severity's name */
#define RULES_WEIGHT_MAX	100000	/* thousandths */
#define RULES_NSEVS		5

struct rules_scope {
	char	*code;
	char	*guidance;
};

/*
 * The whole rule set. A category's and a severity's name is the one its
 * section header gives (an older spelling stays as the file writes it).
 */
struct rules {
	char			 version[CONFFILE_VERSION_LEN + 1];
	struct rule_settings	 settings;
	struct rule		*rules;
	size_t			 nrules;
	struct rule_pattern	*pats;
	size_t			 npats;
	struct rule_category	 cats[RULES_NCATS];
	char			 cat_names[RULES_NCATS][RULES_NAME_MAX];
	struct rule_severity	 sevs[RULES_NSEVS];
	char			 sev_names[RULES_NSEVS][RULES_NAME_MAX];
	struct rules_scope	*scopes;
	size_t			 nscopes;
	struct rule_group	 groups[GROUP_BY_N];
	struct matcher		*matcher;
};

/* A name in the file that can only be checked once the file is read. */
enum rules_ref_kind {
	REF_SUBCATEGORY,	/* a rule's category = <category>.<sub> */
	REF_SUBCOND,		/* a rule's when = subcategory = <sub> */
	REF_SCOPE,		/* a rule's scope = <code> */
};

struct rules_ref {
	enum rules_ref_kind	 kind;
	size_t			 rule;		/* SIZE_MAX: rule dropped */
	size_t			 line;
	char			*name;
};

/* The state of one load; every callback of the schema gets it back. */
struct rules_parser {
	struct conffile		 cf;		/* path, line, error buffer */
	struct confschema_state	 sch;
	struct rules		*r;
	int			 idx;		/* category, severity, scope */
	bool			 disabled;	/* the rule has enabled = no */
	bool			 cat_seen[RULES_NCATS];
	bool			 group_seen[GROUP_BY_N];
	bool			 sev_seen[RULES_NSEVS];
	struct rules_ref	*refs;
	size_t			 nrefs;
};

/* rules.c */
void	rules_rule_free(struct rule *rule);

/* rules_sections.c */
extern const struct confschema rules_sections_schema;
extern const char *const rules_sections_group_names[GROUP_BY_N];

/* rule_keys.c */
#define RULE_KEYS_N	11
extern const struct confschema_key rule_keys[RULE_KEYS_N];
int	rule_keys_open(void *arg, const char *id);
int	rule_keys_close(void *arg);

/* rule_conditions.c */
int	rule_conditions_parse(struct rules_parser *p, struct rule *rule,
	    char *v);

/* rule_patterns.c */
int	rule_patterns_add(struct rules_parser *p, char *v,
	    enum rule_use_kind kind, const char *what, size_t rule);
void	rule_patterns_drop_rule(struct rules *r, size_t rule);

/* rules_values.c */
int	rules_values_int(struct rules_parser *p, const char *s,
	    const char *what, long long min, long long max, long long *out);
int	rules_values_milli(const char *s, int64_t max, int64_t *out);
int	rules_values_threshold(struct rules_parser *p, char *v,
	    const char *what, uint32_t *out);
int	rules_values_window(struct rules_parser *p, char *v, const char *what,
	    int64_t *out);
int	rules_values_enabled(struct rules_parser *p, const char *v, bool *out);
int	rules_values_teams(struct rules_parser *p, char *v,
	    Cdp__V1__Team **teams, size_t *n);

/* rules_resolve.c */
void	rules_resolve_ref(struct rules_parser *p, enum rules_ref_kind kind,
	    const char *name);
int	rules_resolve(struct rules_parser *p);

#endif
