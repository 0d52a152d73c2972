/*
 * test_tstate.c: the thread registry. A thread whose exit destructor cannot
 * be installed (pthread_setspecific fails) must not stay in the registry
 * after it exits: its TLS dies with it. This program defines
 * pthread_setspecific itself (the executable's definition comes first) and
 * makes it fail on demand.
 */
#include "tstate.h"

#include "check_main.h"

#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>

static volatile int setspecific_fails;

int pthread_setspecific(pthread_key_t key, const void *value)
{
	static int (*real)(pthread_key_t, const void *);
	if (setspecific_fails)
		return ENOMEM;
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "pthread_setspecific");
	return real(key, value);
}

struct outcome {
	int rc, state, hot;
};

static void *activate_and_exit(void *arg)
{
	struct tstate *ts = &tstate_tls;
	struct outcome *o = arg;
	tstate_guard_enter(ts);
	o->rc = tstate_activate(ts, 4096);
	tstate_guard_leave(ts);
	o->state = ts->state;
	o->hot = ts->hot;
	return NULL;
}

static unsigned threads_after_one_exits(int fails, struct outcome *o)
{
	setspecific_fails = fails;
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, activate_and_exit, o), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	setspecific_fails = 0;
	struct tstate_totals tot;
	tstate_totals(&tot);
	return tot.threads;
}

START_TEST(tstate_exited_thread_leaves_registry)
{
	ck_assert_int_eq(tstate_init(), 0);
	struct outcome o;
	ck_assert_uint_eq(threads_after_one_exits(0, &o), 0);
	ck_assert_int_eq(o.rc, 0);
	ck_assert_int_eq(o.state, TSTATE_ACTIVE);
	ck_assert_int_eq(o.hot, 1);
}
END_TEST

START_TEST(tstate_setspecific_failure_never_registers)
{
	ck_assert_int_eq(tstate_init(), 0);
	struct outcome o;
	ck_assert_uint_eq(threads_after_one_exits(1, &o), 0);
	ck_assert_int_eq(o.rc, -ENOMEM);
	/* DEAD: its calls go to the global totals, it is never sampled */
	ck_assert_int_eq(o.state, TSTATE_DEAD);
	ck_assert_int_eq(o.hot, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tstate");
	TCase *tc = tcase_create("registry");
	tcase_add_test(tc, tstate_exited_thread_leaves_registry);
	tcase_add_test(tc, tstate_setspecific_failure_never_registers);
	suite_add_tcase(s, tc);
	return check_main_run(s);
}
