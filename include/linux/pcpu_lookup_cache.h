/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_PCPU_LOOKUP_CACHE_H
#define _LINUX_PCPU_LOOKUP_CACHE_H

/*
 * pcpu_lookup_cache: a per-CPU, set-associative cache of key -> pointer
 * results, put in front of a slower shared lookup structure (an RCU hash
 * table, a tree) on a hot path such as a breakpoint handler.
 *
 * Each CPU owns nr_sets sets of nr_ways (key, value) entries. A key maps to
 * one set by hash_long(), from bits below the ones a hash table of up to
 * 2^16 buckets takes, so that keys that share a bucket of the table behind
 * the cache do not also share a set; a hit reads that set only. A set is
 * padded to a power of two of ways, and the table is aligned to its size
 * (a power of two), or to a page when vmalloc()ed, so a set of up to 4
 * ways is one cache line of the table, and a hit reads that line (plus
 * the CPU-private header that every lookup on this CPU touches and that
 * stays in the CPU's own cache, the cache's structure and one read-mostly
 * word shared by all caches); and, on 64-bit, a lookup takes the set's
 * offset from the hash with a shift and a mask, without multiplying the
 * set's index by its size.
 *
 * Each key also has a home way in its set, picked by the bits of the same
 * hash just below the set's: the set's index and the home way together are
 * the key's slot in a direct-mapped table of nr_sets * stride entries. A
 * lookup reads the home way first, and the other ways of the set only if
 * the key is not there; so a hit on a key in its home way costs what a
 * direct-mapped table's hit costs, with one branch whatever the other keys
 * of the set, and keys that share a set but not a home way do not make
 * that branch mispredict. A home way past nr_ways (a padding entry) is
 * always empty: such a key is always read from the other ways.
 *
 * Replacement is per-set round-robin (FIFO by way), biased towards home
 * ways: a fill takes the way already holding the key, else the key's home
 * way if it is empty, else the first empty way, else, in a full set, the
 * key's home way if a guest (a key whose home way is another) holds it,
 * else the way named by the set's victim index, which then advances. Hits
 * never write to the table, so its lines stay clean and the nested-writer
 * protocol below stays a three-store sequence; LRU or CLOCK would need a
 * store on every hit.
 *
 * Memory per possible CPU, in bytes:
 *   nr_sets * stride * 16 (table, 64-bit) + nr_sets (victim indexes)
 *   + sizeof(struct pcpu_lookup_cache_cpu) (80 bytes on 64-bit),
 * where stride is nr_ways rounded up to a power of two;
 * pcpu_lookup_cache_cpu_bytes() computes it.
 * The recommended geometry, PCPU_LOOKUP_CACHE_DEFAULT_SETS x
 * PCPU_LOOKUP_CACHE_DEFAULT_WAYS (64 x 4), uses 4096 + 64 + 80 = 4240 bytes.
 *
 * Contract:
 *
 * 1. pcpu_lookup_cache_lookup() and pcpu_lookup_cache_fill() run with
 *    preemption disabled, in any context including NMI. They take no lock
 *    and never wait. The caller keeps preemption disabled from the lookup
 *    to the fill, so both run on the same CPU.
 *
 * 2. Retry reads: every writer of a CPU's table (fill, invalidation, flush)
 *    advances that CPU's write count before it changes an entry, clears an
 *    entry's key before it changes the value, and stores the key last. A
 *    lookup reads the write count, the key, the value, then the write count
 *    again, and reports a miss if it changed. A fill or invalidation that
 *    interrupts the lookup on the same CPU (IRQ, NMI, int3), or several of
 *    them, therefore never make it return a value that was not stored under
 *    the key, nor one that such an invalidation dropped; and a lookup that
 *    interrupts a writer sees the key cleared, or the old or the new entry
 *    whole. A fill that interrupts another fill or an invalidation (IRQ,
 *    NMI) is dropped; an invalidation's IPI may interrupt a fill, which then
 *    undoes its store (point 3). A lookup may still return a value that an
 *    invalidation is dropping, if that invalidation has not yet cleared this
 *    CPU's table when the lookup reads the write count again (its IPI lands
 *    after the lookup, or an NMI or int3 nested in that IPI runs the
 *    lookup), or if the lookup is nested in a fill that the invalidation
 *    overtook (point 3) before the fill undid its store. Both are safe: in
 *    the first case the invalidation returns only after this CPU handled its
 *    IPI, and so after the lookup's caller entered its preemption-disabled
 *    region, which the grace period that the invalidation's caller waits for
 *    afterwards (point 5c) must therefore cover; in the second the lookup is
 *    nested in the preemption-disabled region of the fill's caller, which
 *    read its token before the invalidation began and which that grace
 *    period must cover too. An invalidation that finds the key gone from
 *    this CPU's set, because a later fill here evicted it or another
 *    invalidation cleared it, sends no IPI: the lookup read the key before
 *    that store of this CPU, which the invalidation read before it returned,
 *    so the lookup's region began before the grace period too.
 *
 * 3. Fill race: on a miss, the lookup returns a token, the cache's invalidation
 *    sequence, read after the lookup found the key absent, and orders it before
 *    the caller's reads of the backing structure (pcpu_lookup_cache_token()
 *    does the same for a hit that the caller turns down; a hit itself returns
 *    PCPU_LOOKUP_CACHE_NO_TOKEN, which every fill drops). Every invalidation
 *    and flush advances the sequence, with full barriers, after the caller
 *    removed the object and before it looks at any CPU's table. A fill drops
 *    out if its token is stale; otherwise it stores, issues a full barrier,
 *    reads the sequence again and empties the way it stored if the sequence
 *    moved. Either the fill sees the invalidation's advance and undoes its
 *    store, or the invalidation sees the stored key and interrupts that CPU
 *    (point 4), whose IPI clears it; if the IPI lands in the fill before its
 *    second read, that read sees the advance too. A value found in the backing
 *    structure before an invalidation began is therefore never left cached once
 *    the fill's caller has left its preemption-disabled region, which the grace
 *    period of point 5c waits for, whether the caller runs with IRQs on or off.
 *    The litmus tests of Documentation/litmus-tests/pcpu-lookup-cache/ model
 *    this pairing, and those of a flush and of suspend and resume, for herd7.
 *
 * 4. Invalidation (pcpu_lookup_cache_invalidate(), _invalidate_many(),
 *    _flush(), _suspend(); _resume() waits for a grace period instead)
 *    sleeps. It runs under the CPU hotplug lock. An invalidation reads, on
 *    each online CPU, the sets of its keys, and sends an IPI only to the
 *    CPUs where one of the keys is present, waiting for all of them; an
 *    invalidation of keys that no CPU holds sends no IPI. A flush reads
 *    each online CPU's filled flag and IPIs only the CPUs that stored a
 *    key since their table was last flushed. Both clear the tables of the
 *    CPUs that are not online directly, from the invalidating CPU. The
 *    plain calls take cpus_read_lock(); a caller that already holds it
 *    (for example under a lock that is itself taken inside
 *    cpus_read_lock()) calls the _cpuslocked variants, which assert it
 *    with lockdep. Neither may be called from a CPU hotplug callback.
 *    The direct clear is safe because, with CPU hotplug locked, a CPU that
 *    is not online runs no lookup or fill: it is dead, or (split startup)
 *    spins in cpuhp_ap_sync_alive() before RCU watches it, where no RCU
 *    reader, and so no user of a cache in front of an RCU structure, may
 *    run. It needs no hotplug callback, so it also covers a CPU parked
 *    between two hotplug states (CPU_HOTPLUG_STATE_CONTROL) or left there
 *    by a failed teardown: such a CPU comes back with no stale entry.
 *
 * 5. Ordering for users. To retire an object that may be cached:
 *      a. remove it from the backing structure;
 *      b. invalidate its key;
 *      c. wait for a grace period that covers the lookups that may already
 *         hold it (synchronize_rcu() covers preemption-disabled regions
 *         where RCU is watching; lookups from where it is not, such as the
 *         idle loop, need their own protection);
 *      d. free it.
 *    Invalidating after the grace period (b after c) is a use-after-free:
 *    a caller that runs with IRQs enabled may find the object in the cache
 *    after the grace period began and keep using it after the free.
 *    A caller that retires many objects one at a time, each with its own
 *    grace period, can instead bracket them with pcpu_lookup_cache_suspend()
 *    and pcpu_lookup_cache_resume(): one round of IPIs empties the cache and
 *    fills drop out until the resume, so step b can be left out for every
 *    object removed before the resume is called.
 *
 * 6. Key 0 and NULL values are never cached: a lookup of key 0 misses and a
 *    fill of key 0 or of a NULL value does nothing. So a hit never
 *    returns NULL, and the lookup tells the compiler so: a table entry
 *    with a nonzero key and a NULL value, which only a writer outside
 *    this library could make, is undefined behaviour, not a miss.
 *
 * 7. Statistics: fills, drops, evictions, invalidations and IPIs, all off
 *    the hit path, are always counted. Hits and misses are counted only
 *    while hit statistics are on, for every cache at once: between
 *    pcpu_lookup_cache_hit_stats_get() and _put(), while
 *    /sys/kernel/debug/pcpu_lookup_cache/hit_stats reads 1, or from late
 *    boot with pcpu_lookup_cache.hit_stats=1. Otherwise a lookup writes
 *    nothing. The switch is a store, not a code patch: a lookup ordered
 *    after the get or the put (on the same CPU, or after a lock, an IPI
 *    or a wakeup that follows it) sees it, and one that runs at the same
 *    time on another CPU may or may not count. The lookup has two inline
 *    copies: while hit statistics are on, every lookup takes the one that
 *    counts; the other, which users run by default, writes nothing.
 */

#include <linux/atomic.h>
#include <linux/cache.h>
#include <linux/compiler.h>
#include <linux/hash.h>
#include <linux/limits.h>
#include <linux/percpu.h>
#include <linux/types.h>

#define PCPU_LOOKUP_CACHE_MAX_SETS	8192
#define PCPU_LOOKUP_CACHE_MAX_WAYS	16
#define PCPU_LOOKUP_CACHE_DEFAULT_SETS	64
#define PCPU_LOOKUP_CACHE_DEFAULT_WAYS	4

/*
 * The token that a hit returns, which every fill drops. The invalidation
 * sequence takes this value too, once every 2^BITS_PER_LONG advances: a
 * miss that reads it then has its fill dropped, which costs one more miss.
 */
#define PCPU_LOOKUP_CACHE_NO_TOKEN	ULONG_MAX

struct dentry;
struct seq_file;

/* 0, or ULONG_MAX while hit statistics are on: pcpu_lookup_cache_lookup(). */
extern unsigned long __data_racy __pcpu_lookup_cache_slow_max;

/**
 * struct pcpu_lookup_cache_entry - one way of a set
 * @key: the cached key; 0 when the way is empty
 * @val: the value stored under @key
 */
struct pcpu_lookup_cache_entry {
	unsigned long key;
	void *val;
};

/**
 * struct pcpu_lookup_cache_stats - event counters
 * @hits: lookups that returned a cached value, while hit statistics are on
 * @misses: lookups that returned NULL for a nonzero key, while hit
 *	statistics are on
 * @fills: values stored by pcpu_lookup_cache_fill() and kept
 * @dropped: fills dropped for a stale token, a nested fill or a suspended
 *	cache, or undone because an invalidation began during the fill
 * @evictions: fills that replaced a valid entry of another key
 * @invalidations: entries cleared by invalidation or flush
 * @ipis: invalidation and flush rounds that reached this CPU through
 *	on_each_cpu_mask() or on_each_cpu(): IPIs, and the invalidating CPU's
 *	own call when it is one of the CPUs interrupted
 *
 * Counters are per CPU and updated without atomics; an IRQ or NMI that
 * interrupts an update and counts in the same counter may lose one count.
 */
struct pcpu_lookup_cache_stats {
	u64 hits;
	u64 misses;
	u64 fills;
	u64 dropped;
	u64 evictions;
	u64 invalidations;
	u64 ipis;
};

/**
 * struct pcpu_lookup_cache_cpu - the part of a cache owned by one CPU
 * @entries: nr_sets sets of set_stride entries; the table size is a power
 *	of two, so kmalloc() aligns it to that size, vmalloc() to a page
 * @victim: per-set index of the next way to evict
 * @fill_busy: set while a fill, invalidation or flush updates this table
 * @filled: set by a fill before it stores its key, cleared by a flush of
 *	this table that did not interrupt a fill: a flush interrupts only
 *	the CPUs where it is set (all, if it cannot allocate a cpumask)
 * @writes: advanced by every fill, invalidation and flush of this table
 *	before it changes an entry; a lookup that sees it move misses.
 *	__data_racy: the lookup reads it plain, between compiler barriers.
 *	Its writers must use WRITE_ONCE(): KCSAN treats every access to it
 *	as marked, so it would not report a plain one
 * @stats: this CPU's counters
 */
struct pcpu_lookup_cache_cpu {
	struct pcpu_lookup_cache_entry *entries;
	u8 *victim;
	u8 fill_busy;
	u8 filled;
	unsigned int __data_racy writes;
	struct pcpu_lookup_cache_stats stats;
};

/**
 * enum pcpu_lookup_cache_step - points where KUnit may interrupt
 * @PCPU_LOOKUP_CACHE_STEP_START: lookup, after reading the write count
 * @PCPU_LOOKUP_CACHE_STEP_KEY: lookup, before reading a way's key: the
 *	key's home way first (past the last way if it is a padding entry),
 *	then the others in order
 * @PCPU_LOOKUP_CACHE_STEP_VAL: lookup, key matched, before reading the value
 * @PCPU_LOOKUP_CACHE_STEP_RECHECK: lookup, before the second read of the
 *	write count
 * @PCPU_LOOKUP_CACHE_STEP_TOKEN: lookup, on a miss, after reading the token
 * @PCPU_LOOKUP_CACHE_STEP_FILL_CLEAR: fill, after clearing the way's key
 * @PCPU_LOOKUP_CACHE_STEP_FILL_VAL: fill, after storing the value and
 *	setting the CPU's filled flag
 * @PCPU_LOOKUP_CACHE_STEP_FILL_KEY: fill, after storing the key, before the
 *	second read of the invalidation sequence
 */
enum pcpu_lookup_cache_step {
	PCPU_LOOKUP_CACHE_STEP_START,
	PCPU_LOOKUP_CACHE_STEP_KEY,
	PCPU_LOOKUP_CACHE_STEP_VAL,
	PCPU_LOOKUP_CACHE_STEP_RECHECK,
	PCPU_LOOKUP_CACHE_STEP_TOKEN,
	PCPU_LOOKUP_CACHE_STEP_FILL_CLEAR,
	PCPU_LOOKUP_CACHE_STEP_FILL_VAL,
	PCPU_LOOKUP_CACHE_STEP_FILL_KEY,
};

/**
 * struct pcpu_lookup_cache - a per-CPU lookup cache
 * @pcpu: per-CPU part, NULL when the cache is not initialised
 * @seq: invalidation sequence, advanced by every invalidation and flush;
 *	a miss's token. Next to the geometry, which a miss has read already:
 *	in one cache line when the structure is line-aligned
 * @home_mult: 64-bit only: GOLDEN_RATIO_PRIME shifted left by
 *	%__PCPU_LOOKUP_CACHE_HOME_SHIFT - (@hash_shift - @set_order). The
 *	byte offset of a key's home way is key * @home_mult >>
 *	%__PCPU_LOOKUP_CACHE_HOME_SHIFT masked with @home_mask, the same
 *	bits as key * GOLDEN_RATIO_PRIME >> (@hash_shift - @set_order)
 *	masked with it, from a constant shift; its set's offset is that
 *	with the low @set_order bits cleared. With @home_mask, @set_mask,
 *	@set_base_mask, @ways_bytes, @set_order and @hash_shift, the
 *	geometry as the lookup and the fill use it, computed once by
 *	pcpu_lookup_cache_init()
 * @home_mask: 64-bit only: the table's size minus one entry. A long, so
 *	that the lookup masks with it straight from memory
 * @nr_sets: number of sets per CPU, a power of two
 * @set_mask: @nr_sets - 1
 * @set_base_mask: the byte offset of a way in the table with the low
 *	@set_order bits cleared is its set's offset: the mask that clears
 *	them, so that the lookup's scan finds the set with one AND and no
 *	register for a shift (the table is at most 2 MiB per CPU)
 * @suspended: pcpu_lookup_cache_suspend() calls not yet resumed; fills are
 *	dropped while it is nonzero
 * @ways_bytes: bytes of the @nr_ways entries of a set
 * @set_stride: entries from one set to the next: nr_ways, rounded up to a
 *	power of two, so that no set straddles more cache lines than it
 *	fills and a set's offset in the table is a shift away from its index
 * @nr_ways: number of ways per set
 * @hash_bits: log2(@nr_sets), at least 1: a set is picked by the low
 *	@hash_bits bits of hash_long(key, @hash_bits + 16)
 * @set_order: log2 of the bytes from one set to the next (@set_stride
 *	entries)
 * @hash_shift: BITS_PER_LONG - 16 - @hash_bits. It, @ways_bytes and the
 *	four fields above are as small as their values allow, so that the
 *	structure stays 64 bytes on 64-bit (without the KUnit hook):
 *	kmalloc() then aligns it to a cache line, and a lookup's fields
 *	share that line
 * @debugfs: statistics file, if any
 * @test_hook: KUnit only: called at each &enum pcpu_lookup_cache_step
 *
 * Embed it in the user's structure; it needs no initialisation before
 * pcpu_lookup_cache_init().
 */
struct pcpu_lookup_cache {
	struct pcpu_lookup_cache_cpu __percpu *pcpu;
	atomic_long_t seq;
#if BITS_PER_LONG == 64
	unsigned long home_mult;
	unsigned long home_mask;
#endif
	unsigned int nr_sets;
	unsigned int set_mask;
	unsigned int set_base_mask;
	atomic_t suspended;
	u16 ways_bytes;
	u8 set_stride;
	u8 nr_ways;
	u8 hash_bits;
	u8 set_order;
	u8 hash_shift;
	struct dentry *debugfs;
#if IS_ENABLED(CONFIG_PCPU_LOOKUP_CACHE_KUNIT_TEST)
	void (*test_hook)(struct pcpu_lookup_cache *cache,
			  enum pcpu_lookup_cache_step step, unsigned int way);
#endif
};

/* Lets KUnit run a nested writer or reader between two steps. */
static __always_inline void
__pcpu_lookup_cache_hook(struct pcpu_lookup_cache *cache,
			 enum pcpu_lookup_cache_step step, unsigned int way)
{
#if IS_ENABLED(CONFIG_PCPU_LOOKUP_CACHE_KUNIT_TEST)
	if (unlikely_notrace(cache->test_hook))
		cache->test_hook(cache, step, way);
#endif
}

/*
 * Bits of hash_long() above the ones that pick a set. A table hashed with
 * hash_long() or hash_ptr() into up to 2^16 buckets, such as the kprobe
 * hash list, uses only those top bits: keys that collide in its buckets
 * (the long chains a cache is for) spread over the cache's sets instead of
 * also sharing one.
 */
#define __PCPU_LOOKUP_CACHE_SKIP_BITS	16

/*
 * 64-bit: the constant shift of the home way's offset, BITS_PER_LONG less
 * log2 of the largest table, 2 MiB (struct pcpu_lookup_cache, @home_mult).
 */
#define __PCPU_LOOKUP_CACHE_HOME_SHIFT	43

/*
 * The index of @key's set: the low hash_bits bits of the top
 * hash_bits + 16 bits of key * GOLDEN_RATIO_PRIME, which is
 * hash_long(key, hash_bits + 16) (an architecture's own hash_64() or
 * __hash_32() gives the same values: lib/tests/test_hash.c). The shift
 * and the mask are precomputed, so that no arithmetic on the geometry is
 * done per key; __pcpu_lookup_cache_set_offset() gives the set's place in
 * the table.
 */
static __always_inline unsigned int
__pcpu_lookup_cache_set_index(const struct pcpu_lookup_cache *cache,
			      unsigned long key)
{
	return (key * GOLDEN_RATIO_PRIME >> cache->hash_shift) &
	       cache->set_mask;
}

/*
 * The byte offset of @key's home way in a CPU's table: the offset of its
 * set (below) plus the home way's index times the size of an entry. On
 * 64-bit, where the set's index is taken from at least 32 bits above the
 * bottom of the product, the home way is the log2(stride) bits just below
 * the set's, and one shift right and one mask take the offset itself from
 * the product: the index of the key's slot in a direct-mapped table of as
 * many entries, with the same hash. The shift is a constant, so that the
 * lookup loads no shift count: the multiplier, home_mult, is
 * GOLDEN_RATIO_PRIME shifted left by as many bits as the constant shift
 * takes off beyond the right ones, so the product carries the same bits
 * that many places higher (modulo 2^64, which drops only bits above the
 * offset). On 32-bit, where the set's index may take the bottom bits of
 * the product, the home way is taken from the bits just above the set's.
 */
static __always_inline size_t
__pcpu_lookup_cache_home_offset(const struct pcpu_lookup_cache *cache,
				unsigned long key)
{
#if BITS_PER_LONG == 64
	return (key * cache->home_mult >> __PCPU_LOOKUP_CACHE_HOME_SHIFT) &
	       cache->home_mask;
#else
	unsigned long h = key * GOLDEN_RATIO_PRIME;

	return ((size_t)((h >> cache->hash_shift) & cache->set_mask) <<
		cache->set_order) +
	       ((h >> (BITS_PER_LONG - __PCPU_LOOKUP_CACHE_SKIP_BITS)) &
		(cache->set_stride - 1)) *
	       sizeof(struct pcpu_lookup_cache_entry);
#endif
}

/*
 * The byte offset of the set that holds the way at byte @offset of a CPU's
 * table: @offset with the low set_order bits cleared.
 */
static __always_inline size_t
__pcpu_lookup_cache_set_of(const struct pcpu_lookup_cache *cache,
			   size_t offset)
{
	return offset & cache->set_base_mask;
}

/*
 * The byte offset of @key's set in a CPU's table: the index of
 * __pcpu_lookup_cache_set_index() shifted left by set_order, which is the
 * set of the key's home way.
 */
static __always_inline size_t
__pcpu_lookup_cache_set_offset(const struct pcpu_lookup_cache *cache,
			       unsigned long key)
{
	size_t offset = __pcpu_lookup_cache_home_offset(cache, key);

	return __pcpu_lookup_cache_set_of(cache, offset);
}

/* The index in its set of the way at byte @offset of a CPU's table. */
static __always_inline unsigned int
__pcpu_lookup_cache_way(const struct pcpu_lookup_cache *cache, size_t offset)
{
	return (offset & (((size_t)1 << cache->set_order) - 1)) /
	       sizeof(struct pcpu_lookup_cache_entry);
}

/* The first entry of set @set in @pc. */
static __always_inline struct pcpu_lookup_cache_entry *
__pcpu_lookup_cache_set(const struct pcpu_lookup_cache *cache,
			struct pcpu_lookup_cache_cpu *pc, unsigned int set)
{
	return (void *)pc->entries + ((size_t)set << cache->set_order);
}

/* The first entry of @key's set in @pc. */
static __always_inline struct pcpu_lookup_cache_entry *
__pcpu_lookup_cache_key_set(const struct pcpu_lookup_cache *cache,
			    struct pcpu_lookup_cache_cpu *pc, unsigned long key)
{
	return (void *)pc->entries + __pcpu_lookup_cache_set_offset(cache, key);
}

/*
 * The invalidation sequence. raw_: the instrumented atomic_long_read() is
 * an out-of-line call, and the lookup and fill may call nothing that can
 * be probed or traced.
 */
static __always_inline unsigned long
__pcpu_lookup_cache_seq(const struct pcpu_lookup_cache *cache)
{
	return (unsigned long)raw_atomic_long_read(&cache->seq);
}

/*
 * Count @n more events in @count, a counter of one CPU's statistics.
 * Marked accesses: an IRQ or NMI that lands between the read and the write
 * may count in @count too, and one of the two counts is then lost (struct
 * pcpu_lookup_cache_stats says so). Always inline: the lookup and the fill
 * call it.
 */
static __always_inline void __pcpu_lookup_cache_add(u64 *count, u64 n)
{
	WRITE_ONCE(*count, READ_ONCE(*count) + n);
}

/**
 * pcpu_lookup_cache_token() - the token of a hit that the caller turns down
 * @cache: an initialised cache
 *
 * pcpu_lookup_cache_lookup() returns a token only on a miss. A caller that
 * finds a hit's value of no use (a cache of ranges whose value does not
 * cover the address looked up, say) and reads the backing structure
 * instead takes the token for its fill here, after the lookup: it is
 * ordered before the caller's reads of the backing structure, as the
 * lookup's is on a miss. Call with preemption disabled, from any context
 * including NMI, on the CPU of the lookup and the fill.
 *
 * Return: the token to pass to pcpu_lookup_cache_fill().
 */
static __always_inline unsigned long
pcpu_lookup_cache_token(const struct pcpu_lookup_cache *cache)
{
	unsigned long token = __pcpu_lookup_cache_seq(cache);

	/*
	 * The caller now reads the backing structure: order the token
	 * before those reads, so that a token taken after an invalidation's
	 * advance goes with a read that sees the removal before it. Pairs
	 * with the full barrier before the advance (contract point 3).
	 */
	smp_rmb();
	return token;
}

/*
 * The lookup of pcpu_lookup_cache_lookup(); with @counted, the copy that
 * counts its hit or miss, and that key 0 takes: it misses, uncounted.
 *
 * Its branch hints, and those of everything it inlines, are
 * likely_notrace() and unlikely_notrace(): it is compiled in its caller's
 * object, and there, with CONFIG_TRACE_BRANCH_PROFILING, likely() and
 * unlikely() call ftrace_likely_update(), which can be probed.
 */
static __always_inline void *
__pcpu_lookup_cache_lookup(struct pcpu_lookup_cache *cache, unsigned long key,
			   unsigned long *token, const bool counted)
{
	struct pcpu_lookup_cache_cpu *pc = this_cpu_ptr(cache->pcpu);
	struct pcpu_lookup_cache_entry *e, *home, *end;
	unsigned int way, writes;
	size_t offset;
	void *val;

	if (counted && unlikely_notrace(!key))
		goto out;
	/*
	 * Both reads of the write count are plain, each fenced by a compiler
	 * barrier, so that GCC folds the second into its compare (it does not
	 * fold a volatile read: one more instruction on x86). The only writers
	 * that can move the count during the lookup are the fills,
	 * invalidations and flushes of IRQs, NMIs and exceptions (int3) on this
	 * CPU, which run between two instructions. The compiler may read the
	 * count earlier the first time, or later the second, which can only
	 * make the lookup miss, but it cannot move either read across its
	 * barrier, nor reload the first value from memory after it: the entry's
	 * reads stay between the two. The field is __data_racy: volatile, so a
	 * marked access, under KCSAN.
	 */
	writes = pc->writes;
	barrier();
	__pcpu_lookup_cache_hook(cache, PCPU_LOOKUP_CACHE_STEP_START, 0);
	/* The home way first: a hit there takes one branch. */
	offset = __pcpu_lookup_cache_home_offset(cache, key);
	home = (void *)pc->entries + offset;
	way = __pcpu_lookup_cache_way(cache, offset);
	__pcpu_lookup_cache_hook(cache, PCPU_LOOKUP_CACHE_STEP_KEY, way);
	e = home;
	/*
	 * READ_ONCE(), unlike the write count: with a plain read, this
	 * compare folds its load too, and a hit measured slower on x86.
	 */
	if (likely_notrace(READ_ONCE(e->key) == key))
		goto hit;
	/*
	 * Then the other ways of the set, in order. The set's offset as
	 * __pcpu_lookup_cache_set_of() computes it, but with READ_ONCE():
	 * the compiler would otherwise load the mask before the branch
	 * above, one more load on every hit.
	 */
	e = (void *)pc->entries +
	    (offset & READ_ONCE(cache->set_base_mask));
	end = (void *)e + cache->ways_bytes;
	for (way = 0; e != end; e++, way++) {
		if (e == home)
			continue;
		__pcpu_lookup_cache_hook(cache, PCPU_LOOKUP_CACHE_STEP_KEY, way);
		if (READ_ONCE(e->key) == key)
			goto hit;
	}
	goto miss;
hit:
	__pcpu_lookup_cache_hook(cache, PCPU_LOOKUP_CACHE_STEP_VAL, way);
	val = READ_ONCE(e->val);
	__pcpu_lookup_cache_hook(cache, PCPU_LOOKUP_CACHE_STEP_RECHECK, way);
	/*
	 * If a nested writer ran on this CPU, the value may be torn, another
	 * key's (two writers can evict the key and bring it back to the same
	 * way between the two reads), or one that an invalidation dropped:
	 * report a miss. An invalidation that has not reached this CPU yet
	 * needs no check here (contract point 2).
	 */
	barrier();
	if (likely_notrace(pc->writes == writes)) {
		if (counted)
			__pcpu_lookup_cache_add(&pc->stats.hits, 1);
		/*
		 * No writer ran on this CPU between the reads of the key and
		 * of the value, so this is a value that a fill stored under
		 * the nonzero key: never NULL (contract point 6). Saying so
		 * lets the compiler drop the caller's test of the result on
		 * a hit. Not unreachable(): with GCC, its empty asm keeps the
		 * test.
		 */
		if (!val)
			__builtin_unreachable();
		/*
		 * A store that costs nothing where the token is a local that
		 * the caller uses only after a miss, as it should: the
		 * compiler drops it.
		 */
		*token = PCPU_LOOKUP_CACHE_NO_TOKEN;
		return val;
	}
miss:
	if (counted)
		__pcpu_lookup_cache_add(&pc->stats.misses, 1);
out:
	/*
	 * Only a miss needs the token, so only a miss reads it: a hit loads
	 * nothing that it does not use, and returns PCPU_LOOKUP_CACHE_NO_TOKEN.
	 * Any point before the caller's reads of the backing structure will
	 * do, since a fill is judged by the reads that follow its token
	 * (contract point 3).
	 */
	*token = pcpu_lookup_cache_token(cache);
	__pcpu_lookup_cache_hook(cache, PCPU_LOOKUP_CACHE_STEP_TOKEN, 0);
	return NULL;
}

/**
 * pcpu_lookup_cache_hit_stats_enabled() - whether hits and misses are counted
 *
 * Return: true between the first pcpu_lookup_cache_hit_stats_get() and the
 * last pcpu_lookup_cache_hit_stats_put() (contract point 7).
 */
static inline bool pcpu_lookup_cache_hit_stats_enabled(void)
{
	return READ_ONCE(__pcpu_lookup_cache_slow_max) == ULONG_MAX;
}

/**
 * pcpu_lookup_cache_lookup() - look up @key in this CPU's cache
 * @cache: an initialised cache
 * @key: the key; 0 always misses
 * @token: on a miss, returns the token to pass to pcpu_lookup_cache_fill();
 *	on a hit, %PCPU_LOOKUP_CACHE_NO_TOKEN, which every fill drops (see
 *	pcpu_lookup_cache_token())
 *
 * Call with preemption disabled, from any context including NMI. Takes no
 * lock and never waits. On a miss, look @key up in the backing structure
 * and pass what it returned, with @token, to pcpu_lookup_cache_fill()
 * before preemption is enabled again. Inline, with no call of its own
 * (but a KUnit build's test hook).
 *
 * Return: the value last filled under @key on this CPU and not cleared
 * from this CPU's table since, or NULL.
 */
static __always_inline void *
pcpu_lookup_cache_lookup(struct pcpu_lookup_cache *cache, unsigned long key,
			 unsigned long *token)
{
	/*
	 * One compare, of the key with a bound that is 0 while hit
	 * statistics are off and ULONG_MAX while they are on, takes both
	 * rare cases off the hit path: key 0, which must miss, and
	 * counting. A static branch would cost a second test, and a load
	 * and a test on the architectures that have no jump labels. Both
	 * copies are inline: a call to an out-of-line one would make a
	 * caller such as a kprobes handler save registers on every hit.
	 * The bound is __data_racy, read without READ_ONCE(): it changes
	 * only when statistics are switched, a lookup may see either value
	 * then (contract point 7), and key 0 takes this branch whichever it
	 * sees; a plain read lets the compiler fold the load into the
	 * compare, which it does not do with a volatile one. Not
	 * data_race(): under KCSAN, that calls two functions, which noinstr
	 * code may not.
	 */
	if (unlikely_notrace(key <= __pcpu_lookup_cache_slow_max))
		return __pcpu_lookup_cache_lookup(cache, key, token, true);
	return __pcpu_lookup_cache_lookup(cache, key, token, false);
}

int pcpu_lookup_cache_init(struct pcpu_lookup_cache *cache,
			   unsigned int nr_sets, unsigned int nr_ways);
void pcpu_lookup_cache_destroy(struct pcpu_lookup_cache *cache);
void pcpu_lookup_cache_fill(struct pcpu_lookup_cache *cache, unsigned long key,
			    void *val, unsigned long token);
int pcpu_lookup_cache_invalidate(struct pcpu_lookup_cache *cache,
				 unsigned long key);
int pcpu_lookup_cache_invalidate_many(struct pcpu_lookup_cache *cache,
				      const unsigned long *keys,
				      unsigned int nr_keys);
int pcpu_lookup_cache_flush(struct pcpu_lookup_cache *cache);
int pcpu_lookup_cache_invalidate_cpuslocked(struct pcpu_lookup_cache *cache,
					    unsigned long key);
int pcpu_lookup_cache_invalidate_many_cpuslocked(struct pcpu_lookup_cache *cache,
						 const unsigned long *keys,
						 unsigned int nr_keys);
int pcpu_lookup_cache_flush_cpuslocked(struct pcpu_lookup_cache *cache);
int pcpu_lookup_cache_suspend(struct pcpu_lookup_cache *cache);
int pcpu_lookup_cache_resume(struct pcpu_lookup_cache *cache);
void pcpu_lookup_cache_stats_cpu(const struct pcpu_lookup_cache *cache,
				 unsigned int cpu,
				 struct pcpu_lookup_cache_stats *stats);
void pcpu_lookup_cache_stats_sum(const struct pcpu_lookup_cache *cache,
				 struct pcpu_lookup_cache_stats *sum);
size_t pcpu_lookup_cache_cpu_bytes(unsigned int nr_sets, unsigned int nr_ways);
void pcpu_lookup_cache_hit_stats_get(void);
void pcpu_lookup_cache_hit_stats_put(void);
int pcpu_lookup_cache_stats_show(struct seq_file *m,
				 const struct pcpu_lookup_cache *cache);
int pcpu_lookup_cache_debugfs_create(struct pcpu_lookup_cache *cache,
				     const char *name, struct dentry *parent);

#if IS_ENABLED(CONFIG_KUNIT)
void pcpu_lookup_cache_invalidate_local(struct pcpu_lookup_cache *cache,
					const unsigned long *keys,
					unsigned int nr_keys);
void pcpu_lookup_cache_flush_local(struct pcpu_lookup_cache *cache);
void pcpu_lookup_cache_flush_cpu(struct pcpu_lookup_cache *cache,
				 unsigned int cpu);
void *pcpu_lookup_cache_alloc(size_t size, int node);
unsigned int pcpu_lookup_cache_hit_stats_refs(void);
void pcpu_lookup_cache_free(void *ptr);
#endif

#endif /* _LINUX_PCPU_LOOKUP_CACHE_H */
