// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite kprobes_cache: a check that the code a kprobe hit runs
 * through the lookup cache refuses kprobes (and, where the series adds
 * it, function tracing), a bounded stress of the cache, and the kprobes
 * benchmark, kpc_test_bench, whose code is in
 * kernel/kprobes_cache_kunit_bench.c. The module parameters of the suite
 * are kprobes_cache_kunit.<param>= on the command line, in both files.
 *
 * The other suites, kprobes_cache_lifecycle, kprobes_cache_batch and
 * kprobes_cache_auto, are in kernel/kprobes_cache_lifecycle_kunit.c,
 * kernel/kprobes_cache_batch_kunit.c and kernel/kprobes_cache_auto_kunit.c;
 * the probed functions and the helpers they share with this file are in
 * kernel/kprobes_cache_kunit_util.c.
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/ftrace.h>
#include <linux/jiffies.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>

#include "kprobes_cache.h"
#include "kprobes_cache_kunit.h"

KUNIT_ARRAY_PARAM(kpc_int3, kpc_int3_params, kpc_param_desc);

static bool kpc_stress_text;
module_param_named(stress_text, kpc_stress_text, bool, 0444);
MODULE_PARM_DESC(stress_text,
		 "also run kpc_test_stress_text, which arms and disarms probes on code that other CPUs run");

/*
 * Every kprobe hit runs get_kprobe_cached() and, on a miss, its miss path,
 * the hash-list walk and the fill. A kprobe on any of them would make the
 * hit recurse into its own handler, so each must refuse kprobes; and the
 * ones the series adds have no ftrace site either, so that a function
 * tracer cannot run in what they add to a hit (get_kprobe() itself may be
 * traced, as before the series). Names, not addresses: a probe on a
 * symbol is what a user registers, and the out-of-line miss path is
 * static.
 */
static void kpc_test_handler_path_refuses_probes(struct kunit *test)
{
	static const struct {
		const char *sym;
		bool untraced;
	} path[] = {
		{ "get_kprobe_cached", true },
		{ "get_kprobe_cached_miss", true },
		{ "pcpu_lookup_cache_fill", true },
		{ "get_kprobe", false },
	};
	struct kprobe kp;
	unsigned long addr;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(path); i++) {
		addr = kallsyms_lookup_name(path[i].sym);
		KUNIT_EXPECT_NE_MSG(test, addr, 0, "no symbol %s", path[i].sym);
		if (path[i].untraced && addr)
			KUNIT_EXPECT_EQ_MSG(test, ftrace_location(addr), 0,
					    "%s has an ftrace site", path[i].sym);
		memset(&kp, 0, sizeof(kp));
		kp.symbol_name = path[i].sym;
		ret = register_kprobe(&kp);
		KUNIT_EXPECT_EQ_MSG(test, ret, -EINVAL, "kprobe on %s",
				    path[i].sym);
		if (!ret)
			unregister_kprobe(&kp);
	}
}

/*
 * Register, aggregate and unregister probes on both functions while a
 * thread on every CPU calls them, for a bounded time.
 *
 * @text false: a base probe stays registered at each address, so that the
 * text never changes; children come and go, and the first one on the
 * ftrace path turns its probe into an aggregator under the handlers.
 * @text true: the probes come and go, so the text and the hash list
 * change under the handlers, and the cache is switched off and on. Under
 * QEMU's multi-threaded TCG this makes CPUs trap on int3s that the text
 * patching already removed ("Oops: int3", or a jump to a NULL insn slot),
 * also on pristine v7.3 with upstream kprobes alone and no cache, and
 * only when the calling code is on another page than the patched
 * function: stale translated code on another vCPU. Single-threaded TCG
 * (-accel tcg,thread=single) runs it cleanly. The case only runs when
 * asked for with kprobes_cache_kunit.stress_text=1.
 */
static void kpc_stress_run(struct kunit *test, bool text)
{
	const struct kpc_param *param = kpc_setup(test);
	struct kpc_param ftrace = { .ftrace = true };
	kprobe_opcode_t *int3_addr = kpc_addr(param);
	kprobe_opcode_t *ftrace_addr = kpc_addr(&ftrace);
	struct kpc_probe *base_int3 = NULL, *base_ftrace = NULL;
	unsigned long end = jiffies + 2 * HZ;
	bool on_ftrace = kpc_ftrace_path(test);
	unsigned int rounds = 0;

	/* Without kprobes on ftrace, the int3 path alone */
	if (!on_ftrace)
		kunit_info(test, "no kprobes on ftrace: int3 probes only");
	if (!text) {
		base_int3 = kpc_register(test, int3_addr, true);
		if (on_ftrace)
			base_ftrace = kpc_register(test, ftrace_addr, true);
	}

	kpc_start_threads();

	while (time_before(jiffies, end) && rounds < 500) {
		struct kpc_probe *a, *b, *c, *d;

		/*
		 * All probes have a post_handler: the optimizer stays out
		 * (see kpc_test_optimized()) and the ftrace probes keep
		 * using the same ftrace_ops.
		 */
		a = kpc_register(test, int3_addr, true);
		c = on_ftrace ? kpc_register(test, ftrace_addr, true) : NULL;
		b = kpc_register(test, int3_addr, true);
		d = on_ftrace ? kpc_register(test, ftrace_addr, true) : NULL;
		usleep_range(100, 200);
		if (rounds & 2) {
			kpc_unregister_free(a);
			if (d)
				kpc_unregister_free(d);
		} else {
			/* Without c, a and b go together */
			struct kprobe *kps[] = { &a->kp, c ? &c->kp : &b->kp };

			unregister_kprobes(kps, ARRAY_SIZE(kps));
			kfree(a);
			kfree(c ? c : b);
			if (!c)
				b = NULL;
			c = NULL;
			if (d)
				kpc_unregister_free(d);
		}
		usleep_range(100, 200);
		if (b)
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
	if (on_ftrace)
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

static void kpc_stress_exit(struct kunit *test)
{
	kpc_stop_threads();
	kpc_exit(test);
}

static struct kunit_case kprobes_cache_cases[] = {
	KUNIT_CASE(kpc_test_handler_path_refuses_probes),
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
	.suite_exit = kpc_suite_exit,
	.exit = kpc_stress_exit,
	.test_cases = kprobes_cache_cases,
};

kunit_test_suite(kprobes_cache_suite);

MODULE_DESCRIPTION("KUnit tests for the kprobes lookup cache");
MODULE_LICENSE("GPL");
