// cordon-rules-compile RULES.json... OUT.hsdb
//
// Compiles output-filter rules files (later files extend or override earlier
// ones, as RuleSet::load_files) and writes the compiled databases to OUT
// (mode 0644, atomically). The build runs it on the shipped rules to make
// the sidecar that RuleSet::load_default() reads instead of compiling.
// Exit status: 0 written, 1 invalid rules, 2 usage or write error.
#include <cstdio>
#include <string>
#include <vector>

#include "cordon/filter.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s RULES.json... OUT.hsdb\n", argv[0]);
    return 2;
  }
  std::vector<std::string> files(argv + 1, argv + argc - 1);
  std::string out = argv[argc - 1];
  cordon::RuleLoadOptions opts;
  opts.cache_dir.clear();   // always compile: this is what makes the cache
  opts.use_sidecar = false;
  try {
    auto rules = cordon::RuleSet::load_files(files, opts);
    std::string err = rules->save_cache(out, 0644);
    if (!err.empty()) {
      std::fprintf(stderr, "%s: %s\n", out.c_str(), err.c_str());
      return 2;
    }
    std::printf("%s: %zu rules, key %s, compiled in %.0f ms\n", out.c_str(), rules->rules().size(),
                rules->cache_key().substr(0, 16).c_str(), rules->load_info().load_ms);
  } catch (const cordon::RuleError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
