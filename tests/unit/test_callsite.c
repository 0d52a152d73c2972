/*
 * test_callsite.c: the call-site rule shared by the writer and the tools:
 * allocator entry points and wrappers are never a call site, user patterns
 * add wrappers, and the glob matcher behaves.
 */
#include "callsite.h"

#include <check.h>
#include <stdlib.h>

#include "check_main.h"

START_TEST(allocator_entries_and_default_wrappers)
{
	static const char *const yes[] = {
		"malloc", "strdup", "__strdup", "asprintf", "getline", "operator new(unsigned long)",
		"_Znwm", "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >::_M_mutate(unsigned long, unsigned long, char const*, unsigned long)",
		"std::vector<int, std::allocator<int> >::_M_realloc_insert<int const&>(__gnu_cxx::__normal_iterator<int*, std::vector<int, std::allocator<int> > >, int const&)",
		"__gnu_cxx::new_allocator<int>::allocate(unsigned long, void const*)",
		"operator new[](unsigned long)", "_ZnamRKSt9nothrow_t",
		"std::allocator<int>::allocate(unsigned long, void const*)",
		"std::allocator_traits<std::allocator<int> >::allocate(std::allocator<int>&, unsigned long)",
		"std::_Vector_base<int, std::allocator<int> >::_M_allocate(unsigned long)",
		"g_malloc", "g_malloc0_n", "g_realloc", "g_strdup", "g_strdup_printf", "g_slice_alloc",
		"g_memdup2", "g_try_malloc", "xmalloc", "xstrdup", "xcalloc",
		"node::NodeArrayBufferAllocator::AllocateUninitialized(unsigned long)",
		/* a function template: demangled with its return type first */
		"void std::vector<long, std::allocator<long> >::_M_realloc_insert<long>(__gnu_cxx::__normal_iterator<long*, std::vector<long, std::allocator<long> > >, long&&)",
		"std::pair<int, int>* std::__new_allocator<std::pair<int, int> >::allocate(unsigned long, void const*)",
		NULL,
	};
	static const char *const no[] = {
		"main", "build_list(int)", "remember_session", "g_main_loop_run", "xmallocate_pool",
		"leak_small", "mallocx_wrapper", "strdupa_like", "",
		"stdio_thing", "my::std::thing", "cacheThumbnail",
		"std::vector<int, std::allocator<int> > make_list<int>(int)", /* returns a std type */
		"my::operator new(unsigned long)", "operator<<(std::ostream&, Foo const&)", NULL,
	};
	for (int i = 0; yes[i]; i++)
		ck_assert_msg(callsite_is_allocator(yes[i], NULL), "%s should never be a call site", yes[i]);
	for (int i = 0; no[i]; i++)
		ck_assert_msg(!callsite_is_allocator(no[i], NULL), "%s should be a call site", no[i]);
	ck_assert(!callsite_is_allocator(NULL, NULL));
	/* anything in libstdc++ is a wrapper, whatever its name */
	ck_assert(callsite_is_allocator("__cxa_allocate_exception", "/lib/x86_64-linux-gnu/libstdc++.so.6"));
	ck_assert(callsite_is_allocator(NULL, "/usr/lib/libstdc++.so.6.0.30"));
	ck_assert(!callsite_is_allocator("handler", "/usr/lib/libfoo.so"));
	ck_assert(callsite_is_allocator(NULL, "/lib/x86_64-linux-gnu/libglib-2.0.so.0"));
	ck_assert(callsite_is_allocator("_IO_file_doallocate", "/lib/x86_64-linux-gnu/libc.so.6"));
	ck_assert(callsite_is_allocator("_dl_map_object", "/lib64/ld-linux-x86-64.so.2"));
	ck_assert(!callsite_is_allocator("main", "/usr/lib/libcx.so.6"));
}
END_TEST

START_TEST(user_patterns_add_wrappers)
{
	ck_assert(!callsite_is_allocator("pool_alloc", NULL));
	callsite_set_user_patterns("pool_*;*Arena*allocate*;exact_name");
	ck_assert(callsite_is_allocator("pool_alloc", NULL));
	ck_assert(callsite_is_allocator("my::Arena::allocate(unsigned long)", NULL));
	ck_assert(callsite_is_allocator("exact_name", NULL));
	ck_assert(!callsite_is_allocator("exact_name2", NULL));
	ck_assert(!callsite_is_allocator("my_pool_alloc", NULL));
	callsite_set_user_patterns("");
	ck_assert(!callsite_is_allocator("pool_alloc", NULL));
	callsite_set_user_patterns(NULL);
	ck_assert(!callsite_is_allocator("pool_alloc", NULL));
}
END_TEST

START_TEST(glob_matches)
{
	ck_assert(callsite_glob_match("*", 1, ""));
	ck_assert(callsite_glob_match("*", 1, "anything"));
	ck_assert(callsite_glob_match("a*b", 3, "ab"));
	ck_assert(callsite_glob_match("a*b", 3, "axxb"));
	ck_assert(!callsite_glob_match("a*b", 3, "axxbc"));
	ck_assert(callsite_glob_match("a*b*c", 5, "abbbc"));
	ck_assert(callsite_glob_match("**x", 3, "yx"));
	ck_assert(!callsite_glob_match("abc", 3, "ab"));
	ck_assert(!callsite_glob_match("ab", 2, "abc"));
	ck_assert(callsite_glob_match("ab;zz", 2, "ab")); /* n bounds the pattern */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("callsite");
	TCase *tc = tcase_create("rule");
	tcase_add_test(tc, allocator_entries_and_default_wrappers);
	tcase_add_test(tc, user_patterns_add_wrappers);
	tcase_add_test(tc, glob_matches);
	suite_add_tcase(s, tc);
	return check_main_run(s);
}
