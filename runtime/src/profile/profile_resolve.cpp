// Finding a profile by name in the search directories, or by path.

#include <sys/stat.h>

#include <cerrno>
#include <string>
#include <vector>

#include "cordon/profile.h"

namespace cordon {
namespace {

bool looks_like_path(const std::string& name_or_path) {
  return name_or_path.find('/') != std::string::npos ||
         name_or_path.ends_with(".json");
}

ProfileLoad single_error(const std::string& file, std::string field,
                         std::string reason) {
  ProfileLoad load;
  load.errors.push_back({file, std::move(field), std::move(reason)});
  return load;
}

// True unless the path is definitely absent. Any other stat failure (e.g.
// permission denied) counts as present so that loading reports it instead
// of silently falling through to a later directory.
bool may_exist(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0) return true;
  return errno != ENOENT && errno != ENOTDIR;
}

std::string join(const std::vector<std::string>& dirs) {
  if (dirs.empty()) return "(no search directories)";
  std::string out;
  for (const std::string& dir : dirs) {
    if (!out.empty()) out += ", ";
    out += dir;
  }
  return out;
}

ProfileLoad load_named(const std::string& name, const std::string& path) {
  ProfileLoad load = load_profile(path);
  if (load.ok() && load.profile->name != name) {
    return single_error(path, "name",
                        "declares name '" + load.profile->name +
                            "' but was looked up as '" + name +
                            "' (the file NAME.json must declare NAME)");
  }
  return load;
}

ProfileLoad resolve(const std::string& name_or_path,
                    const std::vector<std::string>& search_dirs) {
  if (looks_like_path(name_or_path)) return load_profile(name_or_path);
  if (!is_valid_profile_name(name_or_path)) {
    return single_error(name_or_path, "",
                        "invalid profile name (must match "
                        "^[a-z0-9][a-z0-9._-]{0,63}$, or be a path)");
  }
  for (const std::string& dir : search_dirs) {
    const std::string path = dir + "/" + name_or_path + ".json";
    if (may_exist(path)) return load_named(name_or_path, path);
  }
  return single_error(name_or_path, "",
                      "profile '" + name_or_path +
                          "' not found in: " + join(search_dirs));
}

}  // namespace

ProfileLoad resolve_profile(const std::string& name_or_path,
                            const std::vector<std::string>& search_dirs) {
  try {
    return resolve(name_or_path, search_dirs);
  } catch (const std::exception& error) {
    return single_error(name_or_path, "",
                        std::string("internal error: ") + error.what());
  } catch (...) {
    return single_error(name_or_path, "", "internal error");
  }
}

}  // namespace cordon
