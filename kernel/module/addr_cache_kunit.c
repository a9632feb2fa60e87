// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the per-CPU cache in front of mod_find() (tree_lookup.c),
 * white-box: fake struct modules whose regions are inserted into the real
 * module tree, looked up from every CPU, removed and re-added at the same
 * pages. A fake module is kfree()d as free_module() frees a module, after
 * the flush and a grace period, so KASAN reports a lookup that still
 * returns it.
 *
 * The file also holds the checker of the end-to-end test with real modules
 * (tools/harness/modcache-run in the series' repository): a module notifier
 * notes addresses of every module that comes, and looks them up on every
 * CPU so that the caches hold them; writing to debugfs
 * module_addr_cache_test/check then compares, on every online CPU, the
 * cached lookup of every address noted so far with the tree walk. Reading
 * it gives the totals, the cache's state and its hits. The test modules
 * (addr_cache_test_mod.c) find their owner through
 * mod_addr_cache_test_owner().
 *
 * The benchmark case, mac_test_bench, runs only with
 * addr_cache_kunit.bench=1: N = 50, 200 and 500 fake modules of three
 * regions each, and the lookup of a hot set of text addresses through
 * mod_find(), __module_address() and is_module_text_address(), with the
 * cache on and off. It widens the module address bounds to the fake
 * regions while it runs.
 */
#include <kunit/test.h>
#include <kunit/visibility.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/pcpu_lookup_cache.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/vmalloc.h>

#include "addr_cache_test.h"
#include "internal.h"

static bool bench;
module_param(bench, bool, 0444);
MODULE_PARM_DESC(bench, "run module_addr_cache_bench (default: skip it)");

static unsigned int bench_loops = 10000;
module_param(bench_loops, uint, 0444);
MODULE_PARM_DESC(bench_loops, "lookups of the hot set per measurement");

/* ---------------------------------------------------------- fake modules */

static struct module *mac_fake_new(struct kunit *test, const char *name)
{
	struct module *mod = kzalloc(sizeof(*mod), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, mod);
	strscpy(mod->name, name, sizeof(mod->name));
	mod->state = MODULE_STATE_LIVE;
#ifdef CONFIG_KALLSYMS
	/*
	 * No symbols, but a symbol table: a stack dump (%pB) that meets one
	 * of its addresses while it is in the tree looks it up.
	 */
	RCU_INIT_POINTER(mod->kallsyms, &mod->core_kallsyms);
#endif
	return mod;
}

static void mac_region(struct module *mod, enum mod_mem_type type,
		       void *base, unsigned int size)
{
	mod->mem[type].base = base;
	mod->mem[type].size = size;
}

static void mac_insert(struct module *mod)
{
	mutex_lock(&module_mutex);
	mod_tree_insert(mod);
	mutex_unlock(&module_mutex);
}

/*
 * What free_module() does to the state, the caches and the tree, in its
 * order, then the free.
 */
static void mac_remove_free(struct module *mod)
{
	mutex_lock(&module_mutex);
	WRITE_ONCE(mod->state, MODULE_STATE_UNFORMED);
	mutex_unlock(&module_mutex);
	mod_tree_cache_flush();
	mutex_lock(&module_mutex);
	mod_tree_remove(mod);
	synchronize_rcu();
	mutex_unlock(&module_mutex);
	kfree(mod);
}

/* vfree() takes a const pointer: a cast to kunit_action_t would fail CFI. */
KUNIT_DEFINE_ACTION_WRAPPER(mac_vfree, vfree, const void *);

/* An address range no real module has: a vmalloc area, never touched. */
static char *mac_area(struct kunit *test, unsigned int pages)
{
	char *p = vmalloc(pages * PAGE_SIZE);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, mac_vfree, p));
	return p;
}

struct mac_probe {
	unsigned long addr;
	struct module *got;
};

static void mac_lookup_ipi(void *info)
{
	struct mac_probe *p = info;

	p->got = mod_find(p->addr, &mod_tree);
}

/* mod_find() on @cpu, in the IPI (IRQs off, as from an unwinder in IRQ). */
static struct module *mac_lookup_on(int cpu, unsigned long addr)
{
	struct mac_probe p = { .addr = addr };

	smp_call_function_single(cpu, mac_lookup_ipi, &p, 1);
	return p.got;
}

/* Expect mod_find(@addr) == @want on every online CPU, twice (miss, hit). */
static void mac_expect_all_cpus(struct kunit *test, unsigned long addr,
				struct module *want)
{
	int cpu, round;

	cpus_read_lock();
	for (round = 0; round < 2; round++)
		for_each_online_cpu(cpu)
			KUNIT_EXPECT_PTR_EQ_MSG(test, mac_lookup_on(cpu, addr),
						want, "cpu %d addr %#lx round %d",
						cpu, addr, round);
	cpus_read_unlock();
	/* From a preemptible RCU reader too, as stack_trace_save() runs. */
	rcu_read_lock();
	KUNIT_EXPECT_PTR_EQ(test, mod_find(addr, &mod_tree), want);
	rcu_read_unlock();
}

/* This CPU's hits, in an IPI, so that nothing else runs on it meanwhile. */
static void mac_cpu_hits_ipi(void *info)
{
	struct pcpu_lookup_cache_stats st;

	pcpu_lookup_cache_stats_cpu(mod_addr_cache_get(), smp_processor_id(),
				    &st);
	*(u64 *)info = st.hits;
}

static u64 mac_cpu_hits(int cpu)
{
	u64 hits = 0;

	smp_call_function_single(cpu, mac_cpu_hits_ipi, &hits, 1);
	return hits;
}

static void mac_hits(struct pcpu_lookup_cache *cache, u64 *hits, u64 *fills)
{
	struct pcpu_lookup_cache_stats st;

	pcpu_lookup_cache_stats_sum(cache, &st);
	*hits = st.hits;
	*fills = st.fills;
}

static void mac_hit_stats_put(void *unused)
{
	pcpu_lookup_cache_hit_stats_put();
}

static int mac_test_init(struct kunit *test)
{
	if (!mod_addr_cache_get())
		kunit_skip(test, "the cache is not allocated (module_addr_cache=0)");
	if (!mod_addr_cache_enabled())
		kunit_skip(test, "the cache is switched off");
	/* The cases count hits. */
	pcpu_lookup_cache_hit_stats_get();
	return kunit_add_action_or_reset(test, mac_hit_stats_put, NULL);
}

/* ------------------------------------------------------------------ cases */

static void mac_test_lookup_every_cpu(struct kunit *test)
{
	char *area = mac_area(test, 8);
	struct module *mod = mac_fake_new(test, "mac_every_cpu");
	u64 hits0, fills0, hits1, fills1;
	u64 *cpu_hits;
	int cpu;

	cpu_hits = kunit_kcalloc(test, nr_cpu_ids, sizeof(*cpu_hits),
				 GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cpu_hits);
	mac_region(mod, MOD_TEXT, area, 3 * PAGE_SIZE);
	mac_region(mod, MOD_DATA, area + 4 * PAGE_SIZE, PAGE_SIZE + 100);
	mac_insert(mod);
	mac_hits(mod_addr_cache_get(), &hits0, &fills0);
	cpus_read_lock();
	for_each_online_cpu(cpu)
		cpu_hits[cpu] = mac_cpu_hits(cpu);
	cpus_read_unlock();

	mac_expect_all_cpus(test, (unsigned long)area, mod);
	mac_expect_all_cpus(test, (unsigned long)area + 3 * PAGE_SIZE - 1, mod);
	mac_expect_all_cpus(test, (unsigned long)area + 4 * PAGE_SIZE + 7, mod);
	mac_expect_all_cpus(test, (unsigned long)area + 5 * PAGE_SIZE + 99,
			    mod);
	/* Past the end of a region, in a page the cache holds: a miss. */
	mac_expect_all_cpus(test, (unsigned long)area + 5 * PAGE_SIZE + 100,
			    NULL);
	mac_expect_all_cpus(test, (unsigned long)area + 3 * PAGE_SIZE, NULL);

	mac_hits(mod_addr_cache_get(), &hits1, &fills1);
	cpus_read_lock();
	KUNIT_EXPECT_GE(test, fills1 - fills0, (u64)num_online_cpus());
	KUNIT_EXPECT_GE(test, hits1 - hits0, 4ULL * num_online_cpus());
	/* Each CPU hit at least its second round of 4 addresses. */
	for_each_online_cpu(cpu)
		KUNIT_EXPECT_GE_MSG(test, mac_cpu_hits(cpu) - cpu_hits[cpu], 4ULL,
				    "cpu %d", cpu);
	cpus_read_unlock();
	mac_remove_free(mod);
}

static void mac_test_removed_never_returned(struct kunit *test)
{
	char *area = mac_area(test, 4);
	struct module *mod = mac_fake_new(test, "mac_removed");
	unsigned long addr = (unsigned long)area + PAGE_SIZE + 16;

	mac_region(mod, MOD_TEXT, area, 2 * PAGE_SIZE);
	mac_insert(mod);
	mac_expect_all_cpus(test, addr, mod);
	mac_remove_free(mod);
	mac_expect_all_cpus(test, addr, NULL);
	mac_expect_all_cpus(test, (unsigned long)area, NULL);
}

static void mac_test_readded_same_pages(struct kunit *test)
{
	char *area = mac_area(test, 4);
	struct module *old = mac_fake_new(test, "mac_old");
	struct module *new = mac_fake_new(test, "mac_new");
	unsigned long addr = (unsigned long)area + 2 * PAGE_SIZE + 8;

	mac_region(old, MOD_TEXT, area, 4 * PAGE_SIZE);
	mac_insert(old);
	mac_expect_all_cpus(test, addr, old);
	mac_remove_free(old);

	/* The same pages, a new module: every CPU must see the new one. */
	mac_region(new, MOD_TEXT, area, 4 * PAGE_SIZE);
	mac_insert(new);
	mac_expect_all_cpus(test, addr, new);
	mac_expect_all_cpus(test, (unsigned long)area, new);
	mac_remove_free(new);
}

/*
 * do_init_module(): the module becomes LIVE, then the init regions leave
 * the tree and their base and size are zeroed, with no flush; the pages
 * are freed after a grace period and may be reused. An init region is
 * answered from the cache only while the module is COMING: once it is
 * LIVE, the tree's answer counts, also in the window between the removal
 * and the zeroing (where __module_address() would BUG() on a region that
 * the zeroing empties under it), and a cached init region must then only
 * miss.
 */
static void mac_test_init_region_removed_misses(struct kunit *test)
{
	char *area = mac_area(test, 4);
	struct module *mod = mac_fake_new(test, "mac_init");
	struct module *next = mac_fake_new(test, "mac_next");
	unsigned long init_addr = (unsigned long)area + 2 * PAGE_SIZE + 32;
	u64 hits0, fills0, hits1, fills1;

	mac_region(mod, MOD_TEXT, area, PAGE_SIZE);
	mac_region(mod, MOD_INIT_TEXT, area + 2 * PAGE_SIZE, 2 * PAGE_SIZE);
	mod->state = MODULE_STATE_COMING;
	mac_insert(mod);
	/* Running its init: filled, then hit. */
	mac_hits(mod_addr_cache_get(), &hits0, &fills0);
	mac_expect_all_cpus(test, init_addr, mod);
	mac_hits(mod_addr_cache_get(), &hits1, &fills1);
	KUNIT_EXPECT_GT(test, fills1, fills0);
	KUNIT_EXPECT_GT(test, hits1, hits0);

	/* LIVE: the init region is found by the walk, and not filled. */
	WRITE_ONCE(mod->state, MODULE_STATE_LIVE);
	mod_tree_cache_flush();
	mac_hits(mod_addr_cache_get(), &hits0, &fills0);
	mac_expect_all_cpus(test, init_addr, mod);
	mac_hits(mod_addr_cache_get(), &hits1, &fills1);
	KUNIT_EXPECT_EQ(test, fills1, fills0);

	/* Cached again while COMING, then out of the tree, not yet zeroed. */
	WRITE_ONCE(mod->state, MODULE_STATE_COMING);
	mac_expect_all_cpus(test, init_addr, mod);
	WRITE_ONCE(mod->state, MODULE_STATE_LIVE);
	mutex_lock(&module_mutex);
	mod_tree_remove_init(mod);
	mutex_unlock(&module_mutex);
	mac_expect_all_cpus(test, init_addr, NULL);

	mutex_lock(&module_mutex);
	for_class_mod_mem_type(type, init) {
		WRITE_ONCE(mod->mem[type].base, NULL);
		WRITE_ONCE(mod->mem[type].size, 0);
	}
	mutex_unlock(&module_mutex);
	synchronize_rcu();
	mac_expect_all_cpus(test, init_addr, NULL);

	/* Another module gets the init pages, still without a flush. */
	mac_region(next, MOD_TEXT, area + 2 * PAGE_SIZE, PAGE_SIZE);
	mac_insert(next);
	mac_expect_all_cpus(test, init_addr, next);
	mac_expect_all_cpus(test, (unsigned long)area + 3 * PAGE_SIZE, NULL);
	mac_expect_all_cpus(test, (unsigned long)area + 8, mod);
	mac_remove_free(next);
	mac_remove_free(mod);
}

/* Two modules' regions share a page: each address finds its own. */
static void mac_test_shared_page(struct kunit *test)
{
	char *area = mac_area(test, 2);
	struct module *a = mac_fake_new(test, "mac_a");
	struct module *b = mac_fake_new(test, "mac_b");
	int i;

	mac_region(a, MOD_TEXT, area, 1000);
	mac_region(b, MOD_TEXT, area + 1000, 3000);
	mac_insert(a);
	mac_insert(b);
	for (i = 0; i < 3; i++) {
		mac_expect_all_cpus(test, (unsigned long)area + 999, a);
		mac_expect_all_cpus(test, (unsigned long)area + 1000, b);
		mac_expect_all_cpus(test, (unsigned long)area + 3999, b);
		mac_expect_all_cpus(test, (unsigned long)area + 4000, NULL);
	}
	mac_remove_free(b);
	mac_expect_all_cpus(test, (unsigned long)area + 1000, NULL);
	mac_expect_all_cpus(test, (unsigned long)area + 10, a);
	mac_remove_free(a);
}

/*
 * A module that is UNFORMED (loading, or in free_module()) or GOING (going
 * away, or a failed load) is never answered from the cache: not filled,
 * and a cached hit walks the tree. That is what lets free_module() and
 * load_module() flush before the module leaves the tree.
 */
static void mac_test_not_live_not_cached(struct kunit *test)
{
	static const enum module_state states[] = {
		MODULE_STATE_UNFORMED, MODULE_STATE_GOING,
	};
	char *area = mac_area(test, 1);
	unsigned long addr = (unsigned long)area + 64;
	u64 hits0, fills0, hits1, fills1;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(states); i++) {
		struct module *mod = mac_fake_new(test, "mac_not_live");

		mac_region(mod, MOD_TEXT, area, PAGE_SIZE);
		mod->state = states[i];
		mac_insert(mod);
		mac_hits(mod_addr_cache_get(), &hits0, &fills0);
		/* mod_find() returns it, as the tree does. */
		mac_expect_all_cpus(test, addr, mod);
		mac_hits(mod_addr_cache_get(), &hits1, &fills1);
		KUNIT_EXPECT_EQ_MSG(test, hits1, hits0, "state %d", states[i]);
		KUNIT_EXPECT_EQ_MSG(test, fills1, fills0, "state %d", states[i]);

		/*
		 * Cached while LIVE, then GOING or UNFORMED: the cache still
		 * has the key (the library counts hits), but the entry is not
		 * used, the tree is walked and nothing is filled again.
		 */
		WRITE_ONCE(mod->state, MODULE_STATE_LIVE);
		mac_expect_all_cpus(test, addr, mod);
		WRITE_ONCE(mod->state, states[i]);
		mac_hits(mod_addr_cache_get(), &hits0, &fills0);
		mac_expect_all_cpus(test, addr, mod);
		mac_hits(mod_addr_cache_get(), &hits1, &fills1);
		KUNIT_EXPECT_GT_MSG(test, hits1, hits0, "state %d", states[i]);
		KUNIT_EXPECT_EQ_MSG(test, fills1, fills0, "state %d", states[i]);

		/* Removed, not yet flushed: it is not found. */
		mutex_lock(&module_mutex);
		mod_tree_remove(mod);
		mutex_unlock(&module_mutex);
		mac_expect_all_cpus(test, addr, NULL);
		mod_tree_cache_flush();
		synchronize_rcu();
		kfree(mod);
	}
}

static void mac_test_switch_off_walks(struct kunit *test)
{
	char *area = mac_area(test, 1);
	struct module *mod = mac_fake_new(test, "mac_off");
	unsigned long addr = (unsigned long)area + 128;
	u64 hits0, fills0, hits1, fills1;

	mac_region(mod, MOD_TEXT, area, PAGE_SIZE);
	mac_insert(mod);
	mac_expect_all_cpus(test, addr, mod);
	KUNIT_ASSERT_EQ(test, mod_addr_cache_set_enabled(false), 0);
	mac_hits(mod_addr_cache_get(), &hits0, &fills0);
	mac_expect_all_cpus(test, addr, mod);
	mac_hits(mod_addr_cache_get(), &hits1, &fills1);
	KUNIT_EXPECT_EQ(test, hits1, hits0);
	KUNIT_EXPECT_EQ(test, fills1, fills0);
	/* Retired while off: turning it on again must not bring it back. */
	mac_remove_free(mod);
	KUNIT_ASSERT_EQ(test, mod_addr_cache_set_enabled(true), 0);
	mac_expect_all_cpus(test, addr, NULL);
}

/* Stress: a kthread per CPU looks up while modules come and go. */
struct mac_stress {
	unsigned long addr;
	atomic_t stop;
	atomic_long_t found;
	atomic_long_t lookups;
	atomic_t bad;
};

static int mac_stress_fn(void *data)
{
	struct mac_stress *s = data;

	while (!atomic_read(&s->stop)) {
		struct module *mod;

		rcu_read_lock();
		mod = mod_find(s->addr, &mod_tree);
		/* KASAN reports it if @mod was freed. */
		if (mod && strncmp(mod->name, "mac_stress", 10))
			atomic_inc(&s->bad);
		if (mod)
			atomic_long_inc(&s->found);
		rcu_read_unlock();
		atomic_long_inc(&s->lookups);
		cond_resched();
	}
	return 0;
}

static void mac_test_stress_reload(struct kunit *test)
{
	char *area = mac_area(test, 4);
	struct task_struct **tasks;
	struct mac_stress s = { .addr = (unsigned long)area + PAGE_SIZE + 4 };
	unsigned long end = jiffies + 2 * HZ;
	unsigned int rounds = 0;
	int cpu;

	tasks = kunit_kcalloc(test, nr_cpu_ids, sizeof(*tasks), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tasks);
	atomic_set(&s.stop, 0);
	atomic_set(&s.bad, 0);
	atomic_long_set(&s.found, 0);
	atomic_long_set(&s.lookups, 0);
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		tasks[cpu] = kthread_create_on_cpu(mac_stress_fn, &s, cpu,
						   "mac_stress/%u");
		if (!IS_ERR(tasks[cpu]))
			wake_up_process(tasks[cpu]);
		else
			tasks[cpu] = NULL;
	}
	cpus_read_unlock();

	while (time_before(jiffies, end)) {
		struct module *mod = mac_fake_new(test, "mac_stress");

		/* Alternate the layout so that regions move within the pages. */
		mac_region(mod, MOD_TEXT, area + (rounds & 1) * 512,
			   2 * PAGE_SIZE);
		mac_insert(mod);
		usleep_range(200, 400);
		mac_remove_free(mod);
		rounds++;
	}
	atomic_set(&s.stop, 1);
	for (cpu = 0; cpu < nr_cpu_ids; cpu++)
		if (tasks[cpu])
			kthread_stop(tasks[cpu]);

	kunit_info(test, "%u reloads, %ld lookups, %ld found a module\n",
		   rounds, atomic_long_read(&s.lookups),
		   atomic_long_read(&s.found));
	KUNIT_EXPECT_EQ(test, atomic_read(&s.bad), 0);
	KUNIT_EXPECT_GT(test, rounds, 10U);
	KUNIT_EXPECT_GT(test, atomic_long_read(&s.found), 0L);
	mac_expect_all_cpus(test, s.addr, NULL);
}

/* -------------------------------------------------------------- benchmark */

#define MAC_BENCH_HOT	32

static u64 mac_bench_run(int fn, const unsigned long *hot)
{
	unsigned int i, j;
	unsigned long sink = 0;
	u64 t0, t1;

	preempt_disable();
	t0 = ktime_get_ns();
	for (i = 0; i < bench_loops; i++) {
		for (j = 0; j < MAC_BENCH_HOT; j++) {
			switch (fn) {
			case 0:
				sink += (unsigned long)mod_find(hot[j],
								&mod_tree);
				break;
			case 1:
				sink += (unsigned long)__module_address(hot[j]);
				break;
			default:
				sink += is_module_text_address(hot[j]);
				break;
			}
		}
	}
	t1 = ktime_get_ns();
	preempt_enable();
	OPTIMIZER_HIDE_VAR(sink);
	/* picoseconds per lookup */
	return div_u64((t1 - t0) * 1000, (u64)bench_loops * MAC_BENCH_HOT);
}

static void mac_test_bench(struct kunit *test)
{
	static const unsigned int sizes[] = { 50, 200, 500 };
	static const char * const fns[] = {
		"mod_find", "__module_address", "is_module_text_address",
	};
	unsigned long saved_min, saved_max, bench_min, bench_max;
	unsigned long hot[MAC_BENCH_HOT];
	struct module **mods;
	unsigned int s, i, n;
	char *area;
	int fn;

	if (!bench)
		kunit_skip(test, "needs addr_cache_kunit.bench=1");
	mods = kunit_kcalloc(test, 500, sizeof(*mods), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mods);
	/* 8 pages a module: text 4, rodata 1, data 2, a gap of 1. */
	area = mac_area(test, 500 * 8);
	mutex_lock(&module_mutex);
	saved_min = mod_tree.addr_min;
	saved_max = mod_tree.addr_max;
	if ((unsigned long)area < mod_tree.addr_min)
		mod_tree.addr_min = (unsigned long)area;
	if ((unsigned long)area + 500 * 8 * PAGE_SIZE - 1 > mod_tree.addr_max)
		mod_tree.addr_max = (unsigned long)area + 500 * 8 * PAGE_SIZE - 1;
	bench_min = mod_tree.addr_min;
	bench_max = mod_tree.addr_max;
	mutex_unlock(&module_mutex);
	kunit_info(test, "bytes per CPU: %zu (%ux%u)\n",
		   pcpu_lookup_cache_cpu_bytes(PCPU_LOOKUP_CACHE_DEFAULT_SETS,
					       PCPU_LOOKUP_CACHE_DEFAULT_WAYS),
		   PCPU_LOOKUP_CACHE_DEFAULT_SETS,
		   PCPU_LOOKUP_CACHE_DEFAULT_WAYS);

	n = 0;
	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		/* Modules are inserted in a shuffled order, as they load. */
		for (; n < sizes[s]; n++) {
			unsigned int slot = (n * 271) % 500;
			char *base = area + slot * 8 * PAGE_SIZE;

			mods[n] = mac_fake_new(test, "mac_bench");
			mac_region(mods[n], MOD_TEXT, base, 4 * PAGE_SIZE - 64);
			mac_region(mods[n], MOD_RODATA, base + 4 * PAGE_SIZE,
				   PAGE_SIZE - 8);
			mac_region(mods[n], MOD_DATA, base + 5 * PAGE_SIZE,
				   2 * PAGE_SIZE - 128);
			mac_insert(mods[n]);
		}
		for (i = 0; i < MAC_BENCH_HOT; i++) {
			struct module *m = mods[get_random_u32_below(n)];

			hot[i] = (unsigned long)m->mem[MOD_TEXT].base +
				 get_random_u32_below(4 * PAGE_SIZE - 64);
		}
		for (fn = 0; fn < ARRAY_SIZE(fns); fn++) {
			u64 off, on;

			KUNIT_ASSERT_EQ(test, mod_addr_cache_set_enabled(false), 0);
			mac_bench_run(fn, hot);
			off = mac_bench_run(fn, hot);
			KUNIT_ASSERT_EQ(test, mod_addr_cache_set_enabled(true), 0);
			mac_bench_run(fn, hot);
			on = mac_bench_run(fn, hot);
			kunit_info(test, "bench: N=%u fn=%s off_ps=%llu on_ps=%llu hot=%u loops=%u\n",
				   n, fns[fn], off, on, MAC_BENCH_HOT,
				   bench_loops);
		}
	}
	for (i = 0; i < n; i++)
		mac_remove_free(mods[i]);
	/* Unless a real module widened them meanwhile, as they were. */
	mutex_lock(&module_mutex);
	if (mod_tree.addr_min == bench_min)
		mod_tree.addr_min = saved_min;
	if (mod_tree.addr_max == bench_max)
		mod_tree.addr_max = saved_max;
	mutex_unlock(&module_mutex);
}

static struct kunit_case mac_test_cases[] = {
	KUNIT_CASE(mac_test_lookup_every_cpu),
	KUNIT_CASE(mac_test_removed_never_returned),
	KUNIT_CASE(mac_test_readded_same_pages),
	KUNIT_CASE(mac_test_init_region_removed_misses),
	KUNIT_CASE(mac_test_shared_page),
	KUNIT_CASE(mac_test_not_live_not_cached),
	KUNIT_CASE(mac_test_switch_off_walks),
	KUNIT_CASE_SLOW(mac_test_stress_reload),
	KUNIT_CASE_SLOW(mac_test_bench),
	{}
};

static struct kunit_suite mac_test_suite = {
	.name = "module_addr_cache",
	.init = mac_test_init,
	.test_cases = mac_test_cases,
};

kunit_test_suite(mac_test_suite);

/* ----------------------------------------- checker of the end-to-end test */

#define MAC_NOTES_MAX	4096

/* Notes and counts, under mac_notes_lock. */
static DEFINE_MUTEX(mac_notes_lock);
static unsigned long mac_notes[MAC_NOTES_MAX];
static unsigned int mac_nr_notes, mac_dropped_notes;
static unsigned int mac_mismatches, mac_last_cpus, mac_checks;

struct mac_check {
	unsigned int nr;
	bool compare;
	atomic_t mismatches;
};

static void mac_check_ipi(void *info)
{
	struct mac_check *c = info;
	unsigned int i;

	for (i = 0; i < c->nr; i++) {
		struct module_memory *mem;
		struct module *cached;

		cached = mod_find(mac_notes[i], &mod_tree);
		if (!c->compare)
			continue;
		mem = mod_find_mem(mac_notes[i], &mod_tree);
		if (cached != (mem ? mem->mtn.mod : NULL)) {
			atomic_inc(&c->mismatches);
			pr_err("module_addr_cache_test: cpu %d: %#lx: cached lookup differs from the tree walk\n",
			       smp_processor_id(), mac_notes[i]);
		}
	}
}

/*
 * Under mac_notes_lock: look every note up on every online CPU, which fills
 * the caches; with @compare, also walk the tree and count the differences.
 * Compare while no module comes or goes: a load or unload between the
 * cached lookup and the walk can make them differ rightly. (Taking
 * module_mutex here would order it before the CPU hotplug lock, which the
 * module code itself does not do.)
 */
static int mac_check_all(bool compare)
{
	struct mac_check c = { .nr = mac_nr_notes, .compare = compare };
	int cpu;

	atomic_set(&c.mismatches, 0);
	cpus_read_lock();
	if (compare)
		mac_last_cpus = 0;
	for_each_online_cpu(cpu) {
		smp_call_function_single(cpu, mac_check_ipi, &c, 1);
		if (compare)
			mac_last_cpus++;
	}
	cpus_read_unlock();
	if (!compare)
		return 0;
	mac_mismatches += atomic_read(&c.mismatches);
	mac_checks++;
	return atomic_read(&c.mismatches) ? -EIO : 0;
}

static void mac_note(unsigned long addr)
{
	unsigned int i;

	/* Reloads land at the same addresses again: note each once. */
	for (i = 0; i < mac_nr_notes; i++)
		if (mac_notes[i] == addr)
			return;
	if (mac_nr_notes < MAC_NOTES_MAX)
		mac_notes[mac_nr_notes++] = addr;
	else
		mac_dropped_notes++;
}

static int mac_module_notify(struct notifier_block *nb, unsigned long action,
			     void *data)
{
	struct module *mod = data;

	if (action != MODULE_STATE_COMING)
		return NOTIFY_DONE;
	mutex_lock(&mac_notes_lock);
	for_each_mod_mem_type(type) {
		unsigned long base = (unsigned long)mod->mem[type].base;
		unsigned int size = mod->mem[type].size;

		if (!size)
			continue;
		mac_note(base);
		mac_note(base + size / 2);
		mac_note(base + size - 1);
	}
	/* Fill every CPU's cache with them. */
	mac_check_all(false);
	mutex_unlock(&mac_notes_lock);
	return NOTIFY_DONE;
}

static struct notifier_block mac_module_nb = {
	.notifier_call = mac_module_notify,
};

static ssize_t mac_check_write(struct file *file, const char __user *buf,
			       size_t count, loff_t *ppos)
{
	int ret;

	mutex_lock(&mac_notes_lock);
	ret = mac_check_all(true);
	mutex_unlock(&mac_notes_lock);
	return ret ? ret : count;
}

/*
 * The totals, and whether the comparisons meant anything: with the cache
 * off, the cached lookup is the walk; "hits" counts this cache's hits on
 * every CPU since boot.
 */
static int mac_check_show(struct seq_file *m, void *v)
{
	struct pcpu_lookup_cache *cache = mod_addr_cache_get();
	struct pcpu_lookup_cache_stats st = {};

	if (cache)
		pcpu_lookup_cache_stats_sum(cache, &st);
	mutex_lock(&mac_notes_lock);
	seq_printf(m, "addresses=%u mismatches=%u cpus=%u checks=%u enabled=%d hits=%llu dropped_notes=%u\n",
		   mac_nr_notes, mac_mismatches, mac_last_cpus, mac_checks,
		   cache && mod_addr_cache_enabled(), st.hits,
		   mac_dropped_notes);
	mutex_unlock(&mac_notes_lock);
	return 0;
}

static int mac_check_open(struct inode *inode, struct file *file)
{
	return single_open(file, mac_check_show, NULL);
}

static const struct file_operations mac_check_fops = {
	.open = mac_check_open,
	.read = seq_read,
	.write = mac_check_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/**
 * mod_addr_cache_test_owner() - the module of an address, for test modules
 * @addr: the address
 * @text: set to whether is_module_text_address(@addr) is true
 *
 * Return: __module_address(@addr), looked up under rcu_read_lock().
 */
struct module *mod_addr_cache_test_owner(unsigned long addr, bool *text)
{
	struct module *mod;

	*text = is_module_text_address(addr);
	rcu_read_lock();
	mod = __module_address(addr);
	rcu_read_unlock();
	return mod;
}
EXPORT_SYMBOL_IF_KUNIT(mod_addr_cache_test_owner);

static int __init mac_checker_init(void)
{
	struct dentry *dir = debugfs_create_dir("module_addr_cache_test", NULL);

	debugfs_create_file("check", 0600, dir, NULL, &mac_check_fops);
	return register_module_notifier(&mac_module_nb);
}
late_initcall(mac_checker_init);
