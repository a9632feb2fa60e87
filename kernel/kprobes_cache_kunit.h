/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the KUnit suites of the kprobes lookup cache
 * (kernel/kprobes_cache*_kunit.c): the probed functions, the NOP sled and
 * the helpers that register probes, hit them on every online CPU and check
 * every CPU's cache against the hash list. They are in
 * kernel/kprobes_cache_kunit_util.c.
 */

#ifndef _KERNEL_KPROBES_CACHE_KUNIT_H
#define _KERNEL_KPROBES_CACHE_KUNIT_H

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/compiler_types.h>
#include <linux/kprobes.h>
#include <linux/string.h>
#include <linux/types.h>

/* The length of the NOP run of kpc_sled(): one probe address per NOP */
#define KPC_SLED_NOPS	320
/*
 * The probes of kpc_test_bulk, on the sled. Each probe is armed and
 * disarmed on its own, a text patch that every CPU must see, so the count
 * sets the run time of the case; nothing in the bulk removal depends on it.
 */
#define KPC_BULK	256

/* The geometry the suites run with: the default of kprobe_cache= */
#define KPC_SETS	256
#define KPC_WAYS	4
/* How far into a function, in kprobe_opcode_t, to look for an int3 probe */
#define KPC_MAX_OFFSET	64

/*
 * The NOP sleds are runs of NOPs of the size of a kprobe_opcode_t, so that
 * kpc_sled_start + i is the i-th NOP: one byte on x86, four on arm64 and
 * riscv. riscv assembles "nop" into the 2-byte c.nop with the C extension:
 * KPC_ASM_NOPS_BEGIN aligns the sled and switches compressed instructions
 * off for it. On other architectures kpc_find_nops() knows no NOP, and the
 * cases that need a sled skip.
 */
#ifdef CONFIG_RISCV
#define KPC_ASM_NOPS_BEGIN	".balign 4\n.option push\n.option norvc\n"
#define KPC_ASM_NOPS_END	".option pop\n"
#else
#define KPC_ASM_NOPS_BEGIN	""
#define KPC_ASM_NOPS_END	""
#endif

struct kpc_probe {
	struct kprobe kp;
	atomic_t pre;
	atomic_t post;
};

struct kpc_param {
	bool cache;
	bool ftrace;
	const char *desc;
};

/*
 * The cases that have only an int3 variant: cache on and off. The others
 * also have an ftrace variant (kpc_params in
 * kernel/kprobes_cache_lifecycle_kunit.c).
 */
extern const struct kpc_param kpc_int3_params[2];

static inline void kpc_param_desc(const struct kpc_param *p, char *desc)
{
	strscpy(desc, p->desc, KUNIT_PARAM_DESC_SIZE);
}

struct kpc_check {
	kprobe_opcode_t *addr;
	unsigned int nr;
	unsigned int stale;
	unsigned int cached;
};

extern u64 kpc_sink;
/* First NOP of the run of KPC_SLED_NOPS in kpc_sled(), or NULL */
extern kprobe_opcode_t *kpc_sled_start;

/* KPC_SLED_NOPS and more NOPs, each one a probe address */
void kpc_sled(void);
kprobe_opcode_t *kpc_find_nops(void *start, size_t size, unsigned int n);
bool kpc_ftrace_path(struct kunit *test);
int kpc_pre(struct kprobe *p, struct pt_regs *regs);
void kpc_post(struct kprobe *p, struct pt_regs *regs, unsigned long flags);
const struct kpc_param *kpc_setup(struct kunit *test);
bool kpc_int3_ok(void);
kprobe_opcode_t *kpc_addr(const struct kpc_param *param);
struct kpc_probe *kpc_register(struct kunit *test, kprobe_opcode_t *addr,
			       bool post);
void kpc_unregister_free(struct kpc_probe *p);
int kpc_hit_fn(void *arg);
int kpc_hit_all(struct kunit *test, const struct kpc_param *param);
void kpc_start_threads(void);
void kpc_stop_threads(void);
unsigned int kpc_expect_coherent(struct kunit *test, kprobe_opcode_t *addr,
				 unsigned int nr);
void kpc_expect_rounds(struct kunit *test, unsigned long since,
		       unsigned long rounds, const char *what);
unsigned long kpc_rounds(void);
void kpc_expect_hits(struct kunit *test, const struct kpc_param *param,
		     struct kpc_probe *p, int n);
void kpc_expect_new_probe(struct kunit *test, const struct kpc_param *param,
			  kprobe_opcode_t *addr, int n);
int kpc_suite_init(struct kunit_suite *suite);
void kpc_suite_exit(struct kunit_suite *suite);
void kpc_exit(struct kunit *test);

/* The kprobes benchmark (kernel/kprobes_cache_kunit_bench.c) */
void kpc_test_bench(struct kunit *test);

#endif /* _KERNEL_KPROBES_CACHE_KUNIT_H */
