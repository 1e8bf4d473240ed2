/*
 * mix.h: what the demo's marketplace day is made of, as pure functions of a
 * seeded random stream: which channel a complaint comes from, its category
 * and language, what is special about it, and how the agent and the
 * merchant answer it. No I/O, so tests/unit/test_demo_mix.c checks the
 * proportions and the determinism directly.
 */
#ifndef CDP_DEMO_MIX_H
#define CDP_DEMO_MIX_H

#include <stdbool.h>
#include <stdint.h>

/* xorshift64*: the same seed gives the same day. */
struct mix_rng {
	uint64_t	s;
};

enum mix_channel {
	MIX_APP, MIX_WEB, MIX_CHAT, MIX_HOTLINE, MIX_EMAIL, MIX_SOCIAL,
	MIX_OFFLINE, MIX_CHANNELS
};

/* The proportions: product ~45%, logistics ~30%, service ~25%,
 * with some payment and advertising taken from service's share. */
enum mix_category {
	MIX_PRODUCT, MIX_LOGISTICS, MIX_SERVICE, MIX_PAYMENT, MIX_ADVERTISING,
	MIX_CATEGORIES
};

enum mix_special {
	MIX_PLAIN,
	MIX_URGENT,		/* a safety case: injury, food poisoning */
	MIX_12315,		/* threatens the regulator's 12315 line */
	MIX_HIGH_VALUE,		/* an order above the high-value line */
	MIX_OUT_OF_SCOPE,	/* past the window or off-platform */
	MIX_SPECIALS
};

/* How a party answers a complaint it owes something on. */
enum mix_response {
	MIX_ON_TIME,		/* well within the clock */
	MIX_LATE,		/* after the clock's deadline */
	MIX_NEVER,		/* not at all */
	MIX_NOT_CARRIED_OUT,	/* decides, then does not execute */
	MIX_RESPONSES
};

struct mix_complaint {
	enum mix_channel	channel;
	enum mix_category	category;
	enum mix_special	special;
	bool			chinese;
	enum mix_response	agent;
	enum mix_response	merchant;
};

void		 mix_seed(struct mix_rng *r, uint64_t seed);
uint64_t	 mix_next(struct mix_rng *r);
unsigned	 mix_below(struct mix_rng *r, unsigned n);
unsigned	 mix_weighted(struct mix_rng *r, const unsigned *weights,
		     unsigned n);
void		 mix_complaint(struct mix_rng *r, bool bad_merchant,
		     struct mix_complaint *c);
const char	*mix_channel_name(enum mix_channel ch);
const char	*mix_category_name(enum mix_category cat);
const char	*mix_problem_type(enum mix_category cat);
const char	*mix_text(const struct mix_complaint *mc);
unsigned	 mix_response_delay_s(enum mix_response resp, unsigned clock_s);

#endif
