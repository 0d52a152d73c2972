/*
 * check_main.h: the main() every unit test shares: run one suite with
 * Check's defaults (each test in a forked child; CK_FORK=no for a debugger)
 * and exit non-zero when a test failed.
 */
#ifndef HEAPSNAP_CHECK_MAIN_H
#define HEAPSNAP_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

static inline int check_main_run(Suite *s)
{
	SRunner *r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	int failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
