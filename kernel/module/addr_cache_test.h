/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the test modules of the module address lookup cache
 * (addr_cache_test_mod.c) use of the built-in test code
 * (addr_cache_kunit.c, tree_lookup.c); exported for KUnit only.
 */
#ifndef _KERNEL_MODULE_ADDR_CACHE_TEST_H
#define _KERNEL_MODULE_ADDR_CACHE_TEST_H

#include <linux/types.h>

struct module;

struct module *mod_addr_cache_test_owner(unsigned long addr, bool *text);
bool mod_addr_cache_enabled(void);
int mod_addr_cache_set_enabled(bool enable);

#endif /* _KERNEL_MODULE_ADDR_CACHE_TEST_H */
