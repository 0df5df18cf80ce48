// FilterReport -> JSON (never contains matched values).
#include <cmath>

#include "cordon/filter.h"

namespace cordon {

nlohmann::ordered_json to_json(const FilterReport& r) {
  nlohmann::ordered_json j;
  j["data_class"] = std::string(data_class_name(r.data_class));
  j["counts_by_rule"] = nlohmann::ordered_json::object();
  for (auto& [id, n] : r.counts_by_rule) j["counts_by_rule"][id] = n;
  auto& inj = j["injection"];
  inj["suspected"] = r.injection_suspected;
  inj["score"] = std::round(r.injection_score * 1000) / 1000;
  inj["findings"] = nlohmann::ordered_json::array();
  for (auto& f : r.injection)
    inj["findings"].push_back({{"rule", f.rule},
                               {"category", f.category},
                               {"offset", f.offset},
                               {"length", f.length},
                               {"weight", std::round(f.weight * 1000) / 1000},
                               {"obfuscated", f.obfuscated}});
  j["bytes_in"] = r.bytes_in;
  j["bytes_out"] = r.bytes_out;
  j["controls_removed"] = r.controls_removed;
  j["invalid_utf8_replaced"] = r.invalid_utf8;
  return j;
}

}  // namespace cordon
