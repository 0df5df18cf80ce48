// Corpus evaluation: realistic tool outputs with labelled secrets, personal
// data, hard negatives and injected instructions (tests/filter/corpus).
// Prints leak rate, false-redaction rate and injection precision/recall.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "filter_test_util.h"

namespace cordon::test {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(FilterCorpus, LeakFalseRedactionAndInjectionRates) {
  std::size_t samples = 0, secrets = 0, leaked = 0, keeps = 0, altered = 0, rules_expected = 0, rules_missed = 0;
  std::size_t tp = 0, fp = 0, fn = 0, tn = 0;
  for (const auto& ent : fs::directory_iterator(CORDON_FILTER_CORPUS)) {
    std::string name = ent.path().filename().string();
    if (name.size() < 12 || name.substr(name.size() - 12) != ".labels.json") continue;
    fs::path text_path = ent.path().parent_path() / (name.substr(0, name.size() - 12) + ".txt");
    auto labels = nlohmann::json::parse(slurp(ent.path()));
    std::string text = slurp(text_path);
    ASSERT_FALSE(text.empty()) << text_path;
    ++samples;
    for (std::size_t chunk : {std::size_t{7}, text.size()}) {
      FilterReport rep;
      std::string out = redact_chunked(text, chunk, {}, &rep);
      if (chunk != text.size()) continue;  // count once; the chunked run must agree
      EXPECT_EQ(out, redact_chunked(text, 7)) << name;
      for (const auto& s : labels["secrets"]) {
        ++secrets;
        if (out.find(s.get<std::string>()) != std::string::npos) {
          ++leaked;
          ADD_FAILURE() << name << ": leaked " << s.get<std::string>();
        }
      }
      for (const auto& k : labels["keep"]) {
        ++keeps;
        if (out.find(k.get<std::string>()) == std::string::npos) {
          ++altered;
          std::printf("[ corpus ] %s: hard negative altered: %s\n", name.c_str(), k.get<std::string>().c_str());
        }
      }
      for (const auto& r : labels["rules"]) {
        ++rules_expected;
        if (!rep.counts_by_rule.count(r.get<std::string>())) {
          ++rules_missed;
          ADD_FAILURE() << name << ": expected rule " << r.get<std::string>();
        }
      }
      bool want = labels["injection"].get<bool>(), got = rep.injection_suspected;
      if (want && got) ++tp;
      else if (!want && got) ++fp, std::printf("[ corpus ] %s: injection false positive (score %.2f)\n", name.c_str(), rep.injection_score);
      else if (want && !got) ++fn, std::printf("[ corpus ] %s: injection missed (score %.2f)\n", name.c_str(), rep.injection_score);
      else ++tn;
    }
  }
  auto ratio = [](std::size_t a, std::size_t b) { return b ? static_cast<double>(a) / static_cast<double>(b) : 1.0; };
  double leak = secrets ? ratio(leaked, secrets) : 0, falser = keeps ? ratio(altered, keeps) : 0;
  double prec = ratio(tp, tp + fp), rec = ratio(tp, tp + fn);
  std::printf("[ corpus ] samples %zu | secrets/PII %zu, leaked %zu (leak rate %.1f%%) | hard negatives %zu, altered %zu "
              "(false-redaction rate %.1f%%) | rules expected %zu, missed %zu | injection precision %.2f recall %.2f "
              "(tp %zu fp %zu fn %zu tn %zu)\n",
              samples, secrets, leaked, 100 * leak, keeps, altered, 100 * falser, rules_expected, rules_missed, prec, rec, tp, fp,
              fn, tn);
  EXPECT_GE(samples, 15u);
  EXPECT_EQ(leaked, 0u);
  EXPECT_LE(falser, 0.02);
  EXPECT_GE(prec, 0.9);
  EXPECT_GE(rec, 0.9);
}

}  // namespace
}  // namespace cordon::test
