/* tests/sm/sm_paths.h - run a test body once per ShangMi CPU path this
 * machine supports, by setting GMTLS_CPU and re-running the selection.
 *
 *     SM_FOR_EACH_PATH(path) { ... uses gmtls_sm_* ... }
 */
#ifndef GMTLS_TESTS_SM_PATHS_H
#define GMTLS_TESTS_SM_PATHS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gmtls/sm.h"
#include "sm/sm_internal.h"

/* Selects path i (returns its name), or returns NULL past the last one. */
static inline const char *sm_path_select(size_t i)
{
    const char *const *list = gmtls_sm_cpu_paths_available();
    size_t n = 0;
    while (list[n] != NULL) {
        n++;
    }
    if (i >= n) {
        unsetenv("GMTLS_CPU");
        gmtls_sm_impl_reset();
        return NULL;
    }
    setenv("GMTLS_CPU", list[i], 1);
    gmtls_sm_impl_reset();
    if (strcmp(gmtls_sm_cpu_path(), list[i]) != 0) {
        fprintf(stderr, "GMTLS_CPU=%s selected %s\n", list[i], gmtls_sm_cpu_path());
        exit(1);
    }
    return list[i];
}

#define SM_FOR_EACH_PATH(var)                                  \
    for (size_t sm_i_ = 0, sm_once_ = 1; sm_once_; sm_once_ = 0) \
        for (const char *var; (var = sm_path_select(sm_i_)) != NULL; sm_i_++)

#endif
