// SPDX-License-Identifier: GPL-2.0
/*
 * pcpu_lookup_cache: a per-CPU, set-associative lookup cache.
 *
 * The lookup is inline in <linux/pcpu_lookup_cache.h>. This file holds the
 * fill, and everything that sleeps or reaches other CPUs: setup and
 * teardown, invalidation by IPI, statistics and debugfs.
 * The header's opening comment is the contract.
 */

#include <linux/atomic.h>
#include <linux/cpu.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/init.h>
#include <linux/kprobes.h>
#include <linux/limits.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/pcpu_lookup_cache.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <kunit/static_stub.h>
#include <kunit/visibility.h>

/* The stride, in entries, between two sets of @nr_ways ways. */
static unsigned int plc_stride(unsigned int nr_ways)
{
	return roundup_pow_of_two(nr_ways);
}

static bool plc_geometry_valid(unsigned int nr_sets, unsigned int nr_ways)
{
	return nr_sets && is_power_of_2(nr_sets) &&
	       nr_sets <= PCPU_LOOKUP_CACHE_MAX_SETS &&
	       nr_ways && nr_ways <= PCPU_LOOKUP_CACHE_MAX_WAYS;
}

/* Whether to take the debugfs file's reference at late boot. */
static bool plc_hit_stats_boot;
module_param_named(hit_stats, plc_hit_stats_boot, bool, 0444);
MODULE_PARM_DESC(hit_stats, "count hits and misses from late boot (default 0)");
/* Whether the debugfs file holds its reference; under the mutex. */
static bool plc_hit_stats_file;
/* References to hit statistics, the file's among them; under the mutex. */
static unsigned int plc_hit_stats_refs;
static DEFINE_MUTEX(plc_hit_stats_lock);

/*
 * pcpu_lookup_cache_lookup() takes its counting copy of the lookup for
 * keys up to this value: 0 (key 0 only) while hit statistics are off,
 * ULONG_MAX (every key) while they are on (contract point 7): the per-hit
 * store was 18% of a hit. Written under plc_hit_stats_lock.
 * Read by every lookup: exported, but for the inline lookup only.
 */
unsigned long __data_racy __pcpu_lookup_cache_slow_max __read_mostly;
EXPORT_SYMBOL_GPL(__pcpu_lookup_cache_slow_max);

static void plc_hit_stats_get_locked(void)
{
	lockdep_assert_held(&plc_hit_stats_lock);
	if (!plc_hit_stats_refs++)
		WRITE_ONCE(__pcpu_lookup_cache_slow_max, ULONG_MAX);
}

static void plc_hit_stats_put_locked(void)
{
	lockdep_assert_held(&plc_hit_stats_lock);
	if (!WARN_ON_ONCE(!plc_hit_stats_refs) && !--plc_hit_stats_refs)
		WRITE_ONCE(__pcpu_lookup_cache_slow_max, 0);
}

/**
 * pcpu_lookup_cache_hit_stats_get() - count hits and misses
 *
 * From this call to the matching pcpu_lookup_cache_hit_stats_put(), every
 * cache counts its hits and misses (the other counters are always
 * counted). Calls nest, and the debugfs file and the boot parameter
 * share one reference. Lookups ordered after this call (on this CPU, or
 * after a lock, an IPI or a wakeup that follows it) count; lookups
 * ordered after the last put count nothing. Sleeps: it takes a mutex.
 *
 * Context: Process context.
 */
void pcpu_lookup_cache_hit_stats_get(void)
{
	mutex_lock(&plc_hit_stats_lock);
	plc_hit_stats_get_locked();
	mutex_unlock(&plc_hit_stats_lock);
}
EXPORT_SYMBOL_GPL(pcpu_lookup_cache_hit_stats_get);

/**
 * pcpu_lookup_cache_hit_stats_put() - end a pcpu_lookup_cache_hit_stats_get()
 *
 * Counting stops when the last reference is put. Sleeps. A put without a
 * get warns and does nothing.
 *
 * Context: Process context.
 */
void pcpu_lookup_cache_hit_stats_put(void)
{
	mutex_lock(&plc_hit_stats_lock);
	plc_hit_stats_put_locked();
	mutex_unlock(&plc_hit_stats_lock);
}
EXPORT_SYMBOL_GPL(pcpu_lookup_cache_hit_stats_put);

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * pcpu_lookup_cache_hit_stats_refs() - references to hit statistics
 *
 * For tests: the debugfs file's reference, if it holds one, and those of
 * pcpu_lookup_cache_hit_stats_get() calls not yet put. Sleeps.
 *
 * Return: the number of references.
 */
unsigned int pcpu_lookup_cache_hit_stats_refs(void)
{
	unsigned int refs;

	mutex_lock(&plc_hit_stats_lock);
	refs = plc_hit_stats_refs;
	mutex_unlock(&plc_hit_stats_lock);
	return refs;
}
EXPORT_SYMBOL_IF_KUNIT(pcpu_lookup_cache_hit_stats_refs);
#endif

static int plc_hit_stats_read(void *data, u64 *val)
{
	*val = pcpu_lookup_cache_hit_stats_enabled();
	return 0;
}

static int plc_hit_stats_write(void *data, u64 val)
{
	mutex_lock(&plc_hit_stats_lock);
	if (!!val != plc_hit_stats_file) {
		plc_hit_stats_file = !!val;
		if (val)
			plc_hit_stats_get_locked();
		else
			plc_hit_stats_put_locked();
	}
	mutex_unlock(&plc_hit_stats_lock);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(plc_hit_stats_fops, plc_hit_stats_read,
			 plc_hit_stats_write, "%llu\n");

/*
 * /sys/kernel/debug/pcpu_lookup_cache/hit_stats reads 1 while hits are
 * counted, for any reason; writing 1 or 0 takes or drops the file's own
 * reference, which pcpu_lookup_cache.hit_stats=1 takes here, at late boot
 * (hits before are not counted).
 */
static int __init plc_hit_stats_init(void)
{
	struct dentry *dir;

	if (plc_hit_stats_boot)
		plc_hit_stats_write(NULL, 1);
	dir = debugfs_create_dir("pcpu_lookup_cache", NULL);
	debugfs_create_file_unsafe("hit_stats", 0644, dir, NULL,
				   &plc_hit_stats_fops);
	return 0;
}
late_initcall(plc_hit_stats_init);

/**
 * pcpu_lookup_cache_cpu_bytes() - memory one CPU's part of a cache uses
 * @nr_sets: number of sets
 * @nr_ways: number of ways per set
 *
 * Return: the bytes allocated for each possible CPU by a cache of this
 * geometry, or 0 if pcpu_lookup_cache_init() would reject the geometry.
 */
size_t pcpu_lookup_cache_cpu_bytes(unsigned int nr_sets, unsigned int nr_ways)
{
	if (!plc_geometry_valid(nr_sets, nr_ways))
		return 0;
	return (size_t)nr_sets * plc_stride(nr_ways) *
	       sizeof(struct pcpu_lookup_cache_entry) +
	       nr_sets + sizeof(struct pcpu_lookup_cache_cpu);
}
EXPORT_SYMBOL_GPL(pcpu_lookup_cache_cpu_bytes);

/*
 * Every allocation of a cache goes through these two, so that KUnit can
 * make any one of them fail and check that nothing leaks.
 */
VISIBLE_IF_KUNIT void *pcpu_lookup_cache_alloc(size_t size, int node)
{
	KUNIT_STATIC_STUB_REDIRECT(pcpu_lookup_cache_alloc, size, node);
	return kvzalloc_node(size, GFP_KERNEL, node);
}
EXPORT_SYMBOL_IF_KUNIT(pcpu_lookup_cache_alloc);

VISIBLE_IF_KUNIT void pcpu_lookup_cache_free(void *ptr)
{
	KUNIT_STATIC_STUB_REDIRECT(pcpu_lookup_cache_free, ptr);
	kvfree(ptr);
}
EXPORT_SYMBOL_IF_KUNIT(pcpu_lookup_cache_free);

static void plc_free_pcpu(struct pcpu_lookup_cache_cpu __percpu *pcpu)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct pcpu_lookup_cache_cpu *pc = per_cpu_ptr(pcpu, cpu);

		pcpu_lookup_cache_free(pc->entries);
		pcpu_lookup_cache_free(pc->victim);
	}
	free_percpu(pcpu);
}

/*
 * Empty one way. Readers see the key go first, so never a stale value.
 * Always inline: the fill calls it, and may call nothing out of line.
 */
static __always_inline void plc_clear(struct pcpu_lookup_cache_entry *e)
{
	WRITE_ONCE(e->key, 0);
	barrier();
	WRITE_ONCE(e->val, NULL);
}

/*
 * Advance the invalidation sequence: every token read before is stale.
 * Full barriers on both sides: the caller's removal from the backing
 * structure, or a suspend's count, is visible before the new sequence (a
 * lookup that reads the new sequence as its token then finds the object
 * gone, or the cache suspended), and the new sequence before the
 * invalidation reads any CPU's table (pairs with the barrier in
 * pcpu_lookup_cache_fill(), contract point 3).
 */
static void plc_advance(struct pcpu_lookup_cache *cache)
{
	smp_mb__before_atomic();	/* the removal, then the advance */
	atomic_long_inc(&cache->seq);
	smp_mb__after_atomic();		/* the advance, then the scan */
}

/*
 * Start and end an invalidation or flush of @pc. fill_busy makes a fill
 * from an NMI that lands in between drop out, and the write count makes a
 * lookup that it interrupts miss. The old fill_busy is restored at the
 * end: the IPI may land in a fill, which the fills of IRQs and NMIs that
 * come after the IPI must still not interleave with.
 */
static unsigned int plc_inval_begin(struct pcpu_lookup_cache_cpu *pc)
{
	unsigned int busy = READ_ONCE(pc->fill_busy);

	WRITE_ONCE(pc->fill_busy, 1);
	WRITE_ONCE(pc->writes, READ_ONCE(pc->writes) + 1);
	barrier();
	return busy;
}

static void plc_inval_end(struct pcpu_lookup_cache_cpu *pc, unsigned int busy,
			  u64 cleared)
{
	__pcpu_lookup_cache_add(&pc->stats.invalidations, cleared);
	barrier();
	WRITE_ONCE(pc->fill_busy, busy);
}

/* Empty the ways of @pc that hold @key; returns how many. */
static unsigned int plc_clear_key(struct pcpu_lookup_cache *cache,
				  struct pcpu_lookup_cache_cpu *pc,
				  unsigned long key)
{
	struct pcpu_lookup_cache_entry *e;
	unsigned int way, n = 0;

	if (!key)
		return 0;
	e = __pcpu_lookup_cache_key_set(cache, pc, key);
	for (way = 0; way < cache->nr_ways; way++) {
		if (READ_ONCE(e[way].key) == key) {
			plc_clear(&e[way]);
			n++;
		}
	}
	return n;
}

/* Drop @keys from @pc. */
static void plc_drop_keys(struct pcpu_lookup_cache *cache,
			  struct pcpu_lookup_cache_cpu *pc,
			  const unsigned long *keys, unsigned int nr_keys)
{
	unsigned int i, busy;
	u64 n = 0;

	busy = plc_inval_begin(pc);
	for (i = 0; i < nr_keys; i++)
		n += plc_clear_key(cache, pc, keys[i]);
	plc_inval_end(pc, busy, n);
}

/* Empty every way of @pc. */
static void plc_flush(struct pcpu_lookup_cache *cache,
		      struct pcpu_lookup_cache_cpu *pc)
{
	unsigned int set, way, busy;
	u64 n = 0;

	busy = plc_inval_begin(pc);
	for (set = 0; set < cache->nr_sets; set++) {
		struct pcpu_lookup_cache_entry *e =
			__pcpu_lookup_cache_set(cache, pc, set);

		for (way = 0; way < cache->nr_ways; way++) {
			if (READ_ONCE(e[way].key)) {
				plc_clear(&e[way]);
				n++;
			}
		}
	}
	/*
	 * The table is empty: the next flush may skip this CPU, unless this
	 * one interrupted a fill, which may store its key after this, and
	 * keep it if its token is newer than this flush.
	 */
	if (!busy)
		WRITE_ONCE(pc->filled, 0);
	plc_inval_end(pc, busy, n);
}

/* KUnit only: without it nothing calls these two, and they would be unused. */
#if IS_ENABLED(CONFIG_KUNIT)
/**
 * pcpu_lookup_cache_invalidate_local() - drop keys from this CPU's cache
 * @cache: the cache
 * @keys: the keys
 * @nr_keys: number of @keys
 *
 * A whole invalidation as this CPU sees it: the sequence advances, then
 * the keys go. Call with IRQs disabled. Exported to KUnit only, which
 * calls it from inside a lookup or a fill to emulate an invalidation
 * whose IPI lands there.
 */
VISIBLE_IF_KUNIT void
pcpu_lookup_cache_invalidate_local(struct pcpu_lookup_cache *cache,
				   const unsigned long *keys,
				   unsigned int nr_keys)
{
	plc_advance(cache);
	plc_drop_keys(cache, this_cpu_ptr(cache->pcpu), keys, nr_keys);
}
EXPORT_SYMBOL_IF_KUNIT(pcpu_lookup_cache_invalidate_local);

/**
 * pcpu_lookup_cache_flush_local() - empty this CPU's cache
 * @cache: the cache
 *
 * A whole flush as this CPU sees it, like
 * pcpu_lookup_cache_invalidate_local(). Exported to KUnit only.
 */
VISIBLE_IF_KUNIT void
pcpu_lookup_cache_flush_local(struct pcpu_lookup_cache *cache)
{
	plc_advance(cache);
	plc_flush(cache, this_cpu_ptr(cache->pcpu));
}
EXPORT_SYMBOL_IF_KUNIT(pcpu_lookup_cache_flush_local);
#endif

/**
 * pcpu_lookup_cache_flush_cpu() - empty the cache of a CPU that is not online
 * @cache: the cache
 * @cpu: a CPU that is not online, with CPU hotplug locked
 *
 * Called by every flush, after it advanced the sequence, on the
 * invalidating CPU, for each CPU that the IPI does not reach (see
 * plc_ipi_cpus()). Exported to KUnit only.
 */
VISIBLE_IF_KUNIT void
pcpu_lookup_cache_flush_cpu(struct pcpu_lookup_cache *cache, unsigned int cpu)
{
	plc_flush(cache, per_cpu_ptr(cache->pcpu, cpu));
}
EXPORT_SYMBOL_IF_KUNIT(pcpu_lookup_cache_flush_cpu);

/**
 * pcpu_lookup_cache_init() - set up a cache
 * @cache: the cache; needs no initialisation beforehand
 * @nr_sets: sets per CPU, a power of two, at most
 *	%PCPU_LOOKUP_CACHE_MAX_SETS
 * @nr_ways: ways per set, 1 to %PCPU_LOOKUP_CACHE_MAX_WAYS
 *
 * Allocates pcpu_lookup_cache_cpu_bytes() for every possible CPU, on the
 * CPU's node. Sleeps. After this call, even when it fails,
 * pcpu_lookup_cache_destroy() is safe. It starts from a blank @cache: call
 * it again only after pcpu_lookup_cache_destroy(), or the first tables
 * and debugfs file are leaked.
 *
 * Return: 0, -EINVAL for a bad geometry (nothing allocated), or -ENOMEM.
 */
int pcpu_lookup_cache_init(struct pcpu_lookup_cache *cache,
			   unsigned int nr_sets, unsigned int nr_ways)
{
	struct pcpu_lookup_cache_cpu __percpu *pcpu;
	size_t table;
	int cpu;

	might_sleep();
	memset(cache, 0, sizeof(*cache));
	if (!plc_geometry_valid(nr_sets, nr_ways))
		return -EINVAL;

	/* nr_ways, set_stride and ways_bytes fit their fields. */
	BUILD_BUG_ON(roundup_pow_of_two(PCPU_LOOKUP_CACHE_MAX_WAYS) > U8_MAX);
	BUILD_BUG_ON(PCPU_LOOKUP_CACHE_MAX_WAYS *
		     sizeof(struct pcpu_lookup_cache_entry) > U16_MAX);
	cache->nr_sets = nr_sets;
	cache->nr_ways = nr_ways;
	cache->set_stride = plc_stride(nr_ways);
	cache->hash_bits = max(ilog2(nr_sets), 1);
	cache->hash_shift = BITS_PER_LONG - __PCPU_LOOKUP_CACHE_SKIP_BITS -
			    cache->hash_bits;
	cache->set_mask = nr_sets - 1;
	cache->set_order = ilog2(cache->set_stride *
				 sizeof(struct pcpu_lookup_cache_entry));
	cache->ways_bytes = nr_ways * sizeof(struct pcpu_lookup_cache_entry);
	cache->set_base_mask = ~((1U << cache->set_order) - 1);
#if BITS_PER_LONG == 64
	/*
	 * home_mult moves the home way's byte offset in the product (the
	 * bits that hash_long() takes, its entry's index, 4 bits higher) up
	 * to __PCPU_LOOKUP_CACHE_HOME_SHIFT: by a shift that is not
	 * negative for the smallest table (one set, counted as two, of one
	 * way), and that leaves room above for the largest table's offsets.
	 * The masks fit their fields: the offsets that set_base_mask and
	 * home_mask clear bits of fit too.
	 */
	BUILD_BUG_ON(BITS_PER_LONG - __PCPU_LOOKUP_CACHE_SKIP_BITS - 1 -
		     ilog2(sizeof(struct pcpu_lookup_cache_entry)) >
		     __PCPU_LOOKUP_CACHE_HOME_SHIFT);
	BUILD_BUG_ON(__PCPU_LOOKUP_CACHE_HOME_SHIFT +
		     ilog2(PCPU_LOOKUP_CACHE_MAX_SETS *
			   roundup_pow_of_two(PCPU_LOOKUP_CACHE_MAX_WAYS) *
			   sizeof(struct pcpu_lookup_cache_entry)) >
		     BITS_PER_LONG);
	BUILD_BUG_ON((u64)PCPU_LOOKUP_CACHE_MAX_SETS *
		     roundup_pow_of_two(PCPU_LOOKUP_CACHE_MAX_WAYS) *
		     sizeof(struct pcpu_lookup_cache_entry) - 1 > UINT_MAX);
	cache->home_mult = GOLDEN_RATIO_PRIME <<
			   (__PCPU_LOOKUP_CACHE_HOME_SHIFT -
			    (cache->hash_shift - cache->set_order));
	cache->home_mask = (cache->set_mask << cache->set_order) |
			   ((cache->set_stride - 1) *
			    sizeof(struct pcpu_lookup_cache_entry));
#endif
	table = (size_t)nr_sets * cache->set_stride *
		sizeof(struct pcpu_lookup_cache_entry);

	pcpu = alloc_percpu(struct pcpu_lookup_cache_cpu);
	if (!pcpu)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct pcpu_lookup_cache_cpu *pc = per_cpu_ptr(pcpu, cpu);
		int node = cpu_to_node(cpu);

		pc->entries = pcpu_lookup_cache_alloc(table, node);
		pc->victim = pcpu_lookup_cache_alloc(nr_sets, node);
		if (!pc->entries || !pc->victim) {
			plc_free_pcpu(pcpu);
			return -ENOMEM;
		}
	}
	cache->pcpu = pcpu;
	return 0;
}
EXPORT_SYMBOL_GPL(pcpu_lookup_cache_init);

/**
 * pcpu_lookup_cache_destroy() - free a cache
 * @cache: a cache passed to pcpu_lookup_cache_init() before
 *
 * Frees everything, including the debugfs file, whose reads in progress
 * it waits for. No lookup or fill may run any more: a user whose lookups
 * run with preemption disabled stops them and waits for a grace period
 * first. Safe after a failed init and when called twice. Sleeps.
 */
void pcpu_lookup_cache_destroy(struct pcpu_lookup_cache *cache)
{
	might_sleep();
	debugfs_remove(cache->debugfs);
	cache->debugfs = NULL;
	if (!cache->pcpu)
		return;
	plc_free_pcpu(cache->pcpu);
	cache->pcpu = NULL;
}
EXPORT_SYMBOL_GPL(pcpu_lookup_cache_destroy);

/*
 * Pick the entry of a set that a fill of @key stores to: the way that holds
 * @key already, else @key's home way if it is empty, else the first empty
 * way, else @key's home way if a guest holds it, else the set's victim,
 * which then moves on. @first is the set's first entry, @home @key's home
 * way (maybe a padding entry past the last way, which is never picked),
 * @set the set's index (for its victim). Inline: see fill.
 */
static __always_inline struct pcpu_lookup_cache_entry *
plc_pick_entry(struct pcpu_lookup_cache *cache,
	       struct pcpu_lookup_cache_cpu *pc,
	       struct pcpu_lookup_cache_entry *first,
	       struct pcpu_lookup_cache_entry *home, unsigned int set,
	       unsigned long key)
{
	struct pcpu_lookup_cache_entry *e, *empty = NULL;
	struct pcpu_lookup_cache_entry *end = (void *)first + cache->ways_bytes;
	unsigned int way;

	for (e = first; e != end; e++) {
		/* An invalidation's IPI may clear it meanwhile. */
		unsigned long k = READ_ONCE(e->key);

		if (k == key)
			return e;
		if (!k && (!empty || e == home))
			empty = e;
	}
	if (empty)
		return empty;
	/*
	 * The set is full. A key that is not in its home way (a guest)
	 * makes way for the key whose home way it took: so keys stay in
	 * their home ways, where a lookup finds them first.
	 */
	if (home < end) {
		unsigned long k = READ_ONCE(home->key);

		if (k && (void *)pc->entries +
			 __pcpu_lookup_cache_home_offset(cache, k) != home) {
			__pcpu_lookup_cache_add(&pc->stats.evictions, 1);
			return home;
		}
	}

	way = pc->victim[set];
	pc->victim[set] = way + 1 < cache->nr_ways ? way + 1 : 0;
	__pcpu_lookup_cache_add(&pc->stats.evictions, 1);
	return first + way;
}

/**
 * pcpu_lookup_cache_fill() - cache a value found after a miss
 * @cache: the cache
 * @key: the key that missed; 0 is ignored
 * @val: what the backing structure returned for @key; NULL is ignored
 * @token: what pcpu_lookup_cache_lookup() returned in its @token on a miss,
 *	or pcpu_lookup_cache_token() for a hit turned down
 *
 * Call on the CPU of the lookup, with preemption still disabled since it,
 * from any context including NMI. The fill is dropped if its token is
 * %PCPU_LOOKUP_CACHE_NO_TOKEN, or if an invalidation or flush began after
 * the lookup read its token, so a value removed from the backing
 * structure and invalidated is never left cached, if it interrupted
 * another fill on this CPU, or while the cache is suspended
 * (pcpu_lookup_cache_suspend()). An invalidation that begins while the
 * fill stores, including one whose IPI interrupts it, makes it empty the
 * way again. It neither masks IRQs nor takes a lock. notrace and NOKPROBE,
 * and it makes no instrumented call: kprobes calls it from its breakpoint
 * handlers, and a probe on anything it called would recurse.
 */
void notrace pcpu_lookup_cache_fill(struct pcpu_lookup_cache *cache,
				    unsigned long key, void *val,
				    unsigned long token)
{
	struct pcpu_lookup_cache_cpu *pc;
	struct pcpu_lookup_cache_entry *first, *e;
	unsigned int way;
	size_t offset;

	if (unlikely(!key || !val))
		return;

	/*
	 * With CONFIG_DEBUG_PREEMPT, this_cpu_ptr() checks that the caller
	 * has preemption disabled, as it must have had since the lookup,
	 * whose table this fill writes.
	 *
	 * IRQs stay on. A fill or lookup in an IRQ that lands here is one
	 * more nested context, like an NMI's: fill_busy drops its fill, and
	 * its lookup sees each way empty or whole. An invalidation's IPI
	 * that lands here clears its keys, and its advance came before it,
	 * so the check of the sequence after the stores sees the advance
	 * and empties the way, also when the IPI came before the key was
	 * stored. Masking IRQs would protect nothing more, and would cost
	 * a save and a restore of the IRQ state on every fill.
	 *
	 * raw_atomic_read(): atomic_read() calls the KASAN and KCSAN checks
	 * out of line.
	 */
	pc = this_cpu_ptr(cache->pcpu);
	if (unlikely(token == PCPU_LOOKUP_CACHE_NO_TOKEN ||
		     __pcpu_lookup_cache_seq(cache) != token ||
		     READ_ONCE(pc->fill_busy) ||
		     raw_atomic_read(&cache->suspended))) {
		__pcpu_lookup_cache_add(&pc->stats.dropped, 1);
		return;
	}
	WRITE_ONCE(pc->fill_busy, 1);
	/*
	 * An IPI that lands between the read and the write advances the
	 * count too, and this write repeats its value. That is harmless:
	 * the lookups below this fill read the count before the IPI, and
	 * the ones that read the IPI's value were nested in it and are done.
	 */
	WRITE_ONCE(pc->writes, READ_ONCE(pc->writes) + 1);
	barrier();

	/*
	 * The home way and the set that the lookup reads, and the set's
	 * index, from the same offset.
	 */
	offset = __pcpu_lookup_cache_home_offset(cache, key);
	first = (void *)pc->entries + __pcpu_lookup_cache_set_of(cache, offset);
	e = plc_pick_entry(cache, pc, first, (void *)pc->entries + offset,
			   offset >> cache->set_order, key);
	way = e - first;
	WRITE_ONCE(e->key, 0);
	barrier();
	__pcpu_lookup_cache_hook(cache, PCPU_LOOKUP_CACHE_STEP_FILL_CLEAR, way);
	WRITE_ONCE(e->val, val);
	/* A flush that reads it unset reads it before the smp_mb() below. */
	WRITE_ONCE(pc->filled, 1);
	barrier();
	__pcpu_lookup_cache_hook(cache, PCPU_LOOKUP_CACHE_STEP_FILL_VAL, way);
	WRITE_ONCE(e->key, key);
	__pcpu_lookup_cache_hook(cache, PCPU_LOOKUP_CACHE_STEP_FILL_KEY, way);
	/*
	 * An invalidation that began after the check above may have read
	 * this set before the key was stored, or a flush this CPU's filled
	 * flag before it was set, and then sends this CPU no IPI. Pairs with
	 * plc_advance(): either the invalidation sees the key (the flush the
	 * flag) and interrupts this CPU, whose IPI clears the way, or the
	 * sequence read here has moved and the fill undoes itself.
	 */
	smp_mb();
	if (unlikely(__pcpu_lookup_cache_seq(cache) != token)) {
		plc_clear(e);
		__pcpu_lookup_cache_add(&pc->stats.dropped, 1);
	} else {
		__pcpu_lookup_cache_add(&pc->stats.fills, 1);
	}

	barrier();
	WRITE_ONCE(pc->fill_busy, 0);
}
EXPORT_SYMBOL_GPL(pcpu_lookup_cache_fill);
NOKPROBE_SYMBOL(pcpu_lookup_cache_fill);

/* Serialises the direct clears of the CPUs that are not online. */
static DEFINE_MUTEX(plc_offline_lock);

struct plc_ipi_args {
	struct pcpu_lookup_cache *cache;
	const unsigned long *keys;	/* NULL: flush */
	unsigned int nr_keys;
};

/* The IPI: the invalidation already advanced the sequence. */
static void plc_ipi(void *info)
{
	struct plc_ipi_args *args = info;
	struct pcpu_lookup_cache_cpu *pc = this_cpu_ptr(args->cache->pcpu);

	if (args->keys)
		plc_drop_keys(args->cache, pc, args->keys, args->nr_keys);
	else
		plc_flush(args->cache, pc);
	__pcpu_lookup_cache_add(&pc->stats.ipis, 1);
}

/* Whether @pc holds one of @keys, read from another CPU. */
static bool plc_holds_any(struct pcpu_lookup_cache *cache,
			  struct pcpu_lookup_cache_cpu *pc,
			  const unsigned long *keys, unsigned int nr_keys)
{
	struct pcpu_lookup_cache_entry *e;
	unsigned int i, way;

	for (i = 0; i < nr_keys; i++) {
		/* An empty way holds key 0: skip it, or it would match. */
		if (!keys[i])
			continue;
		e = __pcpu_lookup_cache_key_set(cache, pc, keys[i]);
		for (way = 0; way < cache->nr_ways; way++)
			if (READ_ONCE(e[way].key) == keys[i])
				return true;
	}
	return false;
}

/*
 * Whether @pc may hold what @args drops: one of its keys, or for a flush
 * any key stored since its table was last flushed. A flush reads only the
 * flag, not the table: reading every CPU's table from here would cost the
 * flushing CPU, one CPU after another, what the IPIs cost all CPUs at once.
 */
static bool plc_holds(struct plc_ipi_args *args,
		      struct pcpu_lookup_cache_cpu *pc)
{
	if (!args->keys)
		return READ_ONCE(pc->filled);
	return plc_holds_any(args->cache, pc, args->keys, args->nr_keys);
}

/*
 * With CPU hotplug locked, every CPU is either online, and gets the IPI if
 * it may hold a key, or not online, and then runs no lookup or fill
 * (contract point 4): it is dead, or, with split startup, waits in
 * cpuhp_ap_sync_alive() before RCU watches it. Its table is then written
 * here, from this CPU, with nothing to race against. This also covers a
 * CPU parked between two hotplug states (CPU_HOTPLUG_STATE_CONTROL) or
 * left there by a failed teardown, which would skip a hotplug callback of
 * the library.
 *
 * An invalidation IPIs only the online CPUs whose sets hold one of its
 * keys, and a flush only those whose filled flag is set, read after
 * plc_advance(): a fill whose key store that read does not see, or whose
 * flag store for a flush, sees the new sequence and undoes itself
 * (contract point 3). If the mask cannot be allocated, every online CPU
 * gets the IPI.
 */
static void plc_ipi_cpus(struct plc_ipi_args *args)
{
	struct pcpu_lookup_cache *cache = args->cache;
	cpumask_var_t mask;
	bool all;
	int cpu;

	lockdep_assert_cpus_held();
	/*
	 * No reclaim with the CPU hotplug lock, and often the caller's
	 * locks, held: failing costs only IPIs.
	 */
	all = !zalloc_cpumask_var(&mask, GFP_NOWAIT | __GFP_NOWARN);
	for_each_possible_cpu(cpu) {
		struct pcpu_lookup_cache_cpu *pc = per_cpu_ptr(cache->pcpu, cpu);

		if (cpu_online(cpu)) {
			if (!all && plc_holds(args, pc))
				cpumask_set_cpu(cpu, mask);
		} else {
			/*
			 * Two invalidations of one cache may run at once, and
			 * both write the table of a CPU that is not online,
			 * with its fill_busy, write count and statistics, from
			 * here: one at a time.
			 */
			mutex_lock(&plc_offline_lock);
			if (args->keys)
				plc_drop_keys(cache, pc, args->keys,
					      args->nr_keys);
			else
				pcpu_lookup_cache_flush_cpu(cache, cpu);
			mutex_unlock(&plc_offline_lock);
		}
		/*
		 * nr_keys sets, or a whole table if not online, per CPU, on
		 * every CPU: let a large batch or a large cache on a large
		 * machine yield between CPUs.
		 */
		cond_resched();
	}
	if (all) {
		on_each_cpu(plc_ipi, args, 1);
		return;
	}
	if (!cpumask_empty(mask))
		on_each_cpu_mask(mask, plc_ipi, args, true);
	free_cpumask_var(mask);
}

/*
 * The one round behind every invalidation and flush. Returns -EINVAL for
 * an uninitialised cache or a NULL @keys with a nonzero @nr_keys; does
 * nothing when there is no nonzero key to drop.
 */
static int plc_invalidate(struct pcpu_lookup_cache *cache,
			  const unsigned long *keys, unsigned int nr_keys,
			  bool flush)
{
	struct plc_ipi_args args = {
		.cache = cache, .keys = keys, .nr_keys = nr_keys,
	};
	unsigned int i;

	might_sleep();
	lockdep_assert_cpus_held();
	if (!cache->pcpu || (!keys && nr_keys))
		return -EINVAL;
	if (!flush) {
		for (i = 0; i < nr_keys && !keys[i]; i++)
			;
		if (i == nr_keys)
			return 0;
	}
	plc_advance(cache);
	plc_ipi_cpus(&args);
	return 0;
}

/**
 * pcpu_lookup_cache_invalidate_many_cpuslocked() - drop keys, hotplug locked
 * @cache: the cache
 * @keys: the keys; zeros are skipped
 * @nr_keys: number of @keys; 0 does nothing
 *
 * pcpu_lookup_cache_invalidate_many() for a caller that already holds
 * cpus_read_lock(), for example under a lock that is taken inside it.
 * Sleeps; sends one IPI to each online CPU that holds one of @keys and
 * waits for all of them.
 *
 * Context: Process context, cpus_read_lock() held.
 * Return: 0, or -EINVAL if @cache is not initialised or @keys is NULL
 * with a nonzero @nr_keys.
 */
int pcpu_lookup_cache_invalidate_many_cpuslocked(struct pcpu_lookup_cache *cache,
						 const unsigned long *keys,
						 unsigned int nr_keys)
{
	return plc_invalidate(cache, keys, nr_keys, false);
}
EXPORT_SYMBOL_GPL(pcpu_lookup_cache_invalidate_many_cpuslocked);

/**
 * pcpu_lookup_cache_invalidate_many() - drop keys in one round of IPIs
 * @cache: the cache
 * @keys: the keys; zeros are skipped
 * @nr_keys: number of @keys; 0 does nothing
 *
 * Like pcpu_lookup_cache_invalidate() for each key, with at most one IPI
 * per online CPU for the whole array: to the CPUs that hold one of the
 * keys, and none when no CPU does.
 *
 * Context: Process context; takes cpus_read_lock().
 * Return: 0, or -EINVAL if @cache is not initialised or @keys is NULL
 * with a nonzero @nr_keys.
 */
int pcpu_lookup_cache_invalidate_many(struct pcpu_lookup_cache *cache,
				      const unsigned long *keys,
				      unsigned int nr_keys)
{
	int ret;

	cpus_read_lock();
	ret = plc_invalidate(cache, keys, nr_keys, false);
	cpus_read_unlock();
	return ret;
}
EXPORT_SYMBOL_GPL(pcpu_lookup_cache_invalidate_many);

/**
 * pcpu_lookup_cache_invalidate_cpuslocked() - drop a key, hotplug locked
 * @cache: the cache
 * @key: the key; 0 is never cached
 *
 * pcpu_lookup_cache_invalidate() for a caller that already holds
 * cpus_read_lock().
 *
 * Context: Process context, cpus_read_lock() held.
 * Return: 0, or -EINVAL if @cache is not initialised.
 */
int pcpu_lookup_cache_invalidate_cpuslocked(struct pcpu_lookup_cache *cache,
					    unsigned long key)
{
	return plc_invalidate(cache, &key, 1, false);
}
EXPORT_SYMBOL_GPL(pcpu_lookup_cache_invalidate_cpuslocked);

/**
 * pcpu_lookup_cache_invalidate() - drop a key from every CPU's cache
 * @cache: the cache
 * @key: the key; 0 is never cached
 *
 * Sends an IPI to each online CPU whose cache holds @key, and waits for
 * all of them; none if no CPU holds it. The tables of the CPUs that are
 * not online are cleared directly. On return no fill whose token was
 * taken before the call keeps @key, and a lookup can return a value for
 * @key that was found before the call only inside a preemption-disabled
 * region that began before the call returned: an earlier lookup, or one
 * nested in a fill that the call overtook, before the fill undoes its
 * store (the contract, point 2). Wait for a grace period before freeing
 * the value. Call from sleepable context, not from a lookup's critical
 * section; with cpus_read_lock() held, call
 * pcpu_lookup_cache_invalidate_cpuslocked() instead.
 *
 * Context: Process context; takes cpus_read_lock().
 * Return: 0, or -EINVAL if @cache is not initialised.
 */
int pcpu_lookup_cache_invalidate(struct pcpu_lookup_cache *cache,
				 unsigned long key)
{
	return pcpu_lookup_cache_invalidate_many(cache, &key, 1);
}
EXPORT_SYMBOL_GPL(pcpu_lookup_cache_invalidate);

/**
 * pcpu_lookup_cache_flush_cpuslocked() - empty every CPU's cache, hotplug locked
 * @cache: the cache
 *
 * pcpu_lookup_cache_flush() for a caller that already holds
 * cpus_read_lock().
 *
 * Context: Process context, cpus_read_lock() held.
 * Return: 0, or -EINVAL if @cache is not initialised.
 */
int pcpu_lookup_cache_flush_cpuslocked(struct pcpu_lookup_cache *cache)
{
	return plc_invalidate(cache, NULL, 0, true);
}
EXPORT_SYMBOL_GPL(pcpu_lookup_cache_flush_cpuslocked);

/**
 * pcpu_lookup_cache_flush() - empty every CPU's cache
 * @cache: the cache
 *
 * Like pcpu_lookup_cache_invalidate() for every key: sends an IPI to each
 * online CPU that has stored a key since its cache was last flushed, and
 * none if no CPU has (every online CPU if a cpumask cannot be allocated).
 *
 * Context: Process context; takes cpus_read_lock().
 * Return: 0, or -EINVAL if @cache is not initialised.
 */
int pcpu_lookup_cache_flush(struct pcpu_lookup_cache *cache)
{
	int ret;

	cpus_read_lock();
	ret = plc_invalidate(cache, NULL, 0, true);
	cpus_read_unlock();
	return ret;
}
EXPORT_SYMBOL_GPL(pcpu_lookup_cache_flush);

/**
 * pcpu_lookup_cache_suspend() - empty the cache and stop filling it
 * @cache: the cache
 *
 * For a caller that retires many objects one at a time, each with its own
 * grace period, and so cannot collect their keys for one
 * pcpu_lookup_cache_invalidate_many(). Empties every CPU's cache in one
 * round of IPIs, like pcpu_lookup_cache_flush(), and drops every fill until
 * the matching pcpu_lookup_cache_resume(). Meanwhile lookups miss, and an
 * object removed from the backing structure needs no invalidation, as long
 * as its removal happens before pcpu_lookup_cache_resume() is called (for
 * example because both run under the caller's update-side lock). Calls
 * nest. Same calling context as pcpu_lookup_cache_flush().
 *
 * Return: 0, or -EINVAL if @cache is not initialised.
 */
int pcpu_lookup_cache_suspend(struct pcpu_lookup_cache *cache)
{
	might_sleep();
	if (!cache->pcpu)
		return -EINVAL;
	atomic_inc(&cache->suspended);
	/*
	 * The count, then the flush's advance, which plc_advance() orders
	 * after it with its first barrier: a fill with a token from after
	 * the advance sees the count (the lookup's smp_rmb() on a miss),
	 * one with an older token is dropped at its first read of the
	 * sequence, or undoes itself at its second, or set its CPU's filled
	 * flag before the flush read it, and that CPU gets the IPI and is
	 * flushed (the litmus test fill-vs-suspend.litmus models this).
	 * Every suspend flushes, so that it returns to an empty cache even
	 * when it nests in another suspend still flushing.
	 */
	return pcpu_lookup_cache_flush(cache);
}
EXPORT_SYMBOL_GPL(pcpu_lookup_cache_suspend);

/**
 * pcpu_lookup_cache_resume() - end a pcpu_lookup_cache_suspend()
 * @cache: the cache
 *
 * Waits for an RCU grace period, then lets fills store again once every
 * suspend has been resumed. The grace period covers the lookups, which run
 * with preemption disabled, that may have found an object in the backing
 * structure before the caller removed it: their fills are dropped. As in
 * point 5 of the contract, lookups where RCU is not watching need their own
 * protection. Sleeps.
 *
 * Return: 0, or -EINVAL if @cache is not initialised or not suspended.
 */
int pcpu_lookup_cache_resume(struct pcpu_lookup_cache *cache)
{
	might_sleep();
	if (!cache->pcpu || atomic_read(&cache->suspended) <= 0)
		return -EINVAL;
	synchronize_rcu();
	if (atomic_dec_if_positive(&cache->suspended) < 0)
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_GPL(pcpu_lookup_cache_resume);

/**
 * pcpu_lookup_cache_stats_cpu() - read one CPU's counters
 * @cache: the cache
 * @cpu: a possible CPU
 * @stats: filled with the counters; zeroed if @cache is not initialised
 */
void pcpu_lookup_cache_stats_cpu(const struct pcpu_lookup_cache *cache,
				 unsigned int cpu,
				 struct pcpu_lookup_cache_stats *stats)
{
	const struct pcpu_lookup_cache_stats *s;

	memset(stats, 0, sizeof(*stats));
	if (!cache->pcpu)
		return;
	s = &per_cpu_ptr(cache->pcpu, cpu)->stats;
	stats->hits = READ_ONCE(s->hits);
	stats->misses = READ_ONCE(s->misses);
	stats->fills = READ_ONCE(s->fills);
	stats->dropped = READ_ONCE(s->dropped);
	stats->evictions = READ_ONCE(s->evictions);
	stats->invalidations = READ_ONCE(s->invalidations);
	stats->ipis = READ_ONCE(s->ipis);
}
EXPORT_SYMBOL_GPL(pcpu_lookup_cache_stats_cpu);

/**
 * pcpu_lookup_cache_stats_sum() - sum the counters of all CPUs
 * @cache: the cache
 * @sum: filled with the sums over possible CPUs
 */
void pcpu_lookup_cache_stats_sum(const struct pcpu_lookup_cache *cache,
				 struct pcpu_lookup_cache_stats *sum)
{
	struct pcpu_lookup_cache_stats s;
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		pcpu_lookup_cache_stats_cpu(cache, cpu, &s);
		sum->hits += s.hits;
		sum->misses += s.misses;
		sum->fills += s.fills;
		sum->dropped += s.dropped;
		sum->evictions += s.evictions;
		sum->invalidations += s.invalidations;
		sum->ipis += s.ipis;
	}
}
EXPORT_SYMBOL_GPL(pcpu_lookup_cache_stats_sum);

static void plc_seq_stats(struct seq_file *m, const char *name,
			  const struct pcpu_lookup_cache_stats *s)
{
	seq_printf(m, "%-6s %12llu %12llu %12llu %12llu %12llu %12llu %12llu\n",
		   name, s->hits, s->misses, s->fills, s->dropped, s->evictions,
		   s->invalidations, s->ipis);
}

/**
 * pcpu_lookup_cache_stats_show() - print a cache's geometry and counters
 * @m: the seq_file to print to
 * @cache: an initialised cache
 *
 * Prints what the file of pcpu_lookup_cache_debugfs_create() shows: the
 * geometry, the rounds of invalidation and flush, whether hit statistics
 * are on, each possible CPU's counters and their sums. It is for a user
 * that replaces its cache, to resize it, and keeps one file of its own:
 * that file's show method calls this for the current cache, under the
 * lock that keeps the cache from being freed (the RCU read lock, if the
 * user frees a replaced cache after a grace period). Such a file outlives
 * the caches, so a read of it that does not return (its buffer a page
 * that userfaultfd does not fill) holds up nothing, whereas
 * pcpu_lookup_cache_destroy() waits for the readers of a file of
 * pcpu_lookup_cache_debugfs_create(). Takes no lock and does not sleep.
 *
 * Return: 0, or -EINVAL if @cache is not initialised.
 */
int pcpu_lookup_cache_stats_show(struct seq_file *m,
				 const struct pcpu_lookup_cache *cache)
{
	struct pcpu_lookup_cache_stats s;
	char name[16];
	int cpu;

	if (!cache->pcpu)
		return -EINVAL;
	seq_printf(m, "sets %u ways %u bytes_per_cpu %zu rounds %ld hit_stats %d\n",
		   cache->nr_sets, cache->nr_ways,
		   pcpu_lookup_cache_cpu_bytes(cache->nr_sets, cache->nr_ways),
		   atomic_long_read(&cache->seq),
		   pcpu_lookup_cache_hit_stats_enabled());
	seq_printf(m, "%-6s %12s %12s %12s %12s %12s %12s %12s\n", "cpu",
		   "hits", "misses", "fills", "dropped", "evictions",
		   "invalidations", "ipis");
	for_each_possible_cpu(cpu) {
		pcpu_lookup_cache_stats_cpu(cache, cpu, &s);
		snprintf(name, sizeof(name), "%d", cpu);
		plc_seq_stats(m, name, &s);
	}
	pcpu_lookup_cache_stats_sum(cache, &s);
	plc_seq_stats(m, "total", &s);
	return 0;
}
EXPORT_SYMBOL_GPL(pcpu_lookup_cache_stats_show);

static int plc_stats_show(struct seq_file *m, void *v)
{
	return pcpu_lookup_cache_stats_show(m, m->private);
}
DEFINE_SHOW_ATTRIBUTE(plc_stats);

/**
 * pcpu_lookup_cache_debugfs_create() - expose the statistics in debugfs
 * @cache: an initialised cache
 * @name: the file's name
 * @parent: the directory, or NULL for the debugfs root
 *
 * Creates a read-only file listing the geometry and each CPU's counters,
 * then their sums. pcpu_lookup_cache_destroy() removes it, after the
 * reads in progress: a user that replaces its cache keeps a file of its
 * own instead (pcpu_lookup_cache_stats_show()). As with other debugfs
 * calls, a failure to create the file is not reported, and without
 * debugfs this does nothing.
 *
 * Return: 0, or -EINVAL if @cache is not initialised or already has a
 * file.
 */
int pcpu_lookup_cache_debugfs_create(struct pcpu_lookup_cache *cache,
				     const char *name, struct dentry *parent)
{
	struct dentry *d;

	if (!cache->pcpu || cache->debugfs)
		return -EINVAL;
	d = debugfs_create_file(name, 0444, parent, cache, &plc_stats_fops);
	if (!IS_ERR(d))
		cache->debugfs = d;
	return 0;
}
EXPORT_SYMBOL_GPL(pcpu_lookup_cache_debugfs_create);
