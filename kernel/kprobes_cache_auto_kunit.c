// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the kprobes lookup cache in auto mode ("kprobe_cache=auto",
 * the default): no cache until enough addresses are probed, then one sized
 * to the enabled probes, grown and shrunk in power-of-two steps, replaced
 * under the handlers and freed after a grace period.
 *
 * The cases run auto mode with a low threshold and cap, set with
 * kprobe_cache_kunit_auto(), so that a few hundred probes on the NOP sled
 * cross every step; kprobe_cache_kunit_sync() makes the resize that the
 * registration queued happen at once, in the test's task. The counts are
 * of all the kprobes of the system: the cases expect no others.
 */

#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/kprobes.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/pcpu_lookup_cache.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uio.h>

#include "kprobes_cache.h"
#include "kprobes_cache_kunit.h"

/* Auto mode as the cases run it: a cache from 8 addresses, up to 64x4 */
#define KPC_AUTO_ON		8
#define KPC_AUTO_WAYS		4
#define KPC_AUTO_MAX_SETS	64
/* Enough sled probes to reach the cap: more than 64 sets of 4 */
#define KPC_AUTO_PROBES		300
static_assert(KPC_AUTO_PROBES <= KPC_SLED_NOPS);

struct kpc_auto {
	struct kpc_probe *sled[KPC_AUTO_PROBES];
	unsigned int nr;	/* sled[0..nr) are registered */
};

/* Live allocations of the library's tables, made in the test's task */
static atomic_t kpc_auto_live;

static void *kpc_auto_alloc(size_t size, int node)
{
	void *p = kvzalloc_node(size, GFP_KERNEL, node);

	if (p)
		atomic_inc(&kpc_auto_live);
	return p;
}

static void kpc_auto_free(void *p)
{
	if (p)
		atomic_dec(&kpc_auto_live);
	kvfree(p);
}

static void kpc_auto_count_allocs(struct kunit *test)
{
	atomic_set(&kpc_auto_live, 0);
	kunit_activate_static_stub(test, pcpu_lookup_cache_alloc,
				   kpc_auto_alloc);
	kunit_activate_static_stub(test, pcpu_lookup_cache_free,
				   kpc_auto_free);
}

/* The sets of the cache now, 0 for none; read under 'kprobe_mutex' */
static unsigned int kpc_auto_sets(void)
{
	return kprobe_cache_kunit_sets();
}

/*
 * @manual: only kprobe_cache_kunit_sync() resizes, in the test's task, so
 * that the allocation stubs see every allocation and free.
 */
static void kpc_auto_start(struct kunit *test, unsigned int on_at,
			   unsigned int max_sets, bool manual)
{
	int ret;

	ret = kprobe_cache_kunit_auto(max_sets, KPC_AUTO_WAYS, on_at, manual);
	if (ret == -ENODEV)
		kunit_skip(test, "no kprobe lookup cache (kprobe_cache=0)");
	KUNIT_ASSERT_EQ(test, ret, 0);
	if (!kpc_sled_start)
		kunit_skip(test, "no NOP sled on this architecture");
}

/*
 * Register a probe on the next sled NOP, enabled or not. Return: 0,
 * -ENOMEM if it cannot be allocated, or register_kprobe()'s error.
 */
static int kpc_auto_register_next(struct kpc_auto *a, bool enabled)
{
	struct kpc_probe *p = kzalloc(sizeof(*p), GFP_KERNEL);
	int ret;

	if (!p)
		return -ENOMEM;
	p->kp.addr = kpc_sled_start + a->nr;
	p->kp.pre_handler = kpc_pre;
	p->kp.post_handler = kpc_post;
	if (!enabled)
		p->kp.flags = KPROBE_FLAG_DISABLED;
	ret = register_kprobe(&p->kp);
	if (ret) {
		kfree(p);
		return ret;
	}
	a->sled[a->nr++] = p;
	return 0;
}

/* Register sled probes until @n are, enabled or not. */
static void kpc_auto_grow_to(struct kunit *test, struct kpc_auto *a,
			     unsigned int n, bool enabled)
{
	KUNIT_ASSERT_LE(test, n, KPC_AUTO_PROBES);
	while (a->nr < n) {
		int ret = kpc_auto_register_next(a, enabled);

		KUNIT_ASSERT_NE_MSG(test, ret, -ENOMEM,
				    "no memory for sled probe %u", a->nr);
		if (ret) {
			KUNIT_FAIL(test, "register_kprobe() on sled NOP %u",
				   a->nr);
			return;
		}
	}
}

/* Unregister sled probes until @n are left, with one grace period. */
static void kpc_auto_shrink_to(struct kunit *test, struct kpc_auto *a,
			       unsigned int n)
{
	struct kprobe **kps;
	unsigned int i;

	if (a->nr <= n)
		return;
	kps = kmalloc_array(a->nr - n, sizeof(*kps), GFP_KERNEL);
	if (!kps) {
		while (a->nr > n)
			kpc_unregister_free(a->sled[--a->nr]);
		return;
	}
	for (i = n; i < a->nr; i++)
		kps[i - n] = &a->sled[i]->kp;
	unregister_kprobes(kps, a->nr - n);
	for (i = n; i < a->nr; i++)
		kfree(a->sled[i]);
	kfree(kps);
	a->nr = n;
}

/* Enable or disable sled probes [@from, @to). */
static void kpc_auto_enable(struct kunit *test, struct kpc_auto *a,
			    unsigned int from, unsigned int to, bool enable)
{
	unsigned int i;

	for (i = from; i < to && i < a->nr; i++)
		KUNIT_EXPECT_EQ(test, enable ? enable_kprobe(&a->sled[i]->kp) :
				disable_kprobe(&a->sled[i]->kp), 0);
}

static void kpc_auto_release(void *arg)
{
	kpc_auto_shrink_to(NULL, arg, 0);
}

static struct kpc_auto *kpc_auto_alloc_ctx(struct kunit *test)
{
	struct kpc_auto *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_EQ(test,
			kunit_add_action_or_reset(test, kpc_auto_release, a),
			0);
	return a;
}

/* After the resize, expect a cache of @sets sets (0: none). */
static void kpc_auto_expect(struct kunit *test, unsigned int sets,
			    const char *when)
{
	kprobe_cache_kunit_sync();
	KUNIT_EXPECT_EQ_MSG(test, kpc_auto_sets(), sets, "%s", when);
}

/*
 * With fewer addresses probed than the threshold, auto mode allocates no
 * cache and the handlers take the plain hash list walk.
 */
static void kpc_auto_test_no_cache_below_threshold(struct kunit *test)
{
	struct kpc_param int3 = { .cache = true };
	struct kpc_probe *p;

	if (!kprobe_cache_kunit_booted_auto())
		kunit_skip(test, "the kernel was booted with kprobe_cache= not auto");
	KUNIT_ASSERT_EQ(test, kprobe_cache_kunit_restore(), 0);
	if (!kpc_int3_ok())
		kunit_skip(test, "no probe-able offset in kpc_int3_target");

	/* As booted: the threshold is far above what the tests register. */
	kprobe_cache_kunit_sync();
	KUNIT_EXPECT_EQ(test, kpc_auto_sets(), 0);
	KUNIT_EXPECT_FALSE(test, kprobe_cache_enabled());

	p = kpc_register(test, kpc_addr(&int3), true);
	kprobe_cache_kunit_sync();
	KUNIT_EXPECT_EQ(test, kpc_auto_sets(), 0);
	kpc_expect_hits(test, &int3, p, kpc_hit_all(test, &int3));
	KUNIT_EXPECT_EQ(test, kpc_auto_sets(), 0);
	KUNIT_EXPECT_FALSE(test, kprobe_cache_enabled());
	kpc_unregister_free(p);
}

/*
 * The cache comes at the threshold of probed addresses (enabled or not),
 * stays down to half of it, and goes below that, its tables freed.
 */
static void kpc_auto_test_threshold_up_and_down(struct kunit *test)
{
	struct kpc_param int3 = { .cache = true };
	struct pcpu_lookup_cache_stats st;
	struct kpc_auto *a;
	struct kpc_probe *p;
	int n;

	kpc_auto_start(test, KPC_AUTO_ON, KPC_AUTO_MAX_SETS, true);
	if (!kpc_int3_ok())
		kunit_skip(test, "no probe-able offset in kpc_int3_target");
	a = kpc_auto_alloc_ctx(test);
	kpc_auto_count_allocs(test);
	kpc_auto_expect(test, 0, "no probes");

	/* One enabled probe that every CPU hits, and disabled sled ones */
	p = kpc_register(test, kpc_addr(&int3), true);
	kpc_auto_grow_to(test, a, KPC_AUTO_ON - 2, false);
	kpc_auto_expect(test, 0, "one address below the threshold");
	KUNIT_EXPECT_EQ(test, atomic_read(&kpc_auto_live), 0);

	kpc_auto_grow_to(test, a, KPC_AUTO_ON - 1, false);
	kpc_auto_expect(test, 16, "at the threshold");
	/* Two tables per possible CPU: entries and victim indexes */
	KUNIT_EXPECT_EQ(test, atomic_read(&kpc_auto_live),
			2 * num_possible_cpus());
	KUNIT_EXPECT_TRUE(test, kprobe_cache_enabled());

	n = kpc_hit_all(test, &int3);
	kpc_hit_all(test, &int3);
	kpc_expect_hits(test, &int3, p, 2 * n);
	pcpu_lookup_cache_stats_sum(kprobe_cache_kunit_cache(), &st);
	KUNIT_EXPECT_EQ(test, st.hits, n);
	KUNIT_EXPECT_EQ(test, st.fills, n);

	/* Hysteresis: down to half of the threshold the cache stays. */
	kpc_auto_shrink_to(test, a, KPC_AUTO_ON / 2 - 1);
	kpc_auto_expect(test, 16, "at half of the threshold");
	kpc_auto_shrink_to(test, a, KPC_AUTO_ON / 2 - 2);
	kpc_auto_expect(test, 0, "below half of the threshold");
	KUNIT_EXPECT_EQ(test, atomic_read(&kpc_auto_live), 0);
	KUNIT_EXPECT_FALSE(test, kprobe_cache_enabled());

	/* And it takes the full threshold again to come back. */
	kpc_auto_grow_to(test, a, KPC_AUTO_ON - 2, false);
	kpc_auto_expect(test, 0, "below the threshold again");
	kpc_hit_all(test, &int3);
	kpc_expect_hits(test, &int3, p, 3 * n);
	kpc_unregister_free(p);
	kpc_auto_shrink_to(test, a, 0);
	kpc_auto_expect(test, 0, "no probes");
	KUNIT_EXPECT_EQ(test, atomic_read(&kpc_auto_live), 0);
}

/*
 * Sized to the enabled probes: doubled when they outgrow it, up to the
 * cap; halved when a quarter would do; never replaced in between.
 */
static void kpc_auto_test_grows_and_shrinks(struct kunit *test)
{
	struct kpc_auto *a;

	kpc_auto_start(test, KPC_AUTO_ON, KPC_AUTO_MAX_SETS, true);
	a = kpc_auto_alloc_ctx(test);
	kpc_auto_count_allocs(test);

	kpc_auto_grow_to(test, a, 64, true);
	kpc_auto_expect(test, 16, "64 enabled: 16 sets of 4 hold them");
	kpc_auto_grow_to(test, a, 65, true);
	kpc_auto_expect(test, 32, "65 enabled");
	kpc_auto_grow_to(test, a, 128, true);
	kpc_auto_expect(test, 32, "128 enabled");
	kpc_auto_grow_to(test, a, 129, true);
	kpc_auto_expect(test, 64, "129 enabled");
	kpc_auto_grow_to(test, a, KPC_AUTO_PROBES, true);
	kpc_auto_expect(test, 64, "over the cap");
	KUNIT_EXPECT_EQ(test, atomic_read(&kpc_auto_live),
			2 * num_possible_cpus());

	/* Disabled probes count toward the threshold, not the size. */
	kpc_auto_enable(test, a, 64, KPC_AUTO_PROBES, false);
	kpc_auto_expect(test, 32, "64 enabled: a quarter of 64 sets would do");
	kpc_auto_enable(test, a, 33, 64, false);
	kpc_auto_expect(test, 32, "33 enabled");
	kpc_auto_enable(test, a, 32, 33, false);
	kpc_auto_expect(test, 16, "32 enabled");
	kpc_auto_enable(test, a, 0, 32, false);
	kpc_auto_expect(test, 16, "none enabled: the smallest cache");
	kpc_auto_enable(test, a, 0, 65, true);
	kpc_auto_expect(test, 32, "65 enabled again");

	/* Each replaced cache was freed: one cache's tables are left. */
	KUNIT_EXPECT_EQ(test, atomic_read(&kpc_auto_live),
			2 * num_possible_cpus());
	kpc_auto_shrink_to(test, a, 0);
	kpc_auto_expect(test, 0, "no probes");
	KUNIT_EXPECT_EQ(test, atomic_read(&kpc_auto_live), 0);
}

/* A resize whose allocation fails keeps the old cache, or none. */
static void *kpc_auto_alloc_fail(size_t size, int node)
{
	return NULL;
}

static void kpc_auto_test_alloc_failure_keeps_state(struct kunit *test)
{
	struct kpc_auto *a;

	kpc_auto_start(test, KPC_AUTO_ON, KPC_AUTO_MAX_SETS, true);
	a = kpc_auto_alloc_ctx(test);

	kunit_activate_static_stub(test, pcpu_lookup_cache_alloc,
				   kpc_auto_alloc_fail);
	kpc_auto_grow_to(test, a, KPC_AUTO_ON, true);
	kpc_auto_expect(test, 0, "switching on failed: no cache");
	KUNIT_EXPECT_FALSE(test, kprobe_cache_enabled());

	kunit_deactivate_static_stub(test, pcpu_lookup_cache_alloc);
	kpc_auto_expect(test, 16, "the next resize switches it on");

	kunit_activate_static_stub(test, pcpu_lookup_cache_alloc,
				   kpc_auto_alloc_fail);
	kpc_auto_grow_to(test, a, 65, true);
	kpc_auto_expect(test, 16, "growing failed: the old cache stays");
	KUNIT_EXPECT_TRUE(test, kprobe_cache_enabled());
	kunit_deactivate_static_stub(test, pcpu_lookup_cache_alloc);
	kpc_auto_expect(test, 32, "the next resize grows it");
}

static void kpc_auto_batch_end_action(void *unused)
{
	kprobe_unregister_batch_end();
}

/*
 * Begin a batch of unregistrations that ends with the case if the case
 * does not end it: an assertion must not leave it open for the rest of
 * the boot, with the cache suspended and pinned.
 */
static void kpc_auto_batch_begin(struct kunit *test)
{
	kprobe_unregister_batch_begin();
	KUNIT_ASSERT_EQ(test,
			kunit_add_action_or_reset(test,
						  kpc_auto_batch_end_action,
						  NULL), 0);
}

/* End a batch of kpc_auto_batch_begin() */
static void kpc_auto_batch_end(struct kunit *test)
{
	kunit_release_action(test, kpc_auto_batch_end_action, NULL);
}

/*
 * A batch of unregistrations pins the cache: no resize until it ended,
 * then the resize that was held back.
 */
static void kpc_auto_test_batch_pins_the_cache(struct kunit *test)
{
	struct kpc_auto *a;

	kpc_auto_start(test, KPC_AUTO_ON, KPC_AUTO_MAX_SETS, true);
	a = kpc_auto_alloc_ctx(test);
	kpc_auto_grow_to(test, a, KPC_AUTO_ON, true);
	kpc_auto_expect(test, 16, "at the threshold");

	kpc_auto_batch_begin(test);
	kpc_auto_grow_to(test, a, 65, true);
	kpc_auto_expect(test, 16, "in a batch: pinned");
	kpc_auto_shrink_to(test, a, 60);
	kpc_auto_batch_end(test);
	kpc_auto_expect(test, 16, "60 enabled after the batch");
	kpc_auto_grow_to(test, a, 65, true);
	kpc_auto_expect(test, 32, "65 enabled, no batch");
}

/*
 * Two batches that interleave: the first began before there was a cache,
 * the second suspended the cache that came meanwhile. The end of the
 * first does not end the second's: the cache stays suspended and pinned
 * until the last batch ends.
 */
static void kpc_auto_test_batch_begun_without_cache_ends_no_other(struct kunit *test)
{
	struct pcpu_lookup_cache *cache;
	struct kpc_auto *a;
	bool replaced;

	kpc_auto_start(test, KPC_AUTO_ON, KPC_AUTO_MAX_SETS, true);
	a = kpc_auto_alloc_ctx(test);

	kpc_auto_batch_begin(test);
	kpc_auto_grow_to(test, a, KPC_AUTO_ON, true);
	kpc_auto_expect(test, 16, "a cache comes while a batch is open");
	/* Manual: no resize replaces it until kpc_auto_expect() */
	cache = kprobe_cache_kunit_cache();
	KUNIT_EXPECT_EQ(test, atomic_read(&cache->suspended), 0);
	kpc_auto_batch_begin(test);
	KUNIT_EXPECT_EQ(test, atomic_read(&cache->suspended), 1);
	kpc_auto_batch_end(test);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&cache->suspended), 1,
			    "the end of the first batch resumed the second's");
	kpc_auto_grow_to(test, a, 65, true);
	kpc_auto_expect(test, 16, "a batch is open: pinned");
	/* If it was not pinned after all, @cache may be freed by now. */
	replaced = kprobe_cache_kunit_cache() != cache;
	kpc_auto_batch_end(test);
	if (!replaced)
		KUNIT_EXPECT_EQ(test, atomic_read(&cache->suspended), 0);
	kpc_auto_expect(test, 32, "65 enabled, no batch");
}

/*
 * Switched off in debugfs (kprobe_cache_set_enabled()) before there is a
 * cache: the cache that comes stays off until switched on.
 */
static void kpc_auto_test_switch_holds_for_new_caches(struct kunit *test)
{
	struct kpc_auto *a;

	kpc_auto_start(test, KPC_AUTO_ON, KPC_AUTO_MAX_SETS, true);
	a = kpc_auto_alloc_ctx(test);
	KUNIT_ASSERT_EQ(test, kprobe_cache_set_enabled(false), 0);
	kpc_auto_grow_to(test, a, KPC_AUTO_ON, true);
	kpc_auto_expect(test, 16, "at the threshold");
	KUNIT_EXPECT_FALSE(test, kprobe_cache_enabled());
	kpc_auto_grow_to(test, a, 65, true);
	kpc_auto_expect(test, 32, "grown while off");
	KUNIT_EXPECT_FALSE(test, kprobe_cache_enabled());
	KUNIT_ASSERT_EQ(test, kprobe_cache_set_enabled(true), 0);
	KUNIT_EXPECT_TRUE(test, kprobe_cache_enabled());
}

/* A resize in a thread of its own, which completes @arg */
static int kpc_auto_resize_fn(void *arg)
{
	kprobe_cache_kunit_sync();
	complete(arg);
	return 0;
}

/*
 * Read the whole of @f, open on a debugfs file, into @buf, as a read(2)
 * of it would (the file's active reference is the caller's, if any).
 */
static ssize_t kpc_auto_read(struct file *f, char *buf, size_t len)
{
	struct kvec kvec = { .iov_base = buf, .iov_len = len - 1 };
	struct iov_iter iter;
	struct kiocb kiocb;
	ssize_t n;

	init_sync_kiocb(&kiocb, f);
	kiocb.ki_pos = 0;
	iov_iter_kvec(&iter, ITER_DEST, &kvec, 1, len - 1);
	n = seq_read_iter(&kiocb, &iter);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

KUNIT_DEFINE_ACTION_WRAPPER(kpc_auto_unmount, kern_unmount, struct vfsmount *);
KUNIT_DEFINE_ACTION_WRAPPER(kpc_auto_fput, fput, struct file *);

/*
 * cache_stats shows the cache in use, and a read of it that has not
 * returned (its buffer a page that userfaultfd never fills) holds up no
 * resize: the case takes the file's active reference, as a read does,
 * across a resize that retires the cache the file showed.
 */
static void kpc_auto_test_stats_reader_holds_up_no_resize(struct kunit *test)
{
	struct file_system_type *type;
	struct pcpu_lookup_cache *old;
	struct completion resize;
	struct dentry *file;
	struct task_struct *task;
	struct kpc_auto *a;
	struct vfsmount *mnt;
	struct file *f;
	bool resized;
	char *buf;

	buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	kpc_auto_start(test, KPC_AUTO_ON, KPC_AUTO_MAX_SETS, true);
	a = kpc_auto_alloc_ctx(test);

	/* debugfs is built in: get_fs_type() takes no module reference */
	type = get_fs_type("debugfs");
	KUNIT_ASSERT_NOT_NULL(test, type);
	mnt = kern_mount(type);
	put_filesystem(type);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(mnt), "mounting debugfs: %ld",
			       PTR_ERR(mnt));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, kpc_auto_unmount,
							mnt), 0);
	f = file_open_root_mnt(mnt, "kprobes/cache_stats", O_RDONLY, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(f), "opening cache_stats: %ld",
			       PTR_ERR(f));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, kpc_auto_fput, f),
			0);
	file = f->f_path.dentry;
	KUNIT_EXPECT_EQ_MSG(test, kpc_auto_read(f, buf, PAGE_SIZE), 0,
			    "no cache, yet cache_stats shows: %s", buf);
	kpc_auto_grow_to(test, a, 64, true);
	kpc_auto_expect(test, 16, "64 enabled");
	old = kprobe_cache_kunit_cache();
	KUNIT_EXPECT_GT(test, kpc_auto_read(f, buf, PAGE_SIZE), 0);
	KUNIT_EXPECT_TRUE_MSG(test, str_has_prefix(buf, "sets 16 ways 4 "),
			      "%s", buf);
	/* 65 enabled: the next resize wants 32 sets (manual: not yet) */
	kpc_auto_grow_to(test, a, 65, true);

	/* A read that has not returned: no assertion until its put */
	if (debugfs_file_get(file)) {
		KUNIT_FAIL(test, "no active reference on cache_stats");
		return;
	}
	init_completion(&resize);
	task = kthread_run(kpc_auto_resize_fn, &resize, "kpc_resize");
	if (IS_ERR(task)) {
		KUNIT_FAIL(test, "no thread: %ld", PTR_ERR(task));
		debugfs_file_put(file);
		return;
	}
	resized = wait_for_completion_timeout(&resize, 10 * HZ);
	KUNIT_EXPECT_TRUE_MSG(test, resized,
			      "the resize waited for the reader of cache_stats");
	if (resized) {
		KUNIT_EXPECT_PTR_NE(test, kprobe_cache_kunit_cache(), old);
		KUNIT_EXPECT_EQ(test, kpc_auto_sets(), 32);
		/* The same file now shows the new cache. */
		KUNIT_EXPECT_GT(test, kpc_auto_read(f, buf, PAGE_SIZE), 0);
		KUNIT_EXPECT_TRUE_MSG(test,
				      str_has_prefix(buf, "sets 32 ways 4 "),
				      "%s", buf);
	}
	debugfs_file_put(file);
	if (!resized)
		wait_for_completion(&resize);
}

/*
 * While a thread on every CPU hits probes on both paths, cross the
 * threshold up and down and grow and shrink the cache, with probes at the
 * hit addresses registered, unregistered and freed in between: a handler
 * that used a freed cache or ran a freed probe is a KASAN report. At the
 * end, the base probes have run and no CPU caches a stale probe.
 */
static void kpc_auto_test_stress_resize_under_hits(struct kunit *test)
{
	struct kpc_param int3 = { .ftrace = false }, ftrace = { .ftrace = true };
	bool on_ftrace = kpc_ftrace_path(test);
	struct kpc_probe *base_i, *base_f = NULL;
	unsigned int rounds = 0, resizes = 0, sets = 0;
	struct kpc_auto *a;

	kpc_auto_start(test, KPC_AUTO_ON, KPC_AUTO_MAX_SETS, false);
	if (!kpc_int3_ok())
		kunit_skip(test, "no probe-able offset in kpc_int3_target");
	a = kpc_auto_alloc_ctx(test);
	base_i = kpc_register(test, kpc_addr(&int3), true);
	if (on_ftrace)
		base_f = kpc_register(test, kpc_addr(&ftrace), true);

	kpc_start_threads();

	/* Two cycles of the steps below: each crosses every threshold. */
	while (rounds < 12) {
		/* Sled probes: none, over the threshold, up to the cap */
		static const unsigned int steps[] = { 0, 8, 70, 140, 8, 2 };
		unsigned int want = steps[rounds % ARRAY_SIZE(steps)];
		struct kpc_probe *c, *d = NULL;

		/* Aggregate a probe at each hit address, then free it */
		c = kpc_register(test, kpc_addr(&int3), true);
		if (on_ftrace)
			d = kpc_register(test, kpc_addr(&ftrace), true);
		if (a->nr < want)
			kpc_auto_grow_to(test, a, want, true);
		else
			kpc_auto_shrink_to(test, a, want);
		if (rounds & 1)
			kprobe_cache_kunit_sync();	/* or left to the work */
		usleep_range(100, 200);
		kpc_unregister_free(c);
		if (d)
			kpc_unregister_free(d);
		if (kpc_auto_sets() != sets) {
			sets = kpc_auto_sets();
			resizes++;
		}
		rounds++;
	}
	kpc_stop_threads();
	/* Resizes only from here on: the cache then stays for the checks. */
	KUNIT_ASSERT_EQ(test,
			kprobe_cache_kunit_auto(KPC_AUTO_MAX_SETS, KPC_AUTO_WAYS,
						KPC_AUTO_ON, true),
			0);
	kunit_info(test, "%u rounds, %u cache changes seen", rounds, resizes);
	KUNIT_EXPECT_GT(test, resizes, 3);
	KUNIT_EXPECT_GT(test, atomic_read(&base_i->pre), 0);
	if (base_f)
		KUNIT_EXPECT_GT(test, atomic_read(&base_f->pre), 0);
	kpc_expect_coherent(test, kpc_addr(&int3), 1);
	if (on_ftrace)
		kpc_expect_coherent(test, kpc_addr(&ftrace), 1);
	kpc_unregister_free(base_i);
	if (base_f)
		kpc_unregister_free(base_f);
}

static void kpc_auto_exit(struct kunit *test)
{
	kpc_stop_threads();
	kprobe_cache_set_enabled(true);
	kprobe_cache_kunit_restore();
}

static struct kunit_case kprobes_cache_auto_cases[] = {
	KUNIT_CASE(kpc_auto_test_no_cache_below_threshold),
	KUNIT_CASE(kpc_auto_test_threshold_up_and_down),
	KUNIT_CASE_SLOW(kpc_auto_test_grows_and_shrinks),
	KUNIT_CASE(kpc_auto_test_alloc_failure_keeps_state),
	KUNIT_CASE(kpc_auto_test_batch_pins_the_cache),
	KUNIT_CASE(kpc_auto_test_batch_begun_without_cache_ends_no_other),
	KUNIT_CASE(kpc_auto_test_switch_holds_for_new_caches),
	KUNIT_CASE(kpc_auto_test_stats_reader_holds_up_no_resize),
	KUNIT_CASE_SLOW(kpc_auto_test_stress_resize_under_hits),
	{}
};

static int kpc_auto_suite_init(struct kunit_suite *suite)
{
	int ret;

	/* Probe offsets and the sled, as the other suites find them */
	ret = kpc_suite_init(suite);
	if (ret)
		return ret;
	ret = kprobe_cache_kunit_restore();
	if (ret)	/* no suite_exit() then */
		pcpu_lookup_cache_hit_stats_put();
	return ret;
}

static struct kunit_suite kprobes_cache_auto_suite = {
	.name = "kprobes_cache_auto",
	.suite_init = kpc_auto_suite_init,
	.suite_exit = kpc_suite_exit,
	.exit = kpc_auto_exit,
	.test_cases = kprobes_cache_auto_cases,
};

kunit_test_suite(kprobes_cache_auto_suite);

MODULE_DESCRIPTION("KUnit tests of the kprobes lookup cache in auto mode");
MODULE_LICENSE("GPL");
