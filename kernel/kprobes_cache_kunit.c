// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the per-CPU lookup cache in front of the kprobe hash list.
 *
 * Every case probes functions of this file, hits the probes on every
 * online CPU before and after an event that changes what the hash list
 * returns for an address, and checks that the handlers of the right probes
 * ran, the right number of times, and that no CPU's cache holds an entry
 * that the hash list no longer returns. Probes are allocated and freed, so
 * that KASAN reports a stale cached probe. Each case runs on the int3 path
 * (a probe after the ftrace site, with a post_handler so that it is not
 * optimized) and on the ftrace path (a probe on the function entry), with
 * the cache on and off.
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
#include <linux/trace_events.h>

#include "kprobes_cache.h"
#include "trace/trace_dynevent.h"

#define KPC_BULK	1000
#define KPC_BATCH	64
#define KPC_EVENTS	16
#define KPC_MAX_OFFSET	64

static u64 kpc_sink;

/* The probed functions. The argument comes from memory: no constprop. */
static noinline __noclone u64 kpc_int3_target(u64 v)
{
	u64 r = v * 31 + 7;

	r ^= r >> 3;
	r = r * 17 + 5;
	r ^= r >> 7;
	return r + READ_ONCE(kpc_sink);
}

static noinline __noclone u64 kpc_ftrace_target(u64 v)
{
	return (v ^ 0x5a5a) + READ_ONCE(kpc_sink);
}

/* KPC_BULK and more one-byte instructions, each one a probe address */
static noinline __noclone void kpc_sled(void)
{
	asm volatile(".rept 1040\n\tnop\n\t.endr\n");
}

/* Offset of the first instruction after the ftrace site of kpc_int3_target */
static unsigned int kpc_int3_offset;
/* First byte of the NOP run in kpc_sled() */
static kprobe_opcode_t *kpc_sled_start;

struct kpc_probe {
	struct kprobe kp;
	atomic_t pre;
	atomic_t post;
};

static int kpc_pre(struct kprobe *p, struct pt_regs *regs)
{
	atomic_inc(&container_of(p, struct kpc_probe, kp)->pre);
	return 0;
}

static void kpc_post(struct kprobe *p, struct pt_regs *regs,
		     unsigned long flags)
{
	atomic_inc(&container_of(p, struct kpc_probe, kp)->post);
}

struct kpc_param {
	bool cache;
	bool ftrace;
	const char *desc;
};

static const struct kpc_param kpc_params[] = {
	{ true, false, "int3_cache_on" },
	{ false, false, "int3_cache_off" },
	{ true, true, "ftrace_cache_on" },
	{ false, true, "ftrace_cache_off" },
};

static void kpc_param_desc(const struct kpc_param *p, char *desc)
{
	strscpy(desc, p->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(kpc, kpc_params, kpc_param_desc);

/* The cases that have only an int3 variant use the first two. */
static const struct kpc_param kpc_int3_params[] = {
	{ true, false, "int3_cache_on" },
	{ false, false, "int3_cache_off" },
};

KUNIT_ARRAY_PARAM(kpc_int3, kpc_int3_params, kpc_param_desc);

static const struct kpc_param *kpc_setup(struct kunit *test)
{
	const struct kpc_param *param = test->param_value;

	if (param->cache && !kprobe_cache_enabled() &&
	    kprobe_cache_set_enabled(true))
		kunit_skip(test, "no kprobe lookup cache (kprobe_cache=0?)");
	if (!param->cache)
		KUNIT_ASSERT_EQ(test, kprobe_cache_set_enabled(false), 0);
	if (!param->ftrace && !kpc_int3_offset)
		kunit_skip(test, "no probe-able offset in kpc_int3_target");
	return param;
}

static kprobe_opcode_t *kpc_addr(const struct kpc_param *param)
{
	if (param->ftrace)
		return (kprobe_opcode_t *)kpc_ftrace_target;
	return (kprobe_opcode_t *)kpc_int3_target + kpc_int3_offset;
}

/*
 * Allocate and register a probe. @post: give it a post_handler, which
 * keeps an int3 probe from being optimized.
 */
static struct kpc_probe *kpc_register(struct kunit *test, kprobe_opcode_t *addr,
				      bool post)
{
	struct kpc_probe *p = kzalloc(sizeof(*p), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	p->kp.addr = addr;
	p->kp.pre_handler = kpc_pre;
	if (post)
		p->kp.post_handler = kpc_post;
	KUNIT_ASSERT_EQ(test, register_kprobe(&p->kp), 0);
	return p;
}

static void kpc_unregister_free(struct kpc_probe *p)
{
	unregister_kprobe(&p->kp);
	kfree(p);
}

static int kpc_hit_fn(void *arg)
{
	const struct kpc_param *param = arg;

	if (!param)
		kpc_sled();
	else if (param->ftrace)
		WRITE_ONCE(kpc_sink, kpc_ftrace_target(READ_ONCE(kpc_sink)));
	else
		WRITE_ONCE(kpc_sink, kpc_int3_target(READ_ONCE(kpc_sink)));
	return 0;
}

/*
 * Run the probed function once on every online CPU, in a task bound to
 * it (IRQs on: the ftrace handler then runs with only preemption off).
 * NULL @param: the sled. Return: the number of CPUs.
 */
static int kpc_hit_all(struct kunit *test, const struct kpc_param *param)
{
	int cpu, n = 0;

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		KUNIT_EXPECT_EQ(test, smp_call_on_cpu(cpu, kpc_hit_fn,
						      (void *)param, false), 0);
		n++;
	}
	cpus_read_unlock();
	return n;
}

struct kpc_check {
	kprobe_opcode_t *addr;
	unsigned int nr;
	unsigned int stale;
	unsigned int cached;
};

static int kpc_check_fn(void *arg)
{
	struct pcpu_lookup_cache *cache = kprobe_cache_kunit_cache();
	struct kpc_check *c = arg;
	unsigned long token;
	unsigned int i;

	preempt_disable();
	for (i = 0; i < c->nr; i++) {
		void *cached = pcpu_lookup_cache_lookup(cache,
				(unsigned long)(c->addr + i), &token);

		if (cached && cached != get_kprobe(c->addr + i))
			c->stale++;
		c->cached += !!cached;
	}
	preempt_enable();
	return 0;
}

/*
 * No online CPU may cache, for @nr addresses from @addr, another probe.
 * Return: the number of cached entries for them, over all online CPUs.
 */
static unsigned int kpc_expect_coherent(struct kunit *test,
					kprobe_opcode_t *addr, unsigned int nr)
{
	struct kpc_check c = { .addr = addr, .nr = nr };
	int cpu;

	if (!kprobe_cache_kunit_cache()->pcpu)
		return 0;
	cpus_read_lock();
	for_each_online_cpu(cpu)
		KUNIT_EXPECT_EQ(test, smp_call_on_cpu(cpu, kpc_check_fn, &c,
						      false), 0);
	cpus_read_unlock();
	KUNIT_EXPECT_EQ_MSG(test, c.stale, 0,
			    "a CPU caches a probe the hash list does not return");
	return c.cached;
}

/* Each online CPU's invalidation generation, in @gen[nr_cpu_ids]. */
static void kpc_gens(unsigned long *gen)
{
	struct pcpu_lookup_cache *cache = kprobe_cache_kunit_cache();
	int cpu;

	for_each_online_cpu(cpu)
		gen[cpu] = READ_ONCE(per_cpu_ptr(cache->pcpu, cpu)->gen);
}

/*
 * Expect exactly @rounds rounds of invalidation IPIs, on every online CPU,
 * since kpc_gens() filled @gen.
 */
static void kpc_expect_rounds(struct kunit *test, const unsigned long *gen,
			      unsigned long rounds, const char *what)
{
	unsigned long *now;
	int cpu;

	if (!kprobe_cache_kunit_cache()->pcpu)
		return;
	now = kunit_kcalloc(test, nr_cpu_ids, sizeof(*now), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, now);
	kpc_gens(now);
	for_each_online_cpu(cpu)
		KUNIT_EXPECT_EQ_MSG(test, now[cpu] - gen[cpu], rounds,
				    "%s: rounds of IPIs on CPU %d", what, cpu);
}

static unsigned long *kpc_gens_alloc(struct kunit *test)
{
	unsigned long *gen = kunit_kcalloc(test, nr_cpu_ids, sizeof(*gen),
					   GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, gen);
	if (kprobe_cache_kunit_cache()->pcpu)
		kpc_gens(gen);
	return gen;
}

/* Expect @p's handlers to have run @n times. */
static void kpc_expect_hits(struct kunit *test, const struct kpc_param *param,
			    struct kpc_probe *p, int n)
{
	KUNIT_EXPECT_EQ(test, atomic_read(&p->pre), n);
	if (p->kp.post_handler)
		KUNIT_EXPECT_EQ(test, atomic_read(&p->post), n);
}

/*
 * The probe at @addr is gone: no CPU may still cache it, a hit there must
 * run nothing, and a new probe registered there must run on all @n CPUs.
 */
static void kpc_expect_new_probe(struct kunit *test,
				 const struct kpc_param *param,
				 kprobe_opcode_t *addr, int n)
{
	struct kpc_probe *b;

	kpc_expect_coherent(test, addr, 1);
	kpc_hit_all(test, param);

	b = kpc_register(test, addr, true);
	kpc_hit_all(test, param);
	kpc_expect_hits(test, param, b, n);
	kpc_expect_coherent(test, addr, 1);
	kpc_unregister_free(b);
}

/*
 * An aggregator replaces a probe that every CPU has cached: all CPUs must
 * run both probes from then on. Then it is dissolved again.
 */
static void kpc_test_aggregate(struct kunit *test)
{
	const struct kpc_param *param = kpc_setup(test);
	kprobe_opcode_t *addr = kpc_addr(param);
	struct kpc_probe *a, *b;
	int n;

	a = kpc_register(test, addr, true);
	n = kpc_hit_all(test, param);
	kpc_expect_hits(test, param, a, n);

	b = kpc_register(test, addr, true);
	kpc_expect_coherent(test, addr, 1);
	kpc_hit_all(test, param);
	kpc_expect_hits(test, param, a, 2 * n);
	kpc_expect_hits(test, param, b, n);

	kpc_unregister_free(b);
	kpc_expect_coherent(test, addr, 1);
	kpc_hit_all(test, param);
	kpc_expect_hits(test, param, a, 3 * n);

	kpc_unregister_free(a);
	kpc_expect_coherent(test, addr, 1);
	kpc_hit_all(test, param);
}

/* A cached probe is unregistered and freed; another one takes its address. */
static void kpc_test_reregister(struct kunit *test)
{
	const struct kpc_param *param = kpc_setup(test);
	kprobe_opcode_t *addr = kpc_addr(param);
	struct kpc_probe *a;
	int n;

	a = kpc_register(test, addr, true);
	n = kpc_hit_all(test, param);
	kpc_expect_hits(test, param, a, n);

	kpc_unregister_free(a);	/* KASAN poisons it */
	kpc_expect_new_probe(test, param, addr, n);
}

static void kpc_test_disable_enable(struct kunit *test)
{
	const struct kpc_param *param = kpc_setup(test);
	kprobe_opcode_t *addr = kpc_addr(param);
	struct kpc_probe *a;
	int n;

	a = kpc_register(test, addr, true);
	n = kpc_hit_all(test, param);
	kpc_expect_hits(test, param, a, n);

	KUNIT_EXPECT_EQ(test, disable_kprobe(&a->kp), 0);
	kpc_hit_all(test, param);
	kpc_expect_hits(test, param, a, n);

	KUNIT_EXPECT_EQ(test, enable_kprobe(&a->kp), 0);
	kpc_hit_all(test, param);
	kpc_expect_hits(test, param, a, 2 * n);
	kpc_expect_coherent(test, addr, 1);
	kpc_unregister_free(a);
}

/*
 * A CPU goes offline with a probe in its cache; the probe is unregistered
 * and freed and another one registered at its address before the CPU
 * comes back.
 */
static void kpc_test_hotplug(struct kunit *test)
{
	const struct kpc_param *param = kpc_setup(test);
	kprobe_opcode_t *addr = kpc_addr(param);
	struct kpc_probe *a, *b;
	unsigned int cpu;
	int n, ret;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs 2 CPUs");
	cpu = cpumask_last(cpu_online_mask);

	a = kpc_register(test, addr, true);
	n = kpc_hit_all(test, param);
	kpc_expect_hits(test, param, a, n);

	ret = remove_cpu(cpu);
	if (ret) {
		kpc_unregister_free(a);
		kunit_skip(test, "cannot offline CPU %u: %d", cpu, ret);
	}
	kpc_unregister_free(a);
	b = kpc_register(test, addr, true);
	KUNIT_EXPECT_EQ(test, add_cpu(cpu), 0);

	KUNIT_EXPECT_EQ(test, kpc_hit_all(test, param), n);
	kpc_expect_hits(test, param, b, n);
	kpc_expect_coherent(test, addr, 1);
	kpc_unregister_free(b);
	kpc_hit_all(test, param);
}

/*
 * A probe without post_handler is cached on every CPU, then jump-optimized
 * by the delayed optimizer, then unregistered: the optimizer takes its
 * aggregator off the hash list and frees it later.
 */
static void kpc_test_optimized(struct kunit *test)
{
	const struct kpc_param *param = kpc_setup(test);
	kprobe_opcode_t *addr = kpc_addr(param);
	struct kpc_probe *a;
	bool optimized;
	int n;

	a = kpc_register(test, addr, false);
	n = kpc_hit_all(test, param);
	kpc_expect_hits(test, param, a, n);

	wait_for_kprobe_optimizer();
	preempt_disable();
	optimized = kprobe_optimized(get_kprobe(addr));
	preempt_enable();
	kunit_info(test, "probe %s", optimized ? "optimized" : "not optimized");
	kpc_hit_all(test, param);
	kpc_expect_hits(test, param, a, 2 * n);
	kpc_expect_coherent(test, addr, 1);

	kpc_unregister_free(a);
	wait_for_kprobe_optimizer();	/* frees the aggregator */
	kpc_expect_new_probe(test, param, addr, n);
}

/* KPC_BULK probes, all hit on every CPU, unregistered at once. */
static void kpc_test_bulk(struct kunit *test)
{
	struct pcpu_lookup_cache_stats before, after;
	struct kpc_probe *probes;
	struct kprobe **kps;
	unsigned long *gen;
	int i, n;

	kpc_setup(test);
	if (!kpc_sled_start)
		kunit_skip(test, "NOP sled not found");

	probes = kunit_kcalloc(test, KPC_BULK, sizeof(*probes), GFP_KERNEL);
	kps = kunit_kcalloc(test, KPC_BULK, sizeof(*kps), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, probes);
	KUNIT_ASSERT_NOT_NULL(test, kps);
	for (i = 0; i < KPC_BULK; i++) {
		probes[i].kp.addr = kpc_sled_start + i;
		probes[i].kp.pre_handler = kpc_pre;
		probes[i].kp.post_handler = kpc_post;
		kps[i] = &probes[i].kp;
	}
	KUNIT_ASSERT_EQ(test, register_kprobes(kps, KPC_BULK), 0);

	n = kpc_hit_all(test, NULL);
	for (i = 0; i < KPC_BULK; i++)
		KUNIT_EXPECT_EQ(test, atomic_read(&probes[i].pre), n);
	kpc_expect_coherent(test, kpc_sled_start, KPC_BULK);

	pcpu_lookup_cache_stats_sum(kprobe_cache_kunit_cache(), &before);
	gen = kpc_gens_alloc(test);
	unregister_kprobes(kps, KPC_BULK);
	kpc_expect_rounds(test, gen, 1, "unregister_kprobes()");
	pcpu_lookup_cache_stats_sum(kprobe_cache_kunit_cache(), &after);
	kunit_info(test, "bulk unregister invalidated %llu entries",
		   after.invalidations - before.invalidations);
	kpc_expect_coherent(test, kpc_sled_start, KPC_BULK);
	kpc_hit_all(test, NULL);
	for (i = 0; i < KPC_BULK; i++)
		KUNIT_EXPECT_EQ(test, atomic_read(&probes[i].pre), n);
}

/*
 * KPC_BATCH probes, hit on every CPU, unregistered one at a time inside
 * kprobe_unregister_batch_begin()/end(): one round of IPIs in all, no
 * CPU caches a probe during the batch, and caching works again after it.
 */
static void kpc_test_batch(struct kunit *test)
{
	const struct kpc_param *param = kpc_setup(test);
	struct kpc_probe *probes, *b;
	struct kprobe **kps;
	unsigned long *gen;
	int i, n;

	if (!kpc_sled_start)
		kunit_skip(test, "NOP sled not found");
	probes = kunit_kcalloc(test, KPC_BATCH, sizeof(*probes), GFP_KERNEL);
	kps = kunit_kcalloc(test, KPC_BATCH, sizeof(*kps), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, probes);
	KUNIT_ASSERT_NOT_NULL(test, kps);
	for (i = 0; i < KPC_BATCH; i++) {
		probes[i].kp.addr = kpc_sled_start + i;
		probes[i].kp.pre_handler = kpc_pre;
		probes[i].kp.post_handler = kpc_post;
		kps[i] = &probes[i].kp;
	}
	KUNIT_ASSERT_EQ(test, register_kprobes(kps, KPC_BATCH), 0);
	n = kpc_hit_all(test, NULL);
	KUNIT_EXPECT_EQ(test, kpc_expect_coherent(test, kpc_sled_start,
						  KPC_BATCH),
			param->cache ? KPC_BATCH * n : 0);

	gen = kpc_gens_alloc(test);
	kprobe_unregister_batch_begin();
	for (i = 0; i < KPC_BATCH / 2; i++)
		unregister_kprobe(kps[i]);
	/* The rest still run, and are not cached while the batch is open. */
	kpc_hit_all(test, NULL);
	for (i = 0; i < KPC_BATCH; i++)
		KUNIT_EXPECT_EQ(test, atomic_read(&probes[i].pre),
				i < KPC_BATCH / 2 ? n : 2 * n);
	KUNIT_EXPECT_EQ(test, kpc_expect_coherent(test, kpc_sled_start,
						  KPC_BATCH), 0);
	for (i = KPC_BATCH / 2; i < KPC_BATCH; i++)
		unregister_kprobe(kps[i]);
	kprobe_unregister_batch_end();
	kpc_expect_rounds(test, gen, 1, "batch of unregister_kprobe()");

	b = kpc_register(test, kpc_sled_start, true);
	kpc_hit_all(test, NULL);
	kpc_expect_hits(test, param, b, n);
	KUNIT_EXPECT_EQ(test, kpc_expect_coherent(test, kpc_sled_start,
						  KPC_BATCH),
			param->cache ? n : 0);
	kpc_unregister_free(b);
	for (i = 0; i < KPC_BATCH; i++)
		KUNIT_EXPECT_EQ(test, atomic_read(&probes[i].pre),
				i < KPC_BATCH / 2 ? n : 2 * n);
}

static int kpc_lookup_fn(void *arg)
{
	struct kpc_check *c = arg;
	unsigned int i;

	preempt_disable();
	for (i = 0; i < c->nr; i++)
		c->cached += !!get_kprobe_cached(c->addr + i);
	preempt_enable();
	return 0;
}

/* Look @nr addresses from @addr up through the cache on every CPU. */
static unsigned int kpc_lookup_all(struct kunit *test, kprobe_opcode_t *addr,
				   unsigned int nr)
{
	struct kpc_check c = { .addr = addr, .nr = nr };
	int cpu;

	cpus_read_lock();
	for_each_online_cpu(cpu)
		KUNIT_EXPECT_EQ(test, smp_call_on_cpu(cpu, kpc_lookup_fn, &c,
						      false), 0);
	cpus_read_unlock();
	return c.cached;
}

/*
 * Removing all dynamic events frees KPC_EVENTS kprobe events, each with
 * its own unregister_kprobe(), in one round of IPIs, leaving no CPU with
 * a cached probe of a freed event.
 */
static void kpc_test_events(struct kunit *test)
{
	const struct kpc_param *param = kpc_setup(test);
	struct dynevent_cmd cmd;
	char name[32], loc[48], *buf;
	unsigned long *gen;
	int i, n;

	if (!IS_ENABLED(CONFIG_KPROBE_EVENTS))
		kunit_skip(test, "needs CONFIG_KPROBE_EVENTS");
	if (!kpc_sled_start)
		kunit_skip(test, "NOP sled not found");
	buf = kunit_kzalloc(test, MAX_DYNEVENT_CMD_LEN, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < KPC_EVENTS; i++) {
		snprintf(name, sizeof(name), "kpc_event_%d", i);
		snprintf(loc, sizeof(loc), "kpc_sled+%td",
			 (u8 *)(kpc_sled_start + i) - (u8 *)kpc_sled);
		kprobe_event_cmd_init(&cmd, buf, MAX_DYNEVENT_CMD_LEN);
		KUNIT_ASSERT_EQ(test, kprobe_event_gen_cmd_start(&cmd, name,
								 loc), 0);
		KUNIT_ASSERT_EQ_MSG(test, kprobe_event_gen_cmd_end(&cmd), 0,
				    "%s at %s", name, loc);
	}
	n = num_online_cpus();
	KUNIT_EXPECT_EQ(test, kpc_lookup_all(test, kpc_sled_start, KPC_EVENTS),
			KPC_EVENTS * n);
	KUNIT_EXPECT_EQ(test, kpc_expect_coherent(test, kpc_sled_start,
						  KPC_EVENTS),
			param->cache ? KPC_EVENTS * n : 0);

	gen = kpc_gens_alloc(test);
	KUNIT_EXPECT_EQ(test, dyn_events_release_all(NULL), 0);
	kpc_expect_rounds(test, gen, 1, "dyn_events_release_all()");
	KUNIT_EXPECT_EQ(test, kpc_expect_coherent(test, kpc_sled_start,
						  KPC_EVENTS), 0);
	KUNIT_EXPECT_EQ(test, kpc_lookup_all(test, kpc_sled_start, KPC_EVENTS),
			0);
}

static DEFINE_PER_CPU(struct task_struct *, kpc_thread);

static int kpc_stress_fn(void *arg)
{
	struct kpc_param int3 = { .ftrace = false }, ftrace = { .ftrace = true };
	unsigned int i = 0;

	while (!kthread_should_stop()) {
		kpc_hit_fn(&int3);
		kpc_hit_fn(&ftrace);
		/* Sleep now and then: the optimizer waits for RCU Tasks. */
		if (!(++i % 64))
			usleep_range(20, 50);
	}
	return 0;
}

static void kpc_stop_threads(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct task_struct *t = per_cpu(kpc_thread, cpu);

		if (t)
			kthread_stop(t);
		per_cpu(kpc_thread, cpu) = NULL;
	}
}

static bool kpc_stress_text;
module_param_named(stress_text, kpc_stress_text, bool, 0444);
MODULE_PARM_DESC(stress_text,
		 "also run kpc_test_stress_text, which arms and disarms probes on code that other CPUs run");

/*
 * Register, aggregate and unregister probes on both functions while a
 * thread on every CPU calls them, for a bounded time.
 *
 * @text false: a base probe stays registered at each address, so that the
 * text never changes; children come and go, and the first one on the
 * ftrace path turns its probe into an aggregator under the handlers.
 * @text true: the probes come and go, so the text and the hash list
 * change under the handlers, and the cache is switched off and on. Under
 * QEMU TCG this makes CPUs trap on int3s that the text patching already
 * removed ("Oops: int3", or a jump to a NULL insn slot), also with the
 * v6.12 kprobes code and no cache, so it only runs when asked for with
 * kprobes_cache_kunit.stress_text=1.
 */
static void kpc_stress_run(struct kunit *test, bool text)
{
	const struct kpc_param *param = kpc_setup(test);
	struct kpc_param ftrace = { .ftrace = true };
	kprobe_opcode_t *int3_addr = kpc_addr(param);
	kprobe_opcode_t *ftrace_addr = kpc_addr(&ftrace);
	struct kpc_probe *base_int3 = NULL, *base_ftrace = NULL;
	unsigned long end = jiffies + 2 * HZ;
	unsigned int rounds = 0;
	struct task_struct *t;
	int cpu;

	if (!text) {
		base_int3 = kpc_register(test, int3_addr, true);
		base_ftrace = kpc_register(test, ftrace_addr, true);
	}

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		t = kthread_create_on_cpu(kpc_stress_fn, NULL, cpu,
					  "kpc_stress/%u");
		if (!IS_ERR(t)) {
			per_cpu(kpc_thread, cpu) = t;
			wake_up_process(t);
		}
	}
	cpus_read_unlock();

	while (time_before(jiffies, end) && rounds < 500) {
		struct kpc_probe *a, *b, *c, *d;

		/*
		 * All probes have a post_handler: the optimizer stays out
		 * (see kpc_test_optimized()) and the ftrace probes keep
		 * using the same ftrace_ops.
		 */
		a = kpc_register(test, int3_addr, true);
		c = kpc_register(test, ftrace_addr, true);
		b = kpc_register(test, int3_addr, true);
		d = kpc_register(test, ftrace_addr, true);
		usleep_range(100, 200);
		if (rounds & 2) {
			kpc_unregister_free(a);
			kpc_unregister_free(d);
		} else {
			struct kprobe *kps[] = { &a->kp, &c->kp };

			unregister_kprobes(kps, ARRAY_SIZE(kps));
			kfree(a);
			kfree(c);
			c = NULL;
			kpc_unregister_free(d);
		}
		usleep_range(100, 200);
		kpc_unregister_free(b);
		if (c)
			kpc_unregister_free(c);
		if (text && param->cache && (rounds & 7) == 7) {
			kprobe_cache_set_enabled(false);
			kprobe_cache_set_enabled(true);
		}
		rounds++;
	}
	kpc_stop_threads();
	if (base_int3)
		kpc_unregister_free(base_int3);
	if (base_ftrace)
		kpc_unregister_free(base_ftrace);
	kunit_info(test, "%u rounds", rounds);
	kpc_expect_coherent(test, int3_addr, 1);
	kpc_expect_coherent(test, ftrace_addr, 1);
}

static void kpc_test_stress(struct kunit *test)
{
	kpc_stress_run(test, false);
}

static void kpc_test_stress_text(struct kunit *test)
{
	if (!kpc_stress_text)
		kunit_skip(test, "needs kprobes_cache_kunit.stress_text=1");
	kpc_stress_run(test, true);
}

/*
 * The benchmark's sled: KPC_BENCH_CHUNKS runs of KPC_BENCH_CHUNK one-byte
 * NOPs, each run after a local symbol. can_probe() and can_optimize()
 * decode from the symbol before the probe address and look every
 * instruction they decode up in the hash list: with one symbol for the
 * whole sled, registering 20000 probes would take hours under QEMU.
 * The function is never called.
 */
#define KPC_BENCH_FILL		20000
#define KPC_BENCH_CHUNK		16
#define KPC_BENCH_CHUNKS	1284
#define KPC_BENCH_NOPS		(KPC_BENCH_CHUNK * KPC_BENCH_CHUNKS)
#define KPC_BENCH_BATCH		1000
#define KPC_BENCH_CALLS		20000
#define KPC_BENCH_ROUNDS	3

static noinline __noclone void kpc_bench_sled(void)
{
	asm volatile(".macro kpc_bench_chunk\n"
		     "kpc_bench_sled_\\@:\n"
		     ".rept " __stringify(KPC_BENCH_CHUNK) "\n\tnop\n.endr\n"
		     ".endm\n"
		     ".rept " __stringify(KPC_BENCH_CHUNKS) "\n"
		     "\tkpc_bench_chunk\n"
		     ".endr\n"
		     ".purgem kpc_bench_chunk\n");
}

static bool kpc_bench;
module_param_named(bench, kpc_bench, bool, 0444);
MODULE_PARM_DESC(bench,
		 "also run kpc_test_bench, which times probe hits with 20000 probes registered");

struct kpc_bench_ctx {
	/* [0]: the int3 probe, [1]: the ftrace probe, then the fillers */
	struct kpc_probe *probes;
	/* the registered probes, the first @nr */
	struct kprobe **kps;
	unsigned int nr;
	bool cache_was_on;
};

static void kpc_bench_release(void *arg)
{
	struct kpc_bench_ctx *b = arg;

	if (b->nr)
		unregister_kprobes(b->kps, b->nr);
	b->nr = 0;
	kvfree(b->kps);
	kvfree(b->probes);
	kprobe_cache_set_enabled(b->cache_was_on);
}

/* The first KPC_BENCH_FILL NOPs in a row of kpc_bench_sled() */
static kprobe_opcode_t *kpc_bench_find_sled(void)
{
	u8 *text = (u8 *)kpc_bench_sled;
	unsigned int i, run;

	for (i = 0, run = 0; i < KPC_BENCH_NOPS + 64; i++) {
		run = text[i] == 0x90 ? run + 1 : 0;
		if (run == KPC_BENCH_FILL)
			return text + i + 1 - KPC_BENCH_FILL;
	}
	return NULL;
}

static void kpc_bench_init_filler(struct kpc_probe *p, kprobe_opcode_t *addr)
{
	memset(p, 0, sizeof(*p));
	p->kp.addr = addr;
	p->kp.pre_handler = kpc_pre;
	p->kp.flags = KPROBE_FLAG_DISABLED;
}

/*
 * Register the fillers, disabled: no text changes. A batch that fails is
 * registered again one probe at a time, keeping those that kprobes takes.
 * Return: the number of rejected addresses.
 */
static unsigned int kpc_bench_fill(struct kpc_bench_ctx *b,
				   kprobe_opcode_t *sled)
{
	struct kpc_probe *fill = b->probes + 2;
	unsigned int i, j, n, rejected = 0;

	for (i = 0; i < KPC_BENCH_FILL; i += n) {
		n = min_t(unsigned int, KPC_BENCH_BATCH, KPC_BENCH_FILL - i);
		for (j = 0; j < n; j++) {
			kpc_bench_init_filler(&fill[i + j], sled + i + j);
			b->kps[b->nr + j] = &fill[i + j].kp;
		}
		if (!register_kprobes(b->kps + b->nr, n)) {
			b->nr += n;
			continue;
		}
		for (j = 0; j < n; j++) {
			kpc_bench_init_filler(&fill[i + j], sled + i + j);
			if (register_kprobe(&fill[i + j].kp))
				rejected++;
			else
				b->kps[b->nr++] = &fill[i + j].kp;
		}
	}
	return rejected;
}

/* Call @p's function KPC_BENCH_CALLS times; return the ns per call. */
static u64 kpc_bench_loop(struct kunit *test, struct kpc_probe *p, bool ftrace)
{
	int pre = atomic_read(&p->pre), post = atomic_read(&p->post);
	u64 v = READ_ONCE(kpc_sink), t0, t1;
	unsigned int i;

	t0 = ktime_get_ns();
	for (i = 0; i < KPC_BENCH_CALLS; i++) {
		if (ftrace)
			v = kpc_ftrace_target(v);
		else
			v = kpc_int3_target(v);
	}
	t1 = ktime_get_ns();
	WRITE_ONCE(kpc_sink, v);
	KUNIT_EXPECT_EQ(test, atomic_read(&p->pre) - pre, KPC_BENCH_CALLS);
	KUNIT_EXPECT_EQ(test, atomic_read(&p->post) - post, KPC_BENCH_CALLS);
	return div_u64(t1 - t0, KPC_BENCH_CALLS);
}

static void kpc_bench_report(struct kunit *test, const char *path,
			     unsigned int registered, bool cache, u64 *ns,
			     const struct pcpu_lookup_cache_stats *st)
{
	unsigned int i, j;
	u64 t;

	for (i = 1; i < KPC_BENCH_ROUNDS; i++)
		for (j = i; j > 0 && ns[j - 1] > ns[j]; j--) {
			t = ns[j];
			ns[j] = ns[j - 1];
			ns[j - 1] = t;
		}
	if (!cache) {
		kunit_info(test, "kprobes_bench: path %s registered %u cache off ns_per_hit %llu (min %llu max %llu rounds %u)",
			   path, registered, ns[KPC_BENCH_ROUNDS / 2], ns[0],
			   ns[KPC_BENCH_ROUNDS - 1], KPC_BENCH_ROUNDS);
		return;
	}
	t = st->hits + st->misses;
	kunit_info(test, "kprobes_bench: path %s registered %u cache on ns_per_hit %llu (min %llu max %llu rounds %u) hits %llu misses %llu hit_permille %llu",
		   path, registered, ns[KPC_BENCH_ROUNDS / 2], ns[0],
		   ns[KPC_BENCH_ROUNDS - 1], KPC_BENCH_ROUNDS, st->hits,
		   st->misses, t ? div64_u64(st->hits * 1000, t) : 0);
}

/* Time both paths, cache off and on, interleaved over the rounds. */
static void kpc_bench_measure(struct kunit *test, struct kpc_bench_ctx *b)
{
	struct pcpu_lookup_cache *cache = kprobe_cache_kunit_cache();
	struct pcpu_lookup_cache_stats before, after, st;
	u64 ns[2][KPC_BENCH_ROUNDS];
	unsigned int path, round, on;

	for (path = 0; path < 2; path++) {
		memset(&st, 0, sizeof(st));
		for (round = 0; round < KPC_BENCH_ROUNDS; round++) {
			for (on = 0; on < 2; on++) {
				KUNIT_ASSERT_EQ(test,
						kprobe_cache_set_enabled(on), 0);
				pcpu_lookup_cache_stats_sum(cache, &before);
				ns[on][round] = kpc_bench_loop(test,
							       &b->probes[path],
							       path);
				pcpu_lookup_cache_stats_sum(cache, &after);
				if (!on)
					continue;
				st.hits += after.hits - before.hits;
				st.misses += after.misses - before.misses;
			}
		}
		for (on = 0; on < 2; on++)
			kpc_bench_report(test, path ? "ftrace" : "int3", b->nr,
					 on, ns[on], &st);
	}
}

/*
 * The cost of a hit on the int3 and on the ftrace path with 2 probes
 * registered, then with KPC_BENCH_FILL more, cache off and on. The probes
 * that are hit are registered first: the hash list adds at the head, so
 * the fillers, registered disabled, come before them in their chains.
 */
static void kpc_test_bench(struct kunit *test)
{
	struct kpc_param int3 = { .ftrace = false }, ftrace = { .ftrace = true };
	struct kpc_bench_ctx *b;
	kprobe_opcode_t *sled;
	unsigned int rejected;
	u64 t0;
	int i;

	if (!kpc_bench)
		kunit_skip(test, "needs kprobes_cache_kunit.bench=1");
	if (!kpc_int3_offset)
		kunit_skip(test, "no probe-able offset in kpc_int3_target");
	sled = kpc_bench_find_sled();
	if (!sled)
		kunit_skip(test, "benchmark NOP sled not found");

	b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b);
	b->cache_was_on = kprobe_cache_enabled();
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, kpc_bench_release,
							b), 0);
	if (kprobe_cache_set_enabled(true))
		kunit_skip(test, "no kprobe lookup cache (kprobe_cache=0?)");

	b->probes = kvcalloc(KPC_BENCH_FILL + 2, sizeof(*b->probes),
			     GFP_KERNEL);
	b->kps = kvcalloc(KPC_BENCH_FILL + 2, sizeof(*b->kps), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b->probes);
	KUNIT_ASSERT_NOT_NULL(test, b->kps);

	for (i = 0; i < 2; i++) {
		struct kpc_probe *p = &b->probes[i];

		p->kp.addr = kpc_addr(i ? &ftrace : &int3);
		p->kp.pre_handler = kpc_pre;
		p->kp.post_handler = kpc_post;
		KUNIT_ASSERT_EQ(test, register_kprobe(&p->kp), 0);
		b->kps[b->nr++] = &p->kp;
		KUNIT_EXPECT_EQ(test, !!kprobe_ftrace(&p->kp), i == 1);
	}
	kpc_bench_measure(test, b);

	t0 = ktime_get_ns();
	rejected = kpc_bench_fill(b, sled);
	kunit_info(test, "kprobes_bench: registered %u fillers, %u rejected, in %llu ms",
		   b->nr - 2, rejected, div_u64(ktime_get_ns() - t0, NSEC_PER_MSEC));
	KUNIT_EXPECT_EQ(test, rejected, 0);
	kpc_bench_measure(test, b);

	t0 = ktime_get_ns();
	unregister_kprobes(b->kps, b->nr);
	kunit_info(test, "kprobes_bench: unregistered %u probes in %llu ms",
		   b->nr, div_u64(ktime_get_ns() - t0, NSEC_PER_MSEC));
	b->nr = 0;
	kpc_hit_all(test, &int3);
	kpc_hit_all(test, &ftrace);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->probes[0].pre),
			4 * KPC_BENCH_ROUNDS * KPC_BENCH_CALLS);
	KUNIT_EXPECT_EQ(test, atomic_read(&b->probes[1].pre),
			4 * KPC_BENCH_ROUNDS * KPC_BENCH_CALLS);
}

static int kpc_suite_init(struct kunit_suite *suite)
{
	unsigned long size, off;
	struct kprobe kp;
	unsigned int i, run;
	u8 *text;

	/*
	 * The entry of kpc_int3_target is its ftrace site: find the first
	 * offset after it where kprobes accepts a probe, as it validates it.
	 */
	for (i = 1; i < KPC_MAX_OFFSET; i++) {
		memset(&kp, 0, sizeof(kp));
		kp.addr = (kprobe_opcode_t *)kpc_int3_target + i;
		kp.pre_handler = kpc_pre;
		kp.post_handler = kpc_post;
		if (register_kprobe(&kp))
			continue;
		if (!kprobe_ftrace(&kp))
			kpc_int3_offset = i;
		unregister_kprobe(&kp);
		if (kpc_int3_offset)
			break;
	}

	/* The NOP sled: the first run of KPC_BULK 0x90 bytes */
	text = (u8 *)kpc_sled;
	if (kallsyms_lookup_size_offset((unsigned long)text, &size, &off)) {
		for (i = 0, run = 0; i < size; i++) {
			run = text[i] == 0x90 ? run + 1 : 0;
			if (run == KPC_BULK) {
				kpc_sled_start = text + i + 1 - KPC_BULK;
				break;
			}
		}
	}
	return 0;
}

static void kpc_exit(struct kunit *test)
{
	kpc_stop_threads();
	kprobe_cache_set_enabled(true);
}

static struct kunit_case kprobes_cache_cases[] = {
	KUNIT_CASE_PARAM(kpc_test_aggregate, kpc_gen_params),
	KUNIT_CASE_PARAM(kpc_test_reregister, kpc_gen_params),
	KUNIT_CASE_PARAM(kpc_test_disable_enable, kpc_gen_params),
	KUNIT_CASE_PARAM(kpc_test_hotplug, kpc_gen_params),
	KUNIT_CASE_PARAM(kpc_test_optimized, kpc_int3_gen_params),
	KUNIT_CASE_PARAM(kpc_test_bulk, kpc_int3_gen_params),
	KUNIT_CASE_PARAM(kpc_test_batch, kpc_int3_gen_params),
	KUNIT_CASE_PARAM(kpc_test_events, kpc_int3_gen_params),
	KUNIT_CASE_PARAM_ATTR(kpc_test_stress, kpc_int3_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE_PARAM_ATTR(kpc_test_stress_text, kpc_int3_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE_ATTR(kpc_test_bench, { .speed = KUNIT_SPEED_SLOW }),
	{}
};

static struct kunit_suite kprobes_cache_suite = {
	.name = "kprobes_cache",
	.suite_init = kpc_suite_init,
	.exit = kpc_exit,
	.test_cases = kprobes_cache_cases,
};

kunit_test_suite(kprobes_cache_suite);

MODULE_DESCRIPTION("KUnit tests for the kprobes lookup cache");
MODULE_LICENSE("GPL");
