// Prefilters: the bit-parallel scanner against a brute-force regex search,
// the expression syntax, and the shipped personal-data prefilters against
// the same rules without them (which must redact exactly the same).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "filter/prefilter.h"
#include "filter_test_util.h"

namespace cordon::test {
namespace {

using filter_detail::GateFire;
using filter_detail::GateProgram;
using filter_detail::GateScanner;

// Every (gate, end) where some gate occurrence ends, by brute force over
// "\n" + text (the scanner's view), counting only occurrences whose last byte
// is a real one.
std::set<std::pair<unsigned, uint64_t>> brute(const std::vector<std::string>& exprs, const std::string& text) {
  std::set<std::pair<unsigned, uint64_t>> out;
  std::string g = "\n" + text;
  for (unsigned k = 0; k < exprs.size(); ++k) {
    std::regex re(exprs[k]);
    for (std::size_t e = 2; e <= g.size(); ++e)
      for (std::size_t s = e > 17 ? e - 17 : 0; s < e; ++s)
        if (std::regex_match(g.begin() + static_cast<std::ptrdiff_t>(s), g.begin() + static_cast<std::ptrdiff_t>(e), re)) {
          out.insert({k, e - 1});
          break;
        }
  }
  return out;
}

TEST(FilterPrefilter, ScannerFindsExactlyWhatARegexFinds) {
  const std::vector<std::string> exprs = {"\\(\\d{3}\\)",       "[^\\w.-]\\d{4}[ -]?\\d{4}", "[A-Z]{2} ?\\d{2}",
                                          "\\.\\d{1,3}\\.",     "::",                        ":[0-9a-f]{1,4}:[0-9a-f]{1,4}:",
                                          "\\d\\d-\\d\\d-\\d", "[^\\w.-][1-9]\\d{10}",      "\\+\\d",
                                          "x\\s?y?z",          "\\n\\d"};
  GateProgram p;
  for (auto& e : exprs) {
    std::string err;
    ASSERT_GE(p.add(e, err), 0) << e << ": " << err;
  }
  p.finish();
  std::mt19937_64 rng(11);
  const std::string alphabet = "0123456789012345:::..--  ()+xyzabcdefAZQ\n\t_";
  for (int round = 0; round < 40; ++round) {
    std::string text;
    std::size_t n = 1 + rng() % (round < 20 ? 200 : 3000);
    for (std::size_t i = 0; i < n; ++i) text += alphabet[rng() % alphabet.size()];
    // Feed it as a stream, in random pieces, as the filter does.
    GateScanner sc(p);
    std::vector<GateFire> fires;
    uint64_t reported = 0;
    for (std::size_t have = 0; have < text.size();) {
      have = std::min(text.size(), have + 1 + static_cast<std::size_t>(rng() % 700));
      uint64_t from = sc.next_needed();
      ASSERT_LE(from, have);
      reported = sc.scan(std::string_view(text).substr(from, have - from), from, have == text.size(), fires);
    }
    EXPECT_EQ(reported, text.size());
    std::set<std::pair<unsigned, uint64_t>> got;
    uint64_t last = 0;
    for (auto& f : fires) {
      EXPECT_TRUE(got.insert({f.gate, f.end}).second) << "reported twice";
      EXPECT_GE(f.end, last) << "not sorted by end";
      last = f.end;
    }
    EXPECT_EQ(got, brute(exprs, text)) << "text: " << text;
  }
}

TEST(FilterPrefilter, SyntaxErrorsAreReported) {
  for (const char* bad : {"\\d*", "a+", "(ab)", "a|b", "^a", "a{2,}", "a{3,1}", "?a", "\\d?", "[abc", "\\q", "a{17}b",
                          "x\\d{9}\\d{9}"}) {
    GateProgram p;
    std::string err;
    EXPECT_LT(p.add(bad, err), 0) << bad;
    EXPECT_FALSE(err.empty()) << bad;
  }
  std::string bad = R"({"format":1,"rules":[{"id":"x","kind":"pii","pattern":"X[0-9]{4}","prefilter":["X\\d+"]}]})";
  try {
    RuleSet::load_json(bad, "ops.json");
    FAIL() << "expected RuleError";
  } catch (const RuleError& e) {
    EXPECT_NE(std::string(e.what()).find("ops.json: rule 'x': prefilter 'X\\d+'"), std::string::npos) << e.what();
  }
}

// An operator's rule with a prefilter works in the stream, across chunks;
// the prefilter is a promise: where it does not occur, the rule is not run.
TEST(FilterPrefilter, OperatorRuleWithPrefilter) {
  std::string json = R"({"format":1,"rules":[{"id":"employee-id","kind":"pii","pattern":"\\bEMP-\\d{6}\\b",
                        "prefilter":["EMP-\\d"]},
                       {"id":"broken-promise","kind":"pii","pattern":"\\bZZ\\d{6}\\b","prefilter":["QQ"]}]})";
  auto rs = RuleSet::load_json(json, "ops.json");
  std::string text = "staff EMP-123456 and EMP-654321, not EMP-12345; also ZZ123456\n";
  for (std::size_t chunk : {1u, 3u, 64u, 4096u}) {
    StreamFilter f(rs, {});
    std::string out;
    for (std::size_t i = 0; i < text.size(); i += chunk) out += f.feed(std::string_view(text).substr(i, chunk));
    out += f.finish();
    EXPECT_EQ(out, "staff [REDACTED:employee-id] and [REDACTED:employee-id], not EMP-12345; also ZZ123456\n") << chunk;
  }
}

std::string read(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The shipped rules with and without their prefilters (then the PII rules
// run in a stream of their own) must give the same output and report.
TEST(FilterPrefilter, ShippedPrefiltersChangeNothing) {
  auto doc = nlohmann::json::parse(read(CORDON_RULES_FILE));
  std::size_t stripped = 0;
  for (auto& r : doc["rules"]) stripped += r.erase("prefilter");
  ASSERT_GE(stripped, 8u);
  RuleLoadOptions no_cache;
  no_cache.cache_dir.clear();
  no_cache.use_sidecar = false;
  auto plain = RuleSet::load_json(doc.dump(), "no-prefilters", no_cache);
  auto with = rules();
  std::vector<std::string> texts;
  for (unsigned seed = 1; seed <= 24; ++seed) texts.push_back(pii_mix(seed, seed <= 4 ? 60000 : 3000));
  for (const auto& ent : std::filesystem::directory_iterator(CORDON_FILTER_CORPUS))
    if (ent.path().extension() == ".txt") texts.push_back(read(ent.path().string()));
  unsigned seed = 0;
  for (const auto& t : texts)
    for (std::size_t max : {7u, 300u, 70000u}) {
      FilterOptions o;
      o.redact = seed % 3 != 0;
      auto a = run_random_chunks(with, t, ++seed, max, o);
      auto b = run_random_chunks(plain, t, seed, max, o);
      ASSERT_EQ(a.first, b.first) << "seed " << seed;
      ASSERT_EQ(a.second, b.second) << "seed " << seed;
    }
}

}  // namespace
}  // namespace cordon::test
