/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the KUnit tests of the kprobes lookup cache use of kernel/kprobes.c.
 * The first two exist with CONFIG_DEBUG_FS, which the tests depend on, and
 * are static without CONFIG_KUNIT.
 */
#ifndef _KERNEL_KPROBES_CACHE_H
#define _KERNEL_KPROBES_CACHE_H

#include <linux/types.h>

struct kprobe;
struct pcpu_lookup_cache;

#if IS_ENABLED(CONFIG_KUNIT)
bool kprobe_cache_enabled(void);
int kprobe_cache_set_enabled(bool enable);
#endif

#if IS_ENABLED(CONFIG_KPROBES_CACHE_KUNIT_TEST)
struct pcpu_lookup_cache *kprobe_cache_kunit_cache(void);
void kprobe_cache_kunit_kill(struct kprobe *p);
int kprobe_cache_kunit_fixed(unsigned int sets, unsigned int ways);
int kprobe_cache_kunit_auto(unsigned int max_sets, unsigned int ways,
			    unsigned int on_at, bool manual);
int kprobe_cache_kunit_restore(void);
void kprobe_cache_kunit_sync(void);
bool kprobe_cache_kunit_booted_auto(void);
unsigned int kprobe_cache_kunit_sets(void);
#endif

#endif /* _KERNEL_KPROBES_CACHE_H */
