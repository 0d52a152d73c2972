#!/bin/sh
# g++: compiles a template-heavy C++ file (std::map, std::vector,
# std::string, lambdas); the object file must be byte-identical.
. "$(dirname "$0")/lib.sh"
need g++ g++
setup() {
	cat >t.cc <<'CXX'
#include <algorithm>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>
template <typename K, typename V> std::map<V, std::vector<K>> invert(const std::map<K, V> &m)
{
	std::map<V, std::vector<K>> r;
	for (const auto &kv : m)
		r[kv.second].push_back(kv.first);
	return r;
}
int main()
{
	std::map<std::string, int> m;
	for (int i = 0; i < 5000; i++) {
		std::ostringstream s;
		s << "key" << i;
		m[s.str()] = i % 17;
	}
	auto inv = invert(m);
	std::vector<size_t> sizes;
	std::transform(inv.begin(), inv.end(), std::back_inserter(sizes), [](const auto &kv) { return kv.second.size(); });
	for (auto n : sizes)
		std::cout << n << ' ';
	std::cout << '\n';
}
CXX
}
COMPAT_FILES="t.o"
compat_run g++ sh -c 'g++ -O1 -std=c++17 -c t.cc -o t.o && g++ -o t t.o && ./t'
