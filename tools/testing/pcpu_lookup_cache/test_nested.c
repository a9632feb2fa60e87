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

	nest.nested_ret = plc_lookup_for_fill(cache, nest.key, &token);
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

/* Also used by test_fill_ipi.c. */
const struct plc_geom plc_hook_geoms[PLC_NR_HOOK_GEOMS] = {
	{ 1, 1 }, { 1, 4 }, { 64, 4 }, { 16, 3 }, { 8, 5 }, { 2, 16 },
};

/*
 * What the outer lookup of the key in way @j returns, for a hit. Every
 * nested writer advances this CPU's write count, so only a nested reader
 * leaves the hit standing: even a refill of the key in its own way, or of
 * another key, makes the lookup miss.
 */
static void *expect_hit(enum action a, unsigned long key, unsigned int j)
{
	return a == A_LOOKUP ? plc_val(key, 0) : NULL;
}

/* How far @a advances this CPU's write count: once per nested writer. */
static unsigned int action_writes(enum action a)
{
	return a == A_LOOKUP ? 0 : a == A_INVAL_REFILL ? 2 : 1;
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
	unsigned int writes;
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
		writes = plc_pc(&cache, 0)->writes;

		arm(&cache, n, action_fn[a]);
		ret = pcpu_lookup_cache_lookup(&cache, key, &token);
		cache.test_hook = NULL;
		if (nest.step < 0) {
			/* The lookup itself never writes. */
			CHECK_EQ(plc_pc(&cache, 0)->writes, writes);
			pcpu_lookup_cache_destroy(&cache);
			break;
		}
		writes += action_writes(a);
		CHECK_EQ(plc_pc(&cache, 0)->writes, writes);

		/* The hook points, in order. */
		hk = n == 0 ? PCPU_LOOKUP_CACHE_STEP_START :
		     n <= (int)(miss ? ways : j + 1) ?
		     PCPU_LOOKUP_CACHE_STEP_KEY :
		     miss ? PCPU_LOOKUP_CACHE_STEP_TOKEN :
		     n == (int)j + 2 ? PCPU_LOOKUP_CACHE_STEP_VAL :
		     PCPU_LOOKUP_CACHE_STEP_RECHECK;
		CHECK_EQ(nest.step, hk);
		if (hk == PCPU_LOOKUP_CACHE_STEP_KEY)
			CHECK_EQ(nest.way, n - 1);
		else if (hk == PCPU_LOOKUP_CACHE_STEP_START ||
			 hk == PCPU_LOOKUP_CACHE_STEP_TOKEN)
			CHECK_EQ(nest.way, 0);
		else
			CHECK_EQ(nest.way, j);

		if (!miss) {
			want = expect_hit(a, key, j);
		} else {
			/*
			 * A_FILL_KEY stores the key in way 0, maybe before
			 * the lookup reads it, but the write count moved.
			 */
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

		/*
		 * The caller's fill: dropped iff an invalidation ran after
		 * the miss read its token, at the TOKEN step; one that ran
		 * before left the token good.
		 */
		if (!ret) {
			pcpu_lookup_cache_fill(&cache, key, plc_val(key, 0),
					       token);
			plc_stats(&cache, 0, &s0);
			if (hk == PCPU_LOOKUP_CACHE_STEP_TOKEN &&
			    (a == A_INVAL_KEY || a == A_INVAL_OTHER ||
			     a == A_FLUSH || a == A_INVAL_REFILL)) {
				CHECK_EQ(s0.dropped, s1.dropped + 1);
				CHECK_EQ(plc_pc(&cache, 0)->writes, writes);
			} else {
				CHECK_EQ(plc_pc(&cache, 0)->writes,
					 writes + 1);
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
	/* START, KEY at ways 0..j, VAL, RECHECK; or START, KEY at all, TOKEN. */
	CHECK_EQ(n, miss ? (int)ways + 2 : (int)j + 4);
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

	nest.nested_ret = plc_lookup_for_fill(cache, nest.key, &token);
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
		/* After the key store, the nested lookups see the new entry. */
		if (n == 2 && (b == B_LOOKUP_KEY ||
			       (b == B_LOOKUP_OLD && fc == F_UPDATE)))
			want_nested = val;
		plc_lookup_for_fill(&cache, key, &token);
		plc_stats(&cache, 0, &s0);
		arm(&cache, n, b == B_LOOKUP_KEY ? do_b_lookup_key :
			       b == B_FILL_OTHER ? do_b_fill_other :
			       do_b_lookup_old);
		pcpu_lookup_cache_fill(&cache, key, val, token);
		cache.test_hook = NULL;
		if (nest.step < 0) {
			CHECK_EQ(n, 3);
			pcpu_lookup_cache_destroy(&cache);
			break;
		}
		CHECK_EQ(nest.step, PCPU_LOOKUP_CACHE_STEP_FILL_CLEAR + n);
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

/*
 * Contract 3, the undo: an invalidation begins while the fill stores, after
 * its token check, before or after the key store, and sends this CPU no
 * IPI. The fill sees the sequence move after its last store and empties the
 * way again.
 */
enum undo_action {
	U_ADVANCE,	/* the sequence moves, as when an invalidation begins */
	U_REMOTE,	/* CPU 1 invalidates a key that it alone holds */
	U_NO_KEY,	/* control: an invalidation of key 0, no advance */
	NR_UNDO_ACTIONS,
};

static const char *const undo_name[] = { "advance", "remote", "no_key" };

static int undo_ret;

static void do_u_advance(struct pcpu_lookup_cache *cache)
{
	atomic_long_inc(&cache->seq);
}

/* An invalidation on CPU 1, which runs with IRQs on, meanwhile. */
static void invalidate_from_cpu1(struct pcpu_lookup_cache *cache,
				 unsigned long key)
{
	int cpu = plc_sim_cpu, irqs = plc_sim_irqs_off;

	plc_sim_cpu = 1;
	plc_sim_irqs_off = 0;
	undo_ret = pcpu_lookup_cache_invalidate(cache, key);
	plc_sim_cpu = cpu;
	plc_sim_irqs_off = irqs;
}

static void do_u_remote(struct pcpu_lookup_cache *cache)
{
	invalidate_from_cpu1(cache, nest.other);
}

static void do_u_no_key(struct pcpu_lookup_cache *cache)
{
	invalidate_from_cpu1(cache, 0);
}

static void (*const undo_fn[])(struct pcpu_lookup_cache *cache) = {
	do_u_advance, do_u_remote, do_u_no_key,
};

static void fill_undone_one(const struct plc_geom *g, unsigned int j,
			    enum fill_case fc, enum undo_action u)
{
	unsigned long keys[PCPU_LOOKUP_CACHE_MAX_WAYS + 2], next = 1, token;
	struct pcpu_lookup_cache_stats s0, s1, r0, r1;
	struct pcpu_lookup_cache cache;
	unsigned int set = g->sets - 1, w, ways = g->ways, nfull;
	unsigned long key, seq;
	long ipi0, ipi1;
	unsigned int writes;
	bool undone = u != U_NO_KEY;
	void *val;
	int n;

	plc_keys_in_set(g->sets, set, keys, ways + 2, &next);
	nfull = fc == F_EMPTY ? j : ways;
	key = fc == F_UPDATE ? keys[j] : keys[ways];
	val = plc_val(key, fc == F_UPDATE ? 1 : 0);
	for (n = 0; n <= 2; n++) {
		CHECK_EQ(pcpu_lookup_cache_init(&cache, g->sets, ways), 0);
		for (w = 0; w < nfull; w++)
			plc_get(&cache, keys[w], plc_val(keys[w], 0));
		plc_pc(&cache, 0)->victim[set] = j;
		/* CPU 1 alone holds the key of U_REMOTE. */
		nest.other = keys[ways + 1];
		plc_sim_set_cpu(1);
		plc_get(&cache, nest.other, plc_val(nest.other, 1));
		plc_sim_set_cpu(0);
		plc_stats(&cache, 1, &r0);

		plc_lookup_for_fill(&cache, key, &token);
		seq = plc_seq(&cache);
		plc_stats(&cache, 0, &s0);
		ipi0 = plc_shim.ipi_cpu[0];
		ipi1 = plc_shim.ipi_cpu[1];
		writes = plc_pc(&cache, 0)->writes;
		undo_ret = -1;
		arm(&cache, n, undo_fn[u]);
		pcpu_lookup_cache_fill(&cache, key, val, token);
		cache.test_hook = NULL;
		CHECK_EQ(nest.step, PCPU_LOOKUP_CACHE_STEP_FILL_CLEAR + n);
		CHECK_EQ(nest.way, j);
		CHECK_EQ(plc_sim_cpu, 0);
		if (u != U_ADVANCE)
			CHECK_EQ(undo_ret, 0);

		plc_stats(&cache, 0, &s1);
		CHECK_EQ(plc_seq(&cache), seq + undone);
		CHECK_EQ(s1.fills, s0.fills + !undone);
		CHECK_EQ(s1.dropped, s0.dropped + undone);
		/* The way was taken: an eviction stays an eviction. */
		CHECK_EQ(s1.evictions, s0.evictions + (fc == F_EVICT));
		CHECK_EQ(plc_pc(&cache, 0)->victim[set],
			 fc == F_EVICT ? (j + 1) % ways : j);
		/* Emptying the way is no invalidation, and no IPI came. */
		CHECK_EQ(s1.invalidations, s0.invalidations);
		CHECK_EQ(s1.ipis, 0);
		CHECK_EQ(plc_shim.ipi_cpu[0], ipi0);
		CHECK_EQ(plc_pc(&cache, 0)->fill_busy, 0);
		/* One write, the fill's: its undo is part of it. */
		CHECK_EQ(plc_pc(&cache, 0)->writes, writes + 1);
		if (undone) {
			CHECK_EQ(plc_way(&cache, 0, set, j)->key, 0);
			CHECK_PTR(plc_way(&cache, 0, set, j)->val, NULL);
		} else {
			CHECK_EQ(plc_way(&cache, 0, set, j)->key, key);
			CHECK_PTR(plc_way(&cache, 0, set, j)->val, val);
		}
		for (w = 0; w < ways; w++) {
			if (w == j)
				continue;
			CHECK_EQ(plc_way(&cache, 0, set, w)->key,
				 w < nfull ? keys[w] : 0);
			CHECK_PTR(plc_way(&cache, 0, set, w)->val,
				  w < nfull ? plc_val(keys[w], 0) : NULL);
		}
		/* CPU 1 handled the one IPI of U_REMOTE and lost its key. */
		plc_stats(&cache, 1, &r1);
		CHECK_EQ(plc_shim.ipi_cpu[1], ipi1 + (u == U_REMOTE));
		CHECK_EQ(r1.ipis, r0.ipis + (u == U_REMOTE));
		CHECK_EQ(plc_find(&cache, 1, nest.other) < 0, u == U_REMOTE);

		/* Lookups agree; then a fill with a fresh token stores. */
		CHECK_PTR(plc_get(&cache, key, val), undone ? NULL : val);
		CHECK_PTR(plc_get(&cache, key, NULL), val);
		for (w = 0; w < nfull; w++)
			if (w != j)
				CHECK_PTR(plc_get(&cache, keys[w], NULL),
					  plc_val(keys[w], 0));
		pcpu_lookup_cache_destroy(&cache);
		if (plc_test_failed) {
			printf("    %ux%u way %u case %d %s: at hook call %d\n",
			       g->sets, ways, j, fc, undo_name[u], n);
			return;
		}
	}
}

static void fill_undone(const void *arg)
{
	const struct plc_geom *g = arg;
	unsigned int j;
	int fc, u;

	for (j = 0; j < g->ways && !plc_test_failed; j++)
		for (fc = 0; fc <= F_UPDATE; fc++)
			for (u = 0; u < NR_UNDO_ACTIONS; u++)
				fill_undone_one(g, j, fc, u);
}

void test_fill_undone(void)
{
	plc_geom_subtests("fill_undone", fill_undone, plc_hook_geoms,
			  PLC_NR_HOOK_GEOMS);
}

void test_nested_lookup(void)
{
	plc_geom_subtests("nested_lookup", nested_lookup, plc_hook_geoms,
			  PLC_NR_HOOK_GEOMS);
}

void test_nested_fill(void)
{
	plc_geom_subtests("nested_fill", nested_fill, plc_hook_geoms,
			  PLC_NR_HOOK_GEOMS);
}

/*
 * Contract 2 with two nested writers, as KUnit's plc_test_nested_aba: the
 * key is in way t of a full set. At VAL (key matched, value not read yet)
 * fills of other keys go round-robin until one evicts way t; the lookup
 * then reads that key's value. At RECHECK fills go on until round-robin
 * is back at way t, and a refill of the key lands there again. The key
 * matches at both of the lookup's reads, but the value it read is another
 * key's: only the write count makes it miss.
 */
static struct {
	unsigned long keys[2 * PCPU_LOOKUP_CACHE_MAX_WAYS + 1];
	unsigned int nr_keys, set, way;	/* the target's set and way */
	unsigned long target;
	int fired;			/* 1: evicted at VAL, 2: back */
	unsigned int fills;		/* nested fills that stored */
	unsigned long evictor;		/* the key that took way t */
	bool busy;
} aba;

/* Fill a key of the set that this CPU does not hold; false if none. */
static bool aba_fill_absent(struct pcpu_lookup_cache *cache)
{
	struct pcpu_lookup_cache_stats s0, s1;
	unsigned long token, k;
	unsigned int i;

	for (i = 0; i < aba.nr_keys; i++) {
		k = aba.keys[i];
		if (k == aba.target || plc_find(cache, 0, k) >= 0)
			continue;
		plc_stats(cache, 0, &s0);
		CHECK(!pcpu_lookup_cache_lookup(cache, k, &token));
		pcpu_lookup_cache_fill(cache, k, plc_val(k, 0), token);
		plc_stats(cache, 0, &s1);
		CHECK_EQ(s1.fills, s0.fills + 1);
		aba.fills++;
		return true;
	}
	return false;
}

static void aba_hook(struct pcpu_lookup_cache *cache,
		     enum pcpu_lookup_cache_step step, unsigned int way)
{
	struct pcpu_lookup_cache_entry *e = plc_way(cache, 0, aba.set, aba.way);
	unsigned long token;
	unsigned int i, ways = cache->nr_ways;

	if (aba.busy || way != aba.way)
		return;
	aba.busy = true;
	if (step == PCPU_LOOKUP_CACHE_STEP_VAL && aba.fired == 0) {
		for (i = 0; i < ways && e->key == aba.target; i++)
			CHECK(aba_fill_absent(cache));
		aba.evictor = e->key;
		aba.fired = 1;
	} else if (step == PCPU_LOOKUP_CACHE_STEP_RECHECK && aba.fired == 1) {
		for (i = 0; i < 2 * ways &&
		     plc_pc(cache, 0)->victim[aba.set] != aba.way; i++)
			CHECK(aba_fill_absent(cache));
		CHECK(!pcpu_lookup_cache_lookup(cache, aba.target, &token));
		pcpu_lookup_cache_fill(cache, aba.target,
				       plc_val(aba.target, 1), token);
		aba.fills++;
		aba.fired = 2;
	}
	aba.busy = false;
}

static void nested_aba_one(const struct plc_geom *g, unsigned int t)
{
	struct pcpu_lookup_cache_stats s0, s1;
	struct pcpu_lookup_cache cache;
	unsigned long next = 1, token, seq;
	unsigned int w, ways = g->ways, writes;
	void *ret;

	memset(&aba, 0, sizeof(aba));
	aba.set = g->sets - 1;
	aba.way = t;
	aba.nr_keys = 2 * ways + 1;
	plc_keys_in_set(g->sets, aba.set, aba.keys, aba.nr_keys, &next);
	aba.target = aba.keys[t];

	CHECK_EQ(pcpu_lookup_cache_init(&cache, g->sets, ways), 0);
	for (w = 0; w < ways; w++)
		plc_get(&cache, aba.keys[w], plc_val(aba.keys[w], 0));
	CHECK_EQ(plc_find(&cache, 0, aba.target), (int)t);
	/* Round-robin starts at way 0: up to every way goes at VAL. */
	CHECK_EQ(plc_pc(&cache, 0)->victim[aba.set], 0);
	plc_stats(&cache, 0, &s0);
	writes = plc_pc(&cache, 0)->writes;
	seq = plc_seq(&cache);

	cache.test_hook = aba_hook;
	ret = pcpu_lookup_cache_lookup(&cache, aba.target, &token);
	cache.test_hook = NULL;

	/* The scenario happened: another key in between, the key is back. */
	CHECK_EQ(aba.fired, 2);
	CHECK(aba.evictor && aba.evictor != aba.target);
	CHECK_EQ(plc_find(&cache, 0, aba.target), (int)t);
	CHECK_PTR(plc_way(&cache, 0, aba.set, t)->val, plc_val(aba.target, 1));
	/* No invalidation: only the write count can tell. */
	CHECK_EQ(plc_seq(&cache), seq);
	CHECK_EQ(token, seq);
	CHECK_EQ(plc_pc(&cache, 0)->writes, writes + aba.fills);
	/* The old recheck of the key returned plc_val(aba.evictor, 0). */
	CHECK_PTR(ret, NULL);

	plc_stats(&cache, 0, &s1);
	CHECK_EQ(s1.hits, s0.hits);
	CHECK_EQ(s1.misses, s0.misses + 1 + aba.fills);
	CHECK_EQ(s1.fills, s0.fills + aba.fills);
	CHECK_EQ(s1.dropped, s0.dropped);
	/* The refill stays, and the caller's fill of the miss stores. */
	CHECK_PTR(plc_get(&cache, aba.target, NULL), plc_val(aba.target, 1));
	pcpu_lookup_cache_fill(&cache, aba.target, plc_val(aba.target, 1),
			       token);
	CHECK_EQ(plc_pc(&cache, 0)->writes, writes + aba.fills + 1);
	CHECK_PTR(plc_get(&cache, aba.target, NULL), plc_val(aba.target, 1));
	pcpu_lookup_cache_destroy(&cache);
	if (plc_test_failed)
		printf("    %ux%u key in way %u: fired %d, %u fills, evictor %lu\n",
		       g->sets, ways, t, aba.fired, aba.fills, aba.evictor);
}

static void nested_aba(const void *arg)
{
	const struct plc_geom *g = arg;
	unsigned int t;

	for (t = 0; t < g->ways && !plc_test_failed; t++)
		nested_aba_one(g, t);
}

void test_nested_aba(void)
{
	plc_geom_subtests("nested_aba", nested_aba, plc_hook_geoms,
			  PLC_NR_HOOK_GEOMS);
}

#else /* !CONFIG_PCPU_LOOKUP_CACHE_KUNIT_TEST: no hook to test with */

void test_nested_lookup(void)
{
}

void test_nested_fill(void)
{
}

void test_fill_undone(void)
{
}

void test_nested_aba(void)
{
}

#endif
