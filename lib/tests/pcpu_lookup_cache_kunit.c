// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the per-CPU lookup cache, lib/pcpu_lookup_cache.c.
 *
 * The single-CPU cases pin the test thread to one CPU and check the
 * replacement order, the statistics and every interleaving of a nested
 * writer with a lookup or a fill exactly, reading the tables white-box
 * where the API cannot tell. The cross-CPU, CPU hotplug and stress cases
 * need SMP and skip on uniprocessor kernels such as ARCH=um.
 */

#include <kunit/resource.h>
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/irqflags.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pcpu_lookup_cache.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/uio.h>

MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");

KUNIT_DEFINE_ACTION_WRAPPER(plc_destroy_action, pcpu_lookup_cache_destroy,
			    struct pcpu_lookup_cache *);
KUNIT_DEFINE_ACTION_WRAPPER(plc_debugfs_remove_action, debugfs_remove,
			    struct dentry *);

/* A value: the object the backing structure holds for @key. */
struct plc_obj {
	unsigned long key;
	unsigned int version;
};

struct plc_geom {
	unsigned int sets;
	unsigned int ways;
	const char *name;
};

static const struct plc_geom plc_geoms[] = {
	{ 1, 1, "1x1" },
	{ 1, 16, "1x16" },
	{ 16, 3, "16x3" },
	{ 8, 5, "8x5" },
	{ 64, 4, "64x4" },
	{ 512, 4, "512x4" },
	{ PCPU_LOOKUP_CACHE_MAX_SETS, PCPU_LOOKUP_CACHE_MAX_WAYS, "max" },
};

KUNIT_ARRAY_PARAM_DESC(plc_geom, plc_geoms, name);

/* What a nested writer does to an interrupted lookup. */
enum plc_inject {
	PLC_INJ_INVALIDATE,
	PLC_INJ_FLUSH,
	PLC_INJ_REFILL,
	PLC_INJ_EVICT,
	PLC_INJ_INVALIDATE_REFILL,
	PLC_NR_INJ,
};

static const char * const plc_inject_name[] = {
	[PLC_INJ_INVALIDATE] = "invalidate",
	[PLC_INJ_FLUSH] = "flush",
	[PLC_INJ_REFILL] = "refill",
	[PLC_INJ_EVICT] = "evict",
	[PLC_INJ_INVALIDATE_REFILL] = "invalidate+refill",
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

/**
 * struct plc_ctx - state of one single-CPU test
 * @cache: the cache under test, its test_hook is plc_hook()
 * @test: the test
 * @cpu: the CPU the test thread is pinned to
 * @set: the set under test, the last one (its end is the table's end)
 * @nr_keys: number of @keys, 2 * ways + 2
 * @keys: keys that all map to @set
 * @obj_a: first object of each key
 * @obj_b: second object of each key
 * @base: this CPU's counters at the last plc_expect_delta()
 * @base_sum: all CPUs' counters at the last plc_expect_delta()
 * @where: what the test is doing, for failure messages
 * @armed: the hook fires at the next (@step, @way)
 * @step: where the hook fires
 * @way: where the hook fires
 * @fired: number of times the hook fired
 * @inject: what the hook does when it fires
 * @kind: the nested writer of a lookup
 * @target: the key of the interrupted lookup or fill
 * @target_way: the way @target is in, or that the fill writes
 * @new_val: the value a nested refill stores
 * @nr_evict: fills the nested evicting writer made
 * @prev: the key that a fill replaces, 0 if none
 * @intruder: the key a fill nested in a fill tries to store
 * @got_target: what a lookup nested in a fill returned for @target
 * @got_prev: what a lookup nested in a fill returned for @prev
 * @other_hits: lookups of the other ways' keys nested in a fill that hit
 * @other_bad: lookups of the other ways' keys that did not return their
 *	own value
 * @nested_misses: misses of lookups nested in a fill
 */
struct plc_ctx {
	struct pcpu_lookup_cache cache;
	struct kunit *test;
	unsigned int cpu;
	unsigned int set;
	unsigned int nr_keys;
	unsigned long *keys;
	struct plc_obj *obj_a;
	struct plc_obj *obj_b;
	struct pcpu_lookup_cache_stats base;
	struct pcpu_lookup_cache_stats base_sum;
	char where[96];

	unsigned int armed;
	enum pcpu_lookup_cache_step step;
	unsigned int way;
	unsigned int fired;
	void (*inject)(struct plc_ctx *ctx);

	enum plc_inject kind;
	unsigned long target;
	unsigned int target_way;
	void *new_val;
	unsigned int nr_evict;
	unsigned long prev;
	unsigned long intruder;
	void *got_target;
	void *got_prev;
	unsigned int other_hits;
	unsigned int other_bad;
	unsigned int nested_misses;
};

/* The key of a value returned by a lookup, 0 for NULL. */
static unsigned long plc_key_of(const void *val)
{
	return val ? ((const struct plc_obj *)val)->key : 0;
}

/* Collect @n distinct nonzero keys, in increasing order, that map to @set. */
static void plc_collide(struct kunit *test,
			const struct pcpu_lookup_cache *cache,
			unsigned int set, unsigned long *keys, unsigned int n)
{
	unsigned long key;
	unsigned int i = 0;

	for (key = 1; i < n; key++) {
		KUNIT_ASSERT_LT(test, key, 1UL << 30);
		if (__pcpu_lookup_cache_set_index(cache, key) == set)
			keys[i++] = key;
	}
}

/* Skip a geometry this machine has no room for, rather than hit OOM. */
static void plc_need_memory(struct kunit *test, unsigned int sets,
			    unsigned int ways)
{
	u64 need = (u64)pcpu_lookup_cache_cpu_bytes(sets, ways) *
		   num_possible_cpus();
	u64 avail = (u64)si_mem_available() << PAGE_SHIFT;

	if (need * 2 > avail)
		kunit_skip(test, "%ux%u needs %llu bytes, only %llu available",
			   sets, ways, need, avail);
}

/* Keep the test thread on the CPU it runs on; return that CPU. */
static unsigned int plc_pin(struct kunit *test)
{
	unsigned int cpu = raw_smp_processor_id();

	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current, cpumask_of(cpu)), 0);
	KUNIT_ASSERT_EQ(test, raw_smp_processor_id(), cpu);
	return cpu;
}

static void plc_hook(struct pcpu_lookup_cache *cache,
		     enum pcpu_lookup_cache_step step, unsigned int way)
{
	struct plc_ctx *ctx = container_of(cache, struct plc_ctx, cache);

	if (!ctx->armed || step != ctx->step || way != ctx->way)
		return;
	/* Disarm first: the nested lookups and fills call the hook again. */
	ctx->armed = 0;
	ctx->fired++;
	ctx->inject(ctx);
}

static void plc_snapshot(struct plc_ctx *ctx)
{
	pcpu_lookup_cache_stats_cpu(&ctx->cache, ctx->cpu, &ctx->base);
	pcpu_lookup_cache_stats_sum(&ctx->cache, &ctx->base_sum);
}

/*
 * Check that this CPU's counters, and their sum over all CPUs, changed by
 * exactly these amounts since the last check, then take a new baseline.
 */
static void plc_expect_delta(struct plc_ctx *ctx, u64 hits, u64 misses,
			     u64 fills, u64 dropped, u64 evictions,
			     u64 invalidations)
{
	struct kunit *test = ctx->test;
	struct pcpu_lookup_cache_stats s, sum;

	pcpu_lookup_cache_stats_cpu(&ctx->cache, ctx->cpu, &s);
	pcpu_lookup_cache_stats_sum(&ctx->cache, &sum);
	KUNIT_EXPECT_EQ_MSG(test, s.hits - ctx->base.hits, hits, "%s", ctx->where);
	KUNIT_EXPECT_EQ_MSG(test, s.misses - ctx->base.misses, misses, "%s",
			    ctx->where);
	KUNIT_EXPECT_EQ_MSG(test, s.fills - ctx->base.fills, fills, "%s",
			    ctx->where);
	KUNIT_EXPECT_EQ_MSG(test, s.dropped - ctx->base.dropped, dropped, "%s",
			    ctx->where);
	KUNIT_EXPECT_EQ_MSG(test, s.evictions - ctx->base.evictions, evictions,
			    "%s", ctx->where);
	KUNIT_EXPECT_EQ_MSG(test, s.invalidations - ctx->base.invalidations,
			    invalidations, "%s", ctx->where);
	/* Everything happened on this CPU. */
	KUNIT_EXPECT_EQ_MSG(test, sum.hits - ctx->base_sum.hits, hits, "%s",
			    ctx->where);
	KUNIT_EXPECT_EQ_MSG(test, sum.misses - ctx->base_sum.misses, misses,
			    "%s", ctx->where);
	KUNIT_EXPECT_EQ_MSG(test, sum.fills - ctx->base_sum.fills, fills, "%s",
			    ctx->where);
	KUNIT_EXPECT_EQ_MSG(test, sum.dropped - ctx->base_sum.dropped, dropped,
			    "%s", ctx->where);
	KUNIT_EXPECT_EQ_MSG(test, sum.evictions - ctx->base_sum.evictions,
			    evictions, "%s", ctx->where);
	KUNIT_EXPECT_EQ_MSG(test,
			    sum.invalidations - ctx->base_sum.invalidations,
			    invalidations, "%s", ctx->where);
	ctx->base = s;
	ctx->base_sum = sum;
}

/* White-box: way @way of the set under test on @cpu. */
static struct pcpu_lookup_cache_entry *plc_entry(struct plc_ctx *ctx,
						 unsigned int cpu,
						 unsigned int way)
{
	return __pcpu_lookup_cache_set(&ctx->cache,
				       per_cpu_ptr(ctx->cache.pcpu, cpu),
				       ctx->set) + way;
}

/* White-box: the way of the set under test on this CPU holding @key. */
static int plc_way_of(struct plc_ctx *ctx, unsigned long key)
{
	unsigned int way;

	for (way = 0; way < ctx->cache.nr_ways; way++)
		if (READ_ONCE(plc_entry(ctx, ctx->cpu, way)->key) == key)
			return way;
	return -1;
}

/* White-box: the next way the set under test evicts on this CPU. */
static unsigned int plc_victim(struct plc_ctx *ctx)
{
	return per_cpu_ptr(ctx->cache.pcpu, ctx->cpu)->victim[ctx->set];
}

static void *plc_lookup(struct plc_ctx *ctx, unsigned long key,
			unsigned long *token)
{
	unsigned long unused;
	void *val;

	preempt_disable();
	val = pcpu_lookup_cache_lookup(&ctx->cache, key, token ?: &unused);
	preempt_enable();
	return val;
}

static void plc_fill(struct plc_ctx *ctx, unsigned long key, void *val,
		     unsigned long token)
{
	preempt_disable();
	pcpu_lookup_cache_fill(&ctx->cache, key, val, token);
	preempt_enable();
}

/* Look @key up as a user does and fill @val on a miss. */
static void *plc_get(struct plc_ctx *ctx, unsigned long key, void *val)
{
	unsigned long token;
	void *found;

	preempt_disable();
	found = pcpu_lookup_cache_lookup(&ctx->cache, key, &token);
	if (!found)
		pcpu_lookup_cache_fill(&ctx->cache, key, val, token);
	preempt_enable();
	return found;
}

static void plc_invalidate_local(struct plc_ctx *ctx, unsigned long key)
{
	unsigned long flags;

	/* As in the IPI. */
	local_irq_save(flags);
	pcpu_lookup_cache_invalidate_local(&ctx->cache, &key, 1);
	local_irq_restore(flags);
}

static void plc_flush_local(struct plc_ctx *ctx)
{
	unsigned long flags;

	local_irq_save(flags);
	pcpu_lookup_cache_flush_local(&ctx->cache);
	local_irq_restore(flags);
}

/* Set up a cache of @geom on this CPU, with colliding keys and objects. */
static struct plc_ctx *plc_setup(struct kunit *test,
				 const struct plc_geom *geom)
{
	struct plc_ctx *ctx;
	unsigned int i;

	plc_need_memory(test, geom->sets, geom->ways);
	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_ASSERT_EQ(test, pcpu_lookup_cache_init(&ctx->cache, geom->sets,
						     geom->ways), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, plc_destroy_action,
							&ctx->cache), 0);
	ctx->cache.test_hook = plc_hook;
	ctx->test = test;
	ctx->cpu = plc_pin(test);
	ctx->set = geom->sets - 1;
	ctx->nr_keys = 2 * geom->ways + 2;
	ctx->keys = kunit_kcalloc(test, ctx->nr_keys, sizeof(*ctx->keys),
				  GFP_KERNEL);
	ctx->obj_a = kunit_kcalloc(test, ctx->nr_keys, sizeof(*ctx->obj_a),
				   GFP_KERNEL);
	ctx->obj_b = kunit_kcalloc(test, ctx->nr_keys, sizeof(*ctx->obj_b),
				   GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->keys);
	KUNIT_ASSERT_NOT_NULL(test, ctx->obj_a);
	KUNIT_ASSERT_NOT_NULL(test, ctx->obj_b);
	plc_collide(test, &ctx->cache, ctx->set, ctx->keys, ctx->nr_keys);
	for (i = 0; i < ctx->nr_keys; i++) {
		ctx->obj_a[i] = (struct plc_obj){ ctx->keys[i], 1 };
		ctx->obj_b[i] = (struct plc_obj){ ctx->keys[i], 2 };
	}
	snprintf(ctx->where, sizeof(ctx->where), "%s", geom->name);
	plc_snapshot(ctx);
	return ctx;
}

/*
 * Empty the set under test, then fill keys[0..ways-1] with their first
 * objects: they land in ways 0, 1, ... in order.
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
		KUNIT_ASSERT_EQ(test, plc_way_of(ctx, ctx->keys[i]), i);
	}
	plc_snapshot(ctx);
}

/* --- geometry, errors, API misuse ------------------------------------ */

/**
 * struct plc_alloc_log - what the static stubs of the allocator saw
 * @calls: allocation attempts
 * @fail_at: the attempt to fail, counting from 1; 0 for none
 * @nr: successful allocations, recorded in @ptr and @size
 * @max: room in @ptr
 * @ptr: the allocations
 * @size: their sizes
 * @node: their nodes
 * @freed: times each allocation was freed
 * @null_frees: frees of NULL
 * @bad_frees: frees of pointers the stub did not return
 */
struct plc_alloc_log {
	unsigned int calls;
	unsigned int fail_at;
	unsigned int nr;
	unsigned int max;
	void **ptr;
	size_t *size;
	int *node;
	unsigned int *freed;
	unsigned int null_frees;
	unsigned int bad_frees;
};

static void *plc_stub_alloc(size_t size, int node)
{
	struct kunit *test = kunit_get_current_test();
	struct plc_alloc_log *log = test->priv;
	void *p;

	if (++log->calls == log->fail_at || log->nr == log->max)
		return NULL;
	p = kvzalloc_node(size, GFP_KERNEL, node);
	if (p) {
		log->ptr[log->nr] = p;
		log->size[log->nr] = size;
		log->node[log->nr] = node;
		log->nr++;
	}
	return p;
}

static void plc_stub_free(void *p)
{
	struct kunit *test = kunit_get_current_test();
	struct plc_alloc_log *log = test->priv;
	unsigned int i;

	if (!p) {
		log->null_frees++;
		return;
	}
	for (i = 0; i < log->nr; i++) {
		if (log->ptr[i] == p) {
			log->freed[i]++;
			kvfree(p);
			return;
		}
	}
	log->bad_frees++;
	kvfree(p);
}

static struct plc_alloc_log *plc_stub_allocator(struct kunit *test)
{
	struct plc_alloc_log *log;

	log = kunit_kzalloc(test, sizeof(*log), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, log);
	log->max = 2 * num_possible_cpus();
	log->ptr = kunit_kcalloc(test, log->max, sizeof(*log->ptr), GFP_KERNEL);
	log->size = kunit_kcalloc(test, log->max, sizeof(*log->size),
				  GFP_KERNEL);
	log->node = kunit_kcalloc(test, log->max, sizeof(*log->node),
				  GFP_KERNEL);
	log->freed = kunit_kcalloc(test, log->max, sizeof(*log->freed),
				   GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, log->ptr);
	KUNIT_ASSERT_NOT_NULL(test, log->size);
	KUNIT_ASSERT_NOT_NULL(test, log->node);
	KUNIT_ASSERT_NOT_NULL(test, log->freed);
	test->priv = log;
	kunit_activate_static_stub(test, pcpu_lookup_cache_alloc,
				   plc_stub_alloc);
	kunit_activate_static_stub(test, pcpu_lookup_cache_free, plc_stub_free);
	return log;
}

static void plc_log_reset(struct plc_alloc_log *log, unsigned int fail_at)
{
	log->calls = 0;
	log->fail_at = fail_at;
	log->nr = 0;
	log->null_frees = 0;
	log->bad_frees = 0;
	memset(log->freed, 0, log->max * sizeof(*log->freed));
}

/* Every allocation was freed exactly once, and nothing else was. */
static void plc_expect_all_freed(struct kunit *test, struct plc_alloc_log *log)
{
	unsigned int i;

	for (i = 0; i < log->nr; i++)
		KUNIT_EXPECT_EQ_MSG(test, log->freed[i], 1,
				    "allocation %u of %u (fail_at %u)", i,
				    log->nr, log->fail_at);
	KUNIT_EXPECT_EQ(test, log->bad_frees, 0);
}

/* Every entry point that needs an initialised cache refuses @cache. */
static void plc_expect_uninitialised(struct kunit *test,
				     struct pcpu_lookup_cache *cache)
{
	struct pcpu_lookup_cache_stats s;
	unsigned long key = 1;

	KUNIT_EXPECT_NULL(test, (void __force *)cache->pcpu);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_invalidate(cache, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_invalidate_many(cache, &key, 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_invalidate_many(cache, NULL, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_flush(cache), -EINVAL);
	cpus_read_lock();
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_invalidate_cpuslocked(cache, 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test,
			pcpu_lookup_cache_invalidate_many_cpuslocked(cache, &key, 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_flush_cpuslocked(cache), -EINVAL);
	cpus_read_unlock();
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_suspend(cache), -EINVAL);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_resume(cache), -EINVAL);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_debugfs_create(cache, "x", NULL),
			-EINVAL);
	KUNIT_EXPECT_NULL(test, cache->debugfs);
	memset(&s, 0xff, sizeof(s));
	pcpu_lookup_cache_stats_cpu(cache, raw_smp_processor_id(), &s);
	KUNIT_EXPECT_EQ(test, s.hits | s.misses | s.fills | s.dropped |
			s.evictions | s.invalidations, 0);
	memset(&s, 0xff, sizeof(s));
	pcpu_lookup_cache_stats_sum(cache, &s);
	KUNIT_EXPECT_EQ(test, s.hits | s.misses | s.fills | s.dropped |
			s.evictions | s.invalidations, 0);
}

/* pcpu_lookup_cache_cpu_bytes() against the header's formula. */
static void plc_test_cpu_bytes(struct kunit *test)
{
	static const struct { unsigned int sets, ways; } bad[] = {
		{ 0, 4 }, { 3, 4 }, { 96, 4 },
		{ PCPU_LOOKUP_CACHE_MAX_SETS * 2, 4 }, { 1U << 31, 4 },
		{ 64, 0 }, { 64, PCPU_LOOKUP_CACHE_MAX_WAYS + 1 },
		{ 64, UINT_MAX }, { 0, 0 },
	};
	const size_t hdr = sizeof(struct pcpu_lookup_cache_cpu);
	const size_t ent = sizeof(struct pcpu_lookup_cache_entry);
	unsigned int i, ways;

	KUNIT_EXPECT_EQ(test, ent, 2 * sizeof(long));
	if (IS_ENABLED(CONFIG_64BIT)) {
		/* The numbers the header documents. */
		KUNIT_EXPECT_EQ(test, hdr, 80);
		KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_cpu_bytes(64, 4), 4240);
	}
	/* The stride: 1, 2, 4, 4 for 1..4 ways, then the ways themselves. */
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_cpu_bytes(1, 1), 1 * ent + 1 + hdr);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_cpu_bytes(1, 2), 2 * ent + 1 + hdr);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_cpu_bytes(2, 3),
			2 * 4 * ent + 2 + hdr);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_cpu_bytes(2, 4),
			2 * 4 * ent + 2 + hdr);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_cpu_bytes(2, 5),
			2 * 5 * ent + 2 + hdr);
	for (ways = 5; ways <= PCPU_LOOKUP_CACHE_MAX_WAYS; ways++)
		KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_cpu_bytes(1024, ways),
				1024 * ways * ent + 1024 + hdr);
	KUNIT_EXPECT_EQ(test,
			pcpu_lookup_cache_cpu_bytes(PCPU_LOOKUP_CACHE_MAX_SETS,
						    PCPU_LOOKUP_CACHE_MAX_WAYS),
			(size_t)PCPU_LOOKUP_CACHE_MAX_SETS *
			PCPU_LOOKUP_CACHE_MAX_WAYS * ent +
			PCPU_LOOKUP_CACHE_MAX_SETS + hdr);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    pcpu_lookup_cache_cpu_bytes(bad[i].sets,
								bad[i].ways),
				    0, "%ux%u", bad[i].sets, bad[i].ways);
}

/*
 * A bad geometry is refused with -EINVAL before anything is allocated,
 * even on a cache full of garbage, and destroy is then safe, twice.
 */
static void plc_test_init_einval(struct kunit *test)
{
	static const struct { unsigned int sets, ways; } bad[] = {
		{ 0, 4 }, { 3, 4 }, { 6, 4 }, { 96, 4 },
		{ PCPU_LOOKUP_CACHE_MAX_SETS + 1, 4 },
		{ PCPU_LOOKUP_CACHE_MAX_SETS * 2, 4 }, { 1U << 31, 4 },
		{ UINT_MAX, 4 }, { 64, 0 }, { 64, PCPU_LOOKUP_CACHE_MAX_WAYS + 1 },
		{ 64, UINT_MAX }, { 0, 0 },
	};
	struct plc_alloc_log *log = plc_stub_allocator(test);
	struct pcpu_lookup_cache *cache;
	unsigned int i;

	cache = kunit_kmalloc(test, sizeof(*cache), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cache);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(cache, 0xa5, sizeof(*cache));
		plc_log_reset(log, 0);
		KUNIT_EXPECT_EQ_MSG(test, pcpu_lookup_cache_init(cache, bad[i].sets,
								 bad[i].ways),
				    -EINVAL, "%ux%u", bad[i].sets, bad[i].ways);
		KUNIT_EXPECT_EQ_MSG(test, log->calls, 0, "%ux%u", bad[i].sets,
				    bad[i].ways);
		plc_expect_uninitialised(test, cache);
		pcpu_lookup_cache_destroy(cache);
		pcpu_lookup_cache_destroy(cache);
		KUNIT_EXPECT_EQ(test, log->calls, 0);
		KUNIT_EXPECT_EQ(test, log->nr + log->null_frees + log->bad_frees,
				0);
	}
}

/*
 * A valid geometry: every allocation is the documented size on the
 * CPU's node, the fields are as documented, and destroy frees every
 * allocation once; destroying again frees nothing.
 */
static void plc_test_init_destroy(struct kunit *test)
{
	const struct plc_geom *geom = test->param_value;
	unsigned int stride = geom->ways <= 4 ?
			      roundup_pow_of_two(geom->ways) : geom->ways;
	struct pcpu_lookup_cache *cache;
	struct plc_alloc_log *log;
	unsigned int i, cpu;

	plc_need_memory(test, geom->sets, geom->ways);
	log = plc_stub_allocator(test);
	cache = kunit_kzalloc(test, sizeof(*cache), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cache);
	memset(cache, 0x5a, sizeof(*cache));
	plc_log_reset(log, 0);
	KUNIT_ASSERT_EQ(test, pcpu_lookup_cache_init(cache, geom->sets,
						     geom->ways), 0);
	KUNIT_EXPECT_NOT_NULL(test, (void __force *)cache->pcpu);
	KUNIT_EXPECT_NULL(test, cache->debugfs);
	KUNIT_EXPECT_NULL(test, cache->test_hook);
	KUNIT_EXPECT_EQ(test, cache->nr_sets, geom->sets);
	KUNIT_EXPECT_EQ(test, cache->nr_ways, geom->ways);
	KUNIT_EXPECT_EQ(test, cache->set_stride, stride);
	KUNIT_EXPECT_GE(test, cache->hash_bits, 1);
	KUNIT_EXPECT_EQ(test, 1UL << cache->hash_bits,
			max(geom->sets, 2U));
	KUNIT_EXPECT_EQ(test, log->calls, 2 * num_possible_cpus());
	KUNIT_ASSERT_EQ(test, log->nr, 2 * num_possible_cpus());
	i = 0;
	for_each_possible_cpu(cpu) {
		struct pcpu_lookup_cache_cpu *pc = per_cpu_ptr(cache->pcpu, cpu);

		KUNIT_EXPECT_PTR_EQ(test, (void *)pc->entries, log->ptr[i]);
		KUNIT_EXPECT_EQ(test, log->size[i],
				(size_t)geom->sets * stride *
				sizeof(struct pcpu_lookup_cache_entry));
		KUNIT_EXPECT_EQ(test, log->node[i], cpu_to_node(cpu));
		KUNIT_EXPECT_PTR_EQ(test, (void *)pc->victim, log->ptr[i + 1]);
		KUNIT_EXPECT_EQ(test, log->size[i + 1], geom->sets);
		KUNIT_EXPECT_EQ(test, log->node[i + 1], cpu_to_node(cpu));
		KUNIT_EXPECT_EQ(test, pc->fill_busy, 0);
		KUNIT_EXPECT_EQ(test, log->size[i] + log->size[i + 1] +
				sizeof(*pc),
				pcpu_lookup_cache_cpu_bytes(geom->sets,
							    geom->ways));
		i += 2;
	}
	/* Every key maps into the table. */
	for (i = 0; i < 4096; i++)
		KUNIT_EXPECT_LT(test,
				__pcpu_lookup_cache_set_index(cache, i * 0x9e37UL),
				geom->sets);
	pcpu_lookup_cache_destroy(cache);
	KUNIT_EXPECT_NULL(test, (void __force *)cache->pcpu);
	plc_expect_all_freed(test, log);
	pcpu_lookup_cache_destroy(cache);
	plc_expect_all_freed(test, log);
	KUNIT_EXPECT_EQ(test, log->calls, 2 * num_possible_cpus());
	plc_expect_uninitialised(test, cache);
}

/*
 * Fail the k-th allocation for k = 1, 2, ... until init succeeds: -ENOMEM
 * each time, every successful allocation freed, the cache left
 * uninitialised, destroy safe twice.
 */
static void plc_test_init_enomem(struct kunit *test)
{
	const struct plc_geom *geom = test->param_value;
	unsigned int k, total = 2 * num_possible_cpus();
	struct pcpu_lookup_cache *cache;
	struct plc_alloc_log *log;
	int ret;

	plc_need_memory(test, geom->sets, geom->ways);
	log = plc_stub_allocator(test);
	cache = kunit_kzalloc(test, sizeof(*cache), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cache);
	for (k = 1; ; k++) {
		KUNIT_ASSERT_LE(test, k, total + 1);
		plc_log_reset(log, k);
		ret = pcpu_lookup_cache_init(cache, geom->sets, geom->ways);
		if (!ret)
			break;
		KUNIT_EXPECT_EQ_MSG(test, ret, -ENOMEM, "fail_at %u", k);
		/* It may try the other table of the CPU before giving up. */
		KUNIT_EXPECT_GE_MSG(test, log->calls, k, "fail_at %u", k);
		KUNIT_EXPECT_LE_MSG(test, log->calls, k + 1, "fail_at %u", k);
		KUNIT_EXPECT_EQ_MSG(test, log->nr, log->calls - 1, "fail_at %u",
				    k);
		plc_expect_all_freed(test, log);
		plc_expect_uninitialised(test, cache);
		pcpu_lookup_cache_destroy(cache);
		pcpu_lookup_cache_destroy(cache);
		plc_expect_all_freed(test, log);
	}
	/* Init succeeded only once no allocation failed. */
	KUNIT_EXPECT_EQ(test, k, total + 1);
	KUNIT_EXPECT_EQ(test, log->nr, total);
	KUNIT_EXPECT_EQ(test, log->null_frees, 0);
	pcpu_lookup_cache_destroy(cache);
	plc_expect_all_freed(test, log);
	plc_expect_uninitialised(test, cache);
}

/*
 * Read a debugfs file of the cache into @buf; return its length. The file
 * is a seq_file behind the debugfs proxy, which has no read_iter for
 * kernel_read(): read it with seq_read_iter() into a kvec instead.
 */
static ssize_t plc_read_debugfs(struct kunit *test, const char *path,
				char *buf, size_t len)
{
	struct kvec kvec = { .iov_base = buf, .iov_len = len - 1 };
	struct file_system_type *fs;
	struct vfsmount *mnt;
	struct iov_iter iter;
	struct kiocb kiocb;
	struct file *file;
	ssize_t n;

	/*
	 * debugfs is built in: get_fs_type() takes no module reference, so
	 * there is nothing to put.
	 */
	fs = get_fs_type("debugfs");
	KUNIT_ASSERT_NOT_NULL(test, fs);
	mnt = kern_mount(fs);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mnt);
	file = file_open_root_mnt(mnt, path, O_RDONLY, 0);
	if (IS_ERR(file)) {
		kern_unmount(mnt);
		KUNIT_FAIL(test, "open %s: %ld", path, PTR_ERR(file));
		return -1;
	}
	init_sync_kiocb(&kiocb, file);
	kiocb.ki_pos = 0;
	iov_iter_kvec(&iter, ITER_DEST, &kvec, 1, len - 1);
	n = seq_read_iter(&kiocb, &iter);
	fput(file);
	kern_unmount(mnt);
	KUNIT_EXPECT_GT(test, n, 0);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

/* The counters of the line of @buf starting with @name. */
static void plc_expect_debugfs_line(struct kunit *test, const char *buf,
				    const char *name,
				    const struct pcpu_lookup_cache_stats *want)
{
	struct pcpu_lookup_cache_stats got;
	const char *line = buf;
	size_t len = strlen(name);
	int n;

	while (line && !(!strncmp(line, name, len) && line[len] == ' '))
		line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL;
	KUNIT_ASSERT_NOT_NULL_MSG(test, line, "no line '%s' in:\n%s", name, buf);
	n = sscanf(line + len, "%llu %llu %llu %llu %llu %llu", &got.hits,
		   &got.misses, &got.fills, &got.dropped, &got.evictions,
		   &got.invalidations);
	KUNIT_ASSERT_EQ(test, n, 6);
	KUNIT_EXPECT_EQ(test, got.hits, want->hits);
	KUNIT_EXPECT_EQ(test, got.misses, want->misses);
	KUNIT_EXPECT_EQ(test, got.fills, want->fills);
	KUNIT_EXPECT_EQ(test, got.dropped, want->dropped);
	KUNIT_EXPECT_EQ(test, got.evictions, want->evictions);
	KUNIT_EXPECT_EQ(test, got.invalidations, want->invalidations);
}

/*
 * Misuse of an initialised cache: invalidate_many() with NULL keys, zero
 * keys (which must not even advance the generation), debugfs twice; and
 * the debugfs file's contents and removal.
 */
static void plc_test_api_misuse(struct kunit *test)
{
	static const struct plc_geom geom = { 64, 4, "64x4" };
	struct plc_ctx *ctx;
	struct dentry *dir, *d;
	struct pcpu_lookup_cache_stats s;
	unsigned long token, key;
	int ret;
	char name[16], *buf;

	ctx = plc_setup(test, &geom);
	key = ctx->keys[0];

	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_invalidate_many(&ctx->cache,
								NULL, 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_invalidate_many(&ctx->cache,
								NULL, 3),
			-EINVAL);
	/* Nothing to do: the token stays valid. */
	KUNIT_EXPECT_NULL(test, plc_lookup(ctx, key, &token));
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_invalidate_many(&ctx->cache,
								NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_invalidate_many(&ctx->cache,
								&key, 0), 0);
	plc_fill(ctx, key, &ctx->obj_a[0], token);
	KUNIT_EXPECT_PTR_EQ(test, plc_lookup(ctx, key, NULL), &ctx->obj_a[0]);
	plc_expect_delta(ctx, 1, 1, 1, 0, 0, 0);

	if (!IS_ENABLED(CONFIG_DEBUG_FS)) {
		KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_debugfs_create(&ctx->cache,
								       "stats",
								       NULL), 0);
		kunit_skip(test, "debugfs file checks need CONFIG_DEBUG_FS");
	}
	dir = debugfs_create_dir("pcpu_lookup_cache_kunit", NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dir);
	ret = kunit_add_action_or_reset(test, plc_debugfs_remove_action, dir);
	KUNIT_ASSERT_EQ(test, ret, 0);
	/* Remove the file before its directory, even if the test fails. */
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, plc_destroy_action,
							&ctx->cache), 0);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_debugfs_create(&ctx->cache,
							       "stats", dir), 0);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx->cache.debugfs);
	d = ctx->cache.debugfs;
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_debugfs_create(&ctx->cache,
							       "stats2", dir),
			-EINVAL);
	KUNIT_EXPECT_PTR_EQ(test, ctx->cache.debugfs, d);
	KUNIT_EXPECT_NULL(test, debugfs_lookup("stats2", dir));
	KUNIT_EXPECT_PTR_EQ(test, d_inode(d)->i_private, (void *)&ctx->cache);

	buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	plc_read_debugfs(test, "pcpu_lookup_cache_kunit/stats", buf, PAGE_SIZE);
	KUNIT_EXPECT_TRUE_MSG(test,
			      str_has_prefix(buf, "sets 64 ways 4 bytes_per_cpu 4240\n") ||
			      !IS_ENABLED(CONFIG_64BIT), "%s", buf);
	snprintf(name, sizeof(name), "%u", ctx->cpu);
	pcpu_lookup_cache_stats_cpu(&ctx->cache, ctx->cpu, &s);
	plc_expect_debugfs_line(test, buf, name, &s);
	pcpu_lookup_cache_stats_sum(&ctx->cache, &s);
	plc_expect_debugfs_line(test, buf, "total", &s);
	KUNIT_EXPECT_EQ(test, s.fills, 1);

	d = debugfs_lookup("stats", dir);
	KUNIT_EXPECT_PTR_EQ(test, d, ctx->cache.debugfs);
	dput(d);
	pcpu_lookup_cache_destroy(&ctx->cache);
	KUNIT_EXPECT_NULL(test, ctx->cache.debugfs);
	KUNIT_EXPECT_NULL(test, debugfs_lookup("stats", dir));
	plc_expect_uninitialised(test, &ctx->cache);
}

/* --- single-CPU behaviour -------------------------------------------- */

/* Contract 6: key 0 and NULL values are never cached. */
static void plc_test_key0_null(struct kunit *test)
{
	struct plc_ctx *ctx = plc_setup(test, test->param_value);
	struct pcpu_lookup_cache_cpu *pc = per_cpu_ptr(ctx->cache.pcpu, ctx->cpu);
	unsigned long token, key = ctx->keys[0], zero[2] = { 0, 0 };
	unsigned int set, way;

	/* A lookup of key 0 misses without counting, but gives a token. */
	KUNIT_EXPECT_NULL(test, plc_lookup(ctx, 0, &token));
	KUNIT_EXPECT_EQ(test, token, READ_ONCE(pc->gen));
	plc_fill(ctx, 0, &ctx->obj_a[0], token);
	plc_fill(ctx, key, NULL, token);
	KUNIT_EXPECT_NULL(test, plc_lookup(ctx, 0, NULL));
	KUNIT_EXPECT_NULL(test, plc_lookup(ctx, key, NULL));
	plc_expect_delta(ctx, 0, 1, 0, 0, 0, 0);
	/* Zero keys in an invalidation are skipped; it still works. */
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_invalidate(&ctx->cache, 0), 0);
	KUNIT_EXPECT_EQ(test,
			pcpu_lookup_cache_invalidate_many(&ctx->cache, zero, 2),
			0);
	KUNIT_EXPECT_NULL(test, plc_get(ctx, key, &ctx->obj_a[0]));
	KUNIT_EXPECT_PTR_EQ(test, plc_lookup(ctx, key, NULL), &ctx->obj_a[0]);
	plc_expect_delta(ctx, 1, 1, 1, 0, 0, 0);
	/* The table holds nothing but that one key. */
	for (set = 0; set < ctx->cache.nr_sets; set++) {
		struct pcpu_lookup_cache_entry *e =
			__pcpu_lookup_cache_set(&ctx->cache, pc, set);

		for (way = 0; way < ctx->cache.nr_ways; way++) {
			bool mine = set == ctx->set && way == 0;

			KUNIT_EXPECT_EQ(test, READ_ONCE(e[way].key),
					mine ? key : 0);
			KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(e[way].val),
					    mine ? (void *)&ctx->obj_a[0] : NULL);
		}
	}
}

/*
 * Round-robin replacement, in-place refill, reuse of an invalidated way,
 * and exact counters for each.
 */
static void plc_test_replacement(struct kunit *test)
{
	struct plc_ctx *ctx = plc_setup(test, test->param_value);
	unsigned int w = ctx->cache.nr_ways, i, victim = 0;
	unsigned long *k = ctx->keys, token;
	struct plc_obj *a = ctx->obj_a, *b = ctx->obj_b;

	/* Fill the ways in order. */
	for (i = 0; i < w; i++) {
		KUNIT_EXPECT_NULL(test, plc_get(ctx, k[i], &a[i]));
		KUNIT_EXPECT_EQ(test, plc_way_of(ctx, k[i]), i);
		KUNIT_EXPECT_PTR_EQ(test, plc_lookup(ctx, k[i], NULL), &a[i]);
	}
	plc_expect_delta(ctx, w, w, w, 0, 0, 0);
	for (i = 0; i < w; i++)
		KUNIT_EXPECT_PTR_EQ(test, plc_lookup(ctx, k[i], NULL), &a[i]);
	plc_expect_delta(ctx, w, 0, 0, 0, 0, 0);

	/* New keys evict ways 0, 1, 2, ... */
	for (i = 0; i < w; i++) {
		KUNIT_EXPECT_EQ(test, plc_victim(ctx), victim);
		KUNIT_EXPECT_NULL(test, plc_get(ctx, k[w + i], &a[w + i]));
		KUNIT_EXPECT_EQ(test, plc_way_of(ctx, k[w + i]), victim);
		KUNIT_EXPECT_NULL(test, plc_lookup(ctx, k[i], NULL));
		victim = (victim + 1) % w;
	}
	plc_expect_delta(ctx, 0, 2 * w, w, 0, w, 0);
	/* ... and wrap around. */
	for (i = 0; i < w; i++) {
		KUNIT_EXPECT_NULL(test, plc_get(ctx, k[i], &a[i]));
		KUNIT_EXPECT_EQ(test, plc_way_of(ctx, k[i]), i);
		KUNIT_EXPECT_NULL(test, plc_lookup(ctx, k[w + i], NULL));
		victim = (victim + 1) % w;
	}
	KUNIT_EXPECT_EQ(test, victim, 0);
	plc_expect_delta(ctx, 0, 2 * w, w, 0, w, 0);

	/* A fill with a wrong token is dropped. */
	plc_lookup(ctx, 0, &token);
	plc_fill(ctx, k[w - 1], &b[w - 1], token + 1);
	KUNIT_EXPECT_PTR_EQ(test, plc_lookup(ctx, k[w - 1], NULL), &a[w - 1]);
	plc_expect_delta(ctx, 1, 0, 0, 1, 0, 0);
	/* A refill of a cached key updates its way; the victim stays. */
	plc_fill(ctx, k[w - 1], &b[w - 1], token);
	KUNIT_EXPECT_EQ(test, plc_way_of(ctx, k[w - 1]), w - 1);
	KUNIT_EXPECT_PTR_EQ(test, plc_lookup(ctx, k[w - 1], NULL), &b[w - 1]);
	KUNIT_EXPECT_EQ(test, plc_victim(ctx), victim);
	plc_expect_delta(ctx, 1, 0, 1, 0, 0, 0);

	/* An invalidated way is reused before the victim is evicted. */
	plc_invalidate_local(ctx, k[w - 1]);
	KUNIT_EXPECT_NULL(test, plc_lookup(ctx, k[w - 1], NULL));
	plc_expect_delta(ctx, 0, 1, 0, 0, 0, 1);
	KUNIT_EXPECT_NULL(test, plc_get(ctx, k[w], &a[w]));
	KUNIT_EXPECT_EQ(test, plc_way_of(ctx, k[w]), w - 1);
	KUNIT_EXPECT_EQ(test, plc_victim(ctx), victim);
	plc_expect_delta(ctx, 0, 1, 1, 0, 0, 0);
	if (w >= 3) {
		/* Of two empty ways, the first is taken. */
		plc_invalidate_local(ctx, k[w]);
		plc_invalidate_local(ctx, k[1]);
		KUNIT_EXPECT_NULL(test, plc_get(ctx, k[w + 1], &a[w + 1]));
		KUNIT_EXPECT_EQ(test, plc_way_of(ctx, k[w + 1]), 1);
		KUNIT_EXPECT_NULL(test, plc_get(ctx, k[w + 2], &a[w + 2]));
		KUNIT_EXPECT_EQ(test, plc_way_of(ctx, k[w + 2]), w - 1);
		plc_expect_delta(ctx, 0, 2, 2, 0, 0, 2);
	}
	/* The set is full again: the victim goes. */
	KUNIT_EXPECT_NULL(test, plc_get(ctx, k[2 * w + 1], &a[2 * w + 1]));
	KUNIT_EXPECT_EQ(test, plc_way_of(ctx, k[2 * w + 1]), victim);
	KUNIT_EXPECT_EQ(test, plc_victim(ctx), (victim + 1) % w);
	plc_expect_delta(ctx, 0, 1, 1, 0, 1, 0);

	/* A flush empties everything and counts each valid entry. */
	plc_flush_local(ctx);
	for (i = 0; i < ctx->nr_keys; i++)
		KUNIT_EXPECT_NULL(test, plc_lookup(ctx, k[i], NULL));
	plc_expect_delta(ctx, 0, ctx->nr_keys, 0, 0, 0, w);
}

/*
 * Keys that share a bucket of a 64-bucket hash_ptr() table, as the kprobes
 * on one long chain do, must not share a set: 256 of them cover nearly all
 * 64 sets of a 64x4 cache (62.8 expected for a random hash).
 */
static void plc_test_set_spread(struct kunit *test)
{
	static const struct plc_geom geom = { 64, 4, "64x4" };
	struct plc_ctx *ctx = plc_setup(test, &geom);
	DECLARE_BITMAP(used, 64);
	unsigned long key;
	unsigned int n = 0;

	bitmap_zero(used, 64);
	for (key = 0x1000; n < 256; key += 8) {
		if (hash_ptr((void *)key, 6) != 0)
			continue;
		__set_bit(__pcpu_lookup_cache_set_index(&ctx->cache, key), used);
		n++;
	}
	KUNIT_EXPECT_GE(test, bitmap_weight(used, 64), 56);
}

/* The sleeping invalidations, called between a lookup and its fill. */
static int plc_call_invalidate(struct pcpu_lookup_cache *cache,
			       const unsigned long *keys)
{
	return pcpu_lookup_cache_invalidate(cache, keys[1]);
}

static int plc_call_invalidate_many(struct pcpu_lookup_cache *cache,
				    const unsigned long *keys)
{
	return pcpu_lookup_cache_invalidate_many(cache, keys, 2);
}

static int plc_call_flush(struct pcpu_lookup_cache *cache,
			  const unsigned long *keys)
{
	return pcpu_lookup_cache_flush(cache);
}

static int plc_call_invalidate_cpuslocked(struct pcpu_lookup_cache *cache,
					  const unsigned long *keys)
{
	guard(cpus_read_lock)();
	return pcpu_lookup_cache_invalidate_cpuslocked(cache, keys[1]);
}

static int plc_call_invalidate_many_cpuslocked(struct pcpu_lookup_cache *cache,
					       const unsigned long *keys)
{
	guard(cpus_read_lock)();
	return pcpu_lookup_cache_invalidate_many_cpuslocked(cache, keys, 2);
}

static int plc_call_flush_cpuslocked(struct pcpu_lookup_cache *cache,
				     const unsigned long *keys)
{
	guard(cpus_read_lock)();
	return pcpu_lookup_cache_flush_cpuslocked(cache);
}

/*
 * Look keys[1] up with the caller pinned to this CPU, run @call, which
 * reaches this CPU by IPI, then fill with the token of the lookup: the
 * fill must be dropped.
 */
static void plc_fill_after(struct plc_ctx *ctx,
			   int (*call)(struct pcpu_lookup_cache *cache,
				       const unsigned long *keys),
			   const unsigned long *keys)
{
	struct kunit *test = ctx->test;
	unsigned long token, token2;
	void *got;
	int ret;

	migrate_disable();
	preempt_disable();
	pcpu_lookup_cache_lookup(&ctx->cache, keys[1], &token);
	preempt_enable();
	ret = call(&ctx->cache, keys);
	preempt_disable();
	pcpu_lookup_cache_fill(&ctx->cache, keys[1], &ctx->obj_a[0], token);
	got = pcpu_lookup_cache_lookup(&ctx->cache, keys[1], &token2);
	preempt_enable();
	migrate_enable();
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_NULL(test, got);
	plc_expect_delta(ctx, 0, 2, 0, 1, 0, 0);
}

/* Contract 3 on one CPU: a fill with a token older than an invalidation. */
static void plc_test_fill_race(struct kunit *test)
{
	struct plc_ctx *ctx = plc_setup(test, test->param_value);
	unsigned long token, token2, key = ctx->keys[0], other = ctx->keys[1];
	unsigned long many[2] = { other, key };
	void *a = &ctx->obj_a[0];

	/* The token is stable while nothing is invalidated. */
	KUNIT_EXPECT_NULL(test, plc_lookup(ctx, key, &token));
	KUNIT_EXPECT_NULL(test, plc_lookup(ctx, other, &token2));
	KUNIT_EXPECT_EQ(test, token, token2);

	/* The IPI body lands between lookup and fill. */
	plc_invalidate_local(ctx, key);
	plc_fill(ctx, key, a, token);
	KUNIT_EXPECT_NULL(test, plc_lookup(ctx, key, &token2));
	KUNIT_EXPECT_NE(test, token, token2);
	plc_expect_delta(ctx, 0, 3, 0, 1, 0, 0);
	/* An invalidation of any key makes every older token stale. */
	KUNIT_EXPECT_NULL(test, plc_lookup(ctx, key, &token));
	plc_invalidate_local(ctx, other);
	plc_fill(ctx, key, a, token);
	KUNIT_EXPECT_NULL(test, plc_lookup(ctx, key, NULL));
	plc_expect_delta(ctx, 0, 2, 0, 1, 0, 0);
	/* So does a flush. */
	KUNIT_EXPECT_NULL(test, plc_lookup(ctx, key, &token));
	plc_flush_local(ctx);
	plc_fill(ctx, key, a, token);
	KUNIT_EXPECT_NULL(test, plc_lookup(ctx, key, NULL));
	plc_expect_delta(ctx, 0, 2, 0, 1, 0, 0);

	/*
	 * The real, sleeping calls, reaching this CPU by IPI while the
	 * caller is pinned between its lookup and its fill.
	 */
	plc_fill_after(ctx, plc_call_invalidate, many);
	plc_fill_after(ctx, plc_call_invalidate_many, many);
	plc_fill_after(ctx, plc_call_flush, many);
	plc_fill_after(ctx, plc_call_invalidate_cpuslocked, many);
	plc_fill_after(ctx, plc_call_invalidate_many_cpuslocked, many);
	plc_fill_after(ctx, plc_call_flush_cpuslocked, many);

	/* A fresh token fills. */
	KUNIT_EXPECT_NULL(test, plc_get(ctx, key, a));
	KUNIT_EXPECT_PTR_EQ(test, plc_lookup(ctx, key, NULL), a);
	plc_expect_delta(ctx, 1, 1, 1, 0, 0, 0);
	/* And an invalidation of a cached key counts it and drops it. */
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_invalidate(&ctx->cache, key), 0);
	KUNIT_EXPECT_NULL(test, plc_lookup(ctx, key, NULL));
	plc_expect_delta(ctx, 0, 1, 0, 0, 0, 1);
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
 * Whether the hook at (@step, @j) fires during a lookup of the key in way
 * @t, for the cases the test runs: TOKEN always fires at way 0; KEY at
 * every way up to the key's, both right before the key's way and on the
 * way to the last way; VAL and RECHECK at the key's way.
 */
static bool plc_lookup_case(enum pcpu_lookup_cache_step step, unsigned int j,
			    unsigned int t, unsigned int ways)
{
	switch (step) {
	case PCPU_LOOKUP_CACHE_STEP_TOKEN:
		return j == 0;
	case PCPU_LOOKUP_CACHE_STEP_KEY:
		return j == t || (t == ways - 1 && j < t);
	default:
		return j == t;
	}
}

/* One lookup of the key in way @t, interrupted by @kind at (@step, @j). */
static void plc_nested_lookup_case(struct plc_ctx *ctx, enum plc_inject kind,
				   enum pcpu_lookup_cache_step step,
				   unsigned int t, unsigned int j)
{
	struct kunit *test = ctx->test;
	unsigned int w = ctx->cache.nr_ways, victim, n;
	unsigned long token, key = ctx->keys[t];
	void *got, *want;

	snprintf(ctx->where, sizeof(ctx->where),
		 "%s at step %d way %u, key in way %u", plc_inject_name[kind],
		 step, j, t);
	plc_reset_set(ctx);
	victim = plc_victim(ctx);
	ctx->kind = kind;
	ctx->target = key;
	ctx->target_way = t;
	ctx->new_val = &ctx->obj_b[t];
	ctx->nr_evict = 0;
	ctx->fired = 0;
	ctx->step = step;
	ctx->way = j;
	ctx->armed = 1;

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
		/* The token is stale: the fill is dropped. */
		plc_fill(ctx, key, &ctx->obj_a[t], token);
		KUNIT_EXPECT_NULL_MSG(test, plc_lookup(ctx, key, NULL), "%s",
				      ctx->where);
		plc_expect_delta(ctx, 0, 2, 0, 1, 0,
				 kind == PLC_INJ_FLUSH ? w : 1);
		break;
	case PLC_INJ_REFILL:
		/*
		 * A refill after the value was read leaves the key as it
		 * was: the old value, stored under the key, is returned.
		 */
		want = step == PCPU_LOOKUP_CACHE_STEP_RECHECK ?
		       &ctx->obj_a[t] : &ctx->obj_b[t];
		KUNIT_EXPECT_PTR_EQ_MSG(test, got, want, "%s", ctx->where);
		KUNIT_EXPECT_PTR_EQ_MSG(test, plc_lookup(ctx, key, NULL),
					(void *)&ctx->obj_b[t], "%s", ctx->where);
		plc_expect_delta(ctx, 2, 0, 1, 0, 0, 0);
		break;
	case PLC_INJ_INVALIDATE_REFILL:
		/*
		 * The same way holds the key again, but the value read may be
		 * the one the invalidation dropped: a miss, whatever the step.
		 */
		KUNIT_EXPECT_NULL_MSG(test, got, "%s", ctx->where);
		plc_fill(ctx, key, &ctx->obj_a[t], token);
		KUNIT_EXPECT_PTR_EQ_MSG(test, plc_lookup(ctx, key, NULL),
					(void *)&ctx->obj_b[t], "%s", ctx->where);
		plc_expect_delta(ctx, 1, 2, 1, 1, 0, 1);
		break;
	default:
		KUNIT_EXPECT_NULL_MSG(test, got, "%s", ctx->where);
		/* Round-robin, from the victim to way t. */
		n = ctx->nr_evict;
		KUNIT_EXPECT_EQ_MSG(test, n, (t + w - victim) % w + 1, "%s",
				    ctx->where);
		/* Evictions leave the token good: the fill is cached. */
		plc_fill(ctx, key, &ctx->obj_a[t], token);
		KUNIT_EXPECT_PTR_EQ_MSG(test, plc_lookup(ctx, key, NULL),
					(void *)&ctx->obj_a[t], "%s", ctx->where);
		plc_expect_delta(ctx, 1, 1 + n, n + 1, 0, n + 1, 0);
		break;
	}
}

/*
 * Contract 2: a nested invalidation, flush, refill or eviction at every
 * step of a lookup and every way position. The lookup returns NULL or a
 * value stored under its key, exactly the one the protocol predicts, and
 * a fill with its token is dropped after an invalidation or flush.
 */
static void plc_test_nested_lookup(struct kunit *test)
{
	struct plc_ctx *ctx = plc_setup(test, test->param_value);
	unsigned int w = ctx->cache.nr_ways, t, j, cases = 0;
	enum pcpu_lookup_cache_step step;
	enum plc_inject kind;

	ctx->inject = plc_inject_lookup;
	for (kind = 0; kind < PLC_NR_INJ; kind++)
		for (step = PCPU_LOOKUP_CACHE_STEP_TOKEN;
		     step <= PCPU_LOOKUP_CACHE_STEP_RECHECK; step++)
			for (t = 0; t < w; t++)
				for (j = 0; j < w; j++)
					if (plc_lookup_case(step, j, t, w)) {
						plc_nested_lookup_case(ctx, kind,
								       step, t, j);
						cases++;
					}
	/* Every step at every way position ran. */
	KUNIT_EXPECT_EQ(test, cases, PLC_NR_INJ * (w + (2 * w - 1) + w + w));
}

/* The nested lookups and fills of plc_test_nested_fill(). */
static void plc_inject_fill(struct plc_ctx *ctx)
{
	struct pcpu_lookup_cache *cache = &ctx->cache;
	unsigned long token, key;
	unsigned int way;
	void *val;

	/* Neither the key being written nor the one it replaces is seen. */
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
	ctx->fired = 0;
	ctx->step = step;
	ctx->way = t;
	ctx->armed = 1;

	plc_lookup(ctx, 0, &token);
	plc_fill(ctx, ctx->target, val, token);

	KUNIT_EXPECT_EQ_MSG(test, ctx->fired, 1, "%s", ctx->where);
	ctx->armed = 0;
	KUNIT_EXPECT_NULL_MSG(test, ctx->got_target, "%s", ctx->where);
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
	plc_expect_delta(ctx, ctx->other_hits + 1, ctx->nested_misses + n, 1, 2,
			 mode == PLC_FILL_EVICT, 0);
}

/*
 * Contract 2, fill side: a lookup or fill nested in a fill, after it
 * cleared the way's key and after it stored the value, for every way and
 * for a fill into an empty way, in place and by eviction. The nested
 * lookups never see the half-written way and the nested fills (an NMI's)
 * are dropped.
 */
static void plc_test_nested_fill(struct kunit *test)
{
	struct plc_ctx *ctx = plc_setup(test, test->param_value);
	enum pcpu_lookup_cache_step step;
	enum plc_fill_mode mode;
	unsigned int t;

	ctx->inject = plc_inject_fill;
	ctx->intruder = ctx->keys[ctx->nr_keys - 2];
	for (mode = 0; mode < PLC_NR_FILL_MODES; mode++)
		for (step = PCPU_LOOKUP_CACHE_STEP_FILL_CLEAR;
		     step <= PCPU_LOOKUP_CACHE_STEP_FILL_VAL; step++)
			for (t = 0; t < ctx->cache.nr_ways; t++)
				plc_nested_fill_case(ctx, mode, step, t);
}

/* --- several CPUs ---------------------------------------------------- */

/**
 * struct plc_remote - a lookup, and fill on a miss, on another CPU
 * @cache: the cache
 * @key: the key
 * @fill: the value to fill on a miss, or NULL
 * @token: with @use_token, the token to fill with; else returns the token
 * @use_token: fill with @token instead of the lookup's
 * @found: what the lookup returned
 */
struct plc_remote {
	struct pcpu_lookup_cache *cache;
	unsigned long key;
	void *fill;
	unsigned long token;
	unsigned int use_token;
	void *found;
};

static void plc_remote_fn(void *info)
{
	struct plc_remote *r = info;
	unsigned long token;

	r->found = pcpu_lookup_cache_lookup(r->cache, r->key, &token);
	if (!r->use_token)
		r->token = token;
	if (!r->found && r->fill)
		pcpu_lookup_cache_fill(r->cache, r->key, r->fill, r->token);
}

static void *plc_on_cpu(struct kunit *test, struct pcpu_lookup_cache *cache,
			unsigned int cpu, unsigned long key, void *fill)
{
	struct plc_remote r = { .cache = cache, .key = key, .fill = fill };

	KUNIT_EXPECT_EQ(test, smp_call_function_single(cpu, plc_remote_fn, &r, 1),
			0);
	return r.found;
}

static void plc_need_smp(struct kunit *test)
{
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs >= 2 online CPUs");
}

/* Check that @cpu's invalidations advanced by @n since @base. */
static void plc_expect_cpu_invalidations(struct kunit *test,
					 struct plc_ctx *ctx, unsigned int cpu,
					 struct pcpu_lookup_cache_stats *base,
					 u64 n, const char *what)
{
	struct pcpu_lookup_cache_stats s;

	pcpu_lookup_cache_stats_cpu(&ctx->cache, cpu, &s);
	KUNIT_EXPECT_EQ_MSG(test, s.invalidations - base->invalidations, n,
			    "%s on CPU %u", what, cpu);
	*base = s;
}

/*
 * Contract 4 across CPUs: tables are per CPU, and invalidate(),
 * invalidate_many() and flush() called on one CPU reach every online CPU,
 * dropping exactly the keys named; a remote fill with a token older than
 * the invalidation is dropped.
 */
static void plc_test_cross_cpu(struct kunit *test)
{
	struct plc_ctx *ctx;
	struct pcpu_lookup_cache_stats *base;
	unsigned long many[3];
	unsigned int cpu, me, last, i, r, others = 0;
	struct plc_remote rem;

	plc_need_smp(test);
	ctx = plc_setup(test, test->param_value);
	me = ctx->cpu;
	base = kunit_kcalloc(test, nr_cpu_ids, sizeof(*base), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, base);
	r = min(3U, ctx->cache.nr_ways);

	/* A fill on one CPU is not seen by the others. */
	last = cpumask_last(cpu_online_mask);
	if (last == me)
		last = cpumask_first(cpu_online_mask);
	KUNIT_EXPECT_NULL(test, plc_on_cpu(test, &ctx->cache, last, ctx->keys[0],
					   &ctx->obj_a[0]));
	for_each_online_cpu(cpu)
		KUNIT_EXPECT_PTR_EQ_MSG(test,
					plc_on_cpu(test, &ctx->cache, cpu,
						   ctx->keys[0], NULL),
					cpu == last ? (void *)&ctx->obj_a[0] : NULL,
					"CPU %u", cpu);

	/* Fill r keys everywhere. */
	for_each_online_cpu(cpu) {
		for (i = 0; i < r; i++)
			plc_on_cpu(test, &ctx->cache, cpu, ctx->keys[i],
				   &ctx->obj_a[i]);
		for (i = 0; i < r; i++)
			KUNIT_EXPECT_PTR_EQ_MSG(test,
						plc_on_cpu(test, &ctx->cache, cpu,
							   ctx->keys[i], NULL),
						(void *)&ctx->obj_a[i], "CPU %u", cpu);
		pcpu_lookup_cache_stats_cpu(&ctx->cache, cpu, &base[cpu]);
		others += cpu != me;
	}
	KUNIT_EXPECT_GE(test, others, 1);

	/* invalidate() from this CPU drops keys[0], only it, everywhere. */
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_invalidate(&ctx->cache,
							   ctx->keys[0]), 0);
	for_each_online_cpu(cpu) {
		plc_expect_cpu_invalidations(test, ctx, cpu, &base[cpu], 1,
					     "invalidate");
		KUNIT_EXPECT_NULL_MSG(test, plc_on_cpu(test, &ctx->cache, cpu,
						       ctx->keys[0], NULL),
				      "CPU %u", cpu);
		for (i = 1; i < r; i++)
			KUNIT_EXPECT_PTR_EQ_MSG(test,
						plc_on_cpu(test, &ctx->cache, cpu,
							   ctx->keys[i], NULL),
						(void *)&ctx->obj_a[i], "CPU %u", cpu);
	}

	/* A remote fill with a token from before an invalidation. */
	for_each_online_cpu(cpu) {
		rem = (struct plc_remote){ .cache = &ctx->cache,
					   .key = ctx->keys[0] };
		KUNIT_EXPECT_EQ(test, smp_call_function_single(cpu, plc_remote_fn,
							       &rem, 1), 0);
		KUNIT_EXPECT_NULL(test, rem.found);
		KUNIT_EXPECT_EQ(test,
				pcpu_lookup_cache_invalidate(&ctx->cache,
							     ctx->keys[ctx->nr_keys - 1]),
				0);
		rem.fill = &ctx->obj_a[0];
		rem.use_token = 1;
		KUNIT_EXPECT_EQ(test, smp_call_function_single(cpu, plc_remote_fn,
							       &rem, 1), 0);
		KUNIT_EXPECT_NULL_MSG(test, plc_on_cpu(test, &ctx->cache, cpu,
						       ctx->keys[0], NULL),
				      "stale fill cached on CPU %u", cpu);
		pcpu_lookup_cache_stats_cpu(&ctx->cache, cpu, &base[cpu]);
	}

	/* invalidate_many() of keys[0] (refilled), a zero and keys[r - 1]. */
	for_each_online_cpu(cpu) {
		plc_on_cpu(test, &ctx->cache, cpu, ctx->keys[0], &ctx->obj_a[0]);
		pcpu_lookup_cache_stats_cpu(&ctx->cache, cpu, &base[cpu]);
	}
	many[0] = ctx->keys[0];
	many[1] = 0;
	many[2] = ctx->keys[r - 1];
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_invalidate_many(&ctx->cache,
								many, 3), 0);
	for_each_online_cpu(cpu) {
		plc_expect_cpu_invalidations(test, ctx, cpu, &base[cpu],
					     r > 1 ? 2 : 1, "invalidate_many");
		for (i = 0; i < r; i++)
			KUNIT_EXPECT_PTR_EQ_MSG(test,
						plc_on_cpu(test, &ctx->cache, cpu,
							   ctx->keys[i], NULL),
						i == 0 || i == r - 1 ? NULL :
						(void *)&ctx->obj_a[i],
						"CPU %u key %u", cpu, i);
	}

	/* flush() empties every CPU. */
	for_each_online_cpu(cpu) {
		for (i = 0; i < r; i++)
			plc_on_cpu(test, &ctx->cache, cpu, ctx->keys[i],
				   &ctx->obj_a[i]);
		pcpu_lookup_cache_stats_cpu(&ctx->cache, cpu, &base[cpu]);
	}
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_flush(&ctx->cache), 0);
	for_each_online_cpu(cpu) {
		plc_expect_cpu_invalidations(test, ctx, cpu, &base[cpu], r,
					     "flush");
		for (i = 0; i < r; i++)
			KUNIT_EXPECT_NULL_MSG(test,
					      plc_on_cpu(test, &ctx->cache, cpu,
							 ctx->keys[i], NULL),
					      "CPU %u key %u", cpu, i);
	}
}

/* Check @cpu's generation against @gen, and take the new one. */
static void plc_expect_gen(struct kunit *test, struct plc_ctx *ctx,
			   unsigned int cpu, unsigned long *gen,
			   unsigned long delta, const char *what)
{
	unsigned long now = READ_ONCE(per_cpu_ptr(ctx->cache.pcpu, cpu)->gen);

	KUNIT_EXPECT_EQ_MSG(test, now - *gen, delta, "%s on CPU %u", what, cpu);
	*gen = now;
}

/*
 * An invalidation with no nonzero key reaches no CPU: every generation
 * stays as it was, so no IPI ran. The _cpuslocked variants, called with
 * the CPU hotplug lock held, reach every online CPU like the plain ones.
 */
static void plc_test_cpuslocked_and_zero_keys(struct kunit *test)
{
	static const struct plc_geom geom = { 64, 4, "64x4" };
	unsigned long zeros[3] = { 0, 0, 0 }, *gen, two[2];
	struct plc_ctx *ctx;
	unsigned int cpu;
	int ret;

	ctx = plc_setup(test, &geom);
	gen = kunit_kcalloc(test, nr_cpu_ids, sizeof(*gen), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, gen);
	two[0] = ctx->keys[0];
	two[1] = ctx->keys[1];

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		gen[cpu] = READ_ONCE(per_cpu_ptr(ctx->cache.pcpu, cpu)->gen);
		plc_on_cpu(test, &ctx->cache, cpu, two[0], &ctx->obj_a[0]);
		plc_on_cpu(test, &ctx->cache, cpu, two[1], &ctx->obj_a[1]);
	}
	ret = pcpu_lookup_cache_invalidate_many_cpuslocked(&ctx->cache, zeros, 3);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_invalidate_cpuslocked(&ctx->cache, 0),
			0);
	cpus_read_unlock();
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_invalidate_many(&ctx->cache, zeros,
								3), 0);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_invalidate(&ctx->cache, 0), 0);
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		plc_expect_gen(test, ctx, cpu, &gen[cpu], 0, "zero keys");
		KUNIT_EXPECT_PTR_EQ_MSG(test, plc_on_cpu(test, &ctx->cache, cpu,
							 two[0], NULL),
					(void *)&ctx->obj_a[0], "CPU %u", cpu);
	}

	/* One key, with the lock held: every CPU drops it, and only it. */
	ret = pcpu_lookup_cache_invalidate_cpuslocked(&ctx->cache, two[0]);
	KUNIT_EXPECT_EQ(test, ret, 0);
	for_each_online_cpu(cpu) {
		plc_expect_gen(test, ctx, cpu, &gen[cpu], 1, "invalidate");
		KUNIT_EXPECT_NULL_MSG(test, plc_on_cpu(test, &ctx->cache, cpu,
						       two[0], NULL), "CPU %u", cpu);
		KUNIT_EXPECT_PTR_EQ_MSG(test, plc_on_cpu(test, &ctx->cache, cpu,
							 two[1], NULL),
					(void *)&ctx->obj_a[1], "CPU %u", cpu);
		plc_on_cpu(test, &ctx->cache, cpu, two[0], &ctx->obj_a[0]);
	}
	/* Many keys, one round: both gone everywhere. */
	ret = pcpu_lookup_cache_invalidate_many_cpuslocked(&ctx->cache, two, 2);
	KUNIT_EXPECT_EQ(test, ret, 0);
	for_each_online_cpu(cpu) {
		plc_expect_gen(test, ctx, cpu, &gen[cpu], 1, "invalidate_many");
		KUNIT_EXPECT_NULL_MSG(test, plc_on_cpu(test, &ctx->cache, cpu,
						       two[0], NULL), "CPU %u", cpu);
		KUNIT_EXPECT_NULL_MSG(test, plc_on_cpu(test, &ctx->cache, cpu,
						       two[1], NULL), "CPU %u", cpu);
		plc_on_cpu(test, &ctx->cache, cpu, two[1], &ctx->obj_a[1]);
	}
	/* And a flush. */
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_flush_cpuslocked(&ctx->cache), 0);
	for_each_online_cpu(cpu) {
		plc_expect_gen(test, ctx, cpu, &gen[cpu], 1, "flush");
		KUNIT_EXPECT_NULL_MSG(test, plc_on_cpu(test, &ctx->cache, cpu,
						       two[1], NULL), "CPU %u", cpu);
	}
	cpus_read_unlock();
}

/*
 * suspend() empties every online CPU in one round of IPIs and drops every
 * fill, also with a token read after it, until the last nested resume();
 * resume() sends no IPI and refuses a cache that is not suspended.
 */
static void plc_test_suspend(struct kunit *test)
{
	static const struct plc_geom geom = { 64, 4, "64x4" };
	struct pcpu_lookup_cache_stats *base, s;
	struct plc_ctx *ctx;
	unsigned long *gen, key;
	unsigned int cpu;
	void *obj;

	ctx = plc_setup(test, &geom);
	key = ctx->keys[0];
	obj = &ctx->obj_a[0];
	base = kunit_kcalloc(test, nr_cpu_ids, sizeof(*base), GFP_KERNEL);
	gen = kunit_kcalloc(test, nr_cpu_ids, sizeof(*gen), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, base);
	KUNIT_ASSERT_NOT_NULL(test, gen);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_resume(&ctx->cache), -EINVAL);

	for_each_online_cpu(cpu) {
		plc_on_cpu(test, &ctx->cache, cpu, key, obj);
		KUNIT_EXPECT_PTR_EQ_MSG(test, plc_on_cpu(test, &ctx->cache, cpu,
							 key, NULL),
					obj, "CPU %u", cpu);
		gen[cpu] = READ_ONCE(per_cpu_ptr(ctx->cache.pcpu, cpu)->gen);
		pcpu_lookup_cache_stats_cpu(&ctx->cache, cpu, &base[cpu]);
	}

	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_suspend(&ctx->cache), 0);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_suspend(&ctx->cache), 0);
	for_each_online_cpu(cpu) {
		plc_expect_gen(test, ctx, cpu, &gen[cpu], 2, "two suspends");
		plc_expect_cpu_invalidations(test, ctx, cpu, &base[cpu], 1,
					     "suspend");
		/* Misses, and its fill, with a fresh token, is dropped. */
		KUNIT_EXPECT_NULL_MSG(test, plc_on_cpu(test, &ctx->cache, cpu,
						       key, obj),
				      "CPU %u", cpu);
		KUNIT_EXPECT_NULL_MSG(test, plc_on_cpu(test, &ctx->cache, cpu,
						       key, NULL),
				      "CPU %u", cpu);
		pcpu_lookup_cache_stats_cpu(&ctx->cache, cpu, &s);
		KUNIT_EXPECT_EQ_MSG(test, s.dropped - base[cpu].dropped, 1,
				    "CPU %u", cpu);
		KUNIT_EXPECT_EQ_MSG(test, s.fills, base[cpu].fills, "CPU %u",
				    cpu);
	}

	/* The inner resume: still suspended, no IPI. */
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_resume(&ctx->cache), 0);
	for_each_online_cpu(cpu) {
		plc_expect_gen(test, ctx, cpu, &gen[cpu], 0, "inner resume");
		KUNIT_EXPECT_NULL_MSG(test, plc_on_cpu(test, &ctx->cache, cpu,
						       key, obj),
				      "CPU %u", cpu);
		KUNIT_EXPECT_NULL(test, plc_on_cpu(test, &ctx->cache, cpu, key,
						   NULL));
	}

	/* The outer resume: fills store again. */
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_resume(&ctx->cache), 0);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_resume(&ctx->cache), -EINVAL);
	for_each_online_cpu(cpu) {
		plc_expect_gen(test, ctx, cpu, &gen[cpu], 0, "resume");
		KUNIT_EXPECT_NULL(test, plc_on_cpu(test, &ctx->cache, cpu, key,
						   obj));
		KUNIT_EXPECT_PTR_EQ_MSG(test, plc_on_cpu(test, &ctx->cache, cpu,
							 key, NULL),
					obj, "CPU %u", cpu);
	}
}

/* What the test's CPU hotplug callback saw of the cache. */
static struct {
	struct pcpu_lookup_cache *cache;
	unsigned long key;
	unsigned int cpu;
	unsigned int calls;
	unsigned int ran_on;
	void *found;
} plc_hp;

static int plc_hp_online(unsigned int cpu)
{
	unsigned long token;

	if (cpu != READ_ONCE(plc_hp.cpu) || !READ_ONCE(plc_hp.cache))
		return 0;
	preempt_disable();
	plc_hp.ran_on = smp_processor_id();
	plc_hp.found = pcpu_lookup_cache_lookup(plc_hp.cache, plc_hp.key,
						&token);
	preempt_enable();
	plc_hp.calls++;
	return 0;
}

static void plc_hp_remove_state(void *state)
{
	cpuhp_remove_state_nocalls((enum cpuhp_state)(long)state);
	WRITE_ONCE(plc_hp.cache, NULL);
}

static void plc_hp_online_again(void *cpu)
{
	if (!cpu_online((long)cpu))
		add_cpu((long)cpu);
}

/*
 * Contract 4, CPU hotplug: the invalidation clears the table of a CPU that
 * is offline directly, without a hotplug callback, so the CPU comes back
 * with no stale entry: even its CPUHP_AP_ONLINE_DYN callbacks miss.
 */
static void plc_test_hotplug(struct kunit *test)
{
	static const struct plc_geom geom = { 64, 4, "64x4" };
	struct pcpu_lookup_cache_stats s0, s1;
	struct plc_ctx *ctx;
	unsigned long key;
	unsigned int cpu, n = nr_cpu_ids;
	int state, ret;

	if (!IS_ENABLED(CONFIG_HOTPLUG_CPU))
		kunit_skip(test, "needs CONFIG_HOTPLUG_CPU");
	plc_need_smp(test);
	ctx = plc_setup(test, &geom);
	key = ctx->keys[0];
	/* Not the boot CPU, which may not go offline, nor ours. */
	for_each_online_cpu(cpu)
		if (cpu != 0 && cpu != ctx->cpu)
			n = cpu;
	if (n >= nr_cpu_ids)
		kunit_skip(test, "no online CPU other than CPU 0 and this one");

	KUNIT_EXPECT_NULL(test, plc_on_cpu(test, &ctx->cache, n, key,
					   &ctx->obj_a[0]));
	KUNIT_ASSERT_PTR_EQ(test, plc_on_cpu(test, &ctx->cache, n, key, NULL),
			    (void *)&ctx->obj_a[0]);

	plc_hp.cache = &ctx->cache;
	plc_hp.key = key;
	plc_hp.cpu = n;
	plc_hp.calls = 0;
	plc_hp.ran_on = nr_cpu_ids;
	plc_hp.found = ERR_PTR(-EINVAL);
	state = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN,
					  "lib/pcpu_lookup_cache_kunit:online",
					  plc_hp_online, NULL);
	KUNIT_ASSERT_GT(test, state, 0);
	ret = kunit_add_action_or_reset(test, plc_hp_remove_state,
					(void *)(long)state);
	KUNIT_ASSERT_EQ(test, ret, 0);

	ret = remove_cpu(n);
	if (ret)
		kunit_skip(test, "remove_cpu(%u) failed: %d", n, ret);
	ret = kunit_add_action_or_reset(test, plc_hp_online_again,
					(void *)(long)n);
	KUNIT_ASSERT_EQ(test, ret, 0);

	pcpu_lookup_cache_stats_cpu(&ctx->cache, n, &s0);
	/* White-box: the offline CPU still holds the entry. */
	KUNIT_EXPECT_EQ(test, READ_ONCE(plc_entry(ctx, n, 0)->key), key);
	KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(plc_entry(ctx, n, 0)->val),
			    (void *)&ctx->obj_a[0]);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_invalidate(&ctx->cache, key), 0);
	/* No IPI reached it, but its table was cleared from here. */
	KUNIT_EXPECT_EQ(test, READ_ONCE(plc_entry(ctx, n, 0)->key), 0);
	KUNIT_EXPECT_NULL(test, READ_ONCE(plc_entry(ctx, n, 0)->val));
	pcpu_lookup_cache_stats_cpu(&ctx->cache, n, &s1);
	KUNIT_EXPECT_EQ(test, s1.invalidations, s0.invalidations + 1);

	ret = add_cpu(n);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "add_cpu(%u)", n);
	/* Early bring-up: the callback ran on CPU n and missed. */
	KUNIT_EXPECT_EQ(test, plc_hp.calls, 1);
	KUNIT_EXPECT_EQ(test, plc_hp.ran_on, n);
	KUNIT_EXPECT_NULL(test, plc_hp.found);
	KUNIT_EXPECT_EQ(test, READ_ONCE(plc_entry(ctx, n, 0)->key), 0);
	/* Nothing more was cleared on the way up. */
	pcpu_lookup_cache_stats_cpu(&ctx->cache, n, &s1);
	KUNIT_EXPECT_EQ(test, s1.invalidations, s0.invalidations + 1);
	KUNIT_EXPECT_EQ(test, s1.misses, s0.misses + 1);
	KUNIT_EXPECT_NULL(test, plc_on_cpu(test, &ctx->cache, n, key, NULL));
	/* And the CPU caches again. */
	KUNIT_EXPECT_NULL(test, plc_on_cpu(test, &ctx->cache, n, key,
					   &ctx->obj_b[0]));
	KUNIT_EXPECT_PTR_EQ(test, plc_on_cpu(test, &ctx->cache, n, key, NULL),
			    (void *)&ctx->obj_b[0]);
}

/* --- concurrent stress ----------------------------------------------- */

#define PLC_STRESS_KEYS		48
#define PLC_STRESS_MS		1500
#define PLC_MAGIC_LIVE		0x4c495645UL
#define PLC_MAGIC_DEAD		0xdeadbeefUL

struct plc_sobj {
	unsigned long key;
	unsigned long magic;
};

/**
 * struct plc_stress - the stress test's state
 * @cache: the cache, 16 sets x 2 ways: fewer entries than keys
 * @slot: the backing table, one RCU pointer per key
 * @irq_lookups: lookups from hardirq context
 * @irq_bad: of these, results that were not live objects of their key
 */
struct plc_stress {
	struct pcpu_lookup_cache cache;
	struct plc_sobj __rcu *slot[PLC_STRESS_KEYS];
	atomic_long_t irq_lookups;
	atomic_long_t irq_bad;
};

/**
 * struct plc_reader - one reader thread
 * @s: the shared state
 * @task: the thread
 * @seed: its key sequence
 * @lookups: validated lookups
 * @bad: lookups that returned a freed object or another key's
 */
struct plc_reader {
	struct plc_stress *s;
	struct task_struct *task;
	unsigned int seed;
	unsigned long lookups;
	unsigned long bad;
};

static unsigned long plc_stress_key(unsigned int i)
{
	return 0x1000UL * (i + 1) + 0x40;
}

/*
 * One lookup as a user does it, with preemption disabled: the cache, then
 * the backing table and a fill on a miss; then use the object. Returns
 * false if the object is not the live one of this key.
 */
static bool plc_stress_one(struct plc_stress *s, unsigned int i)
{
	unsigned long key = plc_stress_key(i), token;
	struct plc_sobj *obj;

	obj = pcpu_lookup_cache_lookup(&s->cache, key, &token);
	if (!obj) {
		obj = rcu_dereference_sched(s->slot[i]);
		if (!obj)
			return true;	/* being replaced */
		pcpu_lookup_cache_fill(&s->cache, key, obj, token);
	}
	return READ_ONCE(obj->key) == key &&
	       READ_ONCE(obj->magic) == PLC_MAGIC_LIVE;
}

static int plc_stress_reader(void *arg)
{
	struct plc_reader *r = arg;
	unsigned long max = IS_ENABLED(CONFIG_KASAN) ? 400000 : 2000000;
	unsigned int j;

	while (!kthread_should_stop()) {
		if (r->lookups >= max) {
			schedule_timeout_idle(1);
			continue;
		}
		/* IRQs stay on: the invalidation IPI may land anywhere. */
		preempt_disable();
		for (j = 0; j < 16; j++) {
			/* Mostly a few hot keys, sometimes any. */
			r->seed = r->seed * 1103515245 + 12345;
			if (!plc_stress_one(r->s, (r->seed >> 16) %
					    (j & 3 ? 8 : PLC_STRESS_KEYS)))
				r->bad++;
			r->lookups++;
		}
		preempt_enable();
		cond_resched();
	}
	return 0;
}

static void plc_stress_irq(void *arg)
{
	struct plc_stress *s = arg;
	unsigned int i, cpu = smp_processor_id();

	for (i = 0; i < 4; i++) {
		if (!plc_stress_one(s, (cpu + i * 5) % PLC_STRESS_KEYS))
			atomic_long_inc(&s->irq_bad);
		atomic_long_inc(&s->irq_lookups);
	}
}

/* Lookups in hardirq context on every CPU, via IPIs, until stopped. */
static int plc_stress_ipi(void *arg)
{
	while (!kthread_should_stop()) {
		on_each_cpu(plc_stress_irq, arg, 1);
		usleep_range(200, 400);
	}
	return 0;
}

static struct plc_sobj *plc_stress_new(unsigned int i)
{
	struct plc_sobj *obj = kmalloc(sizeof(*obj), GFP_KERNEL);

	if (obj) {
		obj->key = plc_stress_key(i);
		obj->magic = PLC_MAGIC_LIVE;
	}
	return obj;
}

static void plc_stress_free(struct plc_sobj *obj)
{
	/* Poison before the free: KCSAN builds have no KASAN to catch a UAF. */
	WRITE_ONCE(obj->magic, PLC_MAGIC_DEAD);
	WRITE_ONCE(obj->key, 0);
	kfree(obj);
}

/*
 * Contract 5 under load: readers on every CPU, with IRQs on, and lookups
 * from hardirq context, while a writer retires and replaces objects in
 * the documented order. No reader may ever use a freed object or another
 * key's; KASAN and the poison catch use-after-free.
 */
static void plc_test_stress(struct kunit *test)
{
	unsigned long max_iter = IS_ENABLED(CONFIG_KASAN) ? 100 : 400;
	unsigned long start, deadline, iter, lookups = 0, bad = 0, keys[2];
	struct plc_sobj *old[2], *new[2];
	struct pcpu_lookup_cache_stats sum;
	unsigned int cpu, i, nr = 0, ran = 0, slots[2], nomem = 0;
	struct plc_reader *readers;
	struct task_struct *ipi;
	struct plc_stress *s;
	int ret = 0;

	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_EQ(test, pcpu_lookup_cache_init(&s->cache, 16, 2), 0);
	for (i = 0; i < PLC_STRESS_KEYS; i++) {
		struct plc_sobj *obj = plc_stress_new(i);

		KUNIT_ASSERT_NOT_NULL(test, obj);
		RCU_INIT_POINTER(s->slot[i], obj);
	}
	readers = kunit_kcalloc(test, nr_cpu_ids, sizeof(*readers), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, readers);

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		struct plc_reader *r = &readers[nr];

		r->s = s;
		r->seed = cpu + 1;
		r->task = kthread_create_on_cpu(plc_stress_reader, r, cpu,
						"plc_reader/%u");
		if (IS_ERR(r->task)) {
			r->task = NULL;
			continue;
		}
		wake_up_process(r->task);
		nr++;
	}
	cpus_read_unlock();
	ipi = kthread_run(plc_stress_ipi, s, "plc_ipi");

	/* The writer: retire (a..d of contract 5) and replace, on a timer. */
	start = jiffies;
	deadline = start + msecs_to_jiffies(PLC_STRESS_MS);
	for (iter = 0; time_before(jiffies, deadline); iter++) {
		unsigned int n = iter % 4 == 3 ? 2 : 1;

		/* Enough rounds, and the IPI thread got to run? */
		if (iter >= max_iter && atomic_long_read(&s->irq_lookups))
			break;
		/* Let the readers run, even without preemption. */
		usleep_range(100, 200);

		for (i = 0; i < n; i++) {
			/* Two different slots, odd rounds among the hot keys. */
			slots[i] = (iter * 7 + i * 3) % PLC_STRESS_KEYS;
			if (iter & 1)
				slots[i] %= 8;
			keys[i] = plc_stress_key(slots[i]);
			new[i] = plc_stress_new(slots[i]);
			if (!new[i])
				break;
		}
		if (i < n) {
			while (i--)
				kfree(new[i]);
			nomem = 1;
			break;
		}
		for (i = 0; i < n; i++)
			old[i] = rcu_replace_pointer(s->slot[slots[i]], NULL,
						     true);
		if (iter % 16 == 15)
			ret |= pcpu_lookup_cache_flush(&s->cache);
		else if (n == 2)
			ret |= pcpu_lookup_cache_invalidate_many(&s->cache, keys,
								 2);
		else
			ret |= pcpu_lookup_cache_invalidate(&s->cache, keys[0]);
		synchronize_rcu();
		for (i = 0; i < n; i++) {
			plc_stress_free(old[i]);
			rcu_assign_pointer(s->slot[slots[i]], new[i]);
		}
	}

	if (!IS_ERR(ipi))
		kthread_stop(ipi);
	for (i = 0; i < nr; i++) {
		kthread_stop(readers[i].task);
		lookups += readers[i].lookups;
		bad += readers[i].bad;
		ran += readers[i].lookups > 0;
	}
	synchronize_rcu();
	pcpu_lookup_cache_stats_sum(&s->cache, &sum);
	pcpu_lookup_cache_destroy(&s->cache);
	for (i = 0; i < PLC_STRESS_KEYS; i++)
		plc_stress_free(rcu_dereference_protected(s->slot[i], true));

	kunit_info(test, "%u ms, %u readers, %lu writer rounds, %lu lookups, %ld in IRQ, hits %llu fills %llu dropped %llu evictions %llu invalidations %llu\n",
		   jiffies_to_msecs(jiffies - start), nr, iter, lookups,
		   atomic_long_read(&s->irq_lookups),
		   sum.hits, sum.fills, sum.dropped, sum.evictions,
		   sum.invalidations);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, nomem, 0);
	KUNIT_EXPECT_EQ(test, bad, 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&s->irq_bad), 0);
	/* Not vacuous. */
	KUNIT_EXPECT_EQ(test, nr, num_online_cpus());
	KUNIT_EXPECT_EQ(test, ran, nr);
	KUNIT_EXPECT_FALSE(test, IS_ERR(ipi));
	KUNIT_EXPECT_GE(test, iter, 10);
	KUNIT_EXPECT_GE(test, lookups, 10000);
	KUNIT_EXPECT_GT(test, atomic_long_read(&s->irq_lookups), 0);
	KUNIT_EXPECT_GT(test, sum.hits, 0);
	KUNIT_EXPECT_GT(test, sum.fills, 0);
	KUNIT_EXPECT_GT(test, sum.evictions, 0);
	KUNIT_EXPECT_GT(test, sum.invalidations, 0);
}

static struct kunit_case plc_test_cases[] = {
	KUNIT_CASE(plc_test_cpu_bytes),
	KUNIT_CASE(plc_test_init_einval),
	KUNIT_CASE_PARAM(plc_test_init_destroy, plc_geom_gen_params),
	KUNIT_CASE_PARAM(plc_test_init_enomem, plc_geom_gen_params),
	KUNIT_CASE(plc_test_api_misuse),
	KUNIT_CASE_PARAM(plc_test_key0_null, plc_geom_gen_params),
	KUNIT_CASE_PARAM(plc_test_replacement, plc_geom_gen_params),
	KUNIT_CASE_PARAM(plc_test_fill_race, plc_geom_gen_params),
	KUNIT_CASE(plc_test_set_spread),
	/* About 80 flushes of the 16 MiB table of the largest geometry. */
	KUNIT_CASE_PARAM_ATTR(plc_test_nested_lookup, plc_geom_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE_PARAM(plc_test_nested_fill, plc_geom_gen_params),
	KUNIT_CASE_PARAM(plc_test_cross_cpu, plc_geom_gen_params),
	KUNIT_CASE(plc_test_cpuslocked_and_zero_keys),
	KUNIT_CASE(plc_test_suspend),
	KUNIT_CASE(plc_test_hotplug),
	KUNIT_CASE_SLOW(plc_test_stress),
	{}
};

static struct kunit_suite plc_test_suite = {
	.name = "pcpu_lookup_cache",
	.test_cases = plc_test_cases,
};

kunit_test_suite(plc_test_suite);

MODULE_DESCRIPTION("KUnit tests for the per-CPU lookup cache");
MODULE_LICENSE("GPL");
