/* SPDX-License-Identifier: MIT */
#ifndef IOMON_SELFTEST_H
#define IOMON_SELFTEST_H

#include "kernel/options.h"

/*
 * Run the self-test named by `selftest=`; true when it passed. The fault
 * tests never return: they prove the exception path by taking it.
 */
bool selftest_run(enum selftest t);

#endif
