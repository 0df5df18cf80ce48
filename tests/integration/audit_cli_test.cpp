// `cordon audit verify|query` end to end: exit codes, messages that name
// file, line and seq, --json, and the query filters.
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cordon/audit.h"
#include "sandbox_fixture.h"

namespace cordon::test {
namespace {

namespace fs = std::filesystem;

struct Cli {
  int status = -1;
  std::string out, err;
};

Cli audit_cli(const std::vector<std::string>& args) {
  int o[2], e[2];
  if (pipe2(o, O_CLOEXEC) != 0 || pipe2(e, O_CLOEXEC) != 0) return {};
  const std::string bin = cordon_bin();
  pid_t pid = fork();
  if (pid == 0) {
    dup2(o[1], 1);
    dup2(e[1], 2);
    std::vector<char*> argv{const_cast<char*>(bin.c_str()), const_cast<char*>("audit")};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  close(o[1]);
  close(e[1]);
  Cli r;
  pollfd fds[2] = {{o[0], POLLIN, 0}, {e[0], POLLIN, 0}};
  int open_fds = 2;
  while (open_fds > 0) {
    if (poll(fds, 2, 30'000) <= 0) break;  // bounded: the command reads small files
    for (auto& f : fds) {
      if (f.fd < 0 || !f.revents) continue;
      char buf[65536];
      ssize_t n = read(f.fd, buf, sizeof buf);
      if (n <= 0) {
        close(f.fd);
        f.fd = -1;
        --open_fds;
      } else {
        (f.fd == o[0] ? r.out : r.err).append(buf, static_cast<std::size_t>(n));
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) close(f.fd);
  int st = 0;
  waitpid(pid, &st, 0);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

void write_lines(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream out(path, std::ios::trunc);
  for (const auto& l : lines) out << l << "\n";
}

constexpr std::int64_t kStartMs = 1738324800000;  // 2025-01-31T12:00:00Z

// A log of `n` records: call i has tool sh/python3/rg, tenant agents/ci,
// outcome ok/timeout/violation/ok by i, and ts = start + (i-1) minutes.
// The last record is a "reload" operator event.
void write_log(const std::string& path, int n, std::uint64_t rotate_bytes = 0) {
  AuditOptions o;
  o.rotate_bytes = rotate_bytes;
  auto tick = std::make_shared<std::int64_t>(kStartMs);
  o.clock = [tick] {
    auto t = std::chrono::system_clock::time_point{std::chrono::milliseconds(*tick)};
    *tick += 60'000;
    return t;
  };
  AuditOpen w = AuditWriter::open(path, o);
  ASSERT_TRUE(w.ok()) << w.error;
  static const char* kTools[] = {"sh", "python3", "rg"};
  static const char* kTenants[] = {"agents", "ci"};
  static const char* kOutcomes[] = {"ok", "timeout", "violation", "ok"};
  for (int i = 1; i < n; ++i) {
    AuditAppend a = w.writer->append({{"kind", "call"}, {"tenant", kTenants[i % 2]}, {"tool", kTools[i % 3]},
                                      {"outcome", kOutcomes[i % 4]}});
    ASSERT_TRUE(a.ok()) << a.error;
  }
  ASSERT_TRUE(w.writer->append({{"kind", "reload"}, {"tenant", "admin"}}).ok());
  ASSERT_EQ(w.writer->close(), "");
}

std::vector<std::string> all_files(const TempDir& d) {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(d.path())) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

std::string prefix(const std::string& file, int line, int seq) {
  return file + ":" + std::to_string(line) + ": seq " + std::to_string(seq) + ": ";
}

TEST(AuditCli, VerifyIntactExitsZero) {
  TempDir d;
  std::string log = d.path() + "/audit.log";
  write_log(log, 5);
  Cli r = audit_cli({"verify", log});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("intact: 5 records, seq 1..5, 1 file"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("anchor: " + log + ".head"), std::string::npos) << r.out;
}

TEST(AuditCli, VerifyNamesFileLineSeqAndKindOfEachTampering) {
  struct Case {
    const char* kind;
    std::function<void(std::vector<std::string>&)> tamper;
    int line, seq;
  };
  std::vector<Case> cases = {
      {"modified", [](auto& l) { l[2].replace(l[2].find("\"call\""), 6, "\"cell\""); }, 3, 3},
      {"deleted", [](auto& l) { l.erase(l.begin() + 2); }, 3, 3},
      {"reordered", [](auto& l) { std::swap(l[1], l[2]); }, 2, 3},
      {"truncated", [](auto& l) { l.resize(4); }, 5, 5},  // whole trailing records, caught by the anchor
  };
  for (const auto& c : cases) {
    TempDir d;
    std::string log = d.path() + "/audit.log";
    write_log(log, 6);
    auto lines = read_lines(log);
    c.tamper(lines);
    write_lines(log, lines);
    Cli r = audit_cli({"verify", log});
    EXPECT_EQ(r.status, 1) << c.kind << ": " << r.out << r.err;
    EXPECT_EQ(r.out.rfind(prefix(log, c.line, c.seq) + c.kind + ": ", 0), 0u) << c.kind << ": " << r.out;
  }
}

TEST(AuditCli, VerifyCatchesAFileCutMidRecord) {
  TempDir d;
  std::string log = d.path() + "/audit.log";
  write_log(log, 6);
  fs::resize_file(log, fs::file_size(log) - 20);
  Cli r = audit_cli({"verify", log});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_EQ(r.out.rfind(prefix(log, 6, 6) + "truncated: ", 0), 0u) << r.out;
}

TEST(AuditCli, VerifyJson) {
  TempDir d;
  std::string log = d.path() + "/audit.log";
  write_log(log, 6);
  Cli ok = audit_cli({"verify", "--json", log});
  ASSERT_EQ(ok.status, 0) << ok.out << ok.err;
  auto j = nlohmann::json::parse(ok.out);
  EXPECT_EQ(j["status"], "intact");
  EXPECT_EQ(j["records"], 6);
  EXPECT_EQ(j["last_seq"], 6);
  EXPECT_EQ(j["last_hash"], nlohmann::json::parse(read_lines(log).back())["hash"]);

  auto lines = read_lines(log);
  lines.erase(lines.begin() + 1, lines.begin() + 3);
  write_lines(log, lines);
  Cli bad = audit_cli({"verify", "--json", log});
  ASSERT_EQ(bad.status, 1) << bad.out << bad.err;
  j = nlohmann::json::parse(bad.out);
  EXPECT_EQ(j["status"], "problem");
  EXPECT_EQ(j["kind"], "deleted");
  EXPECT_EQ(j["file"], log);
  EXPECT_EQ(j["line"], 2);
  EXPECT_EQ(j["seq"], 2);
  EXPECT_NE(j["detail"].get<std::string>().find("seqs 2..3"), std::string::npos) << j.dump();
}

TEST(AuditCli, VerifyRotatedFilesInAnyOrderAndAMissingOne) {
  TempDir d;
  std::string log = d.path() + "/audit.log";
  write_log(log, 30, 1000);
  auto files = all_files(d);  // includes audit.log.head: recognised as the anchor
  ASSERT_GE(files.size(), 5u);
  std::reverse(files.begin(), files.end());
  Cli r = audit_cli([&] {
    std::vector<std::string> a{"verify"};
    a.insert(a.end(), files.begin(), files.end());
    return a;
  }());
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("intact: 30 records, seq 1..30"), std::string::npos) << r.out;

  std::string middle = log + ".2";
  ASSERT_TRUE(fs::exists(middle));
  std::uint64_t first_missing = nlohmann::json::parse(read_lines(middle).front())["seq"];
  fs::remove(middle);
  Cli gap = audit_cli({"verify", log, log + ".1", log + ".3"});
  EXPECT_EQ(gap.status, 1) << gap.out << gap.err;
  EXPECT_EQ(gap.out.rfind(log + ".1:1: seq " + std::to_string(first_missing) + ": deleted: ", 0), 0u) << gap.out;
}

TEST(AuditCli, VerifyUsageAndIoErrorsExitTwo) {
  TempDir d;
  std::string log = d.path() + "/audit.log";
  write_log(log, 2);
  Cli missing = audit_cli({"verify", d.path() + "/nope.log"});
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("nope.log"), std::string::npos) << missing.err;
  Cli none = audit_cli({"verify"});
  EXPECT_EQ(none.status, 2) << none.err;
  Cli both = audit_cli({"verify", "--anchor", log + ".head", "--no-anchor", log});
  EXPECT_EQ(both.status, 2) << both.err;
  Cli unknown = audit_cli({"verify", "--frobnicate", log});
  EXPECT_EQ(unknown.status, 2) << unknown.err;
}

std::vector<int> query_seqs(const std::vector<std::string>& args, int expect_status = 0) {
  std::vector<std::string> a{"query"};
  a.insert(a.end(), args.begin(), args.end());
  Cli r = audit_cli(a);
  EXPECT_EQ(r.status, expect_status) << r.err;
  std::vector<int> seqs;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << line;
    if (!j.is_discarded()) seqs.push_back(j["seq"].get<int>());
  }
  return seqs;
}

TEST(AuditCli, QueryFilters) {
  TempDir d;
  std::string log = d.path() + "/audit.log";
  write_log(log, 13, 900);
  auto files = all_files(d);
  auto with = [&](std::vector<std::string> flags) {
    flags.insert(flags.end(), files.begin(), files.end());
    return flags;
  };
  using V = std::vector<int>;
  EXPECT_EQ(query_seqs(with({})).size(), 13u);
  EXPECT_EQ(query_seqs(with({"--tool", "sh"})), (V{3, 6, 9, 12}));
  EXPECT_EQ(query_seqs(with({"--tool", "sh,rg", "--tenant", "ci"})), (V{3, 5, 9, 11}));
  EXPECT_EQ(query_seqs(with({"--tool", "sh", "--tool", "rg", "--tenant", "ci"})), (V{3, 5, 9, 11}));
  EXPECT_EQ(query_seqs(with({"--outcome", "violation"})), (V{2, 6, 10}));
  EXPECT_EQ(query_seqs(with({"--kind", "reload"})), (V{13}));
  EXPECT_EQ(query_seqs(with({"--since", "2025-01-31T12:10:00Z"})), (V{11, 12, 13}));
  EXPECT_EQ(query_seqs(with({"--since", "2025-01-31T13:01:00+01:00", "--until", "2025-01-31T12:03:00.000Z"})),
            (V{2, 3}));
  EXPECT_EQ(query_seqs(with({"--since", "1h"})), V{});  // the records are from 2025
  EXPECT_EQ(query_seqs(with({"--since", "yesterday"}), 2), V{});

  Cli table = audit_cli(with({"query", "--table", "--outcome", "timeout"}));
  EXPECT_EQ(table.status, 0) << table.err;
  std::istringstream in(table.out);
  std::vector<std::string> rows;
  for (std::string l; std::getline(in, l);) rows.push_back(l);
  ASSERT_EQ(rows.size(), 4u) << table.out;  // header + seqs 1, 5, 9
  EXPECT_EQ(rows[0].rfind("SEQ", 0), 0u);
  EXPECT_NE(rows[0].find("OUTCOME"), std::string::npos);
  EXPECT_EQ(rows[2].rfind("5 ", 0), 0u) << rows[2];
  EXPECT_NE(rows[2].find("2025-01-31T12:04:00.000Z"), std::string::npos) << rows[2];
  EXPECT_NE(rows[2].find("timeout"), std::string::npos) << rows[2];
}

}  // namespace
}  // namespace cordon::test
