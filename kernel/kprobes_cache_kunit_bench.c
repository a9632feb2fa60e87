// SPDX-License-Identifier: GPL-2.0
/*
 * The kprobes benchmark of the lookup cache: kpc_test_bench, a case of the
 * KUnit suite kprobes_cache (kernel/kprobes_cache_kunit.c), which
 * make bench runs (tools/harness/bench.sh). Its module parameters keep the
 * suite's prefix: kprobes_cache_kunit.<param>= on the command line.
 */

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>
#include <linux/pcpu_lookup_cache.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/stringify.h>
#include <linux/timekeeping.h>

#include "kprobes_cache.h"
#include "kprobes_cache_kunit.h"

/* The suite's prefix, as kernel/rcu/tree.c sets "rcutree." for its own */
#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "kprobes_cache_kunit."

/*
 * The benchmark, kpc_test_bench, runs only with kprobes_cache_kunit.bench=1.
 *
 * Hot probes: KPC_BENCH_HOT per path, each on a function of its own: on the
 * int3 path after the ftrace site of kpc_bench_i<n>(), on the ftrace path on
 * the entry of kpc_bench_f<n>(). All have a post_handler, so the int3 ones
 * are neither optimized nor boosted. The first half is registered before the
 * fillers ("old": the hash list adds at the head of a chain, so they sit at
 * its tail), the other half after them.
 *
 * Fillers, registered disabled so that no text changes: functions of the
 * kernel text that register_kprobe() accepts, then probes on every byte of
 * kpc_bench_sled(), a run of NOPs that is never called, up to bench_fill
 * probes registered in all. The first bench_enable probes on the sled are
 * the ones that are enabled and disabled to time it; only probes on the sled
 * are ever armed, never a function that runs.
 *
 * Workload: a kthread bound to each online CPU calls the hot functions in
 * turn, once untimed to warm the cache up, then bench_calls times, on all
 * CPUs at once. The time per hit of a run is the time of all CPUs over the
 * hits their handlers counted. Cache off and on alternate in every round, in
 * the same boot.
 *
 * Geometry sweep (bench_sweep): KPC_BENCH_SWEEP_SIZES hot sets of int3 probes
 * on kpc_bench_hot(), one probe per NOP, with the fillers registered.
 *
 * The sleds are runs of KPC_BENCH_CHUNK NOPs, each after a local symbol:
 * can_probe() and can_optimize() decode from the symbol before the probe
 * address and look every instruction they decode up in the hash list, so
 * one symbol for the whole sled would make registration take hours under
 * QEMU. A NOP is one kprobe_opcode_t (see KPC_ASM_NOPS_BEGIN); the run
 * leaves out the ftrace site, made of NOPs on arm64 and riscv.
 */
#define KPC_BENCH_CHUNK		16
#define KPC_BENCH_SLED_CHUNKS	2560
#define KPC_BENCH_SLED_NOPS	(KPC_BENCH_CHUNK * KPC_BENCH_SLED_CHUNKS)
#define KPC_BENCH_HOT_CHUNKS	64
#define KPC_BENCH_HOT_NOPS	(KPC_BENCH_CHUNK * KPC_BENCH_HOT_CHUNKS)
#define KPC_BENCH_HOT		4
#define KPC_BENCH_MAX_ROUNDS	15
/* Per-CPU hit counters: the hot probes, the sweep probes, the fillers */
#define KPC_BENCH_CNT_SWEEP	(2 * KPC_BENCH_HOT)
#define KPC_BENCH_CNT_FILL	(KPC_BENCH_CNT_SWEEP + 1)
#define KPC_BENCH_CNT		(KPC_BENCH_CNT_FILL + 1)

#define KPC_BENCH_NOPS_ASM(label, chunks)				\
	KPC_ASM_NOPS_BEGIN						\
	".macro kpc_bench_chunk\n"					\
	label "_\\@:\n"							\
	".rept " __stringify(KPC_BENCH_CHUNK) "\n\tnop\n.endr\n"	\
	".endm\n"							\
	".rept " __stringify(chunks) "\n"				\
	"\tkpc_bench_chunk\n"						\
	".endr\n"							\
	".purgem kpc_bench_chunk\n"					\
	KPC_ASM_NOPS_END

/* Never called: the fillers and the probes that are enabled go here. */
static noinline __noclone void kpc_bench_sled(void)
{
	asm volatile(KPC_BENCH_NOPS_ASM("kpc_bench_sled",
					KPC_BENCH_SLED_CHUNKS));
}

/* Called by the sweep, with a probe on each of its first NOPs. */
static noinline __noclone void kpc_bench_hot(void)
{
	asm volatile(KPC_BENCH_NOPS_ASM("kpc_bench_hot",
					KPC_BENCH_HOT_CHUNKS));
}

static noinline __noclone u64 kpc_bench_i0(u64 v)
{
	return ((v * 31 + 7) ^ (v >> 3)) + READ_ONCE(kpc_sink);
}

static noinline __noclone u64 kpc_bench_i1(u64 v)
{
	return ((v * 37 + 11) ^ (v >> 5)) + READ_ONCE(kpc_sink);
}

static noinline __noclone u64 kpc_bench_i2(u64 v)
{
	return ((v * 41 + 13) ^ (v >> 7)) + READ_ONCE(kpc_sink);
}

static noinline __noclone u64 kpc_bench_i3(u64 v)
{
	return ((v * 43 + 17) ^ (v >> 11)) + READ_ONCE(kpc_sink);
}

static noinline __noclone u64 kpc_bench_f0(u64 v)
{
	return (v ^ 0x5a5a) + READ_ONCE(kpc_sink);
}

static noinline __noclone u64 kpc_bench_f1(u64 v)
{
	return (v ^ 0xa5a5) + READ_ONCE(kpc_sink);
}

static noinline __noclone u64 kpc_bench_f2(u64 v)
{
	return (v ^ 0x3c3c) + READ_ONCE(kpc_sink);
}

static noinline __noclone u64 kpc_bench_f3(u64 v)
{
	return (v ^ 0xc3c3) + READ_ONCE(kpc_sink);
}

typedef u64 (*kpc_bench_fn_t)(u64 v);

/* [0]: the int3 path, [1]: the ftrace path */
static const kpc_bench_fn_t kpc_bench_fns[2][KPC_BENCH_HOT] = {
	{ kpc_bench_i0, kpc_bench_i1, kpc_bench_i2, kpc_bench_i3 },
	{ kpc_bench_f0, kpc_bench_f1, kpc_bench_f2, kpc_bench_f3 },
};

/* The breakpoint path is named after x86's int3 there, "brk" elsewhere */
static const char * const kpc_bench_path[2] = {
	IS_ENABLED(CONFIG_X86) ? "int3" : "brk", "ftrace"
};

/* The paths timed: the ftrace path only with kprobes on ftrace */
static unsigned int kpc_bench_paths(void)
{
	return IS_ENABLED(CONFIG_KPROBES_ON_FTRACE) ? 2 : 1;
}

static const unsigned int kpc_bench_sweep_sizes[] = { 16, 64, 256, 1024 };

static bool kpc_bench;
module_param_named(bench, kpc_bench, bool, 0444);
MODULE_PARM_DESC(bench, "run kpc_test_bench, the kprobes benchmark");

static unsigned int kpc_bench_fill_to = 40000;
module_param_named(bench_fill, kpc_bench_fill_to, uint, 0444);
MODULE_PARM_DESC(bench_fill, "probes registered in all (default 40000)");

static unsigned int kpc_bench_enable_nr = 20000;
module_param_named(bench_enable, kpc_bench_enable_nr, uint, 0444);
MODULE_PARM_DESC(bench_enable, "probes enabled and disabled on the sled (default 20000)");

static unsigned int kpc_bench_calls = 4000;
module_param_named(bench_calls, kpc_bench_calls, uint, 0444);
MODULE_PARM_DESC(bench_calls, "calls of each hot function per CPU and run (default 4000)");

static unsigned int kpc_bench_rounds = 5;
module_param_named(bench_rounds, kpc_bench_rounds, uint, 0444);
MODULE_PARM_DESC(bench_rounds, "rounds of cache off and on per figure (default 5)");

static unsigned int kpc_bench_enable_rounds = 3;
module_param_named(bench_enable_rounds, kpc_bench_enable_rounds, uint, 0444);
MODULE_PARM_DESC(bench_enable_rounds, "rounds of the enable timing (default 3)");

static unsigned int kpc_bench_reg_nr = 20000;
module_param_named(bench_register, kpc_bench_reg_nr, uint, 0444);
MODULE_PARM_DESC(bench_register, "probes registered and enabled on the sled, cache on and off (default 20000, 0: not timed)");

static bool kpc_bench_main = true;
module_param_named(bench_main, kpc_bench_main, bool, 0444);
MODULE_PARM_DESC(bench_main, "time hits with 2 and with bench_fill probes, and enabling (default 1)");

static bool kpc_bench_sweep;
module_param_named(bench_sweep, kpc_bench_sweep, bool, 0444);
MODULE_PARM_DESC(bench_sweep, "time hot sets of int3 probes of several sizes (default 0)");

static unsigned int kpc_bench_sweep_hits = 16384;

static bool kpc_bench_auto;
module_param_named(bench_auto, kpc_bench_auto, bool, 0444);
MODULE_PARM_DESC(bench_auto, "run the benchmark in the boot's auto mode, not with a fixed 256x4 cache (default 0)");

/* In auto mode: print the cache's size at @stage, after resizing now. */
static void kpc_bench_auto_bytes(struct kunit *test, const char *stage,
				 unsigned int registered)
{
	unsigned int sets;

	if (!kpc_bench_auto)
		return;
	kprobe_cache_kunit_sync();
	sets = kprobe_cache_kunit_sets();
	kunit_info(test, "kprobes_bench: auto stage %s registered %u sets %u ways %u bytes_per_cpu %zu",
		   stage, registered, sets, sets ? KPC_WAYS : 0,
		   sets ? pcpu_lookup_cache_cpu_bytes(sets, KPC_WAYS) : 0);
}
module_param_named(bench_sweep_hits, kpc_bench_sweep_hits, uint, 0444);
MODULE_PARM_DESC(bench_sweep_hits, "probe hits per CPU and sweep run (default 16384)");

static DEFINE_PER_CPU(u64 [KPC_BENCH_CNT], kpc_bench_cnt);
static DEFINE_PER_CPU(u64, kpc_bench_post_cnt);

struct kpc_bench_probe {
	struct kprobe kp;
	unsigned int cnt;
};

static int kpc_bench_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct kpc_bench_probe *bp = container_of(p, struct kpc_bench_probe,
						  kp);

	this_cpu_inc(kpc_bench_cnt[bp->cnt]);
	return 0;
}

static void kpc_bench_post(struct kprobe *p, struct pt_regs *regs,
			   unsigned long flags)
{
	this_cpu_inc(kpc_bench_post_cnt);
}

static void kpc_bench_init_probe(struct kpc_bench_probe *p,
				 kprobe_opcode_t *addr, unsigned int cnt,
				 bool disabled)
{
	memset(p, 0, sizeof(*p));
	p->kp.addr = addr;
	p->kp.pre_handler = kpc_bench_pre;
	p->kp.post_handler = kpc_bench_post;
	p->kp.flags = disabled ? KPROBE_FLAG_DISABLED : 0;
	p->cnt = cnt;
}

struct kpc_bench_ctx {
	/* the hot probes, [path][i] */
	struct kpc_bench_probe hot[2][KPC_BENCH_HOT];
	/* the fillers, the real functions first, then the sled */
	struct kpc_bench_probe *fill;
	/* the registered probes, the first @nr */
	struct kprobe **kps;
	unsigned int nr;
	unsigned int nr_fill;
	/* the first of the fillers on the sled, and how many there are */
	unsigned int sled_first;
	unsigned int nr_sled;
	/* how many of the fillers on the sled are enabled */
	unsigned int nr_enabled;
	/* the sweep's probes on kpc_bench_hot(), disabled when not in use */
	struct kpc_bench_probe *sweep;
	unsigned int nr_sweep;
	bool cache_was_on;
};

static void kpc_bench_release(void *arg)
{
	struct kpc_bench_ctx *b = arg;

	if (b->nr)
		unregister_kprobes(b->kps, b->nr);
	b->nr = 0;
	kvfree(b->kps);
	kvfree(b->fill);
	kvfree(b->sweep);
	kprobe_cache_set_enabled(b->cache_was_on);
}

/* The first @n NOPs in a row from @fn, which has @n NOPs and a prologue. */
static kprobe_opcode_t *kpc_bench_find_nops(void *fn, unsigned int n)
{
	return kpc_find_nops(fn, n * sizeof(kprobe_opcode_t) + 64, n);
}

/* The first address after the ftrace site of @fn that takes an int3 probe */
static kprobe_opcode_t *kpc_bench_int3_addr(void *fn)
{
	struct kpc_bench_probe p;
	unsigned int i;
	bool ftrace;

	for (i = 1; i < KPC_MAX_OFFSET; i++) {
		kpc_bench_init_probe(&p, (kprobe_opcode_t *)fn + i,
				     KPC_BENCH_CNT_FILL, true);
		if (register_kprobe(&p.kp))
			continue;
		ftrace = kprobe_ftrace(&p.kp);
		unregister_kprobe(&p.kp);
		if (!ftrace)
			return (kprobe_opcode_t *)fn + i;
	}
	return NULL;
}

static void kpc_bench_register_hot(struct kunit *test, struct kpc_bench_ctx *b,
				   unsigned int first, unsigned int last)
{
	unsigned int path, i;

	for (path = 0; path < kpc_bench_paths(); path++) {
		for (i = first; i < last; i++) {
			struct kpc_bench_probe *p = &b->hot[path][i];
			void *fn = kpc_bench_fns[path][i];
			kprobe_opcode_t *addr;

			addr = path ? fn : kpc_bench_int3_addr(fn);
			KUNIT_ASSERT_NOT_NULL(test, addr);
			kpc_bench_init_probe(p, addr, path * KPC_BENCH_HOT + i,
					     false);
			KUNIT_ASSERT_EQ(test, register_kprobe(&p->kp), 0);
			KUNIT_ASSERT_EQ(test, !!kprobe_ftrace(&p->kp), !!path);
			b->kps[b->nr++] = &p->kp;
		}
	}
}

struct kpc_bench_syms {
	unsigned long *addr;
	unsigned long last;
	unsigned int nr;
	unsigned int max;
};

/* Text symbols of the kernel, one per address, not those of this file */
static int kpc_bench_sym(void *data, const char *name, unsigned long addr)
{
	struct kpc_bench_syms *s = data;

	if (!__is_kernel_text(addr) || str_has_prefix(name, "kpc_"))
		return 0;
	if (addr == s->last)
		return 0;
	s->last = addr;
	if (s->addr && s->nr < s->max)
		s->addr[s->nr] = addr;
	s->nr++;
	return 0;
}

/*
 * Register the fillers, disabled: up to @real on functions of the kernel,
 * then on the sled until @total probes are registered in all.
 */
static void kpc_bench_fill(struct kunit *test, struct kpc_bench_ctx *b,
			   kprobe_opcode_t *sled, unsigned int real,
			   unsigned int total)
{
	struct kpc_bench_syms s = {};
	unsigned int i, tried = 0, rejected = 0, nr_real = 0;
	u64 t0 = ktime_get_ns();

	kallsyms_on_each_symbol(kpc_bench_sym, &s);
	s.max = s.nr;
	s.nr = 0;
	s.last = 0;
	s.addr = kvmalloc_array(s.max, sizeof(*s.addr), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s.addr);
	kallsyms_on_each_symbol(kpc_bench_sym, &s);
	s.nr = min(s.nr, s.max);

	for (i = 0; i < s.nr && nr_real < real; i++) {
		struct kpc_bench_probe *p = &b->fill[b->nr_fill];

		kpc_bench_init_probe(p, (kprobe_opcode_t *)s.addr[i],
				     KPC_BENCH_CNT_FILL, true);
		tried++;
		if (register_kprobe(&p->kp)) {
			rejected++;
			continue;
		}
		b->kps[b->nr++] = &p->kp;
		b->nr_fill++;
		nr_real++;
		if (!(tried % 1000))
			cond_resched();
	}
	kvfree(s.addr);

	b->sled_first = b->nr_fill;
	for (i = 0; b->nr < total && i < KPC_BENCH_SLED_NOPS; i++) {
		struct kpc_bench_probe *p = &b->fill[b->nr_fill];

		kpc_bench_init_probe(p, sled + i, KPC_BENCH_CNT_FILL, true);
		if (register_kprobe(&p->kp)) {
			rejected++;
			continue;
		}
		b->kps[b->nr++] = &p->kp;
		b->nr_fill++;
		b->nr_sled++;
	}
	kunit_info(test, "kprobes_bench: fill text_symbols %u real_tried %u real_registered %u rejected %u sled %u registered %u ms %llu",
		   s.max, tried, nr_real, rejected, b->nr_sled, b->nr,
		   div_u64(ktime_get_ns() - t0, NSEC_PER_MSEC));
}

struct kpc_bench_run {
	/* the hot functions to call, or NULL: the sweep's kpc_bench_hot() */
	const kpc_bench_fn_t *fns;
	unsigned int nr_fns;
	unsigned int calls;
	struct completion start;
	struct completion done;
	atomic_t left;
	/* per CPU: ns, hits counted by the pre- and the post-handlers */
	u64 *ns;
	u64 *pre;
	u64 *post;
	/* lookups that hit and missed the cache, all CPUs, timed part only */
	atomic64_t lookup_hits;
	atomic64_t lookup_misses;
};

static u64 kpc_bench_cpu_hits(int cpu)
{
	u64 sum = 0;
	unsigned int i;

	for (i = 0; i < KPC_BENCH_CNT; i++)
		sum += per_cpu(kpc_bench_cnt, cpu)[i];
	return sum;
}

static u64 kpc_bench_calls_run(struct kpc_bench_run *r, unsigned int calls)
{
	u64 v = READ_ONCE(kpc_sink);
	unsigned int i, j;

	for (i = 0; i < calls; i++) {
		if (!r->fns) {
			kpc_bench_hot();
			continue;
		}
		for (j = 0; j < r->nr_fns; j++)
			v = r->fns[j](v);
	}
	return v;
}

/*
 * One call of the workload to warm the cache up, then @r->calls timed. The
 * lookup statistics of this CPU's cache count the timed part only.
 */
static int kpc_bench_worker(void *arg)
{
	struct pcpu_lookup_cache_stats *st = NULL;
	struct pcpu_lookup_cache *cache = kprobe_cache_kunit_cache();
	struct kpc_bench_run *r = arg;
	int cpu = raw_smp_processor_id();
	u64 t0, t1, pre, post, hits = 0, misses = 0;

	wait_for_completion(&r->start);
	if (cache->pcpu)
		st = &per_cpu_ptr(cache->pcpu, cpu)->stats;
	WRITE_ONCE(kpc_sink, kpc_bench_calls_run(r, 1));
	pre = kpc_bench_cpu_hits(cpu);
	post = per_cpu(kpc_bench_post_cnt, cpu);
	if (st) {
		hits = READ_ONCE(st->hits);
		misses = READ_ONCE(st->misses);
	}
	t0 = ktime_get_ns();
	WRITE_ONCE(kpc_sink, kpc_bench_calls_run(r, r->calls));
	t1 = ktime_get_ns();
	if (st) {
		atomic64_add(READ_ONCE(st->hits) - hits, &r->lookup_hits);
		atomic64_add(READ_ONCE(st->misses) - misses,
			     &r->lookup_misses);
	}
	r->ns[cpu] = t1 - t0;
	r->pre[cpu] = kpc_bench_cpu_hits(cpu) - pre;
	r->post[cpu] = per_cpu(kpc_bench_post_cnt, cpu) - post;
	if (atomic_dec_and_test(&r->left))
		complete(&r->done);
	return 0;
}

/*
 * One run: the workload on every online CPU at once. Every CPU must count
 * @per_call hits per call. Return: picoseconds per hit over all CPUs.
 */
static u64 kpc_bench_run(struct kunit *test, struct kpc_bench_run *r,
			 unsigned int per_call)
{
	u64 ns = 0, hits = 0;
	unsigned int n = 0;
	int cpu;

	init_completion(&r->start);
	init_completion(&r->done);
	atomic64_set(&r->lookup_hits, 0);
	atomic64_set(&r->lookup_misses, 0);
	memset(r->ns, 0, nr_cpu_ids * sizeof(*r->ns));
	memset(r->pre, 0, nr_cpu_ids * sizeof(*r->pre));
	memset(r->post, 0, nr_cpu_ids * sizeof(*r->post));

	cpus_read_lock();
	atomic_set(&r->left, num_online_cpus());
	for_each_online_cpu(cpu) {
		struct task_struct *t;

		t = kthread_create_on_cpu(kpc_bench_worker, r, cpu,
					  "kpc_bench/%u");
		if (IS_ERR(t)) {
			KUNIT_FAIL(test, "no thread on CPU %d", cpu);
			if (atomic_dec_and_test(&r->left))
				complete(&r->done);
			continue;
		}
		wake_up_process(t);
		n++;
	}
	cpus_read_unlock();
	complete_all(&r->start);
	wait_for_completion(&r->done);

	for_each_possible_cpu(cpu) {
		if (!r->ns[cpu])
			continue;
		KUNIT_EXPECT_EQ(test, r->pre[cpu], (u64)r->calls * per_call);
		KUNIT_EXPECT_EQ(test, r->post[cpu], (u64)r->calls * per_call);
		ns += r->ns[cpu];
		hits += r->pre[cpu];
	}
	KUNIT_EXPECT_GT(test, n, 0U);
	return hits ? div64_u64(ns * 1000, hits) : 0;
}

/* Rounds of cache off and on, alternating which goes first */
static void kpc_bench_rounds_run(struct kunit *test, struct kpc_bench_run *r,
				 unsigned int per_call, const char *what)
{
	unsigned int round, i;

	for (round = 0; round < kpc_bench_rounds; round++) {
		for (i = 0; i < 2; i++) {
			bool on = i ^ (round & 1);
			u64 ps;

			KUNIT_ASSERT_EQ(test, kprobe_cache_set_enabled(on), 0);
			ps = kpc_bench_run(test, r, per_call);
			kunit_info(test, "kprobes_bench: %s cache %s round %u ps_per_hit %llu lookup_hits %lld lookup_misses %lld",
				   what, on ? "on" : "off", round, ps,
				   atomic64_read(&r->lookup_hits),
				   atomic64_read(&r->lookup_misses));
		}
	}
	KUNIT_ASSERT_EQ(test, kprobe_cache_set_enabled(true), 0);
}

/* Per-hit cost on both paths, with the first @nr_hot hot probes of each */
static void kpc_bench_hits(struct kunit *test, struct kpc_bench_ctx *b,
			   struct kpc_bench_run *r, unsigned int nr_hot)
{
	char what[64];
	unsigned int path;

	for (path = 0; path < kpc_bench_paths(); path++) {
		r->fns = kpc_bench_fns[path];
		r->nr_fns = nr_hot;
		/* the same number of hits per run, whatever @nr_hot */
		r->calls = kpc_bench_calls * KPC_BENCH_HOT / nr_hot;
		snprintf(what, sizeof(what),
			 "hit path %s registered %u enabled %u hot %u",
			 kpc_bench_path[path], b->nr, b->nr_enabled, nr_hot);
		kpc_bench_rounds_run(test, r, nr_hot, what);
	}
}

/* Time enabling and disabling the first @nr fillers on the sled */
static void kpc_bench_enable(struct kunit *test, struct kpc_bench_ctx *b,
			     unsigned int nr)
{
	struct kpc_bench_probe *p = b->fill + b->sled_first;
	unsigned int round, i, j;
	u64 t0, t1, t2;

	for (round = 0; round < kpc_bench_enable_rounds; round++) {
		for (i = 0; i < 2; i++) {
			bool on = i ^ (round & 1);

			KUNIT_ASSERT_EQ(test, kprobe_cache_set_enabled(on), 0);
			t0 = ktime_get_ns();
			for (j = 0; j < nr; j++)
				KUNIT_ASSERT_EQ(test, enable_kprobe(&p[j].kp), 0);
			t1 = ktime_get_ns();
			for (j = 0; j < nr; j++)
				KUNIT_ASSERT_EQ(test, disable_kprobe(&p[j].kp), 0);
			t2 = ktime_get_ns();
			kunit_info(test, "kprobes_bench: enable probes %u registered %u cache %s round %u enable_us %llu disable_us %llu",
				   nr, b->nr, on ? "on" : "off", round,
				   div_u64(t1 - t0, NSEC_PER_USEC),
				   div_u64(t2 - t1, NSEC_PER_USEC));
		}
	}
	KUNIT_ASSERT_EQ(test, kprobe_cache_set_enabled(true), 0);
	for (j = 0; j < nr; j++)
		KUNIT_ASSERT_EQ(test, enable_kprobe(&p[j].kp), 0);
	b->nr_enabled = nr;
}

static int kpc_bench_reg_pre(struct kprobe *p, struct pt_regs *regs)
{
	return 0;
}

/*
 * Time registering @nr probes on the sled, disabled, then enabling them,
 * with a 256x4 cache and with none, alternately, in one boot; count the
 * cache's invalidation rounds and the IPIs they sent. The probes have
 * only a pre_handler: on x86 each is optimized, which wraps it in an
 * aggregator and invalidates its address (init_aggr_kprobe()). No CPU has
 * hit these addresses, so no invalidation should need an IPI. Leaves the
 * fixed 256x4 cache of kpc_suite_init() in place.
 */
static void kpc_bench_register(struct kunit *test, kprobe_opcode_t *sled,
			       unsigned int nr)
{
	struct pcpu_lookup_cache_stats s0, s1;
	unsigned long rounds;
	struct kprobe *kp, **kps;
	unsigned int round, i, j;
	u64 t0, t1, t2, t3, t4;

	kp = kvcalloc(nr, sizeof(*kp), GFP_KERNEL);
	kps = kvcalloc(nr, sizeof(*kps), GFP_KERNEL);
	if (!kp || !kps) {
		kvfree(kp);
		kvfree(kps);
		KUNIT_FAIL(test, "no memory for %u probes", nr);
		return;
	}
	for (round = 0; round < kpc_bench_enable_rounds; round++) {
		for (i = 0; i < 2; i++) {
			bool on = i ^ (round & 1);
			struct pcpu_lookup_cache *cache;

			/* None: auto mode with an unreachable threshold. */
			KUNIT_ASSERT_EQ(test, on ?
					kprobe_cache_kunit_fixed(256, KPC_WAYS) :
					kprobe_cache_kunit_auto(256, KPC_WAYS,
								UINT_MAX, true),
					0);
			KUNIT_ASSERT_EQ(test, kprobe_cache_kunit_sets(),
					on ? 256 : 0);
			cache = kprobe_cache_kunit_cache();
			memset(kp, 0, nr * sizeof(*kp));
			for (j = 0; j < nr; j++) {
				kp[j].addr = sled + j;
				kp[j].pre_handler = kpc_bench_reg_pre;
				kp[j].flags = KPROBE_FLAG_DISABLED;
				kps[j] = &kp[j];
			}
			pcpu_lookup_cache_stats_sum(cache, &s0);
			rounds = atomic_long_read(&cache->seq);
			t0 = ktime_get_ns();
			for (j = 0; j < nr; j++)
				KUNIT_ASSERT_EQ(test, register_kprobe(&kp[j]), 0);
			t1 = ktime_get_ns();
			for (j = 0; j < nr; j++)
				KUNIT_ASSERT_EQ(test, enable_kprobe(&kp[j]), 0);
			t2 = ktime_get_ns();
			wait_for_kprobe_optimizer();
			t3 = ktime_get_ns();
			pcpu_lookup_cache_stats_sum(cache, &s1);
			rounds = atomic_long_read(&cache->seq) - rounds;
			unregister_kprobes(kps, nr);
			t4 = ktime_get_ns();
			kunit_info(test, "kprobes_bench: register probes %u cache %s round %u register_us %llu enable_us %llu optimize_us %llu unregister_us %llu rounds %lu ipis %llu cpus %u",
				   nr, on ? "on" : "off", round,
				   div_u64(t1 - t0, NSEC_PER_USEC),
				   div_u64(t2 - t1, NSEC_PER_USEC),
				   div_u64(t3 - t2, NSEC_PER_USEC),
				   div_u64(t4 - t3, NSEC_PER_USEC), rounds,
				   s1.ipis - s0.ipis, num_online_cpus());
		}
	}
	kvfree(kp);
	kvfree(kps);
	KUNIT_EXPECT_EQ(test, kprobe_cache_kunit_fixed(256, KPC_WAYS), 0);
}

/*
 * The sweep's probes, one on each NOP of kpc_bench_hot(), registered
 * disabled before the fillers: at the tail of their chains, so that a miss
 * costs what it costs for an old probe.
 */
static void kpc_bench_sweep_register(struct kunit *test,
				     struct kpc_bench_ctx *b)
{
	kprobe_opcode_t *nops;
	unsigned int i;

	nops = kpc_bench_find_nops(kpc_bench_hot, KPC_BENCH_HOT_NOPS);
	KUNIT_ASSERT_NOT_NULL(test, nops);
	b->sweep = kvcalloc(KPC_BENCH_HOT_NOPS, sizeof(*b->sweep), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b->sweep);
	for (i = 0; i < KPC_BENCH_HOT_NOPS; i++) {
		struct kpc_bench_probe *p = &b->sweep[i];

		kpc_bench_init_probe(p, nops + i, KPC_BENCH_CNT_SWEEP, true);
		KUNIT_ASSERT_EQ(test, register_kprobe(&p->kp), 0);
		b->kps[b->nr++] = &p->kp;
		b->nr_sweep++;
	}
}

/* Hot sets of the first k sweep probes, enabled while nothing runs them */
static void kpc_bench_sweep_run(struct kunit *test, struct kpc_bench_ctx *b,
				struct kpc_bench_run *r)
{
	struct pcpu_lookup_cache *cache = kprobe_cache_kunit_cache();
	unsigned int s, i, k;
	char what[128];

	for (s = 0; s < ARRAY_SIZE(kpc_bench_sweep_sizes); s++) {
		k = kpc_bench_sweep_sizes[s];
		if (k > b->nr_sweep)
			break;
		for (i = 0; i < k; i++)
			KUNIT_ASSERT_EQ(test, enable_kprobe(&b->sweep[i].kp), 0);
		r->fns = NULL;
		r->calls = max(1U, kpc_bench_sweep_hits / k);
		snprintf(what, sizeof(what),
			 "sweep sets %u ways %u registered %u enabled %u hot %u",
			 cache->nr_sets, cache->nr_ways, b->nr,
			 b->nr_enabled, k);
		kpc_bench_rounds_run(test, r, k, what);
		for (i = 0; i < k; i++)
			KUNIT_ASSERT_EQ(test, disable_kprobe(&b->sweep[i].kp),
					0);
	}
}

/*
 * Per-hit cost on the int3 and the ftrace path with 2 probes registered,
 * then with bench_fill, cache off and on; the time to enable bench_enable
 * probes; per-hit cost and hit ratio of hot sets of several sizes. Without
 * kprobes on ftrace (arm64, riscv) only the breakpoint path is timed, and
 * the floor has 1 probe registered.
 */
void kpc_test_bench(struct kunit *test)
{
	struct pcpu_lookup_cache *cache = kprobe_cache_kunit_cache();
	unsigned int paths = kpc_bench_paths(), hot = paths * KPC_BENCH_HOT;
	unsigned int total, enable, real, nr_sweep, i;
	struct kpc_bench_run *r;
	struct kpc_bench_ctx *b;
	kprobe_opcode_t *sled;
	u64 t0, hits = 0;
	int cpu;

	if (!kpc_bench)
		kunit_skip(test, "needs kprobes_cache_kunit.bench=1");
	if (kpc_bench_auto) {
		if (!kprobe_cache_kunit_booted_auto())
			kunit_skip(test, "bench_auto=1 needs kprobe_cache=auto");
		/* Undo the fixed cache of kpc_suite_init() */
		KUNIT_ASSERT_EQ(test, kprobe_cache_kunit_restore(), 0);
		kpc_bench_auto_bytes(test, "boot", 0);
		cache = kprobe_cache_kunit_cache();
	}
	if (kpc_bench_rounds < 1 || kpc_bench_rounds > KPC_BENCH_MAX_ROUNDS ||
	    !kpc_bench_calls)
		kunit_skip(test, "bench_rounds must be 1 to %u, bench_calls > 0",
			   KPC_BENCH_MAX_ROUNDS);
	sled = kpc_bench_find_nops(kpc_bench_sled, KPC_BENCH_SLED_NOPS);
	if (!sled)
		kunit_skip(test, "benchmark NOP sled not found");

	/* hot probes, the sweep's, then fillers: on functions, on the sled */
	nr_sweep = kpc_bench_sweep ? KPC_BENCH_HOT_NOPS : 0;
	total = max(kpc_bench_fill_to, hot + nr_sweep);
	total = min(total, hot + nr_sweep + KPC_BENCH_SLED_NOPS);
	enable = kpc_bench_main ? min(kpc_bench_enable_nr,
				      total - hot - nr_sweep) : 0;
	real = total - hot - nr_sweep - enable;

	b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_NULL(test, r);
	r->ns = kunit_kcalloc(test, nr_cpu_ids, sizeof(*r->ns), GFP_KERNEL);
	r->pre = kunit_kcalloc(test, nr_cpu_ids, sizeof(*r->pre), GFP_KERNEL);
	r->post = kunit_kcalloc(test, nr_cpu_ids, sizeof(*r->post), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r->ns);
	KUNIT_ASSERT_NOT_NULL(test, r->pre);
	KUNIT_ASSERT_NOT_NULL(test, r->post);

	b->cache_was_on = kprobe_cache_enabled();
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, kpc_bench_release,
							b), 0);
	if (kprobe_cache_set_enabled(true))
		kunit_skip(test, "no kprobe lookup cache (kprobe_cache=0?)");
	b->fill = kvcalloc(total, sizeof(*b->fill), GFP_KERNEL);
	b->kps = kvcalloc(total, sizeof(*b->kps), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b->fill);
	KUNIT_ASSERT_NOT_NULL(test, b->kps);
	for_each_possible_cpu(cpu) {
		memset(per_cpu_ptr(&kpc_bench_cnt, cpu), 0,
		       sizeof(kpc_bench_cnt));
		per_cpu(kpc_bench_post_cnt, cpu) = 0;
	}

	kunit_info(test, "kprobes_bench: setup cpus %u sets %u ways %u bytes_per_cpu %zu paths %u hot_per_path %u calls %u rounds %u enable_rounds %u fill %u enable %u",
		   num_online_cpus(), cache->nr_sets, cache->nr_ways,
		   pcpu_lookup_cache_cpu_bytes(cache->nr_sets, cache->nr_ways),
		   paths, KPC_BENCH_HOT, kpc_bench_calls, kpc_bench_rounds,
		   kpc_bench_enable_rounds, total, enable);

	/* The floor: one probe per path, 2 registered (1 without ftrace) */
	kpc_bench_register_hot(test, b, 0, 1);
	kpc_bench_auto_bytes(test, "floor", b->nr);
	if (kpc_bench_main)
		kpc_bench_hits(test, b, r, 1);
	/* Registration timing, at the floor, when the cache is fixed */
	if (kpc_bench_main && kpc_bench_reg_nr && !kpc_bench_auto) {
		kpc_bench_register(test, sled,
				   min(kpc_bench_reg_nr, KPC_BENCH_SLED_NOPS));
		cache = kprobe_cache_kunit_cache();
	}

	/* The old hot probes, the sweep's, the fillers, the new hot probes */
	kpc_bench_register_hot(test, b, 1, KPC_BENCH_HOT / 2);
	if (kpc_bench_sweep)
		kpc_bench_sweep_register(test, b);
	kpc_bench_fill(test, b, sled, real,
		       total - (KPC_BENCH_HOT - KPC_BENCH_HOT / 2) * paths);
	kpc_bench_register_hot(test, b, KPC_BENCH_HOT / 2, KPC_BENCH_HOT);
	wait_for_kprobe_optimizer();
	kpc_bench_auto_bytes(test, "filled", b->nr);

	if (kpc_bench_main) {
		KUNIT_EXPECT_GE(test, b->nr_sled, enable);
		kpc_bench_hits(test, b, r, KPC_BENCH_HOT);
		kpc_bench_enable(test, b, min(enable, b->nr_sled));
		kpc_bench_auto_bytes(test, "enabled", b->nr);
		kpc_bench_hits(test, b, r, KPC_BENCH_HOT);
	}
	if (kpc_bench_sweep)
		kpc_bench_sweep_run(test, b, r);

	/* The floor again, so that it brackets the figures in between */
	if (kpc_bench_main) {
		t0 = ktime_get_ns();
		unregister_kprobes(b->kps + paths, b->nr - paths);
		kunit_info(test, "kprobes_bench: unregister probes %u ms %llu",
			   b->nr - paths,
			   div_u64(ktime_get_ns() - t0, NSEC_PER_MSEC));
		b->nr = paths;
		b->nr_enabled = 0;
		/* Let the optimizer and RCU free what was unregistered first */
		wait_for_kprobe_optimizer();
		rcu_barrier();
		kpc_bench_auto_bytes(test, "unregistered", b->nr);
		kpc_bench_hits(test, b, r, 1);
	}

	unregister_kprobes(b->kps, b->nr);
	b->nr = 0;

	/* No filler ran, enabled or not; nothing runs after unregistering */
	for_each_possible_cpu(cpu)
		KUNIT_EXPECT_EQ(test, per_cpu(kpc_bench_cnt, cpu)[KPC_BENCH_CNT_FILL],
				0);
	for_each_possible_cpu(cpu)
		hits += kpc_bench_cpu_hits(cpu);
	for (i = 0; i < 2; i++)
		WRITE_ONCE(kpc_sink, kpc_bench_fns[i][0](READ_ONCE(kpc_sink)));
	for_each_possible_cpu(cpu)
		hits -= kpc_bench_cpu_hits(cpu);
	KUNIT_EXPECT_EQ(test, hits, 0);
}
