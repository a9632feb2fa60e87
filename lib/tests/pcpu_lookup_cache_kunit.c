// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the per-CPU lookup cache, lib/pcpu_lookup_cache.c: its
 * geometry, errors and API misuse, and its behaviour on one CPU.
 *
 * The cases pin the test thread to one CPU and check the replacement
 * order, the statistics and a fill that races with an invalidation
 * exactly, reading the tables white-box where the API cannot tell.
 * Lookups interrupted by nested writers are in
 * pcpu_lookup_cache_nested_kunit.c, several CPUs, CPU hotplug and the
 * stress in pcpu_lookup_cache_concurrency_kunit.c.
 */

#include <kunit/static_stub.h>
#include <linux/bitmap.h>
#include <linux/cpu.h>
#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uio.h>

#include "pcpu_lookup_cache_kunit.h"

MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");

KUNIT_DEFINE_ACTION_WRAPPER(plc_debugfs_remove_action, debugfs_remove,
			    struct dentry *);

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
	char out[64];
	struct seq_file m = { .buf = out, .size = sizeof(out) };
	unsigned long key = 1;

	KUNIT_EXPECT_NULL(test, (void __force *)cache->pcpu);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_stats_show(&m, cache), -EINVAL);
	KUNIT_EXPECT_EQ(test, m.count, 0);
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
	/* The stride: the ways rounded up to a power of two. */
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_cpu_bytes(1, 1), 1 * ent + 1 + hdr);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_cpu_bytes(1, 2), 2 * ent + 1 + hdr);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_cpu_bytes(2, 3),
			2 * 4 * ent + 2 + hdr);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_cpu_bytes(2, 4),
			2 * 4 * ent + 2 + hdr);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_cpu_bytes(2, 5),
			2 * 8 * ent + 2 + hdr);
	for (ways = 5; ways <= PCPU_LOOKUP_CACHE_MAX_WAYS; ways++)
		KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_cpu_bytes(1024, ways),
				1024 * (ways <= 8 ? 8 : 16) * ent + 1024 + hdr);
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
	unsigned int stride = roundup_pow_of_two(geom->ways);
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
	/* The geometry as the lookup uses it: each set over the 0x5a fill. */
	KUNIT_EXPECT_EQ(test, cache->hash_shift,
			BITS_PER_LONG - __PCPU_LOOKUP_CACHE_SKIP_BITS -
			cache->hash_bits);
	KUNIT_EXPECT_EQ(test, cache->set_mask, geom->sets - 1);
	KUNIT_EXPECT_EQ(test, 1UL << cache->set_order,
			stride * sizeof(struct pcpu_lookup_cache_entry));
	KUNIT_EXPECT_EQ(test, cache->ways_bytes,
			geom->ways * sizeof(struct pcpu_lookup_cache_entry));
	for (i = 0; i < 64; i++) {
		unsigned long key = (i + 1) * 0x9e3779b9UL;

		KUNIT_EXPECT_EQ_MSG(test,
				    __pcpu_lookup_cache_set_index(cache, key),
				    hash_long(key, cache->hash_bits +
					      __PCPU_LOOKUP_CACHE_SKIP_BITS) &
				    (geom->sets - 1), "key %#lx", key);
		/* The lookup's offset is the same set's. */
		KUNIT_EXPECT_EQ_MSG(test,
				    __pcpu_lookup_cache_set_offset(cache, key),
				    (size_t)__pcpu_lookup_cache_set_index(cache,
									  key) *
				    stride * sizeof(struct pcpu_lookup_cache_entry),
				    "key %#lx", key);
		/* Its home way is in that set. */
		KUNIT_EXPECT_EQ_MSG(test,
				    __pcpu_lookup_cache_home_offset(cache, key),
				    __pcpu_lookup_cache_set_offset(cache, key) +
				    plc_home_way(cache, key) *
				    sizeof(struct pcpu_lookup_cache_entry),
				    "key %#lx", key);
	}
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
	/* Every key maps into the table, at the offset of its set. */
	for (i = 0; i < 4096; i++) {
		unsigned long key = i * 0x9e37UL;
		unsigned int set = __pcpu_lookup_cache_set_index(cache, key);

		KUNIT_EXPECT_LT(test, set, geom->sets);
		KUNIT_EXPECT_EQ(test, __pcpu_lookup_cache_set_offset(cache, key),
				(size_t)set * stride *
				sizeof(struct pcpu_lookup_cache_entry));
	}
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
	n = sscanf(line + len, "%llu %llu %llu %llu %llu %llu %llu", &got.hits,
		   &got.misses, &got.fills, &got.dropped, &got.evictions,
		   &got.invalidations, &got.ipis);
	KUNIT_ASSERT_EQ(test, n, 7);
	KUNIT_EXPECT_EQ(test, got.hits, want->hits);
	KUNIT_EXPECT_EQ(test, got.misses, want->misses);
	KUNIT_EXPECT_EQ(test, got.fills, want->fills);
	KUNIT_EXPECT_EQ(test, got.dropped, want->dropped);
	KUNIT_EXPECT_EQ(test, got.evictions, want->evictions);
	KUNIT_EXPECT_EQ(test, got.invalidations, want->invalidations);
	KUNIT_EXPECT_EQ(test, got.ipis, want->ipis);
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
	struct seq_file m = {};
	int ret;
	char name[16], *buf;
	const char *hdr;
	size_t len;
	ssize_t n;

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

	/* Room for the header lines and a line per possible CPU */
	len = max_t(size_t, PAGE_SIZE, 128 * (num_possible_cpus() + 3));
	buf = kunit_kzalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	n = plc_read_debugfs(test, "pcpu_lookup_cache_kunit/stats", buf, len);
	/* A user's own file prints the same with the show helper. */
	m.size = len;
	m.buf = kunit_kzalloc(test, m.size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m.buf);
	KUNIT_EXPECT_EQ(test, pcpu_lookup_cache_stats_show(&m, &ctx->cache), 0);
	KUNIT_EXPECT_FALSE(test, seq_has_overflowed(&m));
	KUNIT_EXPECT_EQ(test, (ssize_t)m.count, n);
	KUNIT_EXPECT_EQ(test, memcmp(m.buf, buf, min_t(size_t, m.count, n)), 0);
	hdr = "sets 64 ways 4 bytes_per_cpu 4240 rounds 0 hit_stats 1\n";
	KUNIT_EXPECT_TRUE_MSG(test, str_has_prefix(buf, hdr) ||
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

/*
 * Contract 7: hits and misses are counted only while hit statistics are
 * on; references nest; fills are counted either way.
 */
static void plc_test_hit_stats(struct kunit *test)
{
	static const struct plc_geom geom = { 64, 4, "64x4" };
	struct plc_ctx *ctx = plc_setup(test, &geom);
	unsigned long a = ctx->keys[0], b = ctx->keys[1];

	/* plc_setup() turned them on. */
	KUNIT_ASSERT_TRUE(test, pcpu_lookup_cache_hit_stats_enabled());
	KUNIT_EXPECT_NULL(test, plc_get(ctx, a, &ctx->obj_a[0]));
	KUNIT_EXPECT_PTR_EQ(test, plc_lookup(ctx, a, NULL),
			    (void *)&ctx->obj_a[0]);
	plc_expect_delta(ctx, 1, 1, 1, 0, 0, 0);

	pcpu_lookup_cache_hit_stats_put();
	if (pcpu_lookup_cache_hit_stats_enabled()) {
		pcpu_lookup_cache_hit_stats_get();
		kunit_skip(test,
			   "hit statistics are on for another reason (pcpu_lookup_cache.hit_stats=1?)");
	}
	/* Off: a hit, a miss and a fill; only the fill counts. */
	KUNIT_EXPECT_PTR_EQ(test, plc_lookup(ctx, a, NULL),
			    (void *)&ctx->obj_a[0]);
	KUNIT_EXPECT_NULL(test, plc_get(ctx, b, &ctx->obj_a[1]));
	KUNIT_EXPECT_PTR_EQ(test, plc_lookup(ctx, b, NULL),
			    (void *)&ctx->obj_a[1]);
	plc_expect_delta(ctx, 0, 0, 1, 0, 0, 0);

	/* Two references, one dropped: still on. */
	pcpu_lookup_cache_hit_stats_get();
	pcpu_lookup_cache_hit_stats_get();
	pcpu_lookup_cache_hit_stats_put();
	KUNIT_EXPECT_TRUE(test, pcpu_lookup_cache_hit_stats_enabled());
	KUNIT_EXPECT_PTR_EQ(test, plc_lookup(ctx, a, NULL),
			    (void *)&ctx->obj_a[0]);
	KUNIT_EXPECT_NULL(test, plc_lookup(ctx, ctx->keys[2], NULL));
	plc_expect_delta(ctx, 1, 1, 0, 0, 0, 0);
	/* The last one: off again. */
	pcpu_lookup_cache_hit_stats_put();
	KUNIT_EXPECT_FALSE(test, pcpu_lookup_cache_hit_stats_enabled());
	KUNIT_EXPECT_NULL(test, plc_lookup(ctx, ctx->keys[2], NULL));
	plc_expect_delta(ctx, 0, 0, 0, 0, 0, 0);
	/* For the end of the test's own reference. */
	pcpu_lookup_cache_hit_stats_get();
}

/* Contract 6: key 0 and NULL values are never cached. */
static void plc_test_key0_null(struct kunit *test)
{
	struct plc_ctx *ctx = plc_setup(test, test->param_value);
	struct pcpu_lookup_cache_cpu *pc = per_cpu_ptr(ctx->cache.pcpu, ctx->cpu);
	unsigned long token, key = ctx->keys[0], zero[2] = { 0, 0 };
	unsigned int set, way;

	/* A lookup of key 0 misses without counting, but gives a token. */
	KUNIT_EXPECT_NULL(test, plc_lookup(ctx, 0, &token));
	KUNIT_EXPECT_EQ(test, token, atomic_long_read(&ctx->cache.seq));
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
	 * The real, sleeping calls, while the caller is pinned between its
	 * lookup and its fill: they advance the sequence, whether or not
	 * they also send this CPU an IPI.
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

/*
 * Home ways: a fill takes the key's home way when it is empty; a lookup
 * reads that way first, then the others in order, also when the home way
 * is a padding entry past the last way; in a full set, the key whose home
 * way a guest holds evicts the guest, and round-robin goes on only when
 * the home way's key is at home.
 */
static void plc_test_home_way(struct kunit *test)
{
	struct plc_ctx *ctx = plc_setup(test, test->param_value);
	unsigned int w = ctx->cache.nr_ways, stride = ctx->cache.set_stride;
	unsigned long *k = ctx->keys, key, next = 1000;
	struct plc_obj *obj;
	unsigned int h, i;

	obj = kunit_kcalloc(test, stride, sizeof(*obj), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	for (h = 0; h < stride; h++) {
		/* Alone in the set: its home way, or way 0 past the last. */
		key = plc_key_with_home(ctx, h, &next);
		obj[h] = (struct plc_obj){ key, 1 };
		KUNIT_EXPECT_NULL(test, plc_get(ctx, key, &obj[h]));
		KUNIT_EXPECT_EQ(test, plc_way_of(ctx, key), h < w ? (int)h : 0);
		KUNIT_EXPECT_PTR_EQ(test, plc_lookup_recorded(ctx, key), &obj[h]);
		KUNIT_EXPECT_EQ(test, ctx->nr_key_reads, h < w ? 1 : 2);
		KUNIT_EXPECT_EQ(test, ctx->key_reads[0], h);
		if (h >= w)
			KUNIT_EXPECT_EQ(test, ctx->key_reads[1], 0);
		plc_invalidate_local(ctx, key);
	}
	plc_expect_delta(ctx, stride, stride, stride, 0, 0, stride);

	/* Keys of home way 0 fill the ways in order... */
	for (i = 0; i < w; i++) {
		KUNIT_EXPECT_NULL(test, plc_get(ctx, k[i], &ctx->obj_a[i]));
		KUNIT_EXPECT_EQ(test, plc_way_of(ctx, k[i]), (int)i);
	}
	/* ... and way 0 is read first, then the others in order. */
	KUNIT_EXPECT_PTR_EQ(test, plc_lookup_recorded(ctx, k[w - 1]),
			    &ctx->obj_a[w - 1]);
	KUNIT_EXPECT_EQ(test, ctx->nr_key_reads, w);
	for (i = 0; i < w && i < ctx->nr_key_reads; i++)
		KUNIT_EXPECT_EQ(test, ctx->key_reads[i], i);
	plc_expect_delta(ctx, 1, w, w, 0, 0, 0);

	/* The set is full: the key whose home a guest holds evicts it. */
	for (h = 1; h < w; h++) {
		key = plc_key_with_home(ctx, h, &next);
		obj[h] = (struct plc_obj){ key, 1 };
		KUNIT_EXPECT_NULL(test, plc_get(ctx, key, &obj[h]));
		KUNIT_EXPECT_EQ(test, plc_way_of(ctx, key), (int)h);
		KUNIT_EXPECT_EQ(test, plc_way_of(ctx, k[h]), -1);
		KUNIT_EXPECT_EQ(test, plc_victim(ctx), 0);
	}
	plc_expect_delta(ctx, 0, w - 1, w - 1, 0, w - 1, 0);
	/* Every key is at home: round-robin, from way 0. */
	KUNIT_EXPECT_NULL(test, plc_get(ctx, k[w], &ctx->obj_a[w]));
	KUNIT_EXPECT_EQ(test, plc_way_of(ctx, k[w]), 0);
	KUNIT_EXPECT_EQ(test, plc_victim(ctx), w > 1 ? 1 : 0);
	plc_expect_delta(ctx, 0, 1, 1, 0, 1, 0);
}

static struct kunit_case plc_test_cases[] = {
	KUNIT_CASE(plc_test_cpu_bytes),
	KUNIT_CASE(plc_test_init_einval),
	KUNIT_CASE_PARAM(plc_test_init_destroy, plc_geom_gen_params),
	KUNIT_CASE_PARAM(plc_test_init_enomem, plc_geom_gen_params),
	KUNIT_CASE(plc_test_api_misuse),
	KUNIT_CASE(plc_test_hit_stats),
	KUNIT_CASE_PARAM(plc_test_key0_null, plc_geom_gen_params),
	KUNIT_CASE_PARAM(plc_test_replacement, plc_geom_gen_params),
	KUNIT_CASE_PARAM(plc_test_home_way, plc_geom_gen_params),
	KUNIT_CASE_PARAM(plc_test_fill_race, plc_geom_gen_params),
	KUNIT_CASE(plc_test_set_spread),
	{}
};

static struct kunit_suite plc_test_suite = {
	.name = "pcpu_lookup_cache",
	.test_cases = plc_test_cases,
};

kunit_test_suite(plc_test_suite);

MODULE_DESCRIPTION("KUnit tests for the per-CPU lookup cache");
MODULE_LICENSE("GPL");
