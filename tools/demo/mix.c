/*
 * mix.c: the demo's proportions (mix.h). Weights are in per mille so the
 * table reads as the percentages the issue asks for.
 */
#include "mix.h"

/* Channels: the app and the web carry most, the hotline a good share,
 * the offline desk almost nothing. */
static const unsigned channel_weights[MIX_CHANNELS] = {
	[MIX_APP] = 420, [MIX_WEB] = 180, [MIX_CHAT] = 140,
	[MIX_HOTLINE] = 120, [MIX_EMAIL] = 60, [MIX_SOCIAL] = 60,
	[MIX_OFFLINE] = 20,
};

static const unsigned category_weights[MIX_CATEGORIES] = {
	[MIX_PRODUCT] = 450, [MIX_LOGISTICS] = 300, [MIX_SERVICE] = 180,
	[MIX_PAYMENT] = 40, [MIX_ADVERTISING] = 30,
};

static const unsigned special_weights[MIX_SPECIALS] = {
	[MIX_PLAIN] = 830, [MIX_URGENT] = 40, [MIX_12315] = 30,
	[MIX_HIGH_VALUE] = 50, [MIX_OUT_OF_SCOPE] = 50,
};

/* A good merchant mostly answers in time; a bad actor mostly does not. */
static const unsigned merchant_good[MIX_RESPONSES] = {
	[MIX_ON_TIME] = 750, [MIX_LATE] = 120, [MIX_NEVER] = 80,
	[MIX_NOT_CARRIED_OUT] = 50,
};
static const unsigned merchant_bad[MIX_RESPONSES] = {
	[MIX_ON_TIME] = 150, [MIX_LATE] = 250, [MIX_NEVER] = 450,
	[MIX_NOT_CARRIED_OUT] = 150,
};
static const unsigned agent_weights[MIX_RESPONSES] = {
	[MIX_ON_TIME] = 700, [MIX_LATE] = 200, [MIX_NEVER] = 100,
	[MIX_NOT_CARRIED_OUT] = 0,
};

void
mix_seed(struct mix_rng *r, uint64_t seed)
{
	/* xorshift must never hold 0. */
	r->s = seed * 0x9E3779B97F4A7C15ULL + 1;
	if (r->s == 0)
		r->s = 1;
}

uint64_t
mix_next(struct mix_rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545F4914F6CDD1DULL;
}

/* A number in [0, n); n > 0. The bias of the modulo is below 1e-9. */
unsigned
mix_below(struct mix_rng *r, unsigned n)
{
	return (unsigned)((mix_next(r) >> 11) % n);
}

/* An index drawn with the given weights; 0 when they are all zero. */
unsigned
mix_weighted(struct mix_rng *r, const unsigned *weights, unsigned n)
{
	unsigned total = 0, i, x;

	for (i = 0; i < n; i++)
		total += weights[i];
	if (total == 0)
		return 0;
	x = mix_below(r, total);
	for (i = 0; i < n; i++) {
		if (x < weights[i])
			return i;
		x -= weights[i];
	}
	return n - 1;
}

void
mix_complaint(struct mix_rng *r, bool bad_merchant, struct mix_complaint *c)
{
	c->channel = mix_weighted(r, channel_weights, MIX_CHANNELS);
	c->category = mix_weighted(r, category_weights, MIX_CATEGORIES);
	c->special = mix_weighted(r, special_weights, MIX_SPECIALS);
	/* Two complaints in three are in Chinese. */
	c->chinese = mix_below(r, 3) != 0;
	c->agent = mix_weighted(r, agent_weights, MIX_RESPONSES);
	c->merchant = mix_weighted(r, bad_merchant ? merchant_bad :
	    merchant_good, MIX_RESPONSES);
}

const char *
mix_channel_name(enum mix_channel ch)
{
	static const char *const names[MIX_CHANNELS] = {
		"app", "web", "chat", "hotline", "email", "social", "offline",
	};

	return ch < MIX_CHANNELS ? names[ch] : "app";
}

const char *
mix_category_name(enum mix_category cat)
{
	static const char *const names[MIX_CATEGORIES] = {
		"product", "logistics", "service", "payment", "advertising",
	};

	return cat < MIX_CATEGORIES ? names[cat] : "product";
}

/* The guided form's problem type for a category. */
const char *
mix_problem_type(enum mix_category cat)
{
	static const char *const types[MIX_CATEGORIES] = {
		"product.quality", "logistics.delay", "service.agent_attitude",
		"payment.double_charge", "advertising.false_promotion",
	};

	return cat < MIX_CATEGORIES ? types[cat] : "product.quality";
}

/*
 * When, after the clock starts, a party answers: on time at a third of the
 * clock, late at one and a half clocks; 0 for never (the caller does not
 * schedule it).
 */
unsigned
mix_response_delay_s(enum mix_response resp, unsigned clock_s)
{
	switch (resp) {
	case MIX_ON_TIME:
	case MIX_NOT_CARRIED_OUT:
		return clock_s / 3 > 0 ? clock_s / 3 : 1;
	case MIX_LATE:
		return clock_s + clock_s / 2 + 1;
	case MIX_NEVER:
	case MIX_RESPONSES:
		break;
	}
	return 0;
}

static const char *const texts_zh[MIX_CATEGORIES] = {
	"收到的商品质量很差，用了两天就坏了，要求退款",
	"快递一直没有送到，物流信息好几天没更新了",
	"客服态度很差，问了三次都没有人处理",
	"同一笔订单被扣了两次款",
	"宣传说买一送一，结果赠品根本没有",
};
static const char *const texts_en[MIX_CATEGORIES] = {
	"The item broke after two days of normal use, I want a refund",
	"My parcel is late, tracking has not moved for days",
	"The customer service agent was rude and did not help",
	"I was charged twice for the same order",
	"The promotion said buy one get one free but no gift came",
};

/* The description a customer writes for this complaint. */
const char *
mix_text(const struct mix_complaint *mc)
{
	switch (mc->special) {
	case MIX_URGENT:
		return mc->chinese ? "电水壶底座漏电，孩子被电到手，已经去医院了" :
		    "The kettle gave my child an electric shock, we went to hospital";
	case MIX_12315:
		return mc->chinese ? "商品是假货，再不处理我就打12315投诉" :
		    "This is a counterfeit, I will report it to 12315";
	case MIX_OUT_OF_SCOPE:
		return mc->chinese ? "上次私下微信转账给卖家买的东西没发货" :
		    "I paid the seller off-platform by bank transfer and got nothing";
	default:
		break;
	}
	return (mc->chinese ? texts_zh : texts_en)[mc->category];
}
