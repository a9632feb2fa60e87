// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark of the per-CPU lookup cache against the tables it is meant to
 * sit in front of, in a kernel built without the KUnit test hooks of the
 * cache (CONFIG_PCPU_LOOKUP_CACHE_KUNIT_TEST=n), so that a hit is the
 * production fast path.
 *
 * Backing tables, over the same N objects:
 *  - hlist64, hlist512: an RCU hlist hashed like kprobes (hash_ptr() of the
 *    key into 1 << 6 or 1 << 9 heads, hlist_for_each_entry_rcu(), nodes
 *    allocated and inserted at the head in random order);
 *  - rht: an rhashtable keyed by the same unsigned long.
 * Keys look like kernel text addresses. Objects are 128 bytes, with the
 * list nodes and the key in their first cache line like struct kprobe.
 *
 * For each N and each hot set H of keys drawn from N, uniform and Zipf(1.0)
 * access sequences are precomputed; every variant runs the same sequence:
 * each table alone, each table behind a 64x4 and a 512x4 cache, each table
 * behind a minimal keyed lookup of 256 and of 2048 entries, and the limit
 * reference, a plain read of a precomputed per-CPU array slot.
 *
 * Two references bound the cost of a hit from below:
 *  - the limit reference ("ref"): no key at all, the array slot of the
 *    access is known in advance; a floor no keyed lookup can reach;
 *  - the minimal keyed lookup ("mkl256", "mkl2048"): a direct-mapped
 *    per-CPU table with as many entries as the 64x4 or the 512x4 cache,
 *    whose slot is picked with the library's hash (hash_long() of the key
 *    into log2(entries) + __PCPU_LOOKUP_CACHE_SKIP_BITS bits, the low
 *    log2(entries) of them), one key compare and one value load, no
 *    statistics and no retry. On a mismatch it looks the table up and
 *    stores key and value into the slot with plain stores, so it returns
 *    the right object every time; its hit ratio (conflicts of a direct
 *    mapped table) is counted in one more checking pass after the timed
 *    ones, outside the timed loop.
 *
 * The variants of a scenario are interleaved within each repetition, in an
 * order that rotates from one repetition to the next. Every measurement
 * flushes the cache (or empties the minimal keyed tables), runs the
 * sequence once while checking each result against the object the
 * sequence expects, once more to calibrate, then times whole passes with
 * preemption disabled for at least target_us; the sum of the returned
 * pointers must match. Hit statistics are off, as by default: the cache's
 * hit ratio counts a miss for each fill, which is counted either way.
 *
 * Also: the miss path (2 * ways keys of one set, so that round-robin
 * replacement misses every time) against the table alone on the same keys;
 * and, in pcpu_lookup_cache_bench_inval.c, invalidation of one key and of
 * a batch, and the loops of the unit suite's cost case (hit, limit
 * reference, miss + fill on a 1x1 cache).
 *
 * Each measurement prints one "plc_bench: kind ..." line of key/value
 * pairs; tools/harness/bench_tables.py turns them into the report. Times
 * are picoseconds per operation (ps) and whole loop durations (loop_ns).
 *
 * The scale is chosen with pcpu_lookup_cache_bench.scale=smoke|quick|full
 * on the kernel command line (default smoke: a few seconds, as in the
 * KUnit runs of 'make check'); reps=, target_us=, seq_len= and seed=
 * override the scale's values.
 */

#include <linux/hash.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "pcpu_lookup_cache_bench.h"

static char *scale = "smoke";
module_param(scale, charp, 0444);
MODULE_PARM_DESC(scale, "smoke (default), quick or full");
static unsigned int reps;
module_param(reps, uint, 0444);
MODULE_PARM_DESC(reps, "repetitions of every measurement (0: the scale's)");
static unsigned int target_us;
module_param(target_us, uint, 0444);
MODULE_PARM_DESC(target_us, "minimum timed loop length in us (0: the scale's)");
static unsigned int seq_len;
module_param(seq_len, uint, 0444);
MODULE_PARM_DESC(seq_len, "accesses in one pass of a sequence (0: the scale's)");
static unsigned int seed = 1;
module_param(seed, uint, 0444);
MODULE_PARM_DESC(seed, "seed of the key, allocation and sequence generator");

#define PLCB_MAX_N	40000
#define PLCB_MAX_HOT	16384
#define PLCB_HASH64	6	/* KPROBE_HASH_BITS in v6.12 */
#define PLCB_HASH512	9	/* the 2014 patch's enlarged kprobe hash */
#define PLCB_MAX_PASSES	100000
/* log2 of the entries of each minimal keyed table: 64 x 4 and 512 x 4 */
#define PLCB_MKL_BITS0	8
#define PLCB_MKL_BITS1	11

static_assert(1 << PLCB_MKL_BITS0 ==
	      PCPU_LOOKUP_CACHE_DEFAULT_SETS * PCPU_LOOKUP_CACHE_DEFAULT_WAYS);
static_assert(1 << PLCB_MKL_BITS1 == PLCB_MAX_SETS * 4);

struct plcb_scale {
	const char *name;
	unsigned int reps, target_us, seq_len;
	unsigned int nr_n, nr_hot;
	unsigned int n[3], hot[4];
};

static const struct plcb_scale plcb_scales[] = {
	{ "smoke", 1, 0, 1024, 1, 2, { 1000 }, { 16, 256 } },
	{ "quick", 3, 5000, 8192, 2, 3, { 1000, 10000 }, { 16, 256, 2048 } },
	{ "full", 7, 20000, 16384, 3, 4, { 1000, 10000, PLCB_MAX_N },
	  { 16, 256, 2048, PLCB_MAX_HOT } },
};

/* Like struct kprobe: the hash node and the key in the first cache line. */
struct plcb_obj {
	struct hlist_node hl64;		/* offset 0, as kprobe.hlist */
	struct hlist_node hl512;	/* where kprobe.list is */
	struct rhash_head rh;
	unsigned long key;		/* offset 40, as kprobe.addr */
	unsigned long pad[10];		/* 128 bytes, like struct kprobe */
};

enum plcb_table { PLCB_HLIST64, PLCB_HLIST512, PLCB_RHT, PLCB_NR_TABLES };

static const char * const plcb_table_names[] = {
	"hlist64", "hlist512", "rht",
};

static const struct rhashtable_params plcb_rht_params = {
	.head_offset = offsetof(struct plcb_obj, rh),
	.key_offset = offsetof(struct plcb_obj, key),
	.key_len = sizeof(unsigned long),
};

/* One access of a sequence: the key, and its slot in the reference. */
struct plcb_access {
	unsigned long key;
	unsigned long idx;
};

/* The limit reference's slots (pcpu_lookup_cache_bench.h). */
DEFINE_PER_CPU(struct plcb_ref, plcb_ref);

/* One slot of a minimal keyed table: key 0 is empty (no key is 0). */
struct plcb_mkl_entry {
	unsigned long key;
	struct plcb_obj *val;
};

/* This CPU's minimal keyed tables, one per geometry of plcb_geom. */
struct plcb_mkl {
	struct plcb_mkl_entry *tab[PLCB_NR_GEOM];
};

static DEFINE_PER_CPU(struct plcb_mkl, plcb_mkl);

static u32 plcb_rand(struct plcb_ctx *c, u32 bound)
{
	return (u32)mul_u64_u32_shr(bound, prandom_u32_state(&c->rnd), 32);
}

/* The table lookups, out of line like get_kprobe(). Under RCU. */
static noinline struct plcb_obj *
plcb_hlist64_lookup(struct plcb_ctx *c, unsigned long key)
{
	struct hlist_head *head = &c->hl64[hash_ptr((void *)key, PLCB_HASH64)];
	struct plcb_obj *p;

	hlist_for_each_entry_rcu(p, head, hl64) {
		if (p->key == key)
			return p;
	}
	return NULL;
}

static noinline struct plcb_obj *
plcb_hlist512_lookup(struct plcb_ctx *c, unsigned long key)
{
	struct hlist_head *head = &c->hl512[hash_ptr((void *)key, PLCB_HASH512)];
	struct plcb_obj *p;

	hlist_for_each_entry_rcu(p, head, hl512) {
		if (p->key == key)
			return p;
	}
	return NULL;
}

static noinline struct plcb_obj *
plcb_rht_lookup(struct plcb_ctx *c, unsigned long key)
{
	return rhashtable_lookup(&c->rht, &key, plcb_rht_params);
}

static __always_inline struct plcb_obj *
plcb_table_lookup(struct plcb_ctx *c, enum plcb_table t, unsigned long key)
{
	switch (t) {
	case PLCB_HLIST64:
		return plcb_hlist64_lookup(c, key);
	case PLCB_HLIST512:
		return plcb_hlist512_lookup(c, key);
	default:
		return plcb_rht_lookup(c, key);
	}
}

/*
 * One pass over @seq: the table alone or, if @cached, behind @cache, as a
 * user of the cache would call it. @cached is a constant in each instance,
 * so that the table-alone and the cached loops carry no test of it. With
 * @want, count the results that are not the expected object. Returns the
 * sum of the results.
 */
static __always_inline unsigned long
plcb_pass(struct plcb_ctx *c, enum plcb_table t, bool cached,
	  struct pcpu_lookup_cache *cache, const struct plcb_access *seq,
	  unsigned int len, struct plcb_obj **want, unsigned int *bad)
{
	unsigned long sum = 0, token;
	struct plcb_obj *p;
	unsigned int i;

	for (i = 0; i < len; i++) {
		unsigned long key = seq[i].key;

		if (cached) {
			p = pcpu_lookup_cache_lookup(cache, key, &token);
			if (!p) {
				p = plcb_table_lookup(c, t, key);
				pcpu_lookup_cache_fill(cache, key, p, token);
			}
		} else {
			p = plcb_table_lookup(c, t, key);
		}
		if (want && p != want[i])
			(*bad)++;
		sum += (unsigned long)p;
	}
	return sum;
}

/*
 * The minimal keyed lookup of @key in this CPU's table @g of 1 << @bits
 * entries: the library's hash, one key compare, one value load. On a
 * mismatch, the table @t and plain stores of key and value. With @miss,
 * count the mismatches.
 */
static __always_inline struct plcb_obj *
plcb_mkl_lookup(struct plcb_ctx *c, enum plcb_table t, unsigned int g,
		unsigned int bits, unsigned long key, unsigned int *miss)
{
	struct plcb_mkl_entry *e;
	struct plcb_obj *p;

	e = &this_cpu_ptr(&plcb_mkl)->tab[g][hash_long(key, bits +
						     __PCPU_LOOKUP_CACHE_SKIP_BITS) &
					     ((1U << bits) - 1)];
	if (likely(READ_ONCE(e->key) == key))
		return READ_ONCE(e->val);
	p = plcb_table_lookup(c, t, key);
	e->key = key;
	e->val = p;
	if (miss)
		(*miss)++;
	return p;
}

/* One pass over @seq through the minimal keyed table @g, as plcb_pass(). */
static __always_inline unsigned long
plcb_mkl_pass(struct plcb_ctx *c, enum plcb_table t, unsigned int g,
	      unsigned int bits, const struct plcb_access *seq,
	      unsigned int len, struct plcb_obj **want, unsigned int *bad,
	      unsigned int *miss)
{
	unsigned long sum = 0;
	struct plcb_obj *p;
	unsigned int i;

	for (i = 0; i < len; i++) {
		p = plcb_mkl_lookup(c, t, g, bits, seq[i].key, miss);
		if (want && p != want[i])
			(*bad)++;
		sum += (unsigned long)p;
	}
	return sum;
}

/* The limit reference: this CPU's precomputed slot for each access. */
static __always_inline unsigned long
plcb_ref_pass(const struct plcb_access *seq, unsigned int len,
	      struct plcb_obj **want, unsigned int *bad)
{
	unsigned long sum = 0;
	unsigned int i;
	void *p;

	for (i = 0; i < len; i++) {
		p = READ_ONCE(this_cpu_ptr(&plcb_ref)->slot[seq[i].idx]);
		if (want && p != want[i])
			(*bad)++;
		sum += (unsigned long)p;
	}
	return sum;
}

/*
 * The passes of the variants, with one signature: @cache is the cache of
 * the variant's geometry, @want and @bad are NULL in a timed pass, and
 * three constants follow, 0 where a pass has no use for them: the table
 * and, for the table alone or behind the cache, whether it is cached,
 * for the minimal keyed lookup, its table @g of 1 << @bits entries.
 */
static __always_inline unsigned long
plcb_table_variant(struct plcb_ctx *c, struct pcpu_lookup_cache *cache,
		   const struct plcb_access *seq, unsigned int len,
		   struct plcb_obj **want, unsigned int *bad,
		   enum plcb_table t, bool cached, unsigned int unused)
{
	return plcb_pass(c, t, cached, cache, seq, len, want, bad);
}

/* A checking pass (@bad set) also counts the minimal keyed misses. */
static __always_inline unsigned long
plcb_mkl_variant(struct plcb_ctx *c, struct pcpu_lookup_cache *cache,
		 const struct plcb_access *seq, unsigned int len,
		 struct plcb_obj **want, unsigned int *bad,
		 enum plcb_table t, unsigned int g, unsigned int bits)
{
	if (bad)
		c->mkl_misses = 0;
	return plcb_mkl_pass(c, t, g, bits, seq, len, want, bad,
			     bad ? &c->mkl_misses : NULL);
}

static __always_inline unsigned long
plcb_ref_variant(struct plcb_ctx *c, struct pcpu_lookup_cache *cache,
		 const struct plcb_access *seq, unsigned int len,
		 struct plcb_obj **want, unsigned int *bad,
		 enum plcb_table t, unsigned int u1, unsigned int u2)
{
	return plcb_ref_pass(seq, len, want, bad);
}

/* The timed and the checking instance of each variant: @pass(@t, @a, @b). */
#define PLCB_RUN(name, pass, t, a, b)					\
static noinline unsigned long						\
plcb_run_##name(struct plcb_ctx *c, struct pcpu_lookup_cache *cache,	\
		const struct plcb_access *seq, unsigned int len,	\
		unsigned int passes)					\
{									\
	unsigned long sum = 0;						\
									\
	while (passes--)						\
		sum += pass(c, cache, seq, len, NULL, NULL, t, a, b);	\
	return sum;							\
}

#define PLCB_CHECK(name, pass, t, a, b)					\
static noinline unsigned int						\
plcb_check_##name(struct plcb_ctx *c, struct pcpu_lookup_cache *cache,	\
		  const struct plcb_access *seq, unsigned int len,	\
		  struct plcb_obj **want, unsigned long *sum)		\
{									\
	unsigned int bad = 0;						\
									\
	*sum = pass(c, cache, seq, len, want, &bad, t, a, b);		\
	return bad;							\
}

PLCB_RUN(ref, plcb_ref_variant, 0, 0, 0)
PLCB_RUN(hlist64, plcb_table_variant, PLCB_HLIST64, false, 0)
PLCB_RUN(hlist512, plcb_table_variant, PLCB_HLIST512, false, 0)
PLCB_RUN(rht, plcb_table_variant, PLCB_RHT, false, 0)
PLCB_RUN(hlist64_cached, plcb_table_variant, PLCB_HLIST64, true, 0)
PLCB_RUN(hlist512_cached, plcb_table_variant, PLCB_HLIST512, true, 0)
PLCB_RUN(rht_cached, plcb_table_variant, PLCB_RHT, true, 0)
PLCB_CHECK(ref, plcb_ref_variant, 0, 0, 0)
PLCB_CHECK(hlist64, plcb_table_variant, PLCB_HLIST64, false, 0)
PLCB_CHECK(hlist512, plcb_table_variant, PLCB_HLIST512, false, 0)
PLCB_CHECK(rht, plcb_table_variant, PLCB_RHT, false, 0)
PLCB_CHECK(hlist64_cached, plcb_table_variant, PLCB_HLIST64, true, 0)
PLCB_CHECK(hlist512_cached, plcb_table_variant, PLCB_HLIST512, true, 0)
PLCB_CHECK(rht_cached, plcb_table_variant, PLCB_RHT, true, 0)
/* The minimal keyed lookup: table @g of 1 << @bits entries. */
PLCB_RUN(hlist64_mkl0, plcb_mkl_variant, PLCB_HLIST64, 0, PLCB_MKL_BITS0)
PLCB_RUN(hlist64_mkl1, plcb_mkl_variant, PLCB_HLIST64, 1, PLCB_MKL_BITS1)
PLCB_RUN(hlist512_mkl0, plcb_mkl_variant, PLCB_HLIST512, 0, PLCB_MKL_BITS0)
PLCB_RUN(hlist512_mkl1, plcb_mkl_variant, PLCB_HLIST512, 1, PLCB_MKL_BITS1)
PLCB_RUN(rht_mkl0, plcb_mkl_variant, PLCB_RHT, 0, PLCB_MKL_BITS0)
PLCB_RUN(rht_mkl1, plcb_mkl_variant, PLCB_RHT, 1, PLCB_MKL_BITS1)
PLCB_CHECK(hlist64_mkl0, plcb_mkl_variant, PLCB_HLIST64, 0, PLCB_MKL_BITS0)
PLCB_CHECK(hlist64_mkl1, plcb_mkl_variant, PLCB_HLIST64, 1, PLCB_MKL_BITS1)
PLCB_CHECK(hlist512_mkl0, plcb_mkl_variant, PLCB_HLIST512, 0,
	   PLCB_MKL_BITS0)
PLCB_CHECK(hlist512_mkl1, plcb_mkl_variant, PLCB_HLIST512, 1,
	   PLCB_MKL_BITS1)
PLCB_CHECK(rht_mkl0, plcb_mkl_variant, PLCB_RHT, 0, PLCB_MKL_BITS0)
PLCB_CHECK(rht_mkl1, plcb_mkl_variant, PLCB_RHT, 1, PLCB_MKL_BITS1)

struct plcb_variant {
	const char *table;
	int geom;			/* index in plcb_geom, -1: no cache */
	int mkl;			/* minimal keyed table, index as geom */
	unsigned long (*run)(struct plcb_ctx *c,
			     struct pcpu_lookup_cache *cache,
			     const struct plcb_access *seq, unsigned int len,
			     unsigned int passes);
	unsigned int (*check)(struct plcb_ctx *c,
			      struct pcpu_lookup_cache *cache,
			      const struct plcb_access *seq, unsigned int len,
			      struct plcb_obj **want, unsigned long *sum);
};

#define PLCB_V(tname, g, fn) \
	{ tname, g, -1, plcb_run_##fn, plcb_check_##fn }
#define PLCB_VM(tname, m, fn) \
	{ tname, -1, m, plcb_run_##fn, plcb_check_##fn }

static const struct plcb_variant plcb_variants[] = {
	PLCB_V("ref", -1, ref),
	PLCB_V("hlist64", -1, hlist64),
	PLCB_V("hlist64", 0, hlist64_cached),
	PLCB_VM("hlist64", 0, hlist64_mkl0),
	PLCB_V("hlist64", 1, hlist64_cached),
	PLCB_VM("hlist64", 1, hlist64_mkl1),
	PLCB_V("hlist512", -1, hlist512),
	PLCB_V("hlist512", 0, hlist512_cached),
	PLCB_VM("hlist512", 0, hlist512_mkl0),
	PLCB_V("hlist512", 1, hlist512_cached),
	PLCB_VM("hlist512", 1, hlist512_mkl1),
	PLCB_V("rht", -1, rht),
	PLCB_V("rht", 0, rht_cached),
	PLCB_VM("rht", 0, rht_mkl0),
	PLCB_V("rht", 1, rht_cached),
	PLCB_VM("rht", 1, rht_mkl1),
};

static const struct plcb_variant *plcb_uncached[PLCB_NR_TABLES] = {
	&plcb_variants[1], &plcb_variants[6], &plcb_variants[11],
};

static const struct plcb_variant *plcb_cached[PLCB_NR_TABLES] = {
	&plcb_variants[2], &plcb_variants[7], &plcb_variants[12],
};

/* hit_permille: of the timed passes (cache), of a warm pass (mkl), or -1. */
struct plcb_result {
	u64 ops, ns;
	u64 hits, misses;
	long long hit_permille;
};

/* Empty the minimal keyed tables of every CPU, as a flush of the cache. */
static void plcb_mkl_clear(void)
{
	unsigned int cpu, g;

	for_each_possible_cpu(cpu) {
		for (g = 0; g < PLCB_NR_GEOM; g++)
			memset(per_cpu_ptr(&plcb_mkl, cpu)->tab[g], 0,
			       plcb_geom[g][0] * plcb_geom[g][1] *
			       sizeof(struct plcb_mkl_entry));
	}
}

/*
 * Flush the cache, run @len accesses of @seq once while checking every
 * result, once more to see how long a warm pass takes, then time enough
 * whole passes to last target_us. A minimal keyed lookup then runs one
 * more checking pass, untimed and on the same CPU, that counts its misses:
 * every pass after the first leaves its table as it found it, so that is
 * the miss count of each timed pass.
 */
static void plcb_measure(struct plcb_ctx *c, const struct plcb_variant *v,
			 const struct plcb_access *seq, unsigned int len,
			 struct plcb_obj **want, unsigned long want_sum,
			 struct plcb_result *r)
{
	struct kunit *test = c->test;
	struct pcpu_lookup_cache *cache = v->geom >= 0 ? &c->cache[v->geom] : NULL;
	struct pcpu_lookup_cache_stats s0 = {}, s1 = {};
	unsigned long sum, warm_sum = 0;
	unsigned int bad, passes, cpu;
	u64 t0, t;

	if (cache)
		KUNIT_ASSERT_EQ(test, pcpu_lookup_cache_flush(cache), 0);
	if (v->mkl >= 0)
		plcb_mkl_clear();

	rcu_read_lock();
	preempt_disable();
	bad = v->check(c, cache, seq, len, want, &sum);
	t0 = ktime_get_ns();
	v->run(c, cache, seq, len, 1);
	t = ktime_get_ns() - t0;
	preempt_enable();
	rcu_read_unlock();
	KUNIT_ASSERT_EQ_MSG(test, bad, 0, "%s cache %d: wrong objects",
			    v->table, v->geom);
	KUNIT_ASSERT_EQ(test, sum, want_sum);

	passes = clamp_t(u64, div64_u64((u64)c->target_us * 1000, t ?: 1), 1,
			 PLCB_MAX_PASSES);

	rcu_read_lock();
	preempt_disable();
	cpu = smp_processor_id();
	if (cache)
		pcpu_lookup_cache_stats_cpu(cache, cpu, &s0);
	t0 = ktime_get_ns();
	sum = v->run(c, cache, seq, len, passes);
	t = ktime_get_ns() - t0;
	if (cache)
		pcpu_lookup_cache_stats_cpu(cache, cpu, &s1);
	if (v->mkl >= 0)
		bad = v->check(c, cache, seq, len, want, &warm_sum);
	preempt_enable();
	rcu_read_unlock();

	KUNIT_ASSERT_EQ(test, sum, want_sum * passes);
	r->ops = (u64)len * passes;
	r->ns = t;
	r->hits = 0;
	r->misses = 0;
	r->hit_permille = -1;
	if (cache) {
		/*
		 * Timed with hit statistics off, the default (contract point
		 * 7): the misses are counted by their fills instead. Every
		 * miss of a pass fills, since the table holds every key, and
		 * a fill is either kept or dropped.
		 */
		r->misses = s1.fills + s1.dropped - s0.fills - s0.dropped;
		KUNIT_ASSERT_LE(test, r->misses, r->ops);
		r->hits = r->ops - r->misses;
		r->hit_permille = div64_u64(r->hits * 1000, r->ops);
	}
	if (v->mkl >= 0) {
		KUNIT_ASSERT_EQ_MSG(test, bad, 0, "%s mkl %d: wrong objects",
				    v->table, v->mkl);
		KUNIT_ASSERT_EQ(test, warm_sum, want_sum);
		r->hit_permille = div_u64((u64)(len - c->mkl_misses) * 1000,
					  len);
	}
}

static unsigned long plcb_key(struct plcb_ctx *c, unsigned int i)
{
	/* One key in each 1 KiB of "text", 16-byte aligned within it. */
	return PLCB_TEXT + (unsigned long)i * 1024 + plcb_rand(c, 64) * 16;
}

/* N objects, allocated and inserted at the head in random key order. */
static void plcb_build(struct plcb_ctx *c, unsigned int n)
{
	struct kunit *test = c->test;
	struct rhashtable_params p = plcb_rht_params;
	unsigned int *order, i, j;

	c->n = n;
	c->objs = kunit_kcalloc(test, n, sizeof(*c->objs), GFP_KERNEL);
	c->hl64 = kunit_kcalloc(test, 1 << PLCB_HASH64, sizeof(*c->hl64),
				GFP_KERNEL);
	c->hl512 = kunit_kcalloc(test, 1 << PLCB_HASH512, sizeof(*c->hl512),
				 GFP_KERNEL);
	order = kunit_kcalloc(test, n, sizeof(*order), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c->objs);
	KUNIT_ASSERT_NOT_NULL(test, c->hl64);
	KUNIT_ASSERT_NOT_NULL(test, c->hl512);
	KUNIT_ASSERT_NOT_NULL(test, order);

	p.nelem_hint = n;
	KUNIT_ASSERT_EQ(test, rhashtable_init(&c->rht, &p), 0);
	c->rht_ok = true;

	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = n - 1; i > 0; i--) {
		j = plcb_rand(c, i + 1);
		swap(order[i], order[j]);
	}
	for (i = 0; i < n; i++) {
		struct plcb_obj *o = kzalloc(sizeof(*o), GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, o);
		o->key = plcb_key(c, order[i]);
		c->objs[order[i]] = o;
		hlist_add_head_rcu(&o->hl64,
				   &c->hl64[hash_ptr((void *)o->key,
						     PLCB_HASH64)]);
		hlist_add_head_rcu(&o->hl512,
				   &c->hl512[hash_ptr((void *)o->key,
						      PLCB_HASH512)]);
		KUNIT_ASSERT_EQ(test, rhashtable_insert_fast(&c->rht, &o->rh,
							     plcb_rht_params),
				0);
	}
}

static void plcb_teardown(struct plcb_ctx *c)
{
	unsigned int i, cpu;

	if (c->rht_ok)
		rhashtable_destroy(&c->rht);
	c->rht_ok = false;
	if (c->objs) {
		for (i = 0; i < c->n; i++)
			kfree(c->objs[i]);
	}
	for (i = 0; i < PLCB_NR_GEOM; i++)
		pcpu_lookup_cache_destroy(&c->cache[i]);
	if (c->stats_on)
		pcpu_lookup_cache_hit_stats_put();
	c->stats_on = false;
	/* KUnit frees the minimal keyed tables after the case. */
	for_each_possible_cpu(cpu) {
		for (i = 0; i < PLCB_NR_GEOM; i++)
			per_cpu_ptr(&plcb_mkl, cpu)->tab[i] = NULL;
	}
}

static int plcb_init(struct kunit *test)
{
	struct plcb_ctx *c;
	unsigned int i, cpu;

	c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	c->test = test;
	/*
	 * Hit statistics stay off, as by default (contract point 7), except
	 * in the cost case's loops, which turn them on to count their hits
	 * and misses: plcb_measure() counts misses by their fills.
	 */
	c->sc = &plcb_scales[0];
	for (i = 0; i < ARRAY_SIZE(plcb_scales); i++) {
		if (scale && !strcmp(scale, plcb_scales[i].name))
			c->sc = &plcb_scales[i];
	}
	c->reps = reps ?: c->sc->reps;
	c->target_us = target_us ?: c->sc->target_us;
	c->seq_len = seq_len ?: c->sc->seq_len;
	prandom_seed_state(&c->rnd, seed);
	for (i = 0; i < PLCB_NR_GEOM; i++) {
		int ret = pcpu_lookup_cache_init(&c->cache[i], plcb_geom[i][0],
						 plcb_geom[i][1]);

		if (ret) {
			plcb_teardown(c);
			return ret;
		}
	}
	/* Power-of-two sizes: kmalloc() aligns them to their size. */
	for_each_possible_cpu(cpu) {
		for (i = 0; i < PLCB_NR_GEOM; i++) {
			struct plcb_mkl_entry *tab;

			tab = kunit_kcalloc(test,
					    plcb_geom[i][0] * plcb_geom[i][1],
					    sizeof(*tab), GFP_KERNEL);
			if (!tab) {
				plcb_teardown(c);
				return -ENOMEM;
			}
			per_cpu_ptr(&plcb_mkl, cpu)->tab[i] = tab;
		}
	}
	test->priv = c;
	return 0;
}

static void plcb_exit(struct kunit *test)
{
	/* KUnit calls exit also when init failed, before it set priv. */
	if (test->priv)
		plcb_teardown(test->priv);
}

/* Per-CPU reference slots for @hot ranks: slot[rank] = object. */
static void plcb_ref_setup(struct plcb_ctx *c, unsigned int hot)
{
	struct kunit *test = c->test;
	unsigned int cpu, r;

	for_each_possible_cpu(cpu) {
		void **slot = kunit_kcalloc(test, hot, sizeof(*slot),
					    GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, slot);
		for (r = 0; r < hot; r++)
			slot[r] = c->objs[c->hot[r]];
		per_cpu_ptr(&plcb_ref, cpu)->slot = slot;
	}
}

static void plcb_ref_clear(struct plcb_ctx *c)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		kunit_kfree(c->test, per_cpu_ptr(&plcb_ref, cpu)->slot);
		per_cpu_ptr(&plcb_ref, cpu)->slot = NULL;
	}
}

/* The sequence of @len accesses to @hot ranks, uniform or Zipf(1.0). */
static void plcb_make_seq(struct plcb_ctx *c, unsigned int hot, bool zipf)
{
	unsigned int i, rank, lo, hi;
	u64 r;

	c->want_sum = 0;
	for (i = 0; i < c->seq_len; i++) {
		if (!zipf) {
			rank = plcb_rand(c, hot);
		} else {
			r = mul_u64_u32_shr(c->cdf[hot - 1],
					    prandom_u32_state(&c->rnd), 32);
			/* The first rank whose cumulative weight exceeds r. */
			lo = 0;
			hi = hot - 1;
			while (lo < hi) {
				unsigned int mid = lo + (hi - lo) / 2;

				if (c->cdf[mid] > r)
					hi = mid;
				else
					lo = mid + 1;
			}
			rank = lo;
		}
		c->seq[i].key = c->objs[c->hot[rank]]->key;
		c->seq[i].idx = rank;
		c->want[i] = c->objs[c->hot[rank]];
		c->want_sum += (unsigned long)c->want[i];
	}
}

static void plcb_report(struct plcb_ctx *c, const struct plcb_variant *v,
			unsigned int hot, const char *dist, unsigned int rep,
			const struct plcb_result *r)
{
	char geom[16] = "none";

	if (v->geom >= 0)
		snprintf(geom, sizeof(geom), "%ux%u", plcb_geom[v->geom][0],
			 plcb_geom[v->geom][1]);
	else if (v->mkl >= 0)
		snprintf(geom, sizeof(geom), "mkl%u",
			 plcb_geom[v->mkl][0] * plcb_geom[v->mkl][1]);
	kunit_info(c->test,
		   "plc_bench: kind lookup table %s cache %s n %u hot %u dist %s rep %u ps %llu ops %llu loop_ns %llu hit_permille %lld\n",
		   v->table, geom, c->n, hot, dist, rep,
		   plcb_ps(r->ns, r->ops), r->ops, r->ns, r->hit_permille);
}

static void plcb_scenarios(struct plcb_ctx *c)
{
	struct kunit *test = c->test;
	unsigned int h, d, rep, k, i, nv = ARRAY_SIZE(plcb_variants);
	struct plcb_result res;

	c->hot = kunit_kcalloc(test, PLCB_MAX_HOT, sizeof(*c->hot), GFP_KERNEL);
	c->cdf = kunit_kcalloc(test, PLCB_MAX_HOT, sizeof(*c->cdf), GFP_KERNEL);
	c->seq = kunit_kcalloc(test, c->seq_len, sizeof(*c->seq), GFP_KERNEL);
	c->want = kunit_kcalloc(test, c->seq_len, sizeof(*c->want), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c->hot);
	KUNIT_ASSERT_NOT_NULL(test, c->cdf);
	KUNIT_ASSERT_NOT_NULL(test, c->seq);
	KUNIT_ASSERT_NOT_NULL(test, c->want);

	for (i = 0; i < PLCB_MAX_HOT; i++)
		c->cdf[i] = (i ? c->cdf[i - 1] : 0) + div_u64(1ULL << 32, i + 1);

	for (h = 0; h < c->sc->nr_hot; h++) {
		unsigned int hot = c->sc->hot[h];
		unsigned int *perm;

		if (hot > c->n)
			continue;
		/* The hot set: @hot distinct keys, ranked at random. */
		perm = kunit_kcalloc(test, c->n, sizeof(*perm), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, perm);
		for (i = 0; i < c->n; i++)
			perm[i] = i;
		for (i = 0; i < hot; i++) {
			k = i + plcb_rand(c, c->n - i);
			swap(perm[i], perm[k]);
			c->hot[i] = perm[i];
		}
		kunit_kfree(test, perm);
		plcb_ref_setup(c, hot);

		for (d = 0; d < 2; d++) {
			const char *dist = d ? "zipf" : "uniform";

			plcb_make_seq(c, hot, d);
			for (rep = 0; rep < c->reps; rep++) {
				for (k = 0; k < nv; k++) {
					const struct plcb_variant *v;

					v = &plcb_variants[(k + rep) % nv];
					plcb_measure(c, v, c->seq, c->seq_len,
						     c->want, c->want_sum, &res);
					plcb_report(c, v, hot, dist, rep, &res);
				}
				cond_resched();
			}
		}
		plcb_ref_clear(c);
	}
}

/*
 * The miss path: 2 * ways keys of one set, in turn, so that every lookup
 * misses, then looks the table up and fills. The keys also share their
 * home way, way 0, so that no guest is ever evicted ahead of the victim
 * (keys of other home ways could then hit). Round-robin replacement
 * keeps a key at most 2 * ways - 1 fills after a flush, whatever way the
 * set's victim index points to, and exactly ways fills after that, so no
 * key is still cached when it comes back. (With ways + 1 keys a lookup
 * hits while the victim index is not yet in step with the fills.) Against
 * the table alone on the same keys.
 */
static void plcb_miss_path(struct plcb_ctx *c)
{
	struct kunit *test = c->test;
	unsigned int g, i, t, rep, nk, len = c->seq_len;
	struct plcb_access *seq;
	struct plcb_obj **want;

	seq = kunit_kcalloc(test, len, sizeof(*seq), GFP_KERNEL);
	want = kunit_kcalloc(test, len, sizeof(*want), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seq);
	KUNIT_ASSERT_NOT_NULL(test, want);

	for (g = 0; g < PLCB_NR_GEOM; g++) {
		struct pcpu_lookup_cache *cache = &c->cache[g];
		unsigned int ways = plcb_geom[g][1], set = 0;
		struct plcb_obj *pick[2 * PCPU_LOOKUP_CACHE_MAX_WAYS];
		unsigned long want_sum = 0;

		/* The first set whose way 0 is home to 2 * ways of the keys. */
		for (nk = 0; set < plcb_geom[g][0] && nk < 2 * ways; set++) {
			for (nk = 0, i = 0; i < c->n && nk < 2 * ways; i++) {
				if (__pcpu_lookup_cache_home_offset(cache,
								    c->objs[i]->key) ==
				    (size_t)set << cache->set_order)
					pick[nk++] = c->objs[i];
			}
		}
		if (nk < 2 * ways) {
			kunit_info(test,
				   "plc_bench: kind note n %u cache %ux%u miss_path not_measured keys_in_one_set_needed %u\n",
				   c->n, plcb_geom[g][0], ways, 2 * ways);
			continue;
		}
		/* Whole cycles, so that the next pass misses from its start. */
		len = c->seq_len - c->seq_len % nk;
		for (i = 0; i < len; i++) {
			want[i] = pick[i % nk];
			seq[i].key = want[i]->key;
			want_sum += (unsigned long)want[i];
		}

		for (rep = 0; rep < c->reps; rep++) {
			for (t = 0; t < PLCB_NR_TABLES; t++) {
				const struct plcb_variant *vu = plcb_uncached[t];
				const struct plcb_variant *vc = plcb_cached[t];
				struct plcb_variant v = *vc;
				struct plcb_result ru, rc;

				v.geom = g;
				if (rep & 1) {
					plcb_measure(c, &v, seq, len, want,
						     want_sum, &rc);
					plcb_measure(c, vu, seq, len, want,
						     want_sum, &ru);
				} else {
					plcb_measure(c, vu, seq, len, want,
						     want_sum, &ru);
					plcb_measure(c, &v, seq, len, want,
						     want_sum, &rc);
				}
				/* Every lookup missed: no hit, ever. */
				KUNIT_ASSERT_EQ(test, rc.hits, 0);
				KUNIT_ASSERT_EQ(test, rc.misses, rc.ops);
				kunit_info(test,
					   "plc_bench: kind miss table %s cache %ux%u n %u rep %u uncached_ps %llu cached_ps %llu misses %llu ops %llu loop_ns %llu\n",
					   plcb_table_names[t],
					   plcb_geom[g][0], ways, c->n, rep,
					   plcb_ps(ru.ns, ru.ops),
					   plcb_ps(rc.ns, rc.ops), rc.misses,
					   rc.ops, min(ru.ns, rc.ns));
			}
			cond_resched();
		}
	}
}

static const unsigned int *plcb_n_list(unsigned int *nr)
{
	const struct plcb_scale *sc = &plcb_scales[0];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(plcb_scales); i++) {
		if (scale && !strcmp(scale, plcb_scales[i].name))
			sc = &plcb_scales[i];
	}
	*nr = sc->nr_n;
	return sc->n;
}

static const void *plcb_n_gen_params(struct kunit *test, const void *prev,
				     char *desc)
{
	const unsigned int *n, *first;
	unsigned int nr;

	first = plcb_n_list(&nr);
	n = prev ? (const unsigned int *)prev + 1 : first;
	if (n >= first + nr)
		return NULL;
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "n=%u", *n);
	return n;
}

/* The smallest step of ktime_get_ns() seen, to show the loops are longer. */
static u64 plcb_clock_step(void)
{
	u64 t, prev = ktime_get_ns(), step = U64_MAX;
	unsigned int i;

	for (i = 0; i < 1000; i++) {
		while ((t = ktime_get_ns()) == prev)
			cpu_relax();
		step = min(step, t - prev);
		prev = t;
	}
	return step;
}

/* Lookups and the miss path, for one N of the chosen scale. */
static void plcb_test_tables(struct kunit *test)
{
	struct plcb_ctx *c = test->priv;
	unsigned int n = *(const unsigned int *)test->param_value;

	kunit_info(test,
		   "plc_bench: kind config scale %s reps %u target_us %u seq_len %u seed %u n %u cpus %u obj_bytes %zu clock_step_ns %llu hit_stats %d\n",
		   c->sc->name, c->reps, c->target_us, c->seq_len, seed, n,
		   num_online_cpus(), sizeof(struct plcb_obj),
		   plcb_clock_step(),
		   pcpu_lookup_cache_hit_stats_enabled());
	/* A different seed per N, reproducible. */
	prandom_seed_state(&c->rnd, (u64)seed << 32 | n);
	plcb_build(c, n);
	plcb_scenarios(c);
	plcb_miss_path(c);
}

static struct kunit_case plcb_cases[] = {
	KUNIT_CASE_ATTR(plcb_test_invalidate_cost,
			{ .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE_PARAM_ATTR(plcb_test_tables, plcb_n_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	{}
};

static struct kunit_suite plcb_suite = {
	.name = "pcpu_lookup_cache_bench",
	.init = plcb_init,
	.exit = plcb_exit,
	.test_cases = plcb_cases,
};

kunit_test_suite(plcb_suite);

MODULE_DESCRIPTION("Benchmark of the per-CPU lookup cache against RCU hash tables");
MODULE_LICENSE("GPL");
