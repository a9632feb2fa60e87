// SPDX-License-Identifier: GPL-2.0
/*
 * Nested writers: through the test hook, an IRQ, NMI or int3 handler runs
 * at every point where the lookup or the fill can be interrupted, for every
 * way, and the result is checked exactly.
 */
#include "test.h"

#if IS_ENABLED(CONFIG_PCPU_LOOKUP_CACHE_KUNIT_TEST)

enum action {
	A_INVAL_KEY,	/* IPI: invalidate the looked-up key */
	A_INVAL_OTHER,	/* IPI: invalidate another key of the set */
	A_FLUSH,	/* IPI: flush */
	A_EVICT,	/* NMI: fill a new key that evicts the key's way */
	A_UPDATE,	/* NMI: fill the key again with a new value */
	A_LOOKUP,	/* NMI: lookup of the key, no fill */
	A_FILL_KEY,	/* NMI, miss case: fill the missing key */
	A_INVAL_REFILL,	/* IPI invalidates the key, then an NMI refills it */
	NR_ACTIONS,
};

static const char *const action_name[] = {
	"inval_key", "inval_other", "flush", "evict", "update", "lookup",
	"fill_key", "inval_refill",
};

static struct {
	int fire_at;		/* hook call to act on */
	int calls;
	int step, way;		/* where it acted, -1: never */
	bool busy;
	void (*fn)(struct pcpu_lookup_cache *cache);
	/* Inputs of the actions. */
	unsigned long key, other, fresh;
	void *nested_ret;
} nest;

static void hook(struct pcpu_lookup_cache *cache,
		 enum pcpu_lookup_cache_step step, unsigned int way)
{
	if (nest.busy || nest.calls++ != nest.fire_at)
		return;
	nest.step = step;
	nest.way = way;
	nest.busy = true;
	nest.fn(cache);
	nest.busy = false;
}

static void arm(struct pcpu_lookup_cache *cache, int n,
		void (*fn)(struct pcpu_lookup_cache *cache))
{
	nest.fire_at = n;
	nest.calls = 0;
	nest.step = -1;
	nest.way = -1;
	nest.fn = fn;
	nest.nested_ret = NULL;
	cache->test_hook = hook;
}

static void do_inval_key(struct pcpu_lookup_cache *cache)
{
	pcpu_lookup_cache_invalidate_local(cache, &nest.key, 1);
}

static void do_inval_other(struct pcpu_lookup_cache *cache)
{
	pcpu_lookup_cache_invalidate_local(cache, &nest.other, 1);
}

static void do_flush(struct pcpu_lookup_cache *cache)
{
	pcpu_lookup_cache_flush_local(cache);
}

static void do_evict(struct pcpu_lookup_cache *cache)
{
	unsigned long token;

	nest.nested_ret = pcpu_lookup_cache_lookup(cache, nest.fresh, &token);
	pcpu_lookup_cache_fill(cache, nest.fresh, plc_val(nest.fresh, 0),
			       token);
}

static void do_update(struct pcpu_lookup_cache *cache)
{
	unsigned long token;

	nest.nested_ret = pcpu_lookup_cache_lookup(cache, nest.key, &token);
	pcpu_lookup_cache_fill(cache, nest.key, plc_val(nest.key, 1), token);
}

static void do_lookup(struct pcpu_lookup_cache *cache)
{
	unsigned long token;

	nest.nested_ret = pcpu_lookup_cache_lookup(cache, nest.key, &token);
}

static void do_inval_refill(struct pcpu_lookup_cache *cache)
{
	do_inval_key(cache);
	do_update(cache);
}

static void (*const action_fn[])(struct pcpu_lookup_cache *cache) = {
	do_inval_key, do_inval_other, do_flush, do_evict, do_update,
	do_lookup, do_update, do_inval_refill,
};

/* Lookups that returned the old value after an invalidation (ABA). */
static unsigned int nest_aba;

static const struct plc_geom nest_geoms[] = {
	{ 1, 1 }, { 1, 4 }, { 64, 4 }, { 16, 3 }, { 8, 5 }, { 2, 16 },
};

/* What the outer lookup of the key in way @j returns, for a hit. */
static void *expect_hit(enum action a, unsigned long key, unsigned int j)
{
	switch (a) {
	case A_INVAL_OTHER:
		/*
		 * Any invalidation on this CPU after the token was read makes
		 * the lookup report a miss, even of another key.
		 */
		return NULL;
	case A_LOOKUP:
		return plc_val(key, 0);
	case A_INVAL_REFILL:
		/*
		 * The refill put the key back in the same (first empty) way,
		 * but the invalidation advanced the generation, so the lookup
		 * reports a miss rather than a value it read before the IPI.
		 */
		return NULL;
	case A_UPDATE:
		/* At RECHECK the old value was read and the key is back. */
		if (nest.step == PCPU_LOOKUP_CACHE_STEP_RECHECK)
			return plc_val(key, 0);
		return plc_val(key, 1);
	default:
		return NULL;
	}
}

/*
 * The key is in way @j of a full set, or absent from it (@j == ways). Each
 * run acts at hook call n, for n = 0, 1, ... until the lookup returns
 * before reaching call n.
 */
static void nested_lookup_one(const struct plc_geom *g, unsigned int j,
			      enum action a)
{
	unsigned long keys[PCPU_LOOKUP_CACHE_MAX_WAYS + 2], next = 1, token;
	struct pcpu_lookup_cache_stats s0, s1;
	struct pcpu_lookup_cache cache;
	unsigned int set = g->sets / 2, w, ways = g->ways;
	bool miss = j == ways;
	int n, hk;

	plc_keys_in_set(g->sets, set, keys, ways + 2, &next);
	for (n = 0; ; n++) {
		unsigned long key = keys[miss ? ways + 1 : j];
		void *ret, *want;

		CHECK_EQ(pcpu_lookup_cache_init(&cache, g->sets, ways), 0);
		for (w = 0; w < ways; w++)
			plc_get(&cache, keys[w], plc_val(keys[w], 0));
		/* The next victim is the key's way. */
		plc_pc(&cache, 0)->victim[set] = miss ? 0 : j;
		nest.key = key;
		nest.other = ways > 1 ? keys[(j + 1) % ways] : keys[ways + 1];
		nest.fresh = keys[ways];
		plc_stats(&cache, 0, &s0);

		arm(&cache, n, action_fn[a]);
		ret = pcpu_lookup_cache_lookup(&cache, key, &token);
		cache.test_hook = NULL;
		if (nest.step < 0) {
			pcpu_lookup_cache_destroy(&cache);
			break;
		}

		/* The hook points, in order. */
		hk = n == 0 ? PCPU_LOOKUP_CACHE_STEP_TOKEN :
		     n <= (int)(miss ? ways : j + 1) ?
		     PCPU_LOOKUP_CACHE_STEP_KEY :
		     n == (int)j + 2 ? PCPU_LOOKUP_CACHE_STEP_VAL :
		     PCPU_LOOKUP_CACHE_STEP_RECHECK;
		CHECK_EQ(nest.step, hk);
		if (hk == PCPU_LOOKUP_CACHE_STEP_KEY)
			CHECK_EQ(nest.way, n - 1);
		else if (hk != PCPU_LOOKUP_CACHE_STEP_TOKEN)
			CHECK_EQ(nest.way, j);

		if (!miss) {
			want = expect_hit(a, key, j);
		} else if (a == A_FILL_KEY) {
			/* Stored in way 0: seen unless already read. */
			want = hk == PCPU_LOOKUP_CACHE_STEP_TOKEN ||
			       nest.way == 0 ?
			       plc_val(key, 1) : NULL;
		} else {
			want = NULL;
		}
		CHECK_PTR(ret, want);

		plc_stats(&cache, 0, &s1);
		CHECK_EQ(s1.hits + s1.misses, s0.hits + s0.misses +
			 (a == A_INVAL_KEY || a == A_INVAL_OTHER ||
			  a == A_FLUSH ? 1 : 2));
		if (a == A_INVAL_REFILL && ret == plc_val(key, 0))
			nest_aba++;
		if (ret)
			CHECK(s1.hits > s0.hits);

		/* The caller's fill: dropped iff an invalidation ran. */
		if (!ret) {
			pcpu_lookup_cache_fill(&cache, key, plc_val(key, 0),
					       token);
			plc_stats(&cache, 0, &s0);
			if (a == A_INVAL_KEY || a == A_INVAL_OTHER ||
			    a == A_FLUSH || a == A_INVAL_REFILL) {
				CHECK_EQ(s0.dropped, s1.dropped + 1);
			} else {
				CHECK_EQ(s0.dropped, s1.dropped);
				CHECK(plc_find(&cache, 0, key) >= 0);
			}
		}
		/* No way ever pairs a key with another key's value. */
		for (w = 0; w < ways; w++) {
			struct pcpu_lookup_cache_entry *e =
				plc_way(&cache, 0, set, w);

			if (e->key)
				CHECK(e->val == plc_val(e->key, 0) ||
				      e->val == plc_val(e->key, 1));
			else
				CHECK(!e->val);
		}
		pcpu_lookup_cache_destroy(&cache);
		if (plc_test_failed) {
			printf("    %ux%u way %u %s: at hook call %d (step %d way %d)\n",
			       g->sets, ways, j, action_name[a], n, nest.step,
			       nest.way);
			return;
		}
	}
	/* TOKEN, KEY at ways 0..j, VAL, RECHECK; or TOKEN, KEY at all. */
	CHECK_EQ(n, miss ? (int)ways + 1 : (int)j + 4);
}

static void nested_lookup(const void *arg)
{
	const struct plc_geom *g = arg;
	unsigned int j;
	int a;

	for (j = 0; j <= g->ways && !plc_test_failed; j++) {
		for (a = 0; a < NR_ACTIONS; a++) {
			bool last = j == g->ways, fill = a == A_FILL_KEY;

			if (last != fill && a != A_INVAL_KEY && a != A_FLUSH)
				continue;
			nested_lookup_one(g, j, a);
		}
	}
	/* One ABA per way: the RECHECK point. */
	CHECK_EQ(nest_aba, 0);
	nest_aba = 0;
}

enum fill_case {
	F_EVICT,	/* the set is full, the fill evicts way j */
	F_EMPTY,	/* ways before j are full, way j is the first empty */
	F_UPDATE,	/* the key is in way j, its value changes */
};

enum fill_action {
	B_LOOKUP_KEY,	/* NMI: lookup of the key being filled, and fill */
	B_LOOKUP_OLD,	/* NMI: lookup of the key way j held */
	B_LOOKUP_OTHER,	/* NMI: lookup of a key in another way */
	B_FILL_OTHER,	/* NMI: fill of a new key of the set */
	NR_FILL_ACTIONS,
};

static void do_b_lookup_key(struct pcpu_lookup_cache *cache)
{
	unsigned long token;

	nest.nested_ret = pcpu_lookup_cache_lookup(cache, nest.key, &token);
	pcpu_lookup_cache_fill(cache, nest.key, plc_val(nest.key, 0), token);
}

static void do_b_lookup_old(struct pcpu_lookup_cache *cache)
{
	unsigned long token;

	nest.nested_ret = pcpu_lookup_cache_lookup(cache, nest.other, &token);
}

static void do_b_fill_other(struct pcpu_lookup_cache *cache)
{
	unsigned long token;

	nest.nested_ret = pcpu_lookup_cache_lookup(cache, nest.fresh, &token);
	pcpu_lookup_cache_fill(cache, nest.fresh, plc_val(nest.fresh, 0),
			       token);
}

static void nested_fill_one(const struct plc_geom *g, unsigned int j,
			    enum fill_case fc, enum fill_action b)
{
	unsigned long keys[PCPU_LOOKUP_CACHE_MAX_WAYS + 2], next = 1, token;
	struct pcpu_lookup_cache_stats s0, s1;
	struct pcpu_lookup_cache cache;
	unsigned int set = g->sets - 1, w, ways = g->ways, nfull;
	unsigned long key, old;
	int n;

	plc_keys_in_set(g->sets, set, keys, ways + 2, &next);
	nfull = fc == F_EMPTY ? j : ways;
	key = fc == F_UPDATE ? keys[j] : keys[ways];
	old = fc == F_EMPTY ? 0 : keys[j];
	for (n = 0; ; n++) {
		void *want_nested = NULL, *val;

		CHECK_EQ(pcpu_lookup_cache_init(&cache, g->sets, ways), 0);
		for (w = 0; w < nfull; w++)
			plc_get(&cache, keys[w], plc_val(keys[w], 0));
		plc_pc(&cache, 0)->victim[set] = j;
		nest.key = key;
		nest.fresh = keys[ways + 1];
		switch (b) {
		case B_LOOKUP_OLD:
			nest.other = old;
			break;
		case B_LOOKUP_OTHER:
			if (nfull < 2)
				goto out;
			nest.other = keys[j ? 0 : 1];
			want_nested = plc_val(nest.other, 0);
			break;
		default:
			break;
		}
		val = plc_val(key, fc == F_UPDATE ? 1 : 0);
		pcpu_lookup_cache_lookup(&cache, key, &token);
		plc_stats(&cache, 0, &s0);
		arm(&cache, n, b == B_LOOKUP_KEY ? do_b_lookup_key :
			       b == B_FILL_OTHER ? do_b_fill_other :
			       do_b_lookup_old);
		pcpu_lookup_cache_fill(&cache, key, val, token);
		cache.test_hook = NULL;
		if (nest.step < 0) {
			CHECK_EQ(n, 2);
			pcpu_lookup_cache_destroy(&cache);
			break;
		}
		CHECK_EQ(nest.step, n == 0 ? PCPU_LOOKUP_CACHE_STEP_FILL_CLEAR :
			 PCPU_LOOKUP_CACHE_STEP_FILL_VAL);
		CHECK_EQ(nest.way, j);
		CHECK_PTR(nest.nested_ret, want_nested);

		plc_stats(&cache, 0, &s1);
		CHECK_EQ(s1.fills, s0.fills + 1);
		CHECK_EQ(s1.dropped, s0.dropped +
			 (b == B_LOOKUP_KEY || b == B_FILL_OTHER ? 1 : 0));
		CHECK_EQ(s1.evictions, s0.evictions + (fc == F_EVICT));
		CHECK_EQ(plc_way(&cache, 0, set, j)->key, key);
		CHECK_PTR(plc_way(&cache, 0, set, j)->val, val);
		CHECK_EQ(plc_find(&cache, 0, nest.fresh), -1);
		CHECK_PTR(plc_get(&cache, key, NULL), val);
		for (w = 0; w < ways; w++) {
			if (w != j)
				CHECK_EQ(plc_way(&cache, 0, set, w)->key,
					 w < nfull ? keys[w] : 0);
		}
		pcpu_lookup_cache_destroy(&cache);
		if (plc_test_failed) {
			printf("    %ux%u way %u case %d action %d: at hook call %d\n",
			       g->sets, ways, j, fc, b, n);
			return;
		}
	}
	return;
out:
	pcpu_lookup_cache_destroy(&cache);
}

static void nested_fill(const void *arg)
{
	const struct plc_geom *g = arg;
	unsigned int j;
	int fc, b;

	for (j = 0; j < g->ways && !plc_test_failed; j++)
		for (fc = 0; fc <= F_UPDATE; fc++)
			for (b = 0; b < NR_FILL_ACTIONS; b++)
				nested_fill_one(g, j, fc, b);
}

void test_nested_lookup(void)
{
	char name[64];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(nest_geoms); i++) {
		snprintf(name, sizeof(name), "nested_lookup/%ux%u",
			 nest_geoms[i].sets, nest_geoms[i].ways);
		plc_subtest(name, nested_lookup, &nest_geoms[i]);
	}
}

void test_nested_fill(void)
{
	char name[64];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(nest_geoms); i++) {
		snprintf(name, sizeof(name), "nested_fill/%ux%u",
			 nest_geoms[i].sets, nest_geoms[i].ways);
		plc_subtest(name, nested_fill, &nest_geoms[i]);
	}
}

#else /* !CONFIG_PCPU_LOOKUP_CACHE_KUNIT_TEST: no hook to test with */

void test_nested_lookup(void)
{
}

void test_nested_fill(void)
{
}

#endif
