// Unit tests for profile loading and validation, units and SHA-256.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cordon/profile.h"
#include "profile/units.h"
#include "sha256.h"

namespace cordon {
namespace {

using json = nlohmann::json;

// ---------------------------------------------------------------------------
// Helpers

json minimal_profile() {
  return json{{"schema", 1},
              {"name", "echo"},
              {"version", "1.0"},
              {"exec", json::array({"/bin/echo"})}};
}

ProfileLoad parse(const json& document) {
  return parse_profile(document.dump(), "test.json");
}

std::string all_errors(const ProfileLoad& load) {
  std::string out;
  for (const ProfileError& error : load.errors) {
    out += "\n  " + error.to_string();
  }
  return out.empty() ? "\n  (no errors)" : out;
}

// An error on exactly `field` whose reason contains `reason_part`.
testing::AssertionResult HasError(const ProfileLoad& load,
                                  const std::string& field,
                                  const std::string& reason_part) {
  if (load.ok()) {
    return testing::AssertionFailure() << "load succeeded; expected error on '"
                                       << field << "'";
  }
  for (const ProfileError& error : load.errors) {
    if (error.field == field &&
        error.reason.find(reason_part) != std::string::npos) {
      return testing::AssertionSuccess();
    }
  }
  return testing::AssertionFailure()
         << "no error on '" << field << "' containing '" << reason_part
         << "'; errors:" << all_errors(load);
}

// Exactly one error, on `field`, containing `reason_part`.
testing::AssertionResult HasOnlyError(const ProfileLoad& load,
                                      const std::string& field,
                                      const std::string& reason_part) {
  if (load.errors.size() != 1) {
    return testing::AssertionFailure()
           << "expected exactly 1 error, got " << load.errors.size() << ":"
           << all_errors(load);
  }
  return HasError(load, field, reason_part);
}

// Applies `value` at `pointer` (e.g. "/limits/memory") to a minimal profile.
ProfileLoad parse_with(const std::string& pointer, const json& value) {
  json document = minimal_profile();
  document[json::json_pointer(pointer)] = value;
  return parse(document);
}

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "cordon-profile-XXXXXX")
            .string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed: " << errno;
    }
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  const std::string& path() const { return path_; }

  std::string write(const std::string& relative, const std::string& text) {
    const std::filesystem::path file = std::filesystem::path(path_) / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
    return file.string();
  }

 private:
  std::string path_;
};

// ---------------------------------------------------------------------------
// Units

TEST(UnitsTest, ParsesSizes) {
  std::string error;
  EXPECT_EQ(parse_size("0", error), 0u);
  EXPECT_EQ(parse_size("512", error), 512u);
  EXPECT_EQ(parse_size("512B", error), 512u);
  EXPECT_EQ(parse_size("64K", error), 64u * 1024);
  EXPECT_EQ(parse_size("64k", error), 64u * 1024);
  EXPECT_EQ(parse_size("64KB", error), 64u * 1024);
  EXPECT_EQ(parse_size("64KiB", error), 64u * 1024);
  EXPECT_EQ(parse_size("64M", error), 64u << 20);
  EXPECT_EQ(parse_size("64MiB", error), 64u << 20);
  EXPECT_EQ(parse_size("1G", error), 1ull << 30);
  EXPECT_EQ(parse_size("2T", error), 2ull << 40);
  EXPECT_EQ(parse_size("007M", error), 7u << 20);
}

TEST(UnitsTest, RejectsBadSizes) {
  for (const char* text :
       {"", "-1", "-1M", "+1", "1.5G", "64 M", " 64M", "64X", "64Mb", "64iB",
        "M", "64MiBs", "0x10", "99999999999999999999", "16777216T"}) {
    std::string error;
    EXPECT_FALSE(parse_size(text, error).has_value()) << text;
    EXPECT_FALSE(error.empty()) << text;
  }
}

TEST(UnitsTest, SizeErrorsExplainTheProblem) {
  std::string error;
  EXPECT_FALSE(parse_size("-5M", error));
  EXPECT_NE(error.find("negative"), std::string::npos) << error;
  EXPECT_FALSE(parse_size("16777216T", error));
  EXPECT_NE(error.find("too large"), std::string::npos) << error;
  EXPECT_FALSE(parse_size("3X", error));
  EXPECT_NE(error.find("unknown unit \"X\""), std::string::npos) << error;
}

TEST(UnitsTest, ParsesDurations) {
  std::string error;
  EXPECT_EQ(parse_duration_ms("500ms", error), 500u);
  EXPECT_EQ(parse_duration_ms("0ms", error), 0u);
  EXPECT_EQ(parse_duration_ms("10s", error), 10'000u);
  EXPECT_EQ(parse_duration_ms("2m", error), 120'000u);
  EXPECT_EQ(parse_duration_ms("1h", error), 3'600'000u);
}

TEST(UnitsTest, RejectsBadDurations) {
  for (const char* text : {"", "10", "-1s", "1.5s", "10 s", "10sec", "10S",
                           "1d", "s", "18446744073709551615h"}) {
    std::string error;
    EXPECT_FALSE(parse_duration_ms(text, error).has_value()) << text;
    EXPECT_FALSE(error.empty()) << text;
  }
  std::string error;
  EXPECT_FALSE(parse_duration_ms("10", error));
  EXPECT_NE(error.find("unit is required"), std::string::npos) << error;
}

TEST(UnitsTest, FormatsExactly) {
  EXPECT_EQ(format_size(64ull << 20), "64 MiB");
  EXPECT_EQ(format_size(1536), "1536 bytes");
  EXPECT_EQ(format_size(3 * 1024), "3 KiB");
  EXPECT_EQ(format_size(16ull << 30), "16 GiB");
  EXPECT_EQ(format_size(0), "0 bytes");
  EXPECT_EQ(format_duration_ms(24ull * 3'600'000), "24h");
  EXPECT_EQ(format_duration_ms(90'000), "90s");
  EXPECT_EQ(format_duration_ms(1500), "1500ms");
}

// ---------------------------------------------------------------------------
// SHA-256

TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(std::string("a\0b", 3)).size(), 64u);
  EXPECT_NE(sha256_hex(std::string("a\0b", 3)), sha256_hex("a"));
}

// ---------------------------------------------------------------------------
// Valid profiles

constexpr const char* kFullProfile = R"({
  // A complete profile with every field.
  "schema": 1,
  "name": "py-runner",
  "version": "2.1.0",
  "description": "Runs Python scripts",
  "owner": "tools-team",
  "exec": ["/usr/bin/python3", "/usr/bin/env"],
  "filesystem": {
    "binds": [
      "/usr",
      {"source": "/etc/ssl", "target": "/etc/ssl", "optional": true},
      {"source": "/srv/cache", "target": "/cache", "writable": true}
    ],
    "tmpfs": [
      {"target": "/tmp", "size": "64M"},
      {"target": "/run", "size": 1048576, "mode": "0755"}
    ],
    "workspace": {"mode": "tmpfs", "target": "/workspace", "size": "128MiB"}
  },
  "network": "dangerous_host_network",
  "limits": {
    "wall_time": "30s", "cpu_time": 20000, "memory": "512M", "pids": 128,
    "open_files": 1024, "file_size": "1G", "stdout": "2M", "stderr": 4096,
    "cpu_cores": 1.5, "on_output_limit": "truncate"
  },
  "env": {
    "set": {"LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"},
    "pass": ["TERM", "LANG"]
  },
  "syscalls": {
    "action": "errno",
    "errno": "EACCES",
    "deny": ["socket", {"name": "bpf", "action": "kill"},
             {"name": "io_uring_setup", "errno": "ENOSYS"}],
    "dangerous_allow": ["ptrace", "personality"]
  },
  "require": ["landlock", "cgroup_memory"],
  "hostname": "sandbox.local",
  "uid": 2000,
  "gid": 3000
})";

TEST(ProfileParseTest, FullProfile) {
  const ProfileLoad load = parse_profile(kFullProfile, "full.json");
  ASSERT_TRUE(load.ok()) << all_errors(load);
  ASSERT_TRUE(load.errors.empty());
  const Profile& p = *load.profile;

  EXPECT_EQ(p.schema, 1);
  EXPECT_EQ(p.name, "py-runner");
  EXPECT_EQ(p.version, "2.1.0");
  EXPECT_EQ(p.description, "Runs Python scripts");
  EXPECT_EQ(p.owner, "tools-team");
  EXPECT_EQ(p.exec, (std::vector<std::string>{"/usr/bin/python3", "/usr/bin/env"}));

  ASSERT_EQ(p.binds.size(), 3u);
  EXPECT_EQ(p.binds[0].source, "/usr");
  EXPECT_EQ(p.binds[0].target, "/usr");
  EXPECT_FALSE(p.binds[0].writable);
  EXPECT_FALSE(p.binds[0].optional);
  EXPECT_EQ(p.binds[1].source, "/etc/ssl");
  EXPECT_TRUE(p.binds[1].optional);
  EXPECT_FALSE(p.binds[1].writable);
  EXPECT_EQ(p.binds[2].source, "/srv/cache");
  EXPECT_EQ(p.binds[2].target, "/cache");
  EXPECT_TRUE(p.binds[2].writable);

  ASSERT_EQ(p.tmpfs.size(), 2u);
  EXPECT_EQ(p.tmpfs[0].target, "/tmp");
  EXPECT_EQ(p.tmpfs[0].size_bytes, 64u << 20);
  EXPECT_EQ(p.tmpfs[0].mode, 01777u);
  EXPECT_EQ(p.tmpfs[1].target, "/run");
  EXPECT_EQ(p.tmpfs[1].size_bytes, 1048576u);
  EXPECT_EQ(p.tmpfs[1].mode, 0755u);

  EXPECT_EQ(p.workspace.mode, WorkspaceMode::Tmpfs);
  EXPECT_EQ(p.workspace.target, "/workspace");
  EXPECT_EQ(p.workspace.tmpfs_size_bytes, 128u << 20);

  EXPECT_EQ(p.network, NetworkMode::DangerousHostNetwork);

  EXPECT_EQ(p.limits.wall_time_ms, 30'000u);
  EXPECT_EQ(p.limits.cpu_time_ms, 20'000u);
  EXPECT_EQ(p.limits.memory_bytes, 512u << 20);
  EXPECT_EQ(p.limits.pids, 128u);
  EXPECT_EQ(p.limits.open_files, 1024u);
  EXPECT_EQ(p.limits.file_size_bytes, 1ull << 30);
  EXPECT_EQ(p.limits.stdout_bytes, 2u << 20);
  EXPECT_EQ(p.limits.stderr_bytes, 4096u);
  EXPECT_DOUBLE_EQ(p.limits.cpu_cores, 1.5);
  EXPECT_EQ(p.limits.on_output_limit, OutputLimitAction::Truncate);

  EXPECT_EQ(p.env.set, (std::map<std::string, std::string>{
                           {"LANG", "C.UTF-8"}, {"PYTHONDONTWRITEBYTECODE", "1"}}));
  EXPECT_EQ(p.env.pass, (std::vector<std::string>{"TERM", "LANG"}));

  EXPECT_EQ(p.syscalls.action, SyscallAction::Errno);
  EXPECT_EQ(p.syscalls.errno_value, EACCES);
  ASSERT_EQ(p.syscalls.deny.size(), 3u);
  EXPECT_EQ(p.syscalls.deny[0].name, "socket");
  EXPECT_FALSE(p.syscalls.deny[0].action.has_value());
  EXPECT_FALSE(p.syscalls.deny[0].errno_value.has_value());
  EXPECT_EQ(p.syscalls.deny[1].name, "bpf");
  EXPECT_EQ(p.syscalls.deny[1].action, SyscallAction::Kill);
  EXPECT_EQ(p.syscalls.deny[2].name, "io_uring_setup");
  EXPECT_FALSE(p.syscalls.deny[2].action.has_value());
  EXPECT_EQ(p.syscalls.deny[2].errno_value, ENOSYS);
  EXPECT_EQ(p.syscalls.dangerous_allow,
            (std::vector<std::string>{"ptrace", "personality"}));

  EXPECT_EQ(p.require, (std::vector<std::string>{"landlock", "cgroup_memory"}));
  EXPECT_EQ(p.hostname, "sandbox.local");
  EXPECT_EQ(p.uid, 2000u);
  EXPECT_EQ(p.gid, 3000u);

  EXPECT_EQ(p.source_path, "full.json");
  EXPECT_EQ(p.content_sha256, sha256_hex(kFullProfile));
}

TEST(ProfileParseTest, MinimalProfileGetsDefaults) {
  const ProfileLoad load = parse(minimal_profile());
  ASSERT_TRUE(load.ok()) << all_errors(load);
  const Profile& p = *load.profile;
  const Profile defaults;
  const Limits limits;

  EXPECT_EQ(p.name, "echo");
  EXPECT_EQ(p.description, "");
  EXPECT_EQ(p.owner, "");
  EXPECT_TRUE(p.binds.empty());
  EXPECT_TRUE(p.tmpfs.empty());
  EXPECT_EQ(p.workspace.mode, WorkspaceMode::None);
  EXPECT_EQ(p.workspace.target, "/work");
  EXPECT_EQ(p.workspace.tmpfs_size_bytes, 64u << 20);
  EXPECT_EQ(p.network, NetworkMode::None);
  EXPECT_EQ(p.limits.wall_time_ms, limits.wall_time_ms);
  EXPECT_EQ(p.limits.cpu_time_ms, limits.cpu_time_ms);
  EXPECT_EQ(p.limits.memory_bytes, limits.memory_bytes);
  EXPECT_EQ(p.limits.pids, limits.pids);
  EXPECT_EQ(p.limits.open_files, limits.open_files);
  EXPECT_EQ(p.limits.file_size_bytes, limits.file_size_bytes);
  EXPECT_EQ(p.limits.stdout_bytes, limits.stdout_bytes);
  EXPECT_EQ(p.limits.stderr_bytes, limits.stderr_bytes);
  EXPECT_EQ(p.limits.cpu_cores, 0.0);
  EXPECT_EQ(p.limits.on_output_limit, OutputLimitAction::Kill);
  EXPECT_TRUE(p.env.set.empty());
  EXPECT_TRUE(p.env.pass.empty());
  EXPECT_EQ(p.syscalls.action, SyscallAction::Kill);
  EXPECT_EQ(p.syscalls.errno_value, EPERM);
  EXPECT_TRUE(p.syscalls.deny.empty());
  EXPECT_TRUE(p.syscalls.dangerous_allow.empty());
  EXPECT_TRUE(p.require.empty());
  EXPECT_EQ(p.hostname, defaults.hostname);
  EXPECT_EQ(p.uid, defaults.uid);
  EXPECT_EQ(p.gid, defaults.gid);
  EXPECT_TRUE(p.dangerous_opt_ins().empty());
}

TEST(ProfileParseTest, EmptySectionsAreValid) {
  json document = minimal_profile();
  document["filesystem"] = json::object();
  document["limits"] = json::object();
  document["env"] = json::object();
  document["syscalls"] = json::object();
  document["require"] = json::array();
  const ProfileLoad load = parse(document);
  EXPECT_TRUE(load.ok()) << all_errors(load);
}

TEST(ProfileParseTest, AcceptsComments) {
  const std::string text = R"(
    // line comment
    {
      /* block
         comment */
      "schema": 1, // trailing
      "name": "echo",
      "version": "1", /* inline */ "exec": ["/bin/echo"]
    }
    // after
  )";
  const ProfileLoad load = parse_profile(text, "c.json");
  EXPECT_TRUE(load.ok()) << all_errors(load);
}

TEST(ProfileParseTest, ZeroMeansNoLimit) {
  json document = minimal_profile();
  document["limits"] = {{"cpu_time", 0}, {"memory", 0}, {"pids", 0},
                        {"open_files", 0}, {"file_size", "0"}, {"cpu_cores", 0}};
  const ProfileLoad load = parse(document);
  ASSERT_TRUE(load.ok()) << all_errors(load);
  EXPECT_EQ(load.profile->limits.cpu_time_ms, 0u);
  EXPECT_EQ(load.profile->limits.memory_bytes, 0u);
  EXPECT_EQ(load.profile->limits.pids, 0u);
  EXPECT_EQ(load.profile->limits.open_files, 0u);
  EXPECT_EQ(load.profile->limits.file_size_bytes, 0u);
}

TEST(ProfileParseTest, LimitBoundariesAreInclusive) {
  json document = minimal_profile();
  document["limits"] = {{"wall_time", "24h"}, {"memory", "4M"},
                        {"pids", 65536},      {"open_files", 16},
                        {"stdout", "1G"},     {"stderr", 1},
                        {"cpu_cores", 1024}};
  document["filesystem"]["tmpfs"] = {{{"target", "/tmp"}, {"size", "16G"}}};
  document["uid"] = 65533;
  document["gid"] = 1;
  const ProfileLoad load = parse(document);
  ASSERT_TRUE(load.ok()) << all_errors(load);
  EXPECT_EQ(load.profile->limits.wall_time_ms, 86'400'000u);
  EXPECT_EQ(load.profile->uid, 65533u);
}

TEST(ProfileParseTest, BindTargetDefaultsToSource) {
  const ProfileLoad load =
      parse_with("/filesystem/binds", {{{"source", "/opt/tool"}}});
  ASSERT_TRUE(load.ok()) << all_errors(load);
  ASSERT_EQ(load.profile->binds.size(), 1u);
  EXPECT_EQ(load.profile->binds[0].target, "/opt/tool");
  EXPECT_FALSE(load.profile->binds[0].writable);
  EXPECT_FALSE(load.profile->binds[0].optional);
}

TEST(ProfileParseTest, WorkspaceModes) {
  const std::pair<const char*, WorkspaceMode> cases[] = {
      {"none", WorkspaceMode::None},
      {"ro", WorkspaceMode::HostRo},
      {"rw", WorkspaceMode::HostRw},
      {"tmpfs", WorkspaceMode::Tmpfs}};
  for (const auto& [name, mode] : cases) {
    const ProfileLoad load =
        parse_with("/filesystem/workspace", {{"mode", name}});
    ASSERT_TRUE(load.ok()) << name << all_errors(load);
    EXPECT_EQ(load.profile->workspace.mode, mode);
    EXPECT_EQ(load.profile->workspace.target, "/work");
  }
}

TEST(ProfileParseTest, EnvNameMayBeBothSetAndPassed) {
  json document = minimal_profile();
  document["env"] = {{"set", {{"LANG", "C"}}}, {"pass", {"LANG"}}};
  EXPECT_TRUE(parse(document).ok());
}

TEST(ProfileParseTest, WorkspaceTargetMayBeUsedWhenWorkspaceIsNone) {
  json document = minimal_profile();
  document["filesystem"] = {
      {"workspace", {{"mode", "none"}}},
      {"tmpfs", {{{"target", "/work"}, {"size", "1M"}}}}};
  EXPECT_TRUE(parse(document).ok()) << all_errors(parse(document));
}

// ---------------------------------------------------------------------------
// Dangerous opt-ins

TEST(ProfileParseTest, DangerousOptInsInOrder) {
  json document = minimal_profile();
  document["network"] = "dangerous_host_network";
  document["syscalls"] = {{"dangerous_allow", {"ptrace", "mount"}}};
  const ProfileLoad load = parse(document);
  ASSERT_TRUE(load.ok()) << all_errors(load);
  EXPECT_EQ(load.profile->dangerous_opt_ins(),
            (std::vector<std::string>{"dangerous_host_network",
                                      "dangerous_allow:ptrace",
                                      "dangerous_allow:mount"}));
}

TEST(ProfileParseTest, DangerousAllowWithoutHostNetwork) {
  const ProfileLoad load =
      parse_with("/syscalls", {{"dangerous_allow", {"ptrace"}}});
  ASSERT_TRUE(load.ok()) << all_errors(load);
  EXPECT_EQ(load.profile->dangerous_opt_ins(),
            (std::vector<std::string>{"dangerous_allow:ptrace"}));
}

TEST(ProfileParseTest, ExplicitNoneNetworkIsNotAnOptIn) {
  const ProfileLoad load = parse_with("/network", "none");
  ASSERT_TRUE(load.ok()) << all_errors(load);
  EXPECT_TRUE(load.profile->dangerous_opt_ins().empty());
}

// ---------------------------------------------------------------------------
// Document-level errors

TEST(ProfileErrorTest, InvalidJsonReportsBytePosition) {
  const ProfileLoad load = parse_profile("{\"schema\": 1,, }", "bad.json");
  ASSERT_TRUE(HasOnlyError(load, "", "invalid JSON at byte"));
  EXPECT_EQ(load.errors[0].file, "bad.json");
  EXPECT_EQ(load.errors[0].reason.find("[json.exception"), std::string::npos);
  EXPECT_FALSE(load.ok());
  EXPECT_EQ(load.profile, nullptr);
}

TEST(ProfileErrorTest, EmptyAndTruncatedText) {
  EXPECT_TRUE(HasOnlyError(parse_profile("", "e.json"), "", "invalid JSON"));
  EXPECT_TRUE(HasOnlyError(parse_profile("{\"schema\": 1", "e.json"), "",
                           "invalid JSON"));
  EXPECT_TRUE(HasOnlyError(parse_profile("{} /* unterminated", "e.json"), "",
                           "invalid JSON"));
}

TEST(ProfileErrorTest, InvalidUtf8IsAParseError) {
  EXPECT_TRUE(HasOnlyError(
      parse_profile("{\"name\": \"\xff\"}", "u.json"), "", "invalid JSON"));
}

TEST(ProfileErrorTest, TopLevelMustBeObject) {
  EXPECT_TRUE(HasOnlyError(parse_profile("[1, 2]", "a.json"), "",
                           "must be a JSON object, got an array"));
  EXPECT_TRUE(HasOnlyError(parse_profile("null", "a.json"), "",
                           "got null"));
}

TEST(ProfileErrorTest, MissingRequiredFields) {
  const ProfileLoad load = parse_profile("{}", "empty.json");
  EXPECT_EQ(load.errors.size(), 4u) << all_errors(load);
  EXPECT_TRUE(HasError(load, "schema", "required field is missing"));
  EXPECT_TRUE(HasError(load, "name", "required field is missing"));
  EXPECT_TRUE(HasError(load, "version", "required field is missing"));
  EXPECT_TRUE(HasError(load, "exec", "required field is missing"));
}

TEST(ProfileErrorTest, DuplicateKeysAreErrors) {
  const std::string text = R"({
    "schema": 1, "name": "echo", "version": "1", "exec": ["/bin/echo"],
    "network": "none", "network": "dangerous_host_network",
    "filesystem": {"binds": [{"source": "/a", "source": "/b"}]}
  })";
  const ProfileLoad load = parse_profile(text, "dup.json");
  EXPECT_EQ(load.errors.size(), 2u) << all_errors(load);
  EXPECT_TRUE(HasError(load, "network", "duplicate key"));
  EXPECT_TRUE(HasError(load, "filesystem.binds[0].source", "duplicate key"));
}

TEST(ProfileErrorTest, DuplicateKeyPathCountsArrayElements) {
  const std::string text = R"({
    "schema": 1, "name": "echo", "version": "1", "exec": ["/bin/echo"],
    "filesystem": {"binds": ["/a", [], {"source": "/c"},
                            {"source": "/d", "writable": true, "writable": false}]}
  })";
  const ProfileLoad load = parse_profile(text, "dup.json");
  EXPECT_TRUE(HasError(load, "filesystem.binds[3].writable", "duplicate key"));
  EXPECT_TRUE(HasError(load, "filesystem.binds[1]", "got an array"));
}

// ---------------------------------------------------------------------------
// Unknown fields

TEST(ProfileErrorTest, UnknownFieldsAtEveryDepth) {
  json document = minimal_profile();
  document["colour"] = "blue";
  document["filesystem"] = {
      {"extra", 1},
      {"binds", {{{"source", "/a"}, {"readonly", true}}}},
      {"tmpfs", {{{"target", "/tmp"}, {"size", "1M"}, {"uid", 0}}}},
      {"workspace", {{"mode", "rw"}, {"path", "/w"}}}};
  document["limits"] = {{"memroy", "1G"}};
  document["env"] = {{"unset", {"X"}}};
  document["syscalls"] = {
      {"allow", {"ptrace"}},
      {"deny", {{{"name", "bpf"}, {"why", "no"}}}}};
  const ProfileLoad load = parse(document);
  EXPECT_EQ(load.errors.size(), 9u) << all_errors(load);
  EXPECT_TRUE(HasError(load, "colour", "unknown field"));
  EXPECT_TRUE(HasError(load, "filesystem.extra", "unknown field"));
  EXPECT_TRUE(HasError(load, "filesystem.binds[0].readonly", "unknown field"));
  EXPECT_TRUE(HasError(load, "filesystem.tmpfs[0].uid", "unknown field"));
  EXPECT_TRUE(HasError(load, "filesystem.workspace.path", "unknown field"));
  EXPECT_TRUE(HasError(load, "limits.memroy", "unknown field"));
  EXPECT_TRUE(HasError(load, "env.unset", "unknown field"));
  EXPECT_TRUE(HasError(load, "syscalls.allow", "unknown field"));
  EXPECT_TRUE(HasError(load, "syscalls.deny[0].why", "unknown field"));
}

TEST(ProfileErrorTest, UnknownFieldListsTheKnownOnes) {
  const ProfileLoad load = parse_with("/limits/memroy", 1);
  ASSERT_TRUE(HasOnlyError(load, "limits.memroy", "\"memory\""));
}

TEST(ProfileErrorTest, OddKeysAreQuotedInPaths) {
  json document = minimal_profile();
  document["a b"] = 1;
  document["line\nbreak"] = 1;
  const ProfileLoad load = parse(document);
  EXPECT_TRUE(HasError(load, "[\"a b\"]", "unknown field"));
  EXPECT_TRUE(HasError(load, "[\"line\\nbreak\"]", "unknown field"));
}

// ---------------------------------------------------------------------------
// Identity

TEST(ProfileErrorTest, Schema) {
  EXPECT_TRUE(HasOnlyError(parse_with("/schema", 2), "schema",
                           "unsupported schema version 2"));
  EXPECT_TRUE(HasOnlyError(parse_with("/schema", "1"), "schema",
                           "expected an integer, got a string"));
  EXPECT_TRUE(HasOnlyError(parse_with("/schema", 1.0), "schema",
                           "expected an integer, got a floating-point number"));
}

TEST(ProfileErrorTest, Name) {
  for (const char* bad : {"", "Echo", "-echo", ".echo", "_echo", "echo tool",
                          "echo/x", "ec\xc3\xa9"}) {
    EXPECT_TRUE(HasOnlyError(parse_with("/name", bad), "name",
                             "not a valid profile name"))
        << bad;
  }
  EXPECT_TRUE(HasOnlyError(parse_with("/name", std::string(65, 'a')), "name",
                           "not a valid profile name"));
  EXPECT_TRUE(parse_with("/name", std::string(64, 'a')).ok());
  EXPECT_TRUE(parse_with("/name", "0tool.v2_x-y").ok());
  EXPECT_TRUE(HasOnlyError(parse_with("/name", 5), "name",
                           "expected a string, got an integer"));
}

TEST(ProfileErrorTest, TextFields) {
  EXPECT_TRUE(HasOnlyError(parse_with("/version", ""), "version",
                           "must not be empty"));
  EXPECT_TRUE(HasOnlyError(parse_with("/version", std::string(65, '1')),
                           "version", "longer than 64"));
  EXPECT_TRUE(parse_with("/version", std::string(64, '1')).ok());
  EXPECT_TRUE(HasOnlyError(parse_with("/description", std::string(1025, 'x')),
                           "description", "longer than 1024"));
  EXPECT_TRUE(parse_with("/description", "").ok());
  EXPECT_TRUE(HasOnlyError(parse_with("/owner", std::string(257, 'x')),
                           "owner", "longer than 256"));
  EXPECT_TRUE(HasOnlyError(parse_with("/owner", std::string("a\0b", 3)),
                           "owner", "NUL"));
  EXPECT_TRUE(HasOnlyError(parse_with("/description", json::array()),
                           "description", "expected a string, got an array"));
}

// ---------------------------------------------------------------------------
// exec and paths

TEST(ProfileErrorTest, Exec) {
  EXPECT_TRUE(HasOnlyError(parse_with("/exec", json::array()), "exec",
                           "at least one"));
  EXPECT_TRUE(HasOnlyError(parse_with("/exec", "/bin/echo"), "exec",
                           "expected an array, got a string"));
  EXPECT_TRUE(HasOnlyError(parse_with("/exec", {"/bin/echo", 3}), "exec[1]",
                           "expected a string"));
  EXPECT_TRUE(HasOnlyError(parse_with("/exec", {"/bin/echo", "/bin/echo"}),
                           "exec[1]", "repeated (first at exec[0])"));
}

TEST(ProfileErrorTest, AbsolutePaths) {
  const std::pair<std::string, const char*> cases[] = {
      {"bin/echo", "absolute"},
      {"", "must not be empty"},
      {"/usr/../bin/sh", "'..'"},
      {"/usr/bin/..", "'..'"},
      {"/usr//bin", "'//'"},
      {"//usr", "'//'"},
      {"/usr/./bin", "'.'"},
      {"/usr/bin/", "must not end with '/'"},
      {std::string("/bin/a\0b", 8), "NUL"},
      {"/" + std::string(4096, 'a'), "longer than 4096"},
  };
  for (const auto& [path, reason] : cases) {
    EXPECT_TRUE(HasOnlyError(parse_with("/exec", {path}), "exec[0]", reason))
        << path;
  }
  EXPECT_TRUE(parse_with("/exec", {"/" + std::string(4095, 'a')}).ok());
  EXPECT_TRUE(parse_with("/exec", {"/usr/bin/..."}).ok());
}

// ---------------------------------------------------------------------------
// filesystem

TEST(ProfileErrorTest, BindShapes) {
  EXPECT_TRUE(HasOnlyError(parse_with("/filesystem/binds", {42}),
                           "filesystem.binds[0]",
                           "expected a path string or an object"));
  EXPECT_TRUE(HasOnlyError(parse_with("/filesystem/binds", json::array({json::object()})),
                           "filesystem.binds[0].source",
                           "required field is missing"));
  EXPECT_TRUE(HasOnlyError(
      parse_with("/filesystem/binds", {{{"source", "/a"}, {"writable", "yes"}}}),
      "filesystem.binds[0].writable", "expected a boolean"));
  EXPECT_TRUE(HasOnlyError(
      parse_with("/filesystem/binds", {{{"source", "/a"}, {"target", "rel"}}}),
      "filesystem.binds[0].target", "absolute"));
  EXPECT_TRUE(HasOnlyError(parse_with("/filesystem/binds", "/usr"),
                           "filesystem.binds", "expected an array"));
  EXPECT_TRUE(HasOnlyError(parse_with("/filesystem", json::array()),
                           "filesystem", "expected an object"));
}

TEST(ProfileErrorTest, ReservedTargets) {
  EXPECT_TRUE(HasOnlyError(parse_with("/filesystem/binds", {"/proc"}),
                           "filesystem.binds[0]", "\"/proc\""));
  EXPECT_TRUE(HasOnlyError(parse_with("/filesystem/binds", {"/dev/shm"}),
                           "filesystem.binds[0]", "\"/dev\""));
  EXPECT_TRUE(HasOnlyError(
      parse_with("/filesystem/binds", {{{"source", "/srv"}, {"target", "/"}}}),
      "filesystem.binds[0].target", "sandbox root"));
  EXPECT_TRUE(HasOnlyError(
      parse_with("/filesystem/binds",
                 {{{"source", "/proc/cpuinfo"}, {"target", "/proc/cpuinfo"}}}),
      "filesystem.binds[0].target", "sandbox mounts it itself"));
  EXPECT_TRUE(HasOnlyError(
      parse_with("/filesystem/tmpfs", {{{"target", "/dev"}, {"size", "1M"}}}),
      "filesystem.tmpfs[0].target", "\"/dev\""));
  EXPECT_TRUE(HasOnlyError(
      parse_with("/filesystem/workspace", {{"mode", "rw"}, {"target", "/proc/w"}}),
      "filesystem.workspace.target", "\"/proc\""));
  // Only whole components are reserved.
  EXPECT_TRUE(parse_with("/filesystem/binds", {"/devices"}).ok());
  EXPECT_TRUE(parse_with("/filesystem/binds", {"/processes"}).ok());
  // A host /proc path may be bound elsewhere; only the target is reserved.
  EXPECT_TRUE(parse_with("/filesystem/binds",
                         {{{"source", "/dev/null"}, {"target", "/opt/null"}}})
                  .ok());
}

TEST(ProfileErrorTest, DuplicateTargetsAcrossMountKinds) {
  json document = minimal_profile();
  document["filesystem"] = {
      {"binds", {"/usr", {{"source", "/srv/usr"}, {"target", "/usr"}},
                 {{"source", "/srv/w"}, {"target", "/work"}}}},
      {"tmpfs", {{{"target", "/usr"}, {"size", "1M"}}}},
      {"workspace", {{"mode", "rw"}}}};
  const ProfileLoad load = parse(document);
  EXPECT_EQ(load.errors.size(), 3u) << all_errors(load);
  EXPECT_TRUE(HasError(load, "filesystem.binds[1].target",
                       "already used by filesystem.binds[0]"));
  EXPECT_TRUE(HasError(load, "filesystem.tmpfs[0].target",
                       "already used by filesystem.binds[0]"));
  EXPECT_TRUE(HasError(load, "filesystem.workspace.target",
                       "already used by filesystem.binds[2].target"));
}

TEST(ProfileErrorTest, Tmpfs) {
  EXPECT_TRUE(HasOnlyError(parse_with("/filesystem/tmpfs", {{{"target", "/t"}}}),
                           "filesystem.tmpfs[0].size",
                           "required field is missing"));
  EXPECT_TRUE(HasOnlyError(parse_with("/filesystem/tmpfs", {{{"size", "1M"}}}),
                           "filesystem.tmpfs[0].target",
                           "required field is missing"));
  EXPECT_TRUE(HasOnlyError(
      parse_with("/filesystem/tmpfs", {{{"target", "/t"}, {"size", 0}}}),
      "filesystem.tmpfs[0].size", "greater than 0"));
  EXPECT_TRUE(HasOnlyError(
      parse_with("/filesystem/tmpfs", {{{"target", "/t"}, {"size", "17G"}}}),
      "filesystem.tmpfs[0].size", "at most 16 GiB"));
  EXPECT_TRUE(HasOnlyError(
      parse_with("/filesystem/tmpfs", {{{"target", "/t"}, {"size", "lots"}}}),
      "filesystem.tmpfs[0].size", "invalid size"));
  EXPECT_TRUE(HasOnlyError(
      parse_with("/filesystem/tmpfs", {{{"target", "/t"}, {"size", -1}}}),
      "filesystem.tmpfs[0].size", "must not be negative"));
  EXPECT_TRUE(HasOnlyError(
      parse_with("/filesystem/tmpfs", {{{"target", "/t"}, {"size", true}}}),
      "filesystem.tmpfs[0].size", "expected a size"));
  for (const char* mode : {"999", "0o755", "75", "17777", "", "rwx"}) {
    EXPECT_TRUE(HasOnlyError(
        parse_with("/filesystem/tmpfs",
                   {{{"target", "/t"}, {"size", "1M"}, {"mode", mode}}}),
        "filesystem.tmpfs[0].mode", "not an octal mode"))
        << mode;
  }
  EXPECT_TRUE(HasOnlyError(
      parse_with("/filesystem/tmpfs",
                 {{{"target", "/t"}, {"size", "1M"}, {"mode", 755}}}),
      "filesystem.tmpfs[0].mode", "expected an octal mode string"));
  const ProfileLoad ok = parse_with(
      "/filesystem/tmpfs", {{{"target", "/t"}, {"size", "1M"}, {"mode", "700"}}});
  ASSERT_TRUE(ok.ok()) << all_errors(ok);
  EXPECT_EQ(ok.profile->tmpfs[0].mode, 0700u);
}

TEST(ProfileErrorTest, Workspace) {
  EXPECT_TRUE(HasOnlyError(parse_with("/filesystem/workspace", json::object()),
                           "filesystem.workspace.mode",
                           "required field is missing"));
  EXPECT_TRUE(HasOnlyError(
      parse_with("/filesystem/workspace", {{"mode", "readonly"}}),
      "filesystem.workspace.mode", "\"none\", \"ro\", \"rw\", \"tmpfs\""));
  EXPECT_TRUE(HasOnlyError(
      parse_with("/filesystem/workspace", {{"mode", "ro"}, {"size", "1M"}}),
      "filesystem.workspace.size", "only allowed when mode is \"tmpfs\""));
  EXPECT_TRUE(HasOnlyError(
      parse_with("/filesystem/workspace", {{"mode", "tmpfs"}, {"size", "0"}}),
      "filesystem.workspace.size", "greater than 0"));
  EXPECT_TRUE(HasOnlyError(
      parse_with("/filesystem/workspace", {{"mode", "tmpfs"}, {"size", "32G"}}),
      "filesystem.workspace.size", "at most 16 GiB"));
  EXPECT_TRUE(HasOnlyError(
      parse_with("/filesystem/workspace", {{"mode", "rw"}, {"target", "/"}}),
      "filesystem.workspace.target", "sandbox root"));
}

// ---------------------------------------------------------------------------
// network and limits

TEST(ProfileErrorTest, Network) {
  EXPECT_TRUE(HasOnlyError(parse_with("/network", "host"), "network",
                           "unknown value \"host\""));
  EXPECT_TRUE(HasOnlyError(parse_with("/network", false), "network",
                           "expected a string, got a boolean"));
}

TEST(ProfileErrorTest, LimitRanges) {
  const struct {
    const char* key;
    json value;
    const char* reason;
  } cases[] = {
      {"wall_time", 0, "greater than 0"},
      {"wall_time", "25h", "at most 24h"},
      {"wall_time", "10", "unit is required"},
      {"wall_time", 1.5, "expected a duration"},
      {"cpu_time", -5, "must not be negative"},
      {"memory", "1M", "0 (no limit) or at least 4 MiB"},
      {"memory", "lots", "invalid size"},
      {"pids", 65537, "at most 65536"},
      {"pids", "64", "expected an integer"},
      {"open_files", 8, "0 (no limit) or at least 16"},
      {"open_files", 1048577, "at most 1048576"},
      {"file_size", -1, "must not be negative"},
      {"stdout", 0, "greater than 0"},
      {"stdout", "2G", "at most 1 GiB"},
      {"stderr", "0K", "greater than 0"},
      {"cpu_cores", -1, "at most 1024"},
      {"cpu_cores", 1024.5, "at most 1024"},
      {"cpu_cores", "2", "expected a number"},
      {"on_output_limit", "drop", "\"kill\", \"truncate\""},
  };
  for (const auto& c : cases) {
    EXPECT_TRUE(HasOnlyError(parse_with(std::string("/limits/") + c.key, c.value),
                             std::string("limits.") + c.key, c.reason))
        << c.key << " = " << c.value.dump();
  }
}

TEST(ProfileErrorTest, LimitsMustBeObject) {
  EXPECT_TRUE(HasOnlyError(parse_with("/limits", 5), "limits",
                           "expected an object, got an integer"));
}

// ---------------------------------------------------------------------------
// env

TEST(ProfileErrorTest, Env) {
  EXPECT_TRUE(HasOnlyError(parse_with("/env/set", {{"1ABC", "x"}}),
                           "env.set.1ABC", "not a valid variable name"));
  EXPECT_TRUE(HasOnlyError(parse_with("/env/set", {{"A=B", "x"}}),
                           "env.set[\"A=B\"]", "not a valid variable name"));
  EXPECT_TRUE(HasOnlyError(parse_with("/env/set", {{"A", 1}}), "env.set.A",
                           "expected a string, got an integer"));
  EXPECT_TRUE(HasOnlyError(parse_with("/env/set", {{"A", std::string("x\0y", 3)}}),
                           "env.set.A", "NUL"));
  EXPECT_TRUE(HasOnlyError(parse_with("/env/set", {"A"}), "env.set",
                           "expected an object"));
  EXPECT_TRUE(HasOnlyError(parse_with("/env/pass", {"TERM", "TERM"}),
                           "env.pass[1]", "repeated"));
  EXPECT_TRUE(HasOnlyError(parse_with("/env/pass", {"MY-VAR"}), "env.pass[0]",
                           "not a valid variable name"));
  EXPECT_TRUE(HasOnlyError(parse_with("/env/pass", {""}), "env.pass[0]",
                           "not a valid variable name"));
  EXPECT_TRUE(HasOnlyError(parse_with("/env/pass", {{{"x", 1}}}), "env.pass[0]",
                           "expected a string"));
  EXPECT_TRUE(parse_with("/env/set", {{"_a1", ""}}).ok());
}

// ---------------------------------------------------------------------------
// syscalls

TEST(ProfileErrorTest, SyscallNames) {
  EXPECT_TRUE(HasOnlyError(parse_with("/syscalls/deny", {"Socket"}),
                           "syscalls.deny[0]", "not a valid syscall name"));
  EXPECT_TRUE(HasOnlyError(parse_with("/syscalls/deny", {std::string(65, 'a')}),
                           "syscalls.deny[0]", "not a valid syscall name"));
  EXPECT_TRUE(HasOnlyError(parse_with("/syscalls/deny", {{{"name", "a b"}}}),
                           "syscalls.deny[0].name", "not a valid syscall name"));
  EXPECT_TRUE(HasOnlyError(parse_with("/syscalls/deny", {{{"action", "kill"}}}),
                           "syscalls.deny[0].name", "required field is missing"));
  EXPECT_TRUE(HasOnlyError(parse_with("/syscalls/deny", {7}), "syscalls.deny[0]",
                           "expected a syscall name string or an object"));
  EXPECT_TRUE(HasOnlyError(parse_with("/syscalls/dangerous_allow", {""}),
                           "syscalls.dangerous_allow[0]",
                           "not a valid syscall name"));
}

TEST(ProfileErrorTest, SyscallDuplicates) {
  EXPECT_TRUE(HasOnlyError(
      parse_with("/syscalls/deny", {"bpf", {{"name", "bpf"}}}),
      "syscalls.deny[1].name", "repeated (first at syscalls.deny[0])"));
  EXPECT_TRUE(HasOnlyError(
      parse_with("/syscalls/dangerous_allow", {"ptrace", "ptrace"}),
      "syscalls.dangerous_allow[1]", "repeated"));
  EXPECT_TRUE(HasOnlyError(
      parse_with("/syscalls", {{"deny", {"ptrace"}},
                               {"dangerous_allow", {"ptrace"}}}),
      "syscalls.dangerous_allow[0]", "also denied at syscalls.deny[0]"));
}

TEST(ProfileErrorTest, SyscallActionsAndErrno) {
  EXPECT_TRUE(HasOnlyError(parse_with("/syscalls/action", "log"),
                           "syscalls.action", "\"kill\", \"errno\""));
  EXPECT_TRUE(HasOnlyError(parse_with("/syscalls/errno", "EWHATEVER"),
                           "syscalls.errno", "\"EPERM\""));
  EXPECT_TRUE(HasOnlyError(parse_with("/syscalls/errno", 1), "syscalls.errno",
                           "expected an errno name"));
  // An entry's errno needs the errno action, its own or the default.
  EXPECT_TRUE(HasOnlyError(
      parse_with("/syscalls/deny", {{{"name", "bpf"}, {"errno", "EPERM"}}}),
      "syscalls.deny[0].errno", "only allowed when the action is \"errno\""));
  EXPECT_TRUE(HasOnlyError(
      parse_with("/syscalls", {{"action", "errno"},
                               {"deny", {{{"name", "bpf"}, {"action", "kill"},
                                          {"errno", "EPERM"}}}}}),
      "syscalls.deny[0].errno", "only allowed"));
  const ProfileLoad ok = parse_with(
      "/syscalls/deny",
      {{{"name", "bpf"}, {"action", "errno"}, {"errno", "EAFNOSUPPORT"}}});
  ASSERT_TRUE(ok.ok()) << all_errors(ok);
  EXPECT_EQ(ok.profile->syscalls.deny[0].action, SyscallAction::Errno);
  EXPECT_EQ(ok.profile->syscalls.deny[0].errno_value, EAFNOSUPPORT);
}

TEST(ProfileParseTest, ErrnoNames) {
  const std::pair<const char*, int> cases[] = {
      {"EPERM", EPERM},     {"EACCES", EACCES},
      {"ENOSYS", ENOSYS},   {"EAFNOSUPPORT", EAFNOSUPPORT},
      {"EINVAL", EINVAL},   {"ENOENT", ENOENT}};
  for (const auto& [name, value] : cases) {
    const ProfileLoad load = parse_with("/syscalls/errno", name);
    ASSERT_TRUE(load.ok()) << name << all_errors(load);
    EXPECT_EQ(load.profile->syscalls.errno_value, value) << name;
  }
}

// ---------------------------------------------------------------------------
// require, hostname, ids

TEST(ProfileErrorTest, Require) {
  EXPECT_TRUE(HasOnlyError(
      parse_with("/require", {"selinux"}), "require[0]",
      "unknown control \"selinux\" (expected one of: \"landlock\", "
      "\"cgroup_memory\", \"cgroup_pids\", \"cgroup_cpu\", \"clear_groups\")"));
  EXPECT_TRUE(HasOnlyError(parse_with("/require", {"landlock", "landlock"}),
                           "require[1]", "repeated"));
  EXPECT_TRUE(HasOnlyError(parse_with("/require", "landlock"), "require",
                           "expected an array"));
  const ProfileLoad ok = parse_with("/require", optional_control_names());
  ASSERT_TRUE(ok.ok()) << all_errors(ok);
  EXPECT_EQ(ok.profile->require, optional_control_names());
}

TEST(ProfileErrorTest, Hostname) {
  for (const std::string& bad :
       {std::string(""), std::string("my_host"), std::string("a b"),
        std::string(65, 'h')}) {
    EXPECT_TRUE(HasOnlyError(parse_with("/hostname", bad), "hostname",
                             "not a valid hostname"))
        << bad;
  }
  EXPECT_TRUE(parse_with("/hostname", std::string(64, 'h')).ok());
  EXPECT_TRUE(parse_with("/hostname", "Box-1.example").ok());
}

TEST(ProfileErrorTest, UidGid) {
  EXPECT_TRUE(HasOnlyError(parse_with("/uid", 0), "uid", "never runs as root"));
  EXPECT_TRUE(HasOnlyError(parse_with("/gid", 0), "gid", "never runs as root"));
  EXPECT_TRUE(HasOnlyError(parse_with("/uid", 65534), "uid",
                           "between 1 and 65533"));
  EXPECT_TRUE(HasOnlyError(parse_with("/gid", -1), "gid", "must not be negative"));
  EXPECT_TRUE(HasOnlyError(parse_with("/uid", "1000"), "uid",
                           "expected an integer"));
  EXPECT_TRUE(HasOnlyError(parse_with("/uid", 1e3), "uid",
                           "expected an integer, got a floating-point number"));
}

// ---------------------------------------------------------------------------
// All errors in one pass

TEST(ProfileErrorTest, ReportsEveryErrorAtOnce) {
  const std::string text = R"({
    "schema": 2,
    "name": "Bad Name",
    "exec": ["relative"],
    "filesystem": {"binds": ["/proc", {"source": "/a", "writable": 1}]},
    "limits": {"memory": "1K", "wall_time": 0, "cpu_cores": -2},
    "env": {"pass": ["1X"]},
    "syscalls": {"deny": ["OPEN"]},
    "require": ["nope"],
    "uid": 0,
    "bogus": true
  })";
  const ProfileLoad load = parse_profile(text, "many.json");
  EXPECT_FALSE(load.ok());
  EXPECT_EQ(load.profile, nullptr);
  EXPECT_EQ(load.errors.size(), 14u) << all_errors(load);
  EXPECT_TRUE(HasError(load, "schema", "unsupported"));
  EXPECT_TRUE(HasError(load, "name", "not a valid profile name"));
  EXPECT_TRUE(HasError(load, "version", "required field is missing"));
  EXPECT_TRUE(HasError(load, "exec[0]", "absolute"));
  EXPECT_TRUE(HasError(load, "filesystem.binds[0]", "\"/proc\""));
  EXPECT_TRUE(HasError(load, "filesystem.binds[1].writable", "boolean"));
  EXPECT_TRUE(HasError(load, "limits.memory", "at least 4 MiB"));
  EXPECT_TRUE(HasError(load, "limits.wall_time", "greater than 0"));
  EXPECT_TRUE(HasError(load, "limits.cpu_cores", "at most 1024"));
  EXPECT_TRUE(HasError(load, "env.pass[0]", "variable name"));
  EXPECT_TRUE(HasError(load, "syscalls.deny[0]", "syscall name"));
  EXPECT_TRUE(HasError(load, "require[0]", "unknown control"));
  EXPECT_TRUE(HasError(load, "uid", "root"));
  EXPECT_TRUE(HasError(load, "bogus", "unknown field"));
  for (const ProfileError& error : load.errors) {
    EXPECT_EQ(error.file, "many.json");
  }
}

TEST(ProfileErrorTest, ToString) {
  EXPECT_EQ((ProfileError{"p.json", "limits.memory", "too small"}).to_string(),
            "p.json: limits.memory: too small");
  EXPECT_EQ((ProfileError{"p.json", "", "cannot open"}).to_string(),
            "p.json: cannot open");
}

TEST(ProfileTest, IsValidProfileName) {
  EXPECT_TRUE(is_valid_profile_name("a"));
  EXPECT_TRUE(is_valid_profile_name("9.x_y-z"));
  EXPECT_FALSE(is_valid_profile_name(""));
  EXPECT_FALSE(is_valid_profile_name("A"));
  EXPECT_FALSE(is_valid_profile_name("../x"));
  EXPECT_FALSE(is_valid_profile_name(std::string(65, 'a')));
}

// ---------------------------------------------------------------------------
// Files

TEST(ProfileLoadTest, LoadsFileAndRecordsProvenance) {
  TempDir dir;
  const std::string text = minimal_profile().dump(2);
  const std::string path = dir.write("echo.json", text);
  const ProfileLoad load = load_profile(path);
  ASSERT_TRUE(load.ok()) << all_errors(load);
  EXPECT_EQ(load.profile->source_path, path);
  EXPECT_EQ(load.profile->content_sha256, sha256_hex(text));
}

TEST(ProfileLoadTest, ErrorsCarryTheFileName) {
  TempDir dir;
  const std::string path = dir.write("bad.json", R"({"schema": 1})");
  const ProfileLoad load = load_profile(path);
  ASSERT_FALSE(load.ok());
  for (const ProfileError& error : load.errors) EXPECT_EQ(error.file, path);
  EXPECT_EQ(load.errors[0].to_string().rfind(path + ": ", 0), 0u);
}

TEST(ProfileLoadTest, MissingFile) {
  TempDir dir;
  const std::string path = dir.path() + "/nope.json";
  const ProfileLoad load = load_profile(path);
  EXPECT_TRUE(HasOnlyError(load, "", "No such file or directory"));
  EXPECT_EQ(load.errors[0].file, path);
  EXPECT_EQ(load.errors[0].to_string(),
            path + ": cannot open: No such file or directory");
}

TEST(ProfileLoadTest, DirectoryIsNotARegularFile) {
  TempDir dir;
  EXPECT_TRUE(HasOnlyError(load_profile(dir.path()), "", "not a regular file"));
}

TEST(ProfileLoadTest, FifoIsRejectedWithoutBlocking) {
  TempDir dir;
  const std::string path = dir.path() + "/fifo.json";
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  EXPECT_TRUE(HasOnlyError(load_profile(path), "", "not a regular file"));
}

TEST(ProfileLoadTest, UnreadableFile) {
  TempDir dir;
  const std::string path = dir.write("secret.json", minimal_profile().dump());
  ASSERT_EQ(::chmod(path.c_str(), 0), 0);
  if (::geteuid() != 0) {
    EXPECT_TRUE(HasOnlyError(load_profile(path), "", "Permission denied"));
    return;
  }
  // Root reads anything: check as an unprivileged user in a child process.
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0) ::_exit(3);
    ::_exit(HasOnlyError(load_profile(path), "", "Permission denied") ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
}

TEST(ProfileLoadTest, TooLargeFile) {
  TempDir dir;
  std::string text = minimal_profile().dump();
  text.append((1u << 20) + 1 - text.size(), ' ');
  const std::string path = dir.write("big.json", text);
  EXPECT_TRUE(HasOnlyError(load_profile(path), "", "too large"));

  text.pop_back();  // exactly 1 MiB is fine
  const std::string ok_path = dir.write("ok.json", text);
  EXPECT_TRUE(load_profile(ok_path).ok());
}

TEST(ProfileLoadTest, EmptyPath) {
  EXPECT_TRUE(HasOnlyError(load_profile(""), "", "invalid file name"));
}

// ---------------------------------------------------------------------------
// Hashing

TEST(ProfileHashTest, HashIsStableAndContentSensitive) {
  const std::string text = minimal_profile().dump();
  const ProfileLoad a = parse_profile(text, "a.json");
  const ProfileLoad b = parse_profile(text, "b.json");
  const ProfileLoad spaced = parse_profile(minimal_profile().dump(4), "a.json");
  ASSERT_TRUE(a.ok() && b.ok() && spaced.ok());
  EXPECT_EQ(a.profile->content_sha256, sha256_hex(text));
  EXPECT_EQ(a.profile->content_sha256.size(), 64u);
  EXPECT_EQ(a.profile->content_sha256, b.profile->content_sha256);
  EXPECT_NE(a.profile->content_sha256, spaced.profile->content_sha256);
}

TEST(ProfileHashTest, FileAndTextHashAgree) {
  TempDir dir;
  const std::string text = std::string(kFullProfile);
  const std::string path = dir.write("py-runner.json", text);
  const ProfileLoad from_file = load_profile(path);
  const ProfileLoad from_text = parse_profile(text, path);
  ASSERT_TRUE(from_file.ok() && from_text.ok());
  EXPECT_EQ(from_file.profile->content_sha256,
            from_text.profile->content_sha256);
}

// ---------------------------------------------------------------------------
// Resolving

json named_profile(const std::string& name, const std::string& version) {
  json document = minimal_profile();
  document["name"] = name;
  document["version"] = version;
  return document;
}

TEST(ProfileResolveTest, FindsByNameInFirstDirThatHasIt) {
  TempDir dir;
  dir.write("one/other.json", named_profile("other", "1").dump());
  dir.write("two/echo.json", named_profile("echo", "2").dump());
  dir.write("three/echo.json", named_profile("echo", "3").dump());
  const std::vector<std::string> dirs{dir.path() + "/missing",
                                      dir.path() + "/one", dir.path() + "/two",
                                      dir.path() + "/three"};
  const ProfileLoad load = resolve_profile("echo", dirs);
  ASSERT_TRUE(load.ok()) << all_errors(load);
  EXPECT_EQ(load.profile->version, "2");
  EXPECT_EQ(load.profile->source_path, dir.path() + "/two/echo.json");
}

TEST(ProfileResolveTest, NotFoundListsDirs) {
  const ProfileLoad load = resolve_profile("echo", {"/nonexistent/a", "/nonexistent/b"});
  EXPECT_TRUE(HasOnlyError(
      load, "", "profile 'echo' not found in: /nonexistent/a, /nonexistent/b"));
  EXPECT_TRUE(HasOnlyError(resolve_profile("echo", {}), "", "not found"));
}

TEST(ProfileResolveTest, InvalidNameIsRejected) {
  EXPECT_TRUE(HasOnlyError(resolve_profile("Echo", {"/tmp"}), "",
                           "invalid profile name"));
  EXPECT_TRUE(HasOnlyError(resolve_profile("..", {"/tmp"}), "",
                           "invalid profile name"));
  EXPECT_TRUE(HasOnlyError(resolve_profile("", {"/tmp"}), "",
                           "invalid profile name"));
}

TEST(ProfileResolveTest, NameMustMatchFile) {
  TempDir dir;
  dir.write("echo.json", named_profile("cat", "1").dump());
  const ProfileLoad load = resolve_profile("echo", {dir.path()});
  EXPECT_TRUE(HasOnlyError(load, "name", "declares name 'cat'"));
  EXPECT_EQ(load.errors[0].file, dir.path() + "/echo.json");
}

TEST(ProfileResolveTest, InvalidFileFoundByNameReportsItsErrors) {
  TempDir dir;
  dir.write("b/echo.json", named_profile("echo", "b").dump());
  dir.write("a/echo.json", "{ not json");
  const ProfileLoad load =
      resolve_profile("echo", {dir.path() + "/a", dir.path() + "/b"});
  EXPECT_TRUE(HasOnlyError(load, "", "invalid JSON"));
  EXPECT_EQ(load.errors[0].file, dir.path() + "/a/echo.json");
}

TEST(ProfileResolveTest, PathsAreLoadedDirectly) {
  TempDir dir;
  const std::string path =
      dir.write("custom-name.json", named_profile("echo", "1").dump());
  const ProfileLoad by_path = resolve_profile(path, {"/nonexistent"});
  ASSERT_TRUE(by_path.ok()) << all_errors(by_path);
  EXPECT_EQ(by_path.profile->source_path, path);

  // Ends in .json without a slash: relative path, not a name.
  const ProfileLoad relative = resolve_profile("no-such-file.json", {dir.path()});
  EXPECT_TRUE(HasOnlyError(relative, "", "No such file"));
  EXPECT_EQ(relative.errors[0].file, "no-such-file.json");
}

}  // namespace
}  // namespace cordon

namespace cordon {
namespace {

TEST(ProfileOutputTest, DefaultsAreStrictButNeverWithhold) {
  const ProfileLoad load = parse_profile(R"({"schema":1,"name":"e","version":"1","exec":["/bin/echo"]})", "e.json");
  ASSERT_TRUE(load.ok());
  const OutputPolicy& o = load.profile->output;
  EXPECT_TRUE(o.redact);
  EXPECT_TRUE(o.pii);
  EXPECT_EQ(o.max_data_class, "restricted");
  EXPECT_EQ(o.injection, InjectionAction::Flag);
  EXPECT_TRUE(load.profile->dangerous_opt_ins().empty());
}

TEST(ProfileOutputTest, ParsesEveryField) {
  const ProfileLoad load = parse_profile(R"({"schema":1,"name":"e","version":"1","exec":["/bin/echo"],
    "output": {"dangerous_disable_redaction": true, "fingerprint": true, "control_chars": "escape", "pii": false,
               "max_data_class": "internal", "injection": "withhold", "injection_threshold": 0.7,
               "rules": ["extra.json", "/etc/cordon/rules/site.json"]}})", "/etc/cordon/profiles/e.json");
  ASSERT_TRUE(load.ok()) << load.errors[0].to_string();
  const OutputPolicy& o = load.profile->output;
  EXPECT_FALSE(o.redact);
  EXPECT_TRUE(o.fingerprint);
  EXPECT_EQ(o.control_chars, ControlCharMode::Escape);
  EXPECT_FALSE(o.pii);
  EXPECT_EQ(o.max_data_class, "internal");
  EXPECT_EQ(o.injection, InjectionAction::Withhold);
  EXPECT_DOUBLE_EQ(o.injection_threshold, 0.7);
  EXPECT_EQ(o.rules, (std::vector<std::string>{"/etc/cordon/profiles/extra.json", "/etc/cordon/rules/site.json"}));
  EXPECT_EQ(load.profile->dangerous_opt_ins(), std::vector<std::string>{"dangerous_disable_redaction"});
}

TEST(ProfileOutputTest, EveryOutputErrorIsReportedAtOnce) {
  const ProfileLoad load = parse_profile(R"({"schema":1,"name":"e","version":"1","exec":["/bin/echo"],
    "output": {"redact": false, "max_data_class": "secret", "injection": "maybe", "injection_threshold": 1.5,
               "pii": "yes", "rules": ["a.json", "a.json", ""]}})", "e.json");
  ASSERT_FALSE(load.ok());
  std::string all;
  for (const auto& e : load.errors) all += e.to_string() + "\n";
  for (const char* field : {"output.redact", "output.max_data_class", "output.injection", "output.injection_threshold",
                            "output.pii", "output.rules[1]", "output.rules[2]"})
    EXPECT_NE(all.find(std::string("e.json: ") + field + ":"), std::string::npos) << field << "\n" << all;
}

}  // namespace
}  // namespace cordon
