// templates.cc: a template-heavy translation unit for bench/run.sh.
//
// Not a program to run: it is compiled (clang++ -O1 -c) as a "real program"
// workload, because a C++ compiler allocates a great deal (ASTs, template
// instantiations, IR) with many distinct call stacks. It instantiates
// std::map/std::vector/std::function/std::variant/std::tuple over a grid of
// generated types. BENCH_N (default 1) scales the work: with clang++ 14 -O1
// on a 2-core Xeon VM, N=1 compiles in about 1.5 s and each step adds about
// 1.2 s (N=6: 8 s), so keep it at 1 for bench/run.sh's 3-minute budget.
// Keep the file deterministic (no __DATE__/__TIME__, no includes beyond the
// standard library) so every compile does the same work.
#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#ifndef BENCH_N
#define BENCH_N 1
#endif

namespace bench {

template <int I> struct Tag {
	int value = I;
	std::string name = std::to_string(I);
	bool operator<(const Tag &o) const { return value < o.value; }
	bool operator==(const Tag &o) const { return value == o.value; }
};

template <int I> struct TagHash {
	size_t operator()(const Tag<I> &t) const { return std::hash<int>()(t.value); }
};

// One "service" per I: several containers and callbacks keyed by Tag<I>.
template <int I> struct Service {
	using Key = Tag<I>;
	using Value = std::variant<int, double, std::string, std::vector<Key>>;
	std::map<Key, std::vector<Value>> by_key;
	std::unordered_map<Key, std::function<Value(const Key &)>, TagHash<I>> handlers;
	std::set<std::pair<Key, std::string>> index;
	std::vector<std::tuple<Key, double, std::optional<std::string>>> log;

	void add(int v)
	{
		Key k;
		k.value = v;
		by_key[k].push_back(Value(v * 1.5));
		by_key[k].push_back(Value(std::to_string(v)));
		handlers.emplace(k, [v](const Key &x) -> Value {
			if (x.value % 3 == 0)
				return Value(v + x.value);
			if (x.value % 3 == 1)
				return Value(std::string(x.name) + "!");
			return Value(std::vector<Key>(3, x));
		});
		index.emplace(k, k.name);
		log.emplace_back(k, v * 0.25, v % 2 ? std::optional<std::string>(k.name) : std::nullopt);
	}

	double total() const
	{
		double sum = 0;
		for (const auto &[k, vs] : by_key)
			for (const auto &v : vs)
				sum += std::visit(
					[](const auto &x) -> double {
						using T = std::decay_t<decltype(x)>;
						if constexpr (std::is_arithmetic_v<T>)
							return static_cast<double>(x);
						else
							return static_cast<double>(x.size());
					},
					v);
		for (const auto &[k, h] : handlers)
			sum += std::visit(
				[](const auto &x) -> double {
					using T = std::decay_t<decltype(x)>;
					if constexpr (std::is_arithmetic_v<T>)
						return static_cast<double>(x);
					else
						return static_cast<double>(x.size());
				},
				h(k));
		sum += std::accumulate(log.begin(), log.end(), 0.0, [](double acc, const auto &t) {
			return acc + std::get<1>(t) + (std::get<2>(t) ? std::get<2>(t)->size() : 0);
		});
		std::vector<Key> keys;
		for (const auto &e : index)
			keys.push_back(e.first);
		std::sort(keys.begin(), keys.end(), [](const Key &a, const Key &b) { return b < a; });
		auto last = std::unique(keys.begin(), keys.end());
		return sum + static_cast<double>(last - keys.begin());
	}
};

// Compile-time recursion: instantiates Service<0..N-1> and their members.
template <int I> double run_all(int seed)
{
	if constexpr (I == 0) {
		return 0;
	} else {
		Service<I> s;
		for (int i = 0; i < seed; i++)
			s.add(i * I);
		return s.total() + run_all<I - 1>(seed + 1);
	}
}

// A second axis: pipelines of std::function composed over tuples of types.
template <typename... Ts> struct Pipeline {
	std::vector<std::function<std::tuple<Ts...>(std::tuple<Ts...>)>> stages;
	std::map<std::string, std::shared_ptr<std::tuple<Ts...>>> cache;

	std::tuple<Ts...> apply(std::tuple<Ts...> t)
	{
		for (auto &f : stages)
			t = f(t);
		cache[std::to_string(stages.size())] = std::make_shared<std::tuple<Ts...>>(t);
		return t;
	}
};

template <int I> double pipes()
{
	if constexpr (I == 0) {
		return 0;
	} else {
		Pipeline<Tag<I>, int, std::string, std::vector<double>> p;
		p.stages.push_back([](auto t) {
			std::get<1>(t) += I;
			std::get<3>(t).push_back(I * 0.5);
			return t;
		});
		p.stages.push_back([](auto t) {
			std::get<2>(t) += std::get<0>(t).name;
			return t;
		});
		auto r = p.apply({Tag<I>{}, 0, std::string("x"), {}});
		return std::get<1>(r) + std::get<3>(r).size() + pipes<I - 1>();
	}
}

} // namespace bench

double bench_entry(int seed)
{
	return bench::run_all<BENCH_N>(seed) + bench::pipes<BENCH_N>();
}
