/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-ins for the kernel interfaces that lib/pcpu_lookup_cache.c
 * and <linux/pcpu_lookup_cache.h> use. Every header under include/ includes
 * this one file, so the library builds unchanged.
 *
 * CPUs are simulated: plc_sim_cpu (thread-local) is the CPU the code runs
 * on, PLC_NR_CPUS copies of each per-CPU object exist, on_each_cpu() runs the
 * function on each online CPU in turn (on_each_cpu_mask() on those of the
 * mask), and a CPU taken down with plc_sim_cpu_down() simply stops being
 * online (nothing is called back).
 * The runtime is in shim.c.
 */
#ifndef _PLC_SHIM_H
#define _PLC_SHIM_H

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Kconfig: see also the -D flags in the Makefile. */
#define __PLC_ARG_PLACEHOLDER_1 0,
#define __plc_take_second_arg(ignored, val, ...) val
#define __plc_is_defined(x) ___plc_is_defined(x)
#define ___plc_is_defined(val) ____plc_is_defined(__PLC_ARG_PLACEHOLDER_##val)
#define ____plc_is_defined(arg1_or_junk) \
	__plc_take_second_arg(arg1_or_junk 1, 0)
#define IS_ENABLED(...) __plc_is_defined(__VA_ARGS__)

#ifndef PLC_NR_CPUS
#define PLC_NR_CPUS 4
#endif

/* types */
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef unsigned long long u64;	/* as asm-generic/int-ll64.h */
typedef unsigned int gfp_t;
#define U8_MAX ((u8)~0U)	/* as linux/limits.h */
#define U16_MAX ((u16)~0U)	/* as linux/limits.h */

/* compiler */
#undef __always_inline
#define __always_inline inline __attribute__((__always_inline__))
#define noinline __attribute__((__noinline__))
#define notrace
#define __percpu
#define __maybe_unused __attribute__((__unused__))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define likely_notrace(x) likely(x)
#define unlikely_notrace(x) unlikely(x)
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val) ((void)(*(volatile __typeof__(x) *)&(x) = (val)))
#define __data_racy	/* as without KCSAN */
#define __read_mostly
#define SMP_CACHE_BYTES 64
#define ____cacheline_aligned __attribute__((__aligned__(SMP_CACHE_BYTES)))

/* kernel.h */
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#define max(a, b)						\
	({							\
		__typeof__(a) __a = (a);			\
		__typeof__(b) __b = (b);			\
		(void)(&__a == &__b);				\
		__a > __b ? __a : __b;				\
	})
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static __always_inline void barrier(void)
{
	__asm__ __volatile__("" : : : "memory");
}

#define __plc_declared(sym) \
	__builtin_types_compatible_p(__typeof__(sym), __typeof__(sym))

/* Exports and annotations: a static_assert() that @sym exists eats the ';'. */
#define EXPORT_SYMBOL_GPL(sym) static_assert(__plc_declared(sym), #sym)
#define NOKPROBE_SYMBOL(sym) static_assert(__plc_declared(sym), #sym)

/* KUnit visibility and static stubs: the harness wraps the allocator. */
#define EXPORT_SYMBOL_IF_KUNIT(sym) static_assert(__plc_declared(sym), #sym)
#define VISIBLE_IF_KUNIT
#define KUNIT_STATIC_STUB_REDIRECT(fn, args...) ((void)(fn))

/*
 * build_bug.h: as the kernel's, a call to a function with the error
 * attribute that the optimiser must remove, so the condition may use
 * inline functions that fold to constants, such as ilog2() here (the
 * harness builds with -O2).
 */
__attribute__((__error__("BUILD_BUG_ON failed"))) void __plc_build_bug(void);
#define BUILD_BUG_ON(cond)			\
	do {					\
		if (cond)			\
			__plc_build_bug();	\
	} while (0)

/* log2.h */
static inline bool is_power_of_2(unsigned long n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

static inline int ilog2(unsigned long n)
{
	return n ? (int)(sizeof(long) * 8 - 1) - __builtin_clzl(n) : -1;
}

static inline unsigned long roundup_pow_of_two(unsigned long n)
{
	return n <= 1 ? 1 : 1UL << (ilog2(n - 1) + 1);
}

/* hash.h: hash_long() is hash_64() on 64-bit. */
#define BITS_PER_LONG 64
#define GOLDEN_RATIO_64 0x61C8864680B583EBull
#define GOLDEN_RATIO_PRIME GOLDEN_RATIO_64

static inline u32 hash_64(u64 val, unsigned int bits)
{
	return (u32)(val * GOLDEN_RATIO_64 >> (64 - bits));
}

static inline u32 hash_long(unsigned long val, unsigned int bits)
{
	static_assert(sizeof(long) == 8, "64-bit only");
	return hash_64(val, bits);
}

/* Simulated CPUs. */
extern __thread int plc_sim_cpu;
extern bool plc_sim_online[PLC_NR_CPUS];
extern __thread int plc_sim_irqs_off;

#define smp_processor_id() ((unsigned int)plc_sim_cpu)
#define raw_smp_processor_id() smp_processor_id()

/* The first online CPU >= @cpu, or PLC_NR_CPUS. */
static inline int plc_next_online_cpu(int cpu)
{
	while (cpu < PLC_NR_CPUS && !plc_sim_online[cpu])
		cpu++;
	return cpu;
}

#define for_each_possible_cpu(cpu) \
	for ((cpu) = 0; (cpu) < PLC_NR_CPUS; (cpu)++)
#define for_each_online_cpu(cpu)					\
	for ((cpu) = plc_next_online_cpu(0); (cpu) < PLC_NR_CPUS;	\
	     (cpu) = plc_next_online_cpu((cpu) + 1))
#define num_possible_cpus() PLC_NR_CPUS
#define cpu_online(cpu) (plc_sim_online[cpu])
#define cpu_to_node(cpu) ((void)(cpu), 0)
#define NUMA_NO_NODE (-1)

/*
 * Per-CPU memory: alloc_percpu() returns PLC_NR_CPUS adjacent copies, and the
 * __percpu pointer is tagged so that dereferencing it without
 * this_cpu_ptr()/per_cpu_ptr() faults, as in the kernel.
 */
#define PLC_PCPU_TAG 0x8000000000000000UL
void *plc_alloc_percpu(size_t size, size_t align);
void plc_free_percpu(void *ptr);
void plc_shim_bug(const char *file, int line, const char *what);
/* A report per call, not once per site: the tests count them. */
#define WARN_ON_ONCE(cond)						\
	({								\
		bool __c = !!(cond);					\
									\
		if (__c)						\
			plc_shim_bug(__FILE__, __LINE__,		\
				     "WARN_ON_ONCE(" #cond ")");	\
		__c;							\
	})
#define alloc_percpu(type) \
	((type __percpu *)plc_alloc_percpu(sizeof(type), __alignof__(type)))
#define free_percpu(ptr) plc_free_percpu((void *)(ptr))
#define per_cpu_ptr(ptr, cpu)						\
	((__typeof__(ptr))((uintptr_t)(ptr) ^ PLC_PCPU_TAG) +		\
	 plc_check_cpu(cpu, __FILE__, __LINE__))
#define this_cpu_ptr(ptr) per_cpu_ptr(ptr, plc_sim_cpu)

static __always_inline unsigned int plc_check_cpu(unsigned int cpu,
						  const char *file, int line)
{
#ifndef PLC_BENCH
	if (cpu >= PLC_NR_CPUS)
		plc_shim_bug(file, line, "bad cpu");
#else
	(void)file;
	(void)line;
#endif
	return cpu;
}

/* IRQs: only tracked, so that might_sleep() can complain. */
#define raw_local_irq_save(flags)				\
	do {							\
		(flags) = (unsigned long)plc_sim_irqs_off;	\
		plc_sim_irqs_off = 1;				\
	} while (0)
static inline void raw_local_irq_restore(unsigned long flags)
{
	plc_sim_irqs_off = (int)flags;
}

#define irqs_disabled() (plc_sim_irqs_off != 0)

#ifdef PLC_BENCH
#define might_sleep() do { } while (0)
#else
#define might_sleep()							\
	do {								\
		if (plc_sim_irqs_off)					\
			plc_shim_bug(__FILE__, __LINE__,		\
				     "might_sleep() with IRQs off");	\
	} while (0)
#endif

/* A preemption point: a sleeping context, as might_sleep(). */
#define cond_resched() might_sleep()

/* atomic_t: the simulated CPUs run on one thread at a time. */
typedef struct {
	int counter;
} atomic_t;

static inline int atomic_read(const atomic_t *v)
{
	return READ_ONCE(v->counter);
}

/* The kernel's raw_ form only skips the KASAN and KCSAN checks. */
static inline int raw_atomic_read(const atomic_t *v)
{
	return READ_ONCE(v->counter);
}

static inline void atomic_inc(atomic_t *v)
{
	__atomic_fetch_add(&v->counter, 1, __ATOMIC_SEQ_CST);
}

static inline int atomic_dec_if_positive(atomic_t *v)
{
	int c = atomic_read(v);

	while (c > 0) {
		if (__atomic_compare_exchange_n(&v->counter, &c, c - 1, false,
						__ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST))
			break;
	}
	return c - 1;
}

/* atomic_long_t, as atomic_t. */
typedef struct {
	long counter;
} atomic_long_t;

static inline long atomic_long_read(const atomic_long_t *v)
{
	return READ_ONCE(v->counter);
}

static inline long raw_atomic_long_read(const atomic_long_t *v)
{
	return READ_ONCE(v->counter);
}

static inline void atomic_long_inc(atomic_long_t *v)
{
	__atomic_fetch_add(&v->counter, 1, __ATOMIC_SEQ_CST);
}

/*
 * smp_mb() and the atomic ones are full barriers, as the kernel's on x86 (a
 * locked instruction); smp_rmb() orders loads only.
 */
/* full */
#define smp_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
/* loads */
#define smp_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
/* full, before the atomic that follows */
#define smp_mb__before_atomic() __atomic_thread_fence(__ATOMIC_SEQ_CST)
/* full, after the atomic that precedes */
#define smp_mb__after_atomic() __atomic_thread_fence(__ATOMIC_SEQ_CST)

/* RCU: a grace period is only counted; see plc_shim.grace_periods. */
void synchronize_rcu(void);

/*
 * Allocator: counted, and any one call can be made to fail. The GFP bits
 * are only told apart, so that a test can check what the library passed.
 */
#define __GFP_IO		0x01U
#define __GFP_FS		0x02U
#define __GFP_DIRECT_RECLAIM	0x04U
#define __GFP_KSWAPD_RECLAIM	0x08U
#define __GFP_NOWARN		0x10U
#define __GFP_RECLAIM		(__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM)
#define GFP_KERNEL		(__GFP_RECLAIM | __GFP_IO | __GFP_FS)
#define GFP_NOWAIT		__GFP_KSWAPD_RECLAIM
void *kvzalloc_node(size_t size, gfp_t gfp, int node);
void kvfree(const void *ptr);

/*
 * CPU hotplug lock: a read lock that the simulated CPU hotplug (which takes
 * it for write) and lockdep_assert_cpus_held() check. Taking it again while
 * held is reported, as lockdep does: it deadlocks against a waiting writer.
 */
void cpus_read_lock(void);
void cpus_read_unlock(void);
bool plc_shim_cpus_locked(void);
void plc_shim_lockdep_cpus_held(const char *file, int line);
#ifdef PLC_BENCH
#define lockdep_assert_cpus_held() do { } while (0)
#else
#define lockdep_assert_cpus_held() \
	plc_shim_lockdep_cpus_held(__FILE__, __LINE__)
#endif
void on_each_cpu(void (*func)(void *info), void *info, int wait);

/*
 * Mutexes: one thread runs every simulated CPU, so a mutex only records
 * that it is held. mutex_lock() with IRQs off, on a mutex already held
 * (the thread would deadlock against itself) and mutex_unlock() of one
 * not held report misuse; plc_shim.mutexes_held counts the held ones.
 */
struct mutex {
	const char *name;
	bool locked;
};

#define DEFINE_MUTEX(mutexname) \
	struct mutex mutexname = { .name = #mutexname }
/* lockdep_assert_held(): the mutex must be held, as lockdep checks. */
#define lockdep_assert_held(l)						\
	do {								\
		if (!(l)->locked)					\
			plc_shim_bug(__FILE__, __LINE__,		\
				     "lockdep_assert_held(" #l ")");	\
	} while (0)

void mutex_lock(struct mutex *lock);
void mutex_unlock(struct mutex *lock);

/*
 * cpumask_var_t as with CONFIG_CPUMASK_OFFSTACK: a pointer that
 * zalloc_cpumask_var() allocates, so that a test can make it fail
 * (plc_shim_fail_cpumask()) and a leak is reported.
 */
struct cpumask {
	unsigned long bits[(PLC_NR_CPUS + 63) / 64];
};

typedef struct cpumask *cpumask_var_t;

bool zalloc_cpumask_var(cpumask_var_t *mask, gfp_t flags);
void free_cpumask_var(cpumask_var_t mask);
void plc_cpumask_bad_cpu(unsigned int cpu, const char *file, int line);

static inline bool plc_cpumask_check(unsigned int cpu, const char *file,
				     int line)
{
	if (cpu < PLC_NR_CPUS)
		return true;
	plc_cpumask_bad_cpu(cpu, file, line);
	return false;
}

#define cpumask_set_cpu(cpu, mask)					\
	do {								\
		unsigned int __c = (cpu);				\
									\
		if (plc_cpumask_check(__c, __FILE__, __LINE__))		\
			(mask)->bits[__c / 64] |= 1UL << (__c % 64);	\
	} while (0)

static inline bool cpumask_test_cpu(int cpu, const struct cpumask *mask)
{
	return mask->bits[cpu / 64] & (1UL << (cpu % 64));
}

static inline bool cpumask_empty(const struct cpumask *mask)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mask->bits); i++)
		if (mask->bits[i])
			return false;
	return true;
}

/* Run @func on each online CPU of @mask in turn, IRQs off. */
void on_each_cpu_mask(const struct cpumask *mask, void (*func)(void *info),
		      void *info, bool wait);

/* seq_file and debugfs. */
struct seq_file {
	char *buf;
	size_t size;
	size_t count;
	void *private;
};

struct inode;
struct file;
struct dentry;

/*
 * A file is either a seq_file (DEFINE_SHOW_ATTRIBUTE(): .show) or a simple
 * attribute (DEFINE_DEBUGFS_ATTRIBUTE(): .get, .set and .fmt), which
 * plc_shim_debugfs_attr_read() and plc_shim_debugfs_attr_write() call.
 */
struct file_operations {
	int (*show)(struct seq_file *m, void *v);
	int (*get)(void *data, u64 *val);
	int (*set)(void *data, u64 val);
	const char *fmt;
};

#define DEFINE_SHOW_ATTRIBUTE(__name)					\
	static const struct file_operations __name##_fops = {		\
		.show = __name##_show,					\
	}

#define __printf(a, b) __attribute__((__format__(__printf__, a, b)))

#define DEFINE_DEBUGFS_ATTRIBUTE(__fops, __get, __set, __fmt)		\
	static const struct file_operations __fops = {			\
		.get = (__get),						\
		.set = (__set),						\
		.fmt = "" __fmt,					\
	}

__printf(2, 3)
void seq_printf(struct seq_file *m, const char *fmt, ...);

struct dentry *debugfs_create_file(const char *name, unsigned short mode,
				   struct dentry *parent, void *data,
				   const struct file_operations *fops);
/*
 * As in the kernel, a file or directory created in a parent that is an
 * error pointer is that error pointer, and debugfs_remove() removes a
 * directory with everything in it.
 */
struct dentry *debugfs_create_file_unsafe(const char *name,
					  unsigned short mode,
					  struct dentry *parent, void *data,
					  const struct file_operations *fops);
struct dentry *debugfs_create_dir(const char *name, struct dentry *parent);
void debugfs_remove(struct dentry *dentry);

/*
 * Module parameters: nothing sets them; the type and the permissions are
 * checked, as param_check_<type>() and VERIFY_OCTAL_PERMISSIONS() do.
 */
#define __plc_param_type_bool(value) \
	__builtin_types_compatible_p(__typeof__(value), bool)
#define module_param_named(name, value, type, perm)			\
	static_assert(__plc_param_type_##type(value) &&		\
		      ((perm) & ~0775) == 0,				\
		      "module_param_named(" #name ")")
#define MODULE_PARM_DESC(name, desc) \
	static_assert(sizeof("" desc) > 1, "MODULE_PARM_DESC(" #name ")")

/*
 * Initcalls: late_initcall() registers @fn from a constructor; main() runs
 * the registered ones once, with plc_shim_run_initcalls().
 */
#define __init
typedef int (*plc_initcall_t)(void);
void plc_shim_register_initcall(plc_initcall_t fn, const char *name);
#define late_initcall(fn)						\
	__attribute__((__constructor__))				\
	static void __plc_initcall_##fn(void)				\
	{								\
		plc_shim_register_initcall(fn, #fn);			\
	}								\
	static_assert(1, #fn)

/* Harness controls, for the tests and the benchmark. */
struct plc_shim_stats {
	long allocs;		/* successful kvzalloc_node()/alloc_percpu() */
	long frees;		/* kvfree()/free_percpu() of non-NULL */
	long live;		/* allocs - frees */
	long calls;		/* allocation calls, failed ones included */
	long ipis;		/* on_each_cpu() and on_each_cpu_mask() calls */
	long ipi_cpus;		/* CPUs they ran the function on */
	long ipis_all;		/* on_each_cpu() calls only */
	long ipi_cpu[PLC_NR_CPUS];	/* runs of the function on each CPU */
	long cpumasks;		/* zalloc_cpumask_var() calls, failed too */
	long cpumasks_live;	/* cpumasks allocated and not freed */
	gfp_t cpumask_gfp;	/* flags of the last zalloc_cpumask_var() */
	long mutexes_held;	/* mutex_lock() without mutex_unlock() yet */
	long mutex_locks;	/* mutex_lock() calls */
	long grace_periods;	/* synchronize_rcu() calls */
	long cpus_held_fails;	/* failed lockdep_assert_cpus_held() */
	long debugfs_files;	/* debugfs files and directories alive */
	long bugs;		/* plc_shim_bug() reports */
	long expected_bugs;	/* reports while plc_shim_expect_bugs() */
};

extern struct plc_shim_stats plc_shim;

/* Fail allocation call number @nth (1-based) from now on, or all from it. */
void plc_shim_fail_alloc(long nth, bool and_after);
/*
 * While @on, shim bug reports are counted in plc_shim.expected_bugs, not
 * in plc_shim.bugs, and not printed: for tests of the reports themselves.
 * Returns the previous setting.
 */
bool plc_shim_expect_bugs(bool on);
/* While @on, zalloc_cpumask_var() fails. Returns the previous setting. */
bool plc_shim_fail_cpumask(bool on);
/* Make debugfs_create_file() return ERR_PTR(@err), 0 for success. */
void plc_shim_fail_debugfs(int err);
void plc_sim_set_cpu(int cpu);
/*
 * Take @cpu offline / bring it up: only its online bit changes, under the
 * CPU hotplug lock taken for write. Its per-CPU memory stays as it is.
 */
int plc_sim_cpu_down(int cpu);
int plc_sim_cpu_up(int cpu);
/* Run the show() of a debugfs file into @buf. */
int plc_shim_debugfs_read(struct dentry *dentry, char *buf, size_t size);
const char *plc_shim_debugfs_name(struct dentry *dentry);
/* The file or directory at @path ("dir/file"), or NULL. */
struct dentry *plc_shim_debugfs_lookup(const char *path);
/*
 * Read a simple attribute into @buf with its format, or write @val to
 * it: 0, or the error of the get()/set() or -ENOENT/-EACCES/-EOVERFLOW.
 */
int plc_shim_debugfs_attr_read(struct dentry *dentry, char *buf,
			       size_t size);
int plc_shim_debugfs_attr_write(struct dentry *dentry, u64 val);
/* Remove every file and directory left, at exit. */
void plc_shim_debugfs_remove_all(void);
/* Run the registered initcalls: once, at start. 0 or the first error. */
int plc_shim_run_initcalls(void);
bool plc_shim_is_err(const void *ptr);
#define IS_ERR(ptr)	plc_shim_is_err(ptr)

#endif /* _PLC_SHIM_H */
