// wrappers_cxx.cc: memory kept through the C++ standard library: a
// std::string that grows (append) in build_text, a std::map that grows in
// index_words, a std::vector in collect_ids. The call site of each must be
// that function, not std::__cxx11::basic_string<...>::_M_mutate, the map's
// node allocator or the vector's _M_realloc_insert. Built -O2 -g.
#include <cstdio>
#include <map>
#include <string>
#include <vector>

static std::string *text;
static std::map<int, std::string> *words;
static std::vector<long> *ids;

__attribute__((noinline)) void build_text(int n)
{
	for (int i = 0; i < n; i++)
		text->append("some words that make the string grow beyond its small buffer ");
}

__attribute__((noinline)) void index_words(int n)
{
	for (int i = 0; i < n; i++)
		(*words)[i] = "w";
}

__attribute__((noinline)) void collect_ids(int n)
{
	for (int i = 0; i < n; i++)
		ids->push_back(i);
}

int main()
{
	text = new std::string;
	words = new std::map<int, std::string>;
	ids = new std::vector<long>;
	build_text(2000);
	index_words(3000);
	collect_ids(5000);
	std::printf("%zu %zu %zu\n", text->size(), words->size(), ids->size());
	return 0;
}
