// SPDX-License-Identifier: GPL-2.0
/*
 * svm_ext core: the tracepoints svm_ext:* (trace.h), defined here once so
 * that every layer can emit them without depending on module init.
 */
#define CREATE_TRACE_POINTS
#include "trace.h"
