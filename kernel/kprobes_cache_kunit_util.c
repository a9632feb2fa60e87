// SPDX-License-Identifier: GPL-2.0
/*
 * What the KUnit suites of the kprobes lookup cache share: the probed
 * functions, the NOP sled, the handlers, and the helpers that register
 * probes, hit them on every online CPU and check that no CPU's cache holds
 * an entry that the hash list no longer returns.
 */

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/ftrace.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/kthread.h>
#include <linux/pcpu_lookup_cache.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/stringify.h>

#include "kprobes_cache.h"
#include "kprobes_cache_kunit.h"

/* The variants of the cases that run only on the int3 path */
const struct kpc_param kpc_int3_params[2] = {
	{ true, false, "int3_cache_on" },
	{ false, false, "int3_cache_off" },
};

/* Written by the probed functions' callers, read by the functions */
u64 kpc_sink;

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

/*
 * KPC_SLED_NOPS and 40 more NOPs, each one a probe address. Not notrace:
 * kprobe events refuse notrace functions. kpc_find_nops() skips the ftrace
 * site, which is made of NOPs on arm64 and riscv.
 */
noinline __noclone void kpc_sled(void)
{
	asm volatile(KPC_ASM_NOPS_BEGIN
		     ".rept " __stringify(KPC_SLED_NOPS) " + 40\n\tnop\n\t.endr\n"
		     KPC_ASM_NOPS_END);
}

/*
 * The architecture's NOP, as the bytes of one kprobe_opcode_t in memory
 * (A64 and RISC-V instructions are little-endian whatever the data order),
 * and the alignment of an instruction: with the C extension a riscv
 * instruction may start on any halfword, and the sled's .balign is only
 * resolved at link time.
 */
#if defined(CONFIG_X86)
#define KPC_HAVE_NOP
#define KPC_INSN_ALIGN	1
static const u8 kpc_nop[] = { 0x90 };				/* nop */
#elif defined(CONFIG_ARM64)
#define KPC_HAVE_NOP
#define KPC_INSN_ALIGN	4
static const u8 kpc_nop[] = { 0x1f, 0x20, 0x03, 0xd5 };		/* nop, 0xd503201f */
#elif defined(CONFIG_RISCV)
#define KPC_HAVE_NOP
#define KPC_INSN_ALIGN	2
static const u8 kpc_nop[] = { 0x13, 0x00, 0x00, 0x00 };		/* addi x0, x0, 0 */
#endif

/*
 * The first run of @n NOPs in the @size bytes from @start, each a
 * kprobe_opcode_t, or NULL, also on an architecture whose NOP this file
 * does not know. A NOP that ftrace reserves (an ftrace site, which kprobes
 * refuses without CONFIG_KPROBES_ON_FTRACE) is not part of a run.
 */
kprobe_opcode_t *kpc_find_nops(void *start, size_t size, unsigned int n)
{
#ifdef KPC_HAVE_NOP
	u8 *text = PTR_ALIGN((u8 *)start, KPC_INSN_ALIGN);
	u8 *end = (u8 *)start + size;
	unsigned int run = 0;

	BUILD_BUG_ON(sizeof(kpc_nop) != sizeof(kprobe_opcode_t));
	while (text + sizeof(kpc_nop) <= end) {
		if (memcmp(text, kpc_nop, sizeof(kpc_nop)) ||
		    ftrace_text_reserved(text, text + sizeof(kpc_nop) - 1)) {
			run = 0;
			text += KPC_INSN_ALIGN;
			continue;
		}
		text += sizeof(kpc_nop);
		if (++run == n)
			return (kprobe_opcode_t *)(text - n * sizeof(kpc_nop));
	}
#endif
	return NULL;
}

/*
 * Offset, in kprobe_opcode_t, of the first instruction after the entry of
 * kpc_int3_target that takes a probe that is not on ftrace (on x86, the
 * first one after the ftrace site)
 */
static unsigned int kpc_int3_offset;
/*
 * Where register_kprobe() puts a probe on the entry of kpc_ftrace_target:
 * its ftrace site, which is after the ENDBR with IBT. The cache is keyed
 * by it.
 */
static kprobe_opcode_t *kpc_ftrace_addr;
/* That probe is on ftrace: CONFIG_KPROBES_ON_FTRACE and a traced entry */
static bool kpc_ftrace_ok;
/* First NOP of the run in kpc_sled(), or NULL */
kprobe_opcode_t *kpc_sled_start;

int kpc_pre(struct kprobe *p, struct pt_regs *regs)
{
	atomic_inc(&container_of(p, struct kpc_probe, kp)->pre);
	return 0;
}

void kpc_post(struct kprobe *p, struct pt_regs *regs,
	      unsigned long flags)
{
	atomic_inc(&container_of(p, struct kpc_probe, kp)->post);
}

/*
 * Whether the ftrace path can be tested: false without kprobes on ftrace
 * (arm64 and riscv have none), and with them the probe on the entry of
 * kpc_ftrace_target must be an ftrace one, or the case fails.
 */
bool kpc_ftrace_path(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_KPROBES_ON_FTRACE))
		return false;
	KUNIT_ASSERT_TRUE_MSG(test, kpc_ftrace_ok,
			      "the probe on the entry of kpc_ftrace_target is not on ftrace");
	return true;
}

const struct kpc_param *kpc_setup(struct kunit *test)
{
	const struct kpc_param *param = test->param_value;

	if (param->ftrace && !kpc_ftrace_path(test))
		kunit_skip(test, "no kprobes on ftrace (CONFIG_KPROBES_ON_FTRACE=n)");
	if (param->cache && !kprobe_cache_enabled() &&
	    kprobe_cache_set_enabled(true))
		kunit_skip(test, "no kprobe lookup cache (kprobe_cache=0?)");
	if (!param->cache)
		KUNIT_ASSERT_EQ(test, kprobe_cache_set_enabled(false), 0);
	if (!param->ftrace && !kpc_int3_offset)
		kunit_skip(test, "no probe-able offset in kpc_int3_target");
	return param;
}

/* Whether kpc_int3_target has an offset for an int3 probe */
bool kpc_int3_ok(void)
{
	return kpc_int3_offset;
}

kprobe_opcode_t *kpc_addr(const struct kpc_param *param)
{
	if (param->ftrace)
		return kpc_ftrace_addr;
	return (kprobe_opcode_t *)kpc_int3_target + kpc_int3_offset;
}

/*
 * Allocate and register a probe. @post: give it a post_handler, which
 * keeps an int3 probe from being optimized.
 */
struct kpc_probe *kpc_register(struct kunit *test, kprobe_opcode_t *addr,
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

void kpc_unregister_free(struct kpc_probe *p)
{
	unregister_kprobe(&p->kp);
	kfree(p);
}

int kpc_hit_fn(void *arg)
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

/*
 * Start a thread bound to each online CPU that calls both probed functions
 * until kpc_stop_threads().
 */
void kpc_start_threads(void)
{
	struct task_struct *t;
	int cpu;

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
}

void kpc_stop_threads(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct task_struct *t = per_cpu(kpc_thread, cpu);

		if (t)
			kthread_stop(t);
		per_cpu(kpc_thread, cpu) = NULL;
	}
}

/*
 * Run the probed function once on every online CPU, in a task bound to
 * it (IRQs on: the ftrace handler then runs with only preemption off).
 * NULL @param: the sled. Return: the number of CPUs.
 */
int kpc_hit_all(struct kunit *test, const struct kpc_param *param)
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
unsigned int kpc_expect_coherent(struct kunit *test,
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

/* The rounds of invalidation the current cache has had. */
unsigned long kpc_rounds(void)
{
	return atomic_long_read(&kprobe_cache_kunit_cache()->seq);
}

/*
 * Expect exactly @rounds rounds of invalidation (each at most one IPI per
 * online CPU) since kpc_rounds() returned @since.
 */
void kpc_expect_rounds(struct kunit *test, unsigned long since,
		       unsigned long rounds, const char *what)
{
	if (!kprobe_cache_kunit_cache()->pcpu)
		return;
	KUNIT_EXPECT_EQ_MSG(test, kpc_rounds() - since, rounds,
			    "%s: rounds of invalidation", what);
}

/* Expect @p's handlers to have run @n times. */
void kpc_expect_hits(struct kunit *test, const struct kpc_param *param,
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
void kpc_expect_new_probe(struct kunit *test,
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

int kpc_suite_init(struct kunit_suite *suite)
{
	unsigned long size, off;
	struct kprobe kp;
	unsigned int i;

	/*
	 * The entry of kpc_int3_target may be its ftrace site: find the
	 * first offset after it where kprobes accepts a probe that is not on
	 * ftrace, as it validates it (instruction boundary, ftrace site).
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

	memset(&kp, 0, sizeof(kp));
	kp.addr = (kprobe_opcode_t *)kpc_ftrace_target;
	kp.pre_handler = kpc_pre;
	kpc_ftrace_addr = kp.addr;
	kpc_ftrace_ok = false;
	if (IS_ENABLED(CONFIG_KPROBES_ON_FTRACE) && !register_kprobe(&kp)) {
		kpc_ftrace_addr = kp.addr;
		kpc_ftrace_ok = kprobe_ftrace(&kp);
		unregister_kprobe(&kp);
	}

	/* The NOP sled: the first run of KPC_SLED_NOPS NOPs */
	kpc_sled_start = NULL;
	if (kallsyms_lookup_size_offset((unsigned long)kpc_sled, &size, &off))
		kpc_sled_start = kpc_find_nops(kpc_sled, size, KPC_SLED_NOPS);

	/*
	 * The cases want a cache from the start, of the default geometry
	 * also in auto mode; kprobes_cache_auto_kunit.c tests auto mode.
	 */
	if (kprobe_cache_kunit_booted_auto()) {
		int ret = kprobe_cache_kunit_fixed(KPC_SETS, KPC_WAYS);

		if (ret)
			return ret;
	}
	/* The cases and the benchmark count hits; kpc_suite_exit() stops. */
	pcpu_lookup_cache_hit_stats_get();
	return 0;
}

void kpc_suite_exit(struct kunit_suite *suite)
{
	pcpu_lookup_cache_hit_stats_put();
	kprobe_cache_kunit_restore();
}

/* A case may have switched the cache off: switch it on again. */
void kpc_exit(struct kunit *test)
{
	kprobe_cache_set_enabled(true);
}
