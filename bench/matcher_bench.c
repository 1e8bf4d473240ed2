/*
 * Benchmark of services/classifier/matcher.c against the naive way: about
 * 500 complaint keywords (Chinese and English, as the classifier's rules
 * hold) found in a 4000-character mixed complaint text, N times over, by
 * the Aho-Corasick matcher and, in the same run, by one memmem loop per
 * pattern. Prints texts a second for both and their ratio, and the number
 * of matches each found, which must agree.
 *
 * Built on demand, never by the tests: `./dev bench` builds the cmake
 * target matcher_bench and runs it. By hand, after any cmake build (which
 * generates the proto headers that classifier.h includes), from the
 * repository root:
 *
 *	gcc -O2 -D_GNU_SOURCE -Icommon -Iservices -I$BUILD/proto \
 *	    bench/matcher_bench.c services/classifier/matcher.c \
 *	    common/xmalloc.c common/log.c common/mask.c -o /tmp/matcher_bench
 *	/tmp/matcher_bench [N]
 *
 * with $BUILD the cmake build directory (build, or /tmp/build-matcher).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classifier/classifier.h"
#include "xmalloc.h"

#define BENCH_TEXT_CHARS	4000
#define BENCH_N			20000

/* Complaint keywords as a rules file would list them. */
static const char *const bench_zh[] = {
	"过期", "临期", "变质", "发霉", "霉变", "异味", "异物", "虫子", "头发",
	"腐烂", "馊了", "酸败", "胀袋", "漏气", "生产日期", "保质期",
	"食物中毒", "拉肚子", "腹泻", "呕吐", "过敏", "住院", "医院", "中毒",
	"假货", "假冒", "仿冒", "山寨", "高仿", "三无产品", "无中文标签",
	"翻新", "二手", "旧货", "以次充好", "缺斤少两", "短斤缺两", "掉包",
	"质量问题", "破损", "损坏", "碎了", "裂开", "划痕", "瑕疵", "色差",
	"尺码不对", "不能用", "无法使用", "故障", "坏了", "死机", "自燃",
	"爆炸", "漏电", "起火", "冒烟", "烫伤", "割伤", "受伤", "安全隐患",
	"未发货", "不发货", "延迟发货", "迟迟不发货", "物流停滞", "物流不更新",
	"快递丢失", "丢件", "少件", "漏发", "错发", "发错货", "空包", "拒收",
	"签收", "未收到", "没收到", "被签收", "代签收", "快递柜", "驿站",
	"暴力分拣", "包装破损", "外包装", "运费", "运费险", "到付",
	"退款", "退货", "换货", "退款失败", "拒绝退款", "不给退款", "仅退款",
	"退货退款", "七天无理由", "七天无理由退货", "售后", "售后服务",
	"保修", "维修", "三包", "赔偿", "假一赔十", "退一赔三", "十倍赔偿",
	"价格欺诈", "虚假宣传", "虚假发货", "刷单", "好评返现", "诱导好评",
	"差评", "删差评", "威胁", "辱骂", "骚扰", "电话骚扰", "泄露隐私",
	"个人信息", "诈骗", "骗子", "欺诈", "霸王条款", "强制搭售", "大数据杀熟",
	"先涨后降", "优惠券", "满减", "定金", "尾款", "价保", "保价", "差价",
	"客服", "客服不理", "客服不回复", "机器人客服", "态度恶劣", "推诿",
	"踢皮球", "不处理", "投诉", "举报", "维权", "消费者协会", "消协",
	"市场监管局", "工商局", "12315", "12345", "315", "律师", "起诉",
	"法院", "媒体曝光", "曝光", "黑猫投诉", "微博", "小红书", "抖音",
	"商家", "店铺", "旗舰店", "自营", "第三方", "平台介入", "平台客服",
	"订单", "订单号", "发票", "不开发票", "假发票", "合同", "押金",
	"会员", "自动续费", "扣款", "重复扣款", "乱扣费", "多收费", "账户冻结",
	"余额", "提现", "花呗", "白条", "分期", "逾期", "征信", "催收",
	"手机", "耳机", "充电宝", "充电器", "电池", "笔记本", "平板",
	"冰箱", "洗衣机", "空调", "热水器", "电视", "口罩", "奶粉", "婴儿",
	"儿童", "孕妇", "老人", "化妆品", "护肤品", "烂脸", "毁容", "保健品",
	"药品", "处方药", "医疗器械", "生鲜", "水果", "海鲜", "牛奶", "酸奶",
	"零食", "饮料", "酒", "茅台", "白酒", "红酒", "烟", "电子烟",
	"家具", "甲醛", "甲醛超标", "异味刺鼻", "衣服", "鞋子", "开胶",
	"掉色", "起球", "缩水", "假鞋", "莆田鞋", "奢侈品", "包包", "手表",
	"黄金", "珠宝", "钻石", "鉴定", "检测报告", "质检报告", "合格证",
};

static const char *const bench_en[] = {
	"expired", "expiry date", "best before", "rotten", "mould", "mold",
	"moldy", "spoiled", "stale", "smell", "bad smell", "foreign object",
	"insect", "hair", "food poisoning", "diarrhea", "vomiting", "allergy",
	"allergic reaction", "hospital", "counterfeit", "fake", "knockoff",
	"replica", "not genuine", "refurbished", "second hand", "used item",
	"damaged", "broken", "cracked", "scratched", "defective", "faulty",
	"not working", "does not work", "stopped working", "overheating",
	"battery", "explosion", "fire", "smoke", "burn", "injury", "injured",
	"unsafe", "recall", "not shipped", "late delivery", "delayed",
	"tracking", "no tracking update", "lost package", "missing item",
	"wrong item", "empty box", "never arrived", "not received",
	"signed for", "parcel locker", "courier", "shipping fee", "refund",
	"refund refused", "return", "exchange", "chargeback", "warranty",
	"repair", "compensation", "price gouging", "false advertising",
	"misleading", "fake reviews", "bad review", "threat", "harassment",
	"privacy", "personal data", "data leak", "scam", "fraud", "phishing",
	"customer service", "no response", "rude", "ignored", "complaint",
	"consumer association", "regulator", "lawyer", "lawsuit", "court",
	"media", "merchant", "seller", "store", "platform", "order number",
	"invoice", "receipt", "contract", "deposit", "membership",
	"auto renewal", "charged twice", "double charge", "overcharged",
	"account frozen", "withdrawal", "installment", "credit score",
	"debt collection", "phone", "iphone", "earphones", "power bank",
	"charger", "laptop", "tablet", "fridge", "washing machine",
	"air conditioner", "television", "mask", "baby formula", "infant",
	"children", "pregnant", "elderly", "cosmetics", "skin care",
	"rash", "supplement", "medicine", "prescription", "medical device",
	"fresh produce", "seafood", "milk", "yogurt", "snacks", "alcohol",
	"liquor", "wine", "cigarette", "vape", "furniture", "formaldehyde",
	"clothes", "shoes", "sole came off", "colour fading", "shrunk",
	"luxury", "handbag", "watch", "gold", "jewellery", "diamond",
	"certificate", "inspection report", "quality", "poor quality",
	"size wrong", "color difference", "missing parts", "short weight",
	"bait and switch", "coupon", "discount", "price protection",
	"price difference", "cancel order", "cancelled", "unauthorized",
	"escalate", "urgent", "dangerous", "toxic", "contaminated",
	"unhygienic", "dirty", "leaking", "swollen", "bloated", "sticker",
	"label", "no chinese label", "import", "customs", "duty",
};

/*
 * Texts of real complaints, glued until the text has 4000 characters:
 * Chinese with full-width punctuation, English, order numbers, both cases.
 */
static const char *const bench_sentences[] = {
	"我在贵平台旗舰店购买的牛奶收到时已经过期了，生产日期是去年的，"
	"孩子喝了以后拉肚子，还去了医院。",
	"联系客服三次都是机器人客服，人工客服态度恶劣，一直推诿，要求退款被拒绝。",
	"The seller sent a counterfeit iPhone charger, it started overheating "
	"and nearly caused a FIRE. Customer service ignored me.",
	"订单号２０２４０６１８１２３４５６７８，商家虚假发货，物流三天不更新，"
	"快递员说没有这个包裹。",
	"我已经打了１２３１５投诉，如果今天不处理，我会向消协和媒体曝光。",
	"Package marked as signed for but never arrived. I want a refund, "
	"not an exchange.",
	"收到的护肤品有异味，用了以后脸上过敏起疹子，怀疑是假货，要求提供质检报告。",
	"商品描述是全新正品，收到的却是翻新机，屏幕有划痕，电池鼓包。",
	"Expired yogurt again! Best before date was last week. "
	"This is the second time.",
	"快递柜里的包装破损，里面少件，商家说不是他们的问题，让我找快递。",
	"店铺承诺七天无理由退货，现在说定制商品不退，这是霸王条款。",
	"价格先涨后降，刚买完就降价一百元，申请价保被拒。",
	"The baby formula tin was swollen and the seal was broken, "
	"possibly contaminated.",
	"家具甲醛超标，异味刺鼻，孩子咳嗽不止，要求退货退款并赔偿检测费用。",
	"自动续费会员没有任何提醒就扣款了，而且重复扣款两次，客服说无法退。",
	"买的零食里面有虫子，还有头发，太恶心了，要求十倍赔偿。",
};

static volatile size_t	bench_sink;

/* The matcher's callback: counts matches. */
static void
bench_count(void *arg, int id, size_t start, size_t end)
{
	(*(size_t *)arg)++;
}

/* Characters of UTF-8 text: bytes that are not continuation bytes. */
static size_t
bench_chars(const char *s, size_t n)
{
	size_t	i, c = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

/* Glues sentences into a text of BENCH_TEXT_CHARS characters. */
static char *
bench_text(size_t *len)
{
	char		*text;
	const char	*s;
	size_t		 n = 0, chars = 0, i, k;

	text = xmalloc(BENCH_TEXT_CHARS * 4);
	for (i = 0; chars < BENCH_TEXT_CHARS; i++) {
		s = bench_sentences[i % (sizeof(bench_sentences) /
		    sizeof(bench_sentences[0]))];
		for (k = 0; s[k] != '\0' && chars < BENCH_TEXT_CHARS; chars++) {
			do
				text[n++] = s[k++];
			while (((unsigned char)s[k] & 0xc0) == 0x80);
		}
	}
	*len = n;
	return text;
}

/*
 * The patterns: every keyword, and the negated form ("没有过期", "not
 * expired") of many, as rules that look for negations list them.
 */
static char **
bench_patterns(size_t *n)
{
	size_t	nzh = sizeof(bench_zh) / sizeof(bench_zh[0]);
	size_t	nen = sizeof(bench_en) / sizeof(bench_en[0]);
	char	**p;
	size_t	 i, k = 0;

	p = xreallocarray(NULL, 2 * (nzh + nen), sizeof(*p));
	for (i = 0; i < nzh; i++)
		p[k++] = xstrdup(bench_zh[i]);
	for (i = 0; i < nen; i++)
		p[k++] = xstrdup(bench_en[i]);
	for (i = 0; i < nzh && k < 500; i += 5)
		p[k++] = xasprintf("没有%s", bench_zh[i]);
	for (i = 0; i < nen && k < 520; i += 5)
		p[k++] = xasprintf("not %s", bench_en[i]);
	*n = k;
	return p;
}

/*
 * The naive baseline folds the text once the way the matcher does (ASCII
 * lower case, full-width ASCII to ASCII), then looks for every occurrence
 * of every pattern with memmem. The patterns here are lower-case already.
 */
static size_t
bench_fold(const char *text, size_t len, char *out)
{
	const unsigned char	*p = (const unsigned char *)text;
	size_t			 i = 0, k = 0;
	unsigned char		 c;

	while (i < len) {
		c = p[i++];
		if (c == 0xef && len - i >= 2 && p[i] == 0xbc &&
		    p[i + 1] >= 0x81 && p[i + 1] <= 0xbf) {
			c = 0x21 + (p[i + 1] - 0x81);
			i += 2;
		} else if (c == 0xef && len - i >= 2 && p[i] == 0xbd &&
		    p[i + 1] >= 0x80 && p[i + 1] <= 0x9e) {
			c = 0x60 + (p[i + 1] - 0x80);
			i += 2;
		}
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		out[k++] = c;
	}
	return k;
}

static size_t
bench_naive(char **pats, const size_t *plen, size_t npats, const char *text,
    size_t len, char *folded)
{
	const char	*at, *from, *end;
	size_t		 flen, i, count = 0;

	flen = bench_fold(text, len, folded);
	end = folded + flen;
	for (i = 0; i < npats; i++)
		for (from = folded; (at = memmem(from, end - from, pats[i],
		    plen[i])) != NULL; from = at + 1)
			count++;
	return count;
}

/*
 * The columns of the matcher's table, counted the way it counts them: one
 * for every byte of the (lower-case, half-width) patterns, and one for all
 * other bytes.
 */
static size_t
bench_columns(char **pats, size_t npats)
{
	unsigned char	used[256] = { 0 };
	size_t		i, j, n = 1;

	for (i = 0; i < npats; i++)
		for (j = 0; pats[i][j] != '\0'; j++)
			used[(unsigned char)pats[i][j]] = 1;
	for (i = 0; i < 256; i++)
		n += used[i];
	return n;
}

static double
bench_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char *argv[])
{
	struct matcher	*m;
	char		**pats, *text, *folded;
	size_t		 npats, len, i, *plen, n = BENCH_N;
	size_t		 ac_count = 0, naive_count = 0;
	double		 t0, ac_s, naive_s, build_s;

	if (argc > 1 && (n = strtoul(argv[1], NULL, 10)) == 0)
		n = BENCH_N;
	pats = bench_patterns(&npats);
	plen = xreallocarray(NULL, npats, sizeof(*plen));
	text = bench_text(&len);
	folded = xmalloc(len);

	t0 = bench_now();
	m = matcher_new();
	for (i = 0; i < npats; i++) {
		plen[i] = strlen(pats[i]);
		if (matcher_add(m, pats[i], (int)i) == -1)
			fprintf(stderr, "bad pattern %zu\n", i);
	}
	matcher_build(m);
	build_s = bench_now() - t0;

	t0 = bench_now();
	for (i = 0; i < n; i++)
		matcher_scan(m, text, len, bench_count, &ac_count);
	ac_s = bench_now() - t0;

	t0 = bench_now();
	for (i = 0; i < n; i++)
		naive_count += bench_naive(pats, plen, npats, text, len,
		    folded);
	naive_s = bench_now() - t0;
	bench_sink = ac_count + naive_count;

	printf("patterns %zu, states %zu, columns %zu, table %.2f MB, "
	    "build %.2f ms\n", npats, matcher_states(m),
	    bench_columns(pats, npats), matcher_states(m) *
	    bench_columns(pats, npats) * 4 / 1e6, build_s * 1e3);
	printf("text %zu characters, %zu bytes, scanned %zu times\n",
	    bench_chars(text, len), len, n);
	printf("matches per text: matcher %zu, naive %zu%s\n", ac_count / n,
	    naive_count / n, ac_count == naive_count ? "" : "  MISMATCH");
	printf("matcher: %10.0f texts/s (%.2f us/text, %.0f MB/s)\n",
	    n / ac_s, ac_s / n * 1e6, n * len / ac_s / 1e6);
	printf("naive:   %10.0f texts/s (%.2f us/text)\n", n / naive_s,
	    naive_s / n * 1e6);
	printf("ratio:   %.1fx\n", naive_s / ac_s);

	matcher_free(m);
	for (i = 0; i < npats; i++)
		free(pats[i]);
	free(pats);
	free(plen);
	free(text);
	free(folded);
	return ac_count == naive_count ? 0 : 1;
}
