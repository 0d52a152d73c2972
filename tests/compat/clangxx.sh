#!/bin/sh
# clang++: compiles a template-heavy C++ file in one process (clang's
# in-process cc1); the object file must be byte-identical.
. "$(dirname "$0")/lib.sh"
need clang++ clang
setup() {
	cat >t.cc <<'CXX'
#include <algorithm>
#include <functional>
#include <iostream>
#include <numeric>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>
template <typename T> struct Tree {
	std::vector<Tree> kids;
	T value{};
	T sum() const { return std::accumulate(kids.begin(), kids.end(), value, [](T a, const Tree &t) { return a + t.sum(); }); }
};
int main()
{
	std::unordered_map<std::string, std::set<int>> idx;
	for (int i = 0; i < 3000; i++)
		idx[std::to_string(i % 97)].insert(i);
	Tree<long> t{{}, 1};
	std::function<void(Tree<long> &, int)> grow = [&](Tree<long> &n, int d) {
		if (d == 0) return;
		for (int i = 0; i < 3; i++) { n.kids.push_back(Tree<long>{{}, d * 10 + i}); grow(n.kids.back(), d - 1); }
	};
	grow(t, 6);
	std::cout << idx.size() << ' ' << idx["5"].size() << ' ' << t.sum() << '\n';
}
CXX
}
COMPAT_FILES="t.o"
compat_run clang++ sh -c 'clang++ -O1 -std=c++17 -c t.cc -o t.o && clang++ -o t t.o && ./t'
