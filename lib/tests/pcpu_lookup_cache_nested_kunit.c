// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the per-CPU lookup cache, lib/pcpu_lookup_cache.c: a
 * lookup or a fill interrupted by a nested writer.
 *
 * The test hook of the cache stops a lookup or a fill at every step and
 * way, and runs an invalidation, a flush, a refill or an eviction there,
 * as an interrupt or an NMI would; the cases check every interleaving
 * exactly, on the CPU the test thread is pinned to, reading the tables
 * white-box where the API cannot tell.
 */

#include <linux/module.h>

#include "pcpu_lookup_cache_kunit.h"

MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");

static const char * const plc_inject_name[] = {
	[PLC_INJ_INVALIDATE] = "invalidate",
	[PLC_INJ_FLUSH] = "flush",
	[PLC_INJ_REFILL] = "refill",
	[PLC_INJ_EVICT] = "evict",
	[PLC_INJ_INVALIDATE_REFILL] = "invalidate+refill",
	[PLC_INJ_ADVANCE] = "invalidation elsewhere",
};

/* How the way that an interrupted fill writes was chosen. */
enum plc_fill_mode {
	PLC_FILL_EMPTY,
	PLC_FILL_INPLACE,
	PLC_FILL_EVICT,
	PLC_NR_FILL_MODES,
};

static const char * const plc_fill_mode_name[] = {
	[PLC_FILL_EMPTY] = "empty way",
	[PLC_FILL_INPLACE] = "in place",
	[PLC_FILL_EVICT] = "eviction",
};

/* The key of a value returned by a lookup, 0 for NULL. */
static unsigned long plc_key_of(const void *val)
{
	return val ? ((const struct plc_obj *)val)->key : 0;
}

/*
 * The position in ctx->order of the way that keys[@i] takes when
 * plc_reset_set() fills it, which is also the number of ways that a lookup
 * of that key reads before its own.
 */
static unsigned int plc_reset_pos(const struct plc_ctx *ctx, unsigned int i)
{
	return i + ctx->nr_order - ctx->cache.nr_ways;
}

/*
 * Empty the set under test, then fill keys[0..ways-1] with their first
 * objects: they land in the ways of ctx->order in order, a padding entry
 * left out; for keys of home way 0, in ways 0, 1, ...
 */
static void plc_reset_set(struct plc_ctx *ctx)
{
	struct kunit *test = ctx->test;
	unsigned long flags;
	unsigned int i;

	local_irq_save(flags);
	pcpu_lookup_cache_invalidate_local(&ctx->cache, ctx->keys,
					   ctx->nr_keys);
	local_irq_restore(flags);
	for (i = 0; i < ctx->cache.nr_ways; i++) {
		KUNIT_ASSERT_NULL(test, plc_get(ctx, ctx->keys[i],
						&ctx->obj_a[i]));
		KUNIT_ASSERT_EQ(test, plc_way_of(ctx, ctx->keys[i]),
				ctx->order[plc_reset_pos(ctx, i)]);
	}
	plc_snapshot(ctx);
}

/* --- nested writers -------------------------------------------------- */

/* The nested writer of plc_test_nested_lookup(). */
static void plc_inject_lookup(struct plc_ctx *ctx)
{
	struct pcpu_lookup_cache *cache = &ctx->cache;
	unsigned long token, key;
	unsigned int i;

	switch (ctx->kind) {
	case PLC_INJ_INVALIDATE:
		plc_invalidate_local(ctx, ctx->target);
		break;
	case PLC_INJ_FLUSH:
		plc_flush_local(ctx);
		break;
	case PLC_INJ_REFILL:
		pcpu_lookup_cache_lookup(cache, 0, &token);
		pcpu_lookup_cache_fill(cache, ctx->target, ctx->new_val, token);
		break;
	case PLC_INJ_INVALIDATE_REFILL:
		/* The IPI, then a nested user who finds the new object. */
		plc_invalidate_local(ctx, ctx->target);
		if (!pcpu_lookup_cache_lookup(cache, ctx->target, &token))
			pcpu_lookup_cache_fill(cache, ctx->target, ctx->new_val,
					       token);
		break;
	case PLC_INJ_ADVANCE:
		/*
		 * An invalidation that began on another CPU and whose IPI has
		 * not reached this one: the sequence moves, no table does.
		 */
		atomic_long_inc(&cache->seq);
		break;
	case PLC_INJ_EVICT:
		/* Nested users of other keys of the set, until ours is gone. */
		for (i = 0; i < cache->nr_ways; i++) {
			if (READ_ONCE(plc_entry(ctx, ctx->cpu,
						ctx->target_way)->key) !=
			    ctx->target)
				break;
			key = ctx->keys[cache->nr_ways + i];
			if (!pcpu_lookup_cache_lookup(cache, key, &token))
				pcpu_lookup_cache_fill(cache, key,
						       &ctx->obj_a[cache->nr_ways + i],
						       token);
			ctx->nr_evict++;
		}
		break;
	default:
		break;
	}
}

/*
 * Whether the hook at @step fires at the @p-th way that a lookup of
 * keys[@i] reads, for the cases the test runs: START always fires once, at
 * way 0; KEY at every way that the lookup reads, both right before the
 * key's way and, for the key read last, at each way read before it
 * (its home way, then the others); VAL and RECHECK at the key's way.
 */
static bool plc_lookup_case(const struct plc_ctx *ctx,
			    enum pcpu_lookup_cache_step step, unsigned int i,
			    unsigned int p)
{
	unsigned int pos = plc_reset_pos(ctx, i);

	switch (step) {
	case PCPU_LOOKUP_CACHE_STEP_START:
		return p == 0;
	case PCPU_LOOKUP_CACHE_STEP_KEY:
		return p == pos || (i == ctx->cache.nr_ways - 1 && p < pos);
	default:
		return p == pos;
	}
}

/* One lookup of keys[@i], interrupted by @kind at (@step, @j). */
static void plc_nested_lookup_case(struct plc_ctx *ctx, enum plc_inject kind,
				   enum pcpu_lookup_cache_step step,
				   unsigned int i, unsigned int j)
{
	struct kunit *test = ctx->test;
	unsigned int w = ctx->cache.nr_ways, victim, n;
	/* The way that plc_reset_set() puts the key in. */
	unsigned int t = ctx->order[plc_reset_pos(ctx, i)];
	unsigned long token, key = ctx->keys[i];
	void *got;

	snprintf(ctx->where, sizeof(ctx->where),
		 "%s at step %d way %u, key in way %u, home %u",
		 plc_inject_name[kind], step, j, t, ctx->home);
	plc_reset_set(ctx);
	victim = plc_victim(ctx);
	ctx->kind = kind;
	ctx->target = key;
	ctx->target_way = t;
	ctx->new_val = &ctx->obj_b[i];
	ctx->nr_evict = 0;
	plc_arm(ctx, step, j);

	got = plc_lookup(ctx, key, &token);

	KUNIT_EXPECT_EQ_MSG(test, ctx->fired, 1, "%s", ctx->where);
	ctx->armed = 0;
	/* Never another key's value. */
	KUNIT_EXPECT_TRUE_MSG(test, !got || plc_key_of(got) == key,
			      "%s: got key %lu", ctx->where, plc_key_of(got));
	switch (kind) {
	case PLC_INJ_INVALIDATE:
	case PLC_INJ_FLUSH:
		KUNIT_EXPECT_NULL_MSG(test, got, "%s", ctx->where);
		/*
		 * The miss read its token after the writer: it is good, and
		 * the fill of what the backing structure now holds is kept.
		 * A token read before an invalidation is the TOKEN step's
		 * case (plc_test_nested_token()).
		 */
		plc_fill(ctx, key, ctx->new_val, token);
		KUNIT_EXPECT_PTR_EQ_MSG(test, plc_lookup(ctx, key, NULL),
					ctx->new_val, "%s", ctx->where);
		plc_expect_delta(ctx, 1, 1, 1, 0, 0,
				 kind == PLC_INJ_FLUSH ? w : 1);
		break;
	case PLC_INJ_REFILL:
		/*
		 * Any nested writer makes the lookup miss, even a refill
		 * that leaves the key where it was; the refill stays.
		 */
		KUNIT_EXPECT_NULL_MSG(test, got, "%s", ctx->where);
		KUNIT_EXPECT_PTR_EQ_MSG(test, plc_lookup(ctx, key, NULL),
					(void *)&ctx->obj_b[i], "%s", ctx->where);
		plc_expect_delta(ctx, 1, 1, 1, 0, 0, 0);
		break;
	case PLC_INJ_INVALIDATE_REFILL:
		/*
		 * The same way holds the key again, but the value read may be
		 * the one the invalidation dropped: a miss, whatever the step.
		 */
		KUNIT_EXPECT_NULL_MSG(test, got, "%s", ctx->where);
		/* Its token, read after the writer, is good: kept in place. */
		plc_fill(ctx, key, ctx->new_val, token);
		KUNIT_EXPECT_PTR_EQ_MSG(test, plc_lookup(ctx, key, NULL),
					(void *)&ctx->obj_b[i], "%s", ctx->where);
		KUNIT_EXPECT_EQ_MSG(test, plc_way_of(ctx, key), (int)t, "%s",
				    ctx->where);
		plc_expect_delta(ctx, 1, 2, 2, 0, 0, 1);
		break;
	case PLC_INJ_ADVANCE:
		/*
		 * No writer ran on this CPU: a hit, which the grace period
		 * after that invalidation covers (contract point 2), and
		 * which returns no token.
		 */
		KUNIT_EXPECT_PTR_EQ_MSG(test, got, (void *)&ctx->obj_a[i], "%s",
					ctx->where);
		KUNIT_EXPECT_PTR_EQ_MSG(test, plc_lookup(ctx, key, NULL),
					(void *)&ctx->obj_a[i], "%s", ctx->where);
		/* Then its IPI: from now on the key misses. */
		plc_invalidate_local(ctx, key);
		KUNIT_EXPECT_NULL_MSG(test, plc_lookup(ctx, key, NULL), "%s",
				      ctx->where);
		plc_expect_delta(ctx, 2, 1, 0, 0, 0, 1);
		break;
	default:
		KUNIT_EXPECT_NULL_MSG(test, got, "%s", ctx->where);
		/* Round-robin, from the victim to way t. */
		n = ctx->nr_evict;
		KUNIT_EXPECT_EQ_MSG(test, n, (t + w - victim) % w + 1, "%s",
				    ctx->where);
		/* Evictions leave the token good: the fill is cached. */
		plc_fill(ctx, key, &ctx->obj_a[i], token);
		KUNIT_EXPECT_PTR_EQ_MSG(test, plc_lookup(ctx, key, NULL),
					(void *)&ctx->obj_a[i], "%s", ctx->where);
		plc_expect_delta(ctx, 1, 1 + n, n + 1, 0, n + 1, 0);
		break;
	}
}

/*
 * Run every case of plc_nested_lookup_case() for the keys of the test:
 * each injection, at every step of a lookup of each key and every way
 * position, in the order in which the lookup reads the ways.
 */
static void plc_nested_lookups(struct plc_ctx *ctx)
{
	unsigned int w = ctx->cache.nr_ways, i, p, j, cases = 0;
	enum pcpu_lookup_cache_step step;
	enum plc_inject kind;

	ctx->inject = plc_inject_lookup;
	for (kind = 0; kind < PLC_NR_INJ; kind++)
		for (step = PCPU_LOOKUP_CACHE_STEP_START;
		     step <= PCPU_LOOKUP_CACHE_STEP_RECHECK; step++)
			for (i = 0; i < w; i++)
				for (p = 0; p < ctx->nr_order; p++) {
					if (!plc_lookup_case(ctx, step, i, p))
						continue;
					j = step == PCPU_LOOKUP_CACHE_STEP_START ?
					    0 : ctx->order[p];
					plc_nested_lookup_case(ctx, kind, step,
							       i, j);
					cases++;
				}
	/* Every step at every way position ran. */
	KUNIT_EXPECT_EQ_MSG(ctx->test, cases,
			    PLC_NR_INJ * (w + (w - 1 + ctx->nr_order) + w + w),
			    "home %u", ctx->home);
}

/*
 * Contract 2: a nested invalidation, flush, refill or eviction, or the
 * start of an invalidation on another CPU, at every step of a lookup and
 * every way position. The lookup returns NULL or a value stored under its
 * key, exactly the one the protocol predicts; a miss reads its token after
 * the writer, and the fill with that token is kept.
 */
static void plc_test_nested_lookup(struct kunit *test)
{
	plc_nested_lookups(plc_setup(test, test->param_value));
}

/*
 * Turn hit statistics off until the end of the test, which plc_setup()
 * turned on: pcpu_lookup_cache_lookup() then runs its copy of the lookup
 * without the counters, the one users run by default, which the cases
 * with statistics on never reach. plc_expect_delta() then expects no hit
 * and no miss.
 */
static void plc_uncount(struct plc_ctx *ctx)
{
	struct kunit *test = ctx->test;
	unsigned int refs = pcpu_lookup_cache_hit_stats_refs();

	KUNIT_ASSERT_GE(test, refs, 1);
	pcpu_lookup_cache_hit_stats_put();
	/* Taken again before plc_setup()'s reference is put. */
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							plc_hit_stats_get_action,
							NULL), 0);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_hit_stats_refs(), refs - 1);
	if (pcpu_lookup_cache_hit_stats_enabled())
		kunit_skip(test,
			   "hit statistics are on for another reason (pcpu_lookup_cache.hit_stats=1?)");
	ctx->uncounted = true;
}

/* The cases of plc_test_nested_lookup(), with hit statistics off. */
static void plc_test_nested_lookup_uncounted(struct kunit *test)
{
	const struct plc_geom *geom = test->param_value;
	struct plc_ctx *ctx;

	/* Its flushes are slow; 1x16 runs the same 16 ways. */
	if (geom->sets == PCPU_LOOKUP_CACHE_MAX_SETS)
		kunit_skip(test, "1x16 covers the same ways");
	ctx = plc_setup(test, geom);
	plc_uncount(ctx);
	plc_nested_lookups(ctx);
}

/*
 * Contract 2 again, with keys whose home way is not way 0: a nested writer
 * between the read of the key's home way and the scan of the other ways,
 * which starts at way 0 and skips the home way, or anywhere in that scan.
 * The home way is in the middle of the set, then, where the set has
 * padding entries, the last padding entry, which a lookup reads although
 * no fill ever writes it.
 */
static void plc_nested_lookup_home(struct kunit *test, bool uncounted)
{
	const struct plc_geom *geom = test->param_value;
	unsigned int homes[2], nr_homes = 0, h, i;
	unsigned long next = 1;
	struct plc_ctx *ctx;

	if (geom->ways == 1)
		kunit_skip(test, "one way: a key's home way is way 0");
	/* Its flushes are slow; 1x16 runs the same 16 ways. */
	if (geom->sets == PCPU_LOOKUP_CACHE_MAX_SETS)
		kunit_skip(test, "1x16 covers the same ways");
	ctx = plc_setup(test, geom);
	if (uncounted)
		plc_uncount(ctx);
	homes[nr_homes++] = geom->ways / 2;
	if (ctx->cache.set_stride > geom->ways)
		homes[nr_homes++] = ctx->cache.set_stride - 1;
	for (h = 0; h < nr_homes; h++) {
		/* Empty the set of the previous keys, then make new ones. */
		plc_flush_local(ctx);
		ctx->home = homes[h];
		for (i = 0; i < ctx->nr_keys; i++) {
			ctx->keys[i] = plc_key_with_home(ctx, ctx->home, &next);
			ctx->obj_a[i] = (struct plc_obj){ ctx->keys[i], 1 };
			ctx->obj_b[i] = (struct plc_obj){ ctx->keys[i], 2 };
		}
		plc_set_order(ctx);
		plc_nested_lookups(ctx);
	}
}

static void plc_test_nested_lookup_home(struct kunit *test)
{
	plc_nested_lookup_home(test, false);
}

/* The cases of plc_test_nested_lookup_home(), with hit statistics off. */
static void plc_test_nested_lookup_home_uncounted(struct kunit *test)
{
	plc_nested_lookup_home(test, true);
}

/*
 * Contract 3: a hit returns PCPU_LOOKUP_CACHE_NO_TOKEN, which every fill
 * drops, also when the sequence has that value, and
 * pcpu_lookup_cache_token() a good token for a hit turned down.
 */
static void plc_hit_token(struct kunit *test, bool uncounted)
{
	struct plc_ctx *ctx = plc_setup(test, test->param_value);
	unsigned long token, key = ctx->keys[0];
	void *a = &ctx->obj_a[0], *b = &ctx->obj_b[0];

	if (uncounted)
		plc_uncount(ctx);

	KUNIT_EXPECT_NULL(test, plc_get(ctx, key, a));
	KUNIT_EXPECT_PTR_EQ(test, plc_lookup(ctx, key, &token), a);
	KUNIT_EXPECT_EQ(test, token, PCPU_LOOKUP_CACHE_NO_TOKEN);
	plc_fill(ctx, key, b, token);
	KUNIT_EXPECT_PTR_EQ(test, plc_lookup(ctx, key, NULL), a);
	/* Turned down: a good token, and the refill stores in place. */
	preempt_disable();
	token = pcpu_lookup_cache_token(&ctx->cache);
	preempt_enable();
	KUNIT_EXPECT_EQ(test, token,
			(unsigned long)atomic_long_read(&ctx->cache.seq));
	plc_fill(ctx, key, b, token);
	KUNIT_EXPECT_PTR_EQ(test, plc_lookup(ctx, key, NULL), b);
	plc_expect_delta(ctx, 3, 1, 2, 1, 0, 0);

	/* A miss whose token has that value: its fill is dropped too. */
	atomic_long_set(&ctx->cache.seq, (long)PCPU_LOOKUP_CACHE_NO_TOKEN - 1);
	plc_invalidate_local(ctx, key);
	KUNIT_EXPECT_NULL(test, plc_lookup(ctx, key, &token));
	KUNIT_EXPECT_EQ(test, token, PCPU_LOOKUP_CACHE_NO_TOKEN);
	plc_fill(ctx, key, a, token);
	KUNIT_EXPECT_NULL(test, plc_lookup(ctx, key, NULL));
	plc_expect_delta(ctx, 0, 2, 0, 1, 0, 1);
	/* The next advance wraps to 0, a token like any other. */
	plc_invalidate_local(ctx, key);
	KUNIT_EXPECT_NULL(test, plc_lookup(ctx, key, &token));
	KUNIT_EXPECT_EQ(test, token, 0);
	plc_fill(ctx, key, a, token);
	KUNIT_EXPECT_PTR_EQ(test, plc_lookup(ctx, key, NULL), a);
	plc_expect_delta(ctx, 1, 1, 1, 0, 0, 0);
}

static void plc_test_hit_token(struct kunit *test)
{
	plc_hit_token(test, false);
}

/* The cases of plc_test_hit_token(), with hit statistics off. */
static void plc_test_hit_token_uncounted(struct kunit *test)
{
	plc_hit_token(test, true);
}

/*
 * Contract 3, the lookup's side: a miss reads its token after it found the
 * key absent, at the TOKEN step, and a hit never gets there. A writer
 * nested right after that read that advances the sequence (an
 * invalidation, a flush, an invalidation that began on another CPU) makes
 * the fill with the token drop out; a refill, which does not, leaves it
 * good. The key is one of the set that is not cached.
 */
static void plc_nested_token(struct kunit *test, bool uncounted)
{
	static const enum plc_inject kinds[] = {
		PLC_INJ_INVALIDATE, PLC_INJ_FLUSH, PLC_INJ_ADVANCE,
		PLC_INJ_INVALIDATE_REFILL, PLC_INJ_REFILL,
	};
	struct plc_ctx *ctx = plc_setup(test, test->param_value);
	unsigned int w = ctx->cache.nr_ways, k;
	unsigned long token, key = ctx->keys[w];
	void *got;

	if (uncounted)
		plc_uncount(ctx);
	ctx->inject = plc_inject_lookup;
	for (k = 0; k < ARRAY_SIZE(kinds); k++) {
		snprintf(ctx->where, sizeof(ctx->where), "%s at the token",
			 plc_inject_name[kinds[k]]);
		plc_reset_set(ctx);
		plc_arm(ctx, PCPU_LOOKUP_CACHE_STEP_TOKEN, 0);
		KUNIT_EXPECT_PTR_EQ_MSG(test, plc_lookup(ctx, ctx->keys[0], NULL),
					(void *)&ctx->obj_a[0], "%s", ctx->where);
		KUNIT_EXPECT_EQ_MSG(test, ctx->fired, 0, "%s: a hit",
				    ctx->where);

		ctx->kind = kinds[k];
		ctx->target = key;
		ctx->new_val = &ctx->obj_b[w];
		plc_arm(ctx, PCPU_LOOKUP_CACHE_STEP_TOKEN, 0);
		got = plc_lookup(ctx, key, &token);
		ctx->armed = 0;
		KUNIT_EXPECT_NULL_MSG(test, got, "%s", ctx->where);
		KUNIT_EXPECT_EQ_MSG(test, ctx->fired, 1, "%s", ctx->where);
		plc_fill(ctx, key, &ctx->obj_a[w], token);
		got = plc_lookup(ctx, key, NULL);
		switch (kinds[k]) {
		case PLC_INJ_REFILL:
			/* Kept, in place of the refill, which evicted. */
			KUNIT_EXPECT_PTR_EQ_MSG(test, got,
						(void *)&ctx->obj_a[w], "%s",
						ctx->where);
			plc_expect_delta(ctx, 2, 1, 2, 0, 1, 0);
			break;
		case PLC_INJ_INVALIDATE_REFILL:
			/* Dropped; the nested user's fill stays. */
			KUNIT_EXPECT_PTR_EQ_MSG(test, got, ctx->new_val, "%s",
						ctx->where);
			plc_expect_delta(ctx, 2, 2, 1, 1, 1, 0);
			break;
		default:
			KUNIT_EXPECT_NULL_MSG(test, got, "%s", ctx->where);
			plc_expect_delta(ctx, 1, 2, 0, 1, 0,
					 kinds[k] == PLC_INJ_FLUSH ? w : 0);
			break;
		}
	}
}

static void plc_test_nested_token(struct kunit *test)
{
	plc_nested_token(test, false);
}

/* The cases of plc_test_nested_token(), with hit statistics off. */
static void plc_test_nested_token_uncounted(struct kunit *test)
{
	plc_nested_token(test, true);
}

/* The nested lookups and fills of plc_test_nested_fill(). */
static void plc_inject_fill(struct plc_ctx *ctx)
{
	struct pcpu_lookup_cache *cache = &ctx->cache;
	unsigned long token, key;
	unsigned int way;
	void *val;

	/*
	 * The key being written is seen only once it is stored (the
	 * FILL_KEY step), with its new value; the key it replaces never is.
	 */
	ctx->got_target = pcpu_lookup_cache_lookup(cache, ctx->target, &token);
	ctx->nested_misses += !ctx->got_target;
	if (ctx->prev && ctx->prev != ctx->target) {
		ctx->got_prev = pcpu_lookup_cache_lookup(cache, ctx->prev,
							 &token);
		ctx->nested_misses += !ctx->got_prev;
	}
	/* The other ways still hit, with their own values. */
	for (way = 0; way < cache->nr_ways; way++) {
		if (way == ctx->target_way)
			continue;
		key = READ_ONCE(plc_entry(ctx, ctx->cpu, way)->key);
		if (!key)
			continue;
		val = pcpu_lookup_cache_lookup(cache, key, &token);
		if (val && plc_key_of(val) == key)
			ctx->other_hits++;
		else
			ctx->other_bad++;
	}
	/* An NMI's fills, with a fresh token, are dropped. */
	token = pcpu_lookup_cache_token(cache);
	pcpu_lookup_cache_fill(cache, ctx->intruder,
			       &ctx->obj_a[ctx->nr_keys - 2], token);
	pcpu_lookup_cache_fill(cache, ctx->target, ctx->new_val, token);
}

/* One fill into way @t, chosen by @mode, interrupted at @step. */
static void plc_nested_fill_case(struct plc_ctx *ctx, enum plc_fill_mode mode,
				 enum pcpu_lookup_cache_step step,
				 unsigned int t)
{
	struct kunit *test = ctx->test;
	unsigned int w = ctx->cache.nr_ways, last = ctx->nr_keys - 1, i, n;
	bool whole = step == PCPU_LOOKUP_CACHE_STEP_FILL_KEY;
	unsigned long *k = ctx->keys, token;
	struct plc_obj *val;

	snprintf(ctx->where, sizeof(ctx->where), "fill (%s) at step %d way %u",
		 plc_fill_mode_name[mode], step, t);
	plc_reset_set(ctx);
	switch (mode) {
	case PLC_FILL_EMPTY:
		plc_invalidate_local(ctx, k[t]);
		ctx->target = k[last];
		val = &ctx->obj_a[last];
		ctx->new_val = &ctx->obj_b[last];
		break;
	case PLC_FILL_INPLACE:
		ctx->target = k[t];
		val = &ctx->obj_b[t];
		ctx->new_val = &ctx->obj_a[t];
		break;
	default:
		/* Advance the victim to way t. */
		n = (t + w - plc_victim(ctx)) % w;
		for (i = 0; i < n; i++)
			plc_get(ctx, k[w + i], &ctx->obj_a[w + i]);
		KUNIT_ASSERT_EQ(test, plc_victim(ctx), t);
		ctx->target = k[last];
		val = &ctx->obj_a[last];
		ctx->new_val = &ctx->obj_b[last];
		break;
	}
	ctx->prev = READ_ONCE(plc_entry(ctx, ctx->cpu, t)->key);
	plc_snapshot(ctx);
	ctx->target_way = t;
	ctx->got_target = ERR_PTR(-EINVAL);
	ctx->got_prev = NULL;
	ctx->other_hits = 0;
	ctx->other_bad = 0;
	ctx->nested_misses = 0;
	plc_arm(ctx, step, t);

	plc_lookup(ctx, 0, &token);
	plc_fill(ctx, ctx->target, val, token);

	KUNIT_EXPECT_EQ_MSG(test, ctx->fired, 1, "%s", ctx->where);
	ctx->armed = 0;
	/* Once the key is stored, the way is whole and a lookup of it hits. */
	KUNIT_EXPECT_PTR_EQ_MSG(test, ctx->got_target, whole ? (void *)val : NULL,
				"%s", ctx->where);
	KUNIT_EXPECT_NULL_MSG(test, ctx->got_prev, "%s", ctx->where);
	KUNIT_EXPECT_EQ_MSG(test, ctx->other_bad, 0, "%s", ctx->where);
	KUNIT_EXPECT_EQ_MSG(test, ctx->other_hits, w - 1, "%s", ctx->where);
	/* The outer fill completed; the nested ones left no trace. */
	KUNIT_EXPECT_EQ_MSG(test, READ_ONCE(plc_entry(ctx, ctx->cpu, t)->key),
			    ctx->target, "%s", ctx->where);
	KUNIT_EXPECT_PTR_EQ_MSG(test,
				READ_ONCE(plc_entry(ctx, ctx->cpu, t)->val),
				(void *)val, "%s", ctx->where);
	KUNIT_EXPECT_PTR_EQ_MSG(test, plc_lookup(ctx, ctx->target, NULL),
				(void *)val, "%s", ctx->where);
	KUNIT_EXPECT_NULL_MSG(test, plc_lookup(ctx, ctx->intruder, NULL), "%s",
			      ctx->where);
	n = 1;
	if (ctx->prev && ctx->prev != ctx->target) {
		KUNIT_EXPECT_NULL_MSG(test, plc_lookup(ctx, ctx->prev, NULL),
				      "%s", ctx->where);
		n++;
	}
	plc_expect_delta(ctx, ctx->other_hits + 1 + whole,
			 ctx->nested_misses + n, 1, 2, mode == PLC_FILL_EVICT, 0);
}

/*
 * Contract 2, fill side: a lookup or fill nested in a fill, after it
 * cleared the way's key, after it stored the value and after it stored
 * the key, for every way and for a fill into an empty way, in place and
 * by eviction. The nested lookups never see the half-written way, see the
 * whole new entry once the key is stored, and the nested fills (an NMI's)
 * are dropped.
 */
static void plc_nested_fill(struct kunit *test, bool uncounted)
{
	struct plc_ctx *ctx = plc_setup(test, test->param_value);
	enum pcpu_lookup_cache_step step;
	enum plc_fill_mode mode;
	unsigned int t;

	if (uncounted)
		plc_uncount(ctx);
	ctx->inject = plc_inject_fill;
	ctx->intruder = ctx->keys[ctx->nr_keys - 2];
	for (mode = 0; mode < PLC_NR_FILL_MODES; mode++)
		for (step = PCPU_LOOKUP_CACHE_STEP_FILL_CLEAR;
		     step <= PCPU_LOOKUP_CACHE_STEP_FILL_KEY; step++)
			for (t = 0; t < ctx->cache.nr_ways; t++)
				plc_nested_fill_case(ctx, mode, step, t);
}

static void plc_test_nested_fill(struct kunit *test)
{
	plc_nested_fill(test, false);
}

/* The cases of plc_test_nested_fill(), with hit statistics off. */
static void plc_test_nested_fill_uncounted(struct kunit *test)
{
	plc_nested_fill(test, true);
}

/* Fill an absent key of the set under test, with a fresh token. */
static void plc_fill_absent(struct plc_ctx *ctx)
{
	struct pcpu_lookup_cache *cache = &ctx->cache;
	unsigned long token;
	unsigned int i;

	for (i = 0; i < ctx->nr_keys; i++) {
		if (ctx->keys[i] == ctx->target ||
		    plc_way_of(ctx, ctx->keys[i]) >= 0)
			continue;
		if (!pcpu_lookup_cache_lookup(cache, ctx->keys[i], &token))
			pcpu_lookup_cache_fill(cache, ctx->keys[i],
					       &ctx->obj_a[i], token);
		ctx->nr_evict++;
		return;
	}
}

/*
 * The two nested writers of plc_test_nested_aba(): at STEP_VAL, fills of
 * other keys until one takes the target's way; at STEP_RECHECK, fills
 * until round-robin is back at that way, then a refill of the target,
 * which lands there again.
 */
static void plc_inject_aba(struct plc_ctx *ctx)
{
	struct pcpu_lookup_cache *cache = &ctx->cache;
	unsigned int i, w = cache->nr_ways;
	unsigned long token;

	if (ctx->step == PCPU_LOOKUP_CACHE_STEP_VAL) {
		for (i = 0; i < w && READ_ONCE(plc_entry(ctx, ctx->cpu,
							 ctx->target_way)->key) ==
				    ctx->target; i++)
			plc_fill_absent(ctx);
		ctx->step = PCPU_LOOKUP_CACHE_STEP_RECHECK;
		ctx->armed = 1;
		return;
	}
	for (i = 0; i < 2 * w && plc_victim(ctx) != ctx->target_way; i++)
		plc_fill_absent(ctx);
	if (!pcpu_lookup_cache_lookup(cache, ctx->target, &token))
		pcpu_lookup_cache_fill(cache, ctx->target, ctx->new_val, token);
}

/*
 * Contract 2 with two nested writers: between the lookup's read of the
 * key and of the value, its key is evicted from its way; between the
 * value and the recheck, round-robin brings the key back to the same way
 * with a new value. The key matches at both reads, but the value read is
 * another key's: the write count makes the lookup miss.
 */
static void plc_test_nested_aba(struct kunit *test)
{
	struct plc_ctx *ctx = plc_setup(test, test->param_value);
	unsigned int t;
	void *got;

	ctx->inject = plc_inject_aba;
	for (t = 0; t < ctx->cache.nr_ways; t++) {
		snprintf(ctx->where, sizeof(ctx->where), "ABA, key in way %u",
			 t);
		plc_reset_set(ctx);
		ctx->target = ctx->keys[t];
		ctx->target_way = t;
		ctx->new_val = &ctx->obj_b[t];
		ctx->nr_evict = 0;
		plc_arm(ctx, PCPU_LOOKUP_CACHE_STEP_VAL, t);

		got = plc_lookup(ctx, ctx->target, NULL);

		ctx->armed = 0;
		KUNIT_EXPECT_EQ_MSG(test, ctx->fired, 2, "%s", ctx->where);
		/* The scenario happened: the key is back in its way. */
		KUNIT_EXPECT_EQ_MSG(test, plc_way_of(ctx, ctx->target), (int)t,
				    "%s", ctx->where);
		KUNIT_EXPECT_NULL_MSG(test, got, "%s: got key %lu", ctx->where,
				      plc_key_of(got));
		KUNIT_EXPECT_PTR_EQ_MSG(test, plc_lookup(ctx, ctx->target, NULL),
					(void *)&ctx->obj_b[t], "%s",
					ctx->where);
	}
}

static const char * const plc_undo_name[] = {
	[PLC_UNDO_ADVANCE] = "no IPI",
	[PLC_UNDO_IPI] = "IPI",
	[PLC_UNDO_FLUSH] = "flush IPI",
};

/* An invalidation begins: its advance, and it finds the key not there. */
static void plc_inject_advance(struct plc_ctx *ctx)
{
	atomic_long_inc(&ctx->cache.seq);
}

/*
 * An invalidation's IPI lands in the fill (the fill runs with IRQs on):
 * the advance, then what the IPI does on this CPU. After it, an IRQ or NMI
 * on this CPU looks a new key up and fills it, with a fresh token: the
 * interrupted fill has not finished, so that fill is dropped.
 */
static void plc_inject_ipi(struct plc_ctx *ctx)
{
	unsigned long token;

	if (ctx->undo == PLC_UNDO_FLUSH)
		plc_flush_local(ctx);
	else
		plc_invalidate_local(ctx, ctx->target);
	ctx->got_target = pcpu_lookup_cache_lookup(&ctx->cache, ctx->intruder,
						   &token);
	pcpu_lookup_cache_fill(&ctx->cache, ctx->intruder,
			       &ctx->obj_a[ctx->nr_keys - 2], token);
}

/*
 * Contract 3, the undo: an invalidation that begins while a fill stores,
 * after its token check, at every step of the fill. Without an IPI here
 * (@kind PLC_UNDO_ADVANCE), it read the set before the key was there.
 * With one, the IPI lands in the fill and clears the key if the fill
 * already stored it, or the whole table for a flush. Either way the fill
 * sees the sequence move after its stores and empties the way again:
 * nothing stays cached, the fill counts as dropped, and the other ways of
 * the set keep their entries unless flushed. A fill nested after the IPI
 * is dropped too.
 */
static void plc_fill_undone(struct kunit *test, enum plc_undo kind)
{
	struct plc_ctx *ctx = plc_setup(test, test->param_value);
	unsigned int w = ctx->cache.nr_ways, last = ctx->nr_keys - 1, t, i;
	bool ipi = kind != PLC_UNDO_ADVANCE, flush = kind == PLC_UNDO_FLUSH;
	enum pcpu_lookup_cache_step step;
	unsigned long *k = ctx->keys, token;
	u64 cleared;

	ctx->inject = ipi ? plc_inject_ipi : plc_inject_advance;
	ctx->undo = kind;
	ctx->target = k[last];
	ctx->intruder = k[last - 1];
	for (step = PCPU_LOOKUP_CACHE_STEP_FILL_CLEAR;
	     step <= PCPU_LOOKUP_CACHE_STEP_FILL_KEY; step++) {
		for (t = 0; t < w; t++) {
			snprintf(ctx->where, sizeof(ctx->where),
				 "fill undone (%s) at step %d way %u",
				 plc_undo_name[kind], step, t);
			plc_reset_set(ctx);
			plc_invalidate_local(ctx, k[t]);
			plc_snapshot(ctx);
			ctx->got_target = NULL;
			plc_arm(ctx, step, t);

			plc_lookup(ctx, 0, &token);
			plc_fill(ctx, k[last], &ctx->obj_a[last], token);

			KUNIT_EXPECT_EQ_MSG(test, ctx->fired, 1, "%s",
					    ctx->where);
			ctx->armed = 0;
			KUNIT_EXPECT_EQ_MSG(test,
					    READ_ONCE(plc_entry(ctx, ctx->cpu,
								t)->key),
					    0, "%s", ctx->where);
			KUNIT_EXPECT_NULL_MSG(test,
					      READ_ONCE(plc_entry(ctx, ctx->cpu,
								  t)->val),
					      "%s", ctx->where);
			KUNIT_EXPECT_NULL_MSG(test, plc_lookup(ctx, k[last],
							       NULL),
					      "%s", ctx->where);
			/* The nested fill after the IPI left nothing. */
			KUNIT_EXPECT_NULL_MSG(test, ctx->got_target, "%s",
					      ctx->where);
			KUNIT_EXPECT_NULL_MSG(test, plc_lookup(ctx,
							       ctx->intruder,
							       NULL),
					      "%s", ctx->where);
			for (i = 0; i < w; i++) {
				void *got;

				if (i == t)
					continue;
				got = plc_lookup(ctx, k[i], NULL);
				KUNIT_EXPECT_PTR_EQ_MSG(test, got,
							flush ? NULL :
							(void *)&ctx->obj_a[i],
							"%s, way %u",
							ctx->where, i);
			}
			/*
			 * Dropped, not filled, and so is the nested fill; the
			 * lookups of the fill's key and of the intruder miss
			 * (and the nested one), the other ways hit unless
			 * flushed. The IPI counts what it cleared: the key if
			 * the fill had stored it, and for a flush the other
			 * ways too.
			 */
			cleared = ipi && step == PCPU_LOOKUP_CACHE_STEP_FILL_KEY;
			if (flush)
				cleared += w - 1;
			plc_expect_delta(ctx, flush ? 0 : w - 1,
					 flush ? w + 2 : ipi ? 3 : 2, 0,
					 ipi ? 2 : 1, 0, cleared);
			/* With a fresh token the same fill stores. */
			KUNIT_EXPECT_NULL_MSG(test, plc_get(ctx, k[last],
							    &ctx->obj_a[last]),
					      "%s", ctx->where);
			KUNIT_EXPECT_PTR_EQ_MSG(test, plc_lookup(ctx, k[last],
								 NULL),
						(void *)&ctx->obj_a[last],
						"%s", ctx->where);
		}
	}
}

static void plc_test_fill_undone(struct kunit *test)
{
	plc_fill_undone(test, PLC_UNDO_ADVANCE);
}

static void plc_test_fill_undone_after_ipi(struct kunit *test)
{
	plc_fill_undone(test, PLC_UNDO_IPI);
}

static void plc_test_fill_undone_after_flush_ipi(struct kunit *test)
{
	plc_fill_undone(test, PLC_UNDO_FLUSH);
}

static struct kunit_case plc_nested_test_cases[] = {
	/* About 80 flushes of the 2 MiB table of the largest geometry. */
	KUNIT_CASE_PARAM_ATTR(plc_test_nested_lookup, plc_geom_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE_PARAM(plc_test_nested_lookup_uncounted, plc_geom_gen_params),
	KUNIT_CASE_PARAM(plc_test_nested_lookup_home, plc_geom_gen_params),
	KUNIT_CASE_PARAM(plc_test_nested_lookup_home_uncounted,
			 plc_geom_gen_params),
	KUNIT_CASE_PARAM(plc_test_hit_token, plc_geom_gen_params),
	KUNIT_CASE_PARAM(plc_test_hit_token_uncounted, plc_geom_gen_params),
	KUNIT_CASE_PARAM(plc_test_nested_token, plc_geom_gen_params),
	KUNIT_CASE_PARAM(plc_test_nested_token_uncounted, plc_geom_gen_params),
	KUNIT_CASE_PARAM(plc_test_nested_fill, plc_geom_gen_params),
	KUNIT_CASE_PARAM(plc_test_nested_fill_uncounted, plc_geom_gen_params),
	KUNIT_CASE_PARAM(plc_test_fill_undone, plc_geom_gen_params),
	KUNIT_CASE_PARAM(plc_test_fill_undone_after_ipi, plc_geom_gen_params),
	KUNIT_CASE_PARAM(plc_test_fill_undone_after_flush_ipi,
			 plc_geom_gen_params),
	KUNIT_CASE_PARAM(plc_test_nested_aba, plc_geom_gen_params),
	{}
};

static struct kunit_suite plc_nested_test_suite = {
	.name = "pcpu_lookup_cache_nested",
	.test_cases = plc_nested_test_cases,
};

kunit_test_suite(plc_nested_test_suite);

MODULE_DESCRIPTION("KUnit tests for the per-CPU lookup cache: nested writers");
MODULE_LICENSE("GPL");
