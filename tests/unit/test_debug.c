/*
 * test_debug.c: the debug build's assertions (src/debug.h) see what they
 * claim to see and fire with one line naming file:line and the contract:
 * a mutex is "held" exactly while this thread owns it (read from glibc's
 * record), the guard assertion follows tstate_tls.guard, and a hook check
 * inside a never-allocating section aborts. Skipped (77) unless configured
 * with --enable-debug; in other builds the macros must compile to nothing.
 */
#include "debug.h"
#include "tstate.h"

#include "check_main.h"

#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef HEAPSNAP_DEBUG

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static bool seen_by_other;

static void *other(void *arg)
{
	seen_by_other = debug_mutex_held(&m);
	return NULL;
}

START_TEST(debug_mutex_held_follows_the_owner)
{
	pthread_mutex_t dyn;
	pthread_t th;
	pthread_mutex_init(&dyn, NULL);
	ck_assert(!debug_mutex_held(&m));
	ck_assert(!debug_mutex_held(&dyn));
	pthread_mutex_lock(&m);
	pthread_mutex_lock(&dyn);
	ck_assert(debug_mutex_held(&m));
	ck_assert(debug_mutex_held(&dyn));
	pthread_create(&th, NULL, other, NULL);
	pthread_join(th, NULL);
	ck_assert(!seen_by_other);
	pthread_mutex_unlock(&m);
	pthread_mutex_unlock(&dyn);
	ck_assert(!debug_mutex_held(&m));
	ck_assert(!debug_mutex_held(&dyn));
	ck_assert(pthread_mutex_trylock(&m) == 0 && debug_mutex_held(&m));
	pthread_mutex_unlock(&m);
}
END_TEST

START_TEST(debug_guard_follows_tstate)
{
	ck_assert(!debug_guard_held());
	tstate_guard_enter(&tstate_tls);
	ck_assert(debug_guard_held());
	DEBUG_ASSERT_GUARD("not reached: the guard is held");
	tstate_guard_leave(&tstate_tls);
	ck_assert(!debug_guard_held());
}
END_TEST

/* Each kind fires: SIGABRT after the line "heapsnap: debug: FILE:LINE: ..."
 * on stderr (in the test's log). */
START_TEST(debug_held_assertion_fires)
{
	DEBUG_ASSERT_HELD(&m, "test: called with m held");
}
END_TEST

START_TEST(debug_guard_assertion_fires)
{
	DEBUG_ASSERT_GUARD("test: guard held");
}
END_TEST

START_TEST(debug_nomalloc_check_fires)
{
	DEBUG_NOMALLOC_CHECK("malloc"); /* outside a section: nothing */
	DEBUG_NOMALLOC_ENTER("test section");
	DEBUG_NOMALLOC_CHECK("malloc");
}
END_TEST

START_TEST(debug_sections_nest_and_close)
{
	DEBUG_NOMALLOC_ENTER("outer");
	DEBUG_NOMALLOC_ENTER_IF(inner, 1, "inner");
	DEBUG_NOMALLOC_LEAVE_IF(inner);
	DEBUG_NOMALLOC_ENTER_IF(never, 0, "never");
	DEBUG_NOMALLOC_LEAVE_IF(never);
	ck_assert_int_eq(debug_nomalloc_depth, 1);
	DEBUG_NOMALLOC_LEAVE();
	ck_assert_int_eq(debug_nomalloc_depth, 0);
	DEBUG_NOMALLOC_CHECK("malloc");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("debug");
	TCase *tc = tcase_create("assertions");
	tcase_add_test(tc, debug_mutex_held_follows_the_owner);
	tcase_add_test(tc, debug_guard_follows_tstate);
	tcase_add_test(tc, debug_sections_nest_and_close);
	tcase_add_test_raise_signal(tc, debug_held_assertion_fires, SIGABRT);
	tcase_add_test_raise_signal(tc, debug_guard_assertion_fires, SIGABRT);
	tcase_add_test_raise_signal(tc, debug_nomalloc_check_fires, SIGABRT);
	suite_add_tcase(s, tc);
	return check_main_run(s);
}

#else

int main(void)
{
	/* not a debug build: the macros are no code at all */
	DEBUG_ASSERT(0, "never evaluated");
	DEBUG_ASSERT_GUARD("never evaluated");
	DEBUG_NOMALLOC_CHECK("malloc");
	printf("SKIP: configure with --enable-debug to test src/debug.h\n");
	return 77;
}

#endif
