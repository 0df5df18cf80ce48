// The audit log: record format and hash, the writer (chain, anchor,
// rotation, recovery, concurrency), verify against each kind of tampering,
// query filters, settings and time parsing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "audit/anchor.h"
#include "cordon/audit.h"
#include "sha256.h"

namespace cordon {
namespace {

namespace fs = std::filesystem;

class TmpDir {
 public:
  TmpDir() {
    std::string tmpl = (fs::temp_directory_path() / "cordon-audit-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TmpDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TmpDir(const TmpDir&) = delete;
  TmpDir& operator=(const TmpDir&) = delete;
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_all(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> lines;
  std::istringstream in(read_all(path));
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

void write_lines(const std::string& path, const std::vector<std::string>& lines) {
  std::string data;
  for (const auto& l : lines) data += l + "\n";
  write_all(path, data);
}

nlohmann::ordered_json call_body(int i) {
  static const char* kTools[] = {"sh", "python3", "rg"};
  static const char* kTenants[] = {"agents", "ci"};
  static const char* kOutcomes[] = {"ok", "timeout", "violation", "ok"};
  return {{"kind", "call"}, {"id", "c-" + std::to_string(i)}, {"tenant", kTenants[i % 2]},
          {"tool", kTools[i % 3]}, {"outcome", kOutcomes[i % 4]}, {"wall_ms", i * 7}};
}

AuditVerifyOptions no_anchor() {
  AuditVerifyOptions o;
  o.find_anchor = false;
  return o;
}
AuditVerifyOptions from_start() {
  AuditVerifyOptions o;
  o.require_start = true;
  return o;
}
AuditVerifyOptions with_anchor(const std::string& path) {
  AuditVerifyOptions o;
  o.anchor = path;
  return o;
}
AuditOptions rotating(std::uint64_t bytes, unsigned keep = 0) {
  AuditOptions o;
  o.rotate_bytes = bytes;
  o.keep_files = keep;
  return o;
}
AuditOptions durability(AuditDurability d, int interval_ms) {
  AuditOptions o;
  o.durability = d;
  o.fsync_interval = std::chrono::milliseconds(interval_ms);
  return o;
}
AuditOptions accepting_mismatch() {
  AuditOptions o;
  o.accept_anchor_mismatch = true;
  return o;
}
AuditOptions with_clock(AuditOptions o, std::function<std::chrono::system_clock::time_point()> clock) {
  o.clock = std::move(clock);
  return o;
}
AuditFilter by(std::vector<std::string> AuditFilter::*field, std::vector<std::string> values, AuditFilter f = {}) {
  f.*field = std::move(values);
  return f;
}
AuditFilter between(std::optional<std::int64_t> since, std::optional<std::int64_t> until) {
  AuditFilter f;
  f.since_ms = since;
  f.until_ms = until;
  return f;
}

std::unique_ptr<AuditWriter> open_or_fail(const std::string& path, AuditOptions o = {}) {
  AuditOpen w = AuditWriter::open(path, std::move(o));
  EXPECT_TRUE(w.ok()) << w.error;
  return std::move(w.writer);
}

// Writes `n` call records to a fresh log and closes it.
void write_log(const std::string& path, int n, AuditOptions o = {}) {
  auto w = open_or_fail(path, std::move(o));
  ASSERT_TRUE(w);
  for (int i = 1; i <= n; ++i) {
    AuditAppend a = w->append(call_body(i));
    ASSERT_TRUE(a.ok()) << a.error;
  }
  EXPECT_EQ(w->close(), "");
}

// What an attacker does after editing a line: recompute its hash with the
// procedure documented in cordon/audit.h.
std::string rehash(const std::string& line) {
  auto j = nlohmann::ordered_json::parse(line);
  std::string hash = j["hash"];
  std::string suffix = ",\"hash\":\"" + hash + "\"}";
  std::string payload = line.substr(0, line.size() - suffix.size()) + "}";
  std::string fresh = sha256_hex(j["prev"].get<std::string>() + payload);
  return line.substr(0, line.size() - suffix.size()) + ",\"hash\":\"" + fresh + "\"}";
}

AuditProblem expect_problem(const std::vector<std::string>& files, AuditVerifyOptions o = {}) {
  AuditVerifyResult r = verify_audit_log(files, o);
  EXPECT_EQ(r.error, "");
  EXPECT_TRUE(r.problem.has_value()) << "verify found no problem; records " << r.intact.records;
  return r.problem.value_or(AuditProblem{});
}

AuditIntact expect_intact(const std::vector<std::string>& files, AuditVerifyOptions o = {}) {
  AuditVerifyResult r = verify_audit_log(files, o);
  EXPECT_EQ(r.error, "");
  EXPECT_FALSE(r.problem.has_value()) << (r.problem ? r.problem->file + ":" + std::to_string(r.problem->line) + ": " +
                                                          audit_problem_name(r.problem->kind) + ": " + r.problem->detail
                                                    : "");
  return r.intact;
}

bool has_note(const AuditIntact& in, const std::string& fragment) {
  return std::any_of(in.notes.begin(), in.notes.end(),
                     [&](const std::string& n) { return n.find(fragment) != std::string::npos; });
}

// ---- format ----

TEST(AuditRecord, FirstRecordChainsToGenesisAndHashFollowsTheDocumentedForm) {
  TmpDir d;
  auto w = open_or_fail(d.file("audit.log"));
  ASSERT_TRUE(w);
  AuditAppend a = w->append({{"kind", "call"}, {"tool", "sh"}});
  ASSERT_TRUE(a.ok()) << a.error;
  AuditAppend b = w->append({{"kind", "reload"}});
  ASSERT_TRUE(b.ok()) << b.error;
  ASSERT_EQ(w->close(), "");

  auto lines = read_lines(d.file("audit.log"));
  ASSERT_EQ(lines.size(), 2u);
  auto first = nlohmann::ordered_json::parse(lines[0]);
  EXPECT_EQ(first["seq"], 1);
  EXPECT_EQ(first["prev"], std::string(kAuditGenesis));
  // Body members first, in order, then seq, ts, prev, hash.
  std::vector<std::string> keys;
  for (const auto& [k, v] : first.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"kind", "tool", "seq", "ts", "prev", "hash"}));
  std::string ts = first["ts"];
  ASSERT_EQ(ts.size(), 24u) << ts;
  EXPECT_EQ(ts[10], 'T');
  EXPECT_EQ(ts[19], '.');
  EXPECT_EQ(ts.back(), 'Z');
  // The returned record is what was written.
  EXPECT_EQ(a.record->dump(), lines[0]);
  // Recomputing the hash the documented way gives the stored value.
  EXPECT_EQ(rehash(lines[0]), lines[0]);
  EXPECT_EQ(rehash(lines[1]), lines[1]);
  auto second = nlohmann::ordered_json::parse(lines[1]);
  EXPECT_EQ(second["prev"], first["hash"]);
  EXPECT_EQ(second["seq"], 2);
}

TEST(AuditRecord, BadBodiesAreRefusedAndDoNotUseASeq) {
  TmpDir d;
  auto w = open_or_fail(d.file("audit.log"));
  ASSERT_TRUE(w);
  EXPECT_NE(w->append(nlohmann::ordered_json::array({1, 2})).error, "");
  EXPECT_NE(w->append({{"seq", 5}}).error.find("\"seq\""), std::string::npos);
  EXPECT_NE(w->append({{"hash", "x"}}).error, "");
  EXPECT_NE(w->append({{"tool", std::string("\xff\xfe")}}).error.find("serialised"), std::string::npos);
  EXPECT_NE(w->append({{"blob", std::string(std::size_t{1} << 20, 'a')}}).error.find("1 MiB"), std::string::npos);
  AuditAppend ok = w->append({{"kind", "call"}});
  ASSERT_TRUE(ok.ok()) << ok.error;
  EXPECT_EQ((*ok.record)["seq"], 1);
  ASSERT_EQ(w->close(), "");
  EXPECT_EQ(read_lines(d.file("audit.log")).size(), 1u);
}

// ---- verify: intact and each kind of tampering ----

TEST(AuditVerify, IntactChain) {
  TmpDir d;
  std::string log = d.file("audit.log");
  write_log(log, 10);
  AuditIntact in = expect_intact({log});
  EXPECT_EQ(in.records, 10u);
  EXPECT_EQ(in.first_seq, 1u);
  EXPECT_EQ(in.last_seq, 10u);
  EXPECT_EQ(in.last_hash, nlohmann::json::parse(read_lines(log).back())["hash"]);
  EXPECT_EQ(in.anchor, log + ".head");
  EXPECT_TRUE(in.notes.empty()) << in.notes.front();
}

TEST(AuditVerify, ModifiedFieldInAMiddleRecord) {
  TmpDir d;
  std::string log = d.file("audit.log");
  write_log(log, 10);
  auto lines = read_lines(log);
  auto pos = lines[4].find("\"id\":\"c-5\"");
  ASSERT_NE(pos, std::string::npos) << lines[4];
  lines[4].replace(pos, 10, "\"id\":\"c-9\"");
  write_lines(log, lines);
  AuditProblem p = expect_problem({log});
  EXPECT_EQ(p.kind, AuditProblemKind::Modified);
  EXPECT_EQ(p.file, log);
  EXPECT_EQ(p.line, 5u);
  EXPECT_EQ(p.seq, 5u);
}

TEST(AuditVerify, ModifiedAndRehashedRecordBreaksTheNextLink) {
  TmpDir d;
  std::string log = d.file("audit.log");
  write_log(log, 10);
  auto lines = read_lines(log);
  auto pos = lines[4].find("\"tenant\":\"");
  ASSERT_NE(pos, std::string::npos);
  lines[4].replace(pos, 10, "\"tenant\":\"X");
  lines[4] = rehash(lines[4]);
  write_lines(log, lines);
  AuditProblem p = expect_problem({log});
  EXPECT_EQ(p.kind, AuditProblemKind::Modified);
  EXPECT_EQ(p.line, 6u);
  EXPECT_EQ(p.seq, 6u);
  EXPECT_NE(p.detail.find("seq 5"), std::string::npos) << p.detail;
}

TEST(AuditVerify, DeletedMiddleRecord) {
  TmpDir d;
  std::string log = d.file("audit.log");
  write_log(log, 10);
  auto lines = read_lines(log);
  lines.erase(lines.begin() + 4);  // seq 5
  write_lines(log, lines);
  AuditProblem p = expect_problem({log});
  EXPECT_EQ(p.kind, AuditProblemKind::Deleted);
  EXPECT_EQ(p.line, 5u);
  EXPECT_EQ(p.seq, 5u);
  EXPECT_NE(p.detail.find("seq 5 is missing"), std::string::npos) << p.detail;
}

TEST(AuditVerify, SwappedRecords) {
  TmpDir d;
  std::string log = d.file("audit.log");
  write_log(log, 10);
  auto lines = read_lines(log);
  std::swap(lines[3], lines[4]);  // seq 4 and 5
  write_lines(log, lines);
  AuditProblem p = expect_problem({log});
  EXPECT_EQ(p.kind, AuditProblemKind::Reordered);
  EXPECT_EQ(p.line, 4u);
  EXPECT_EQ(p.seq, 5u);
}

TEST(AuditVerify, DuplicatedRecord) {
  TmpDir d;
  std::string log = d.file("audit.log");
  write_log(log, 5);
  auto lines = read_lines(log);
  lines.insert(lines.begin() + 3, lines[2]);
  write_lines(log, lines);
  AuditProblem p = expect_problem({log});
  EXPECT_EQ(p.kind, AuditProblemKind::Reordered);
  EXPECT_EQ(p.line, 4u);
  EXPECT_NE(p.detail.find("appears twice"), std::string::npos) << p.detail;
}

TEST(AuditVerify, FileCutMidRecord) {
  TmpDir d;
  std::string log = d.file("audit.log");
  write_log(log, 10);
  std::string data = read_all(log);
  auto lines = read_lines(log);
  std::size_t cut = 0;
  for (int i = 0; i < 6; ++i) cut += lines[static_cast<std::size_t>(i)].size() + 1;
  cut += lines[6].size() / 2;  // half of seq 7
  write_all(log, data.substr(0, cut));
  AuditProblem p = expect_problem({log}, no_anchor());
  EXPECT_EQ(p.kind, AuditProblemKind::Truncated);
  EXPECT_EQ(p.line, 7u);
  EXPECT_EQ(p.seq, 7u);
}

TEST(AuditVerify, TrailingWholeRecordsRemovedAreCaughtByTheAnchor) {
  TmpDir d;
  std::string log = d.file("audit.log");
  write_log(log, 10);
  auto lines = read_lines(log);
  lines.resize(8);
  write_lines(log, lines);
  AuditProblem p = expect_problem({log});
  EXPECT_EQ(p.kind, AuditProblemKind::Truncated);
  EXPECT_EQ(p.file, log);
  EXPECT_EQ(p.line, 9u);
  EXPECT_EQ(p.seq, 9u);
  EXPECT_NE(p.detail.find("seqs 9..10 were removed"), std::string::npos) << p.detail;

  // The limit, as documented: without the anchor the shorter chain is intact.
  AuditIntact in = expect_intact({log}, no_anchor());
  EXPECT_EQ(in.last_seq, 8u);
  EXPECT_TRUE(has_note(in, "no anchor"));
}

TEST(AuditVerify, AnchorGivenOnTheCommandLineIsUsedWhatEverItsName) {
  TmpDir d;
  std::string log = d.file("audit.log");
  write_log(log, 4);
  fs::rename(log + ".head", d.file("copy-of-anchor"));
  auto lines = read_lines(log);
  lines.pop_back();
  write_lines(log, lines);
  AuditProblem p = expect_problem({d.file("copy-of-anchor"), log});
  EXPECT_EQ(p.kind, AuditProblemKind::Truncated);
  EXPECT_EQ(p.seq, 4u);
}

TEST(AuditVerify, ConsistentlyRewrittenLastRecordDisagreesWithTheAnchor) {
  TmpDir d;
  std::string log = d.file("audit.log");
  write_log(log, 5);
  auto lines = read_lines(log);
  auto pos = lines[4].find("\"tool\":\"");
  ASSERT_NE(pos, std::string::npos);
  lines[4].replace(pos, 8, "\"tool\":\"x");
  lines[4] = rehash(lines[4]);
  write_lines(log, lines);
  AuditProblem p = expect_problem({log});
  EXPECT_EQ(p.kind, AuditProblemKind::Modified);
  EXPECT_EQ(p.line, 5u);
  EXPECT_EQ(p.seq, 5u);
  EXPECT_NE(p.detail.find("anchor"), std::string::npos) << p.detail;
}

TEST(AuditVerify, MalformedLine) {
  TmpDir d;
  std::string log = d.file("audit.log");
  write_log(log, 5);
  auto lines = read_lines(log);
  lines[2] = "this is not json";
  write_lines(log, lines);
  AuditProblem p = expect_problem({log});
  EXPECT_EQ(p.kind, AuditProblemKind::Malformed);
  EXPECT_EQ(p.line, 3u);
}

TEST(AuditVerify, FirstRecordRemovedIsOnlyCaughtWithRequireStart) {
  TmpDir d;
  std::string log = d.file("audit.log");
  write_log(log, 5);
  auto lines = read_lines(log);
  lines.erase(lines.begin());
  write_lines(log, lines);
  AuditIntact in = expect_intact({log});
  EXPECT_EQ(in.first_seq, 2u);
  EXPECT_TRUE(has_note(in, "starts at seq 2"));
  AuditProblem p = expect_problem({log}, from_start());
  EXPECT_EQ(p.kind, AuditProblemKind::Deleted);
  EXPECT_EQ(p.seq, 1u);
}

TEST(AuditVerify, MissingFileIsAnError) {
  TmpDir d;
  AuditVerifyResult r = verify_audit_log({d.file("nope.log")});
  EXPECT_NE(r.error.find("nope.log"), std::string::npos);
  EXPECT_FALSE(r.problem);
}

// ---- rotation ----

std::vector<std::string> log_files(const TmpDir& d) {
  std::vector<std::string> files;
  for (unsigned n = 1; fs::exists(d.file("audit.log." + std::to_string(n))); ++n)
    files.push_back(d.file("audit.log." + std::to_string(n)));
  files.push_back(d.file("audit.log"));
  return files;
}

TEST(AuditRotation, ChainContinuesAcrossFilesGivenInAnyOrder) {
  TmpDir d;
  std::string log = d.file("audit.log");
  write_log(log, 40, rotating(1500));
  auto files = log_files(d);
  ASSERT_GE(files.size(), 4u);
  for (const auto& f : files) EXPECT_LE(fs::file_size(f), 1500u) << f;
  // The newest rotated file's first record chains to the older file's last.
  auto older = read_lines(files[1]);
  auto newer = read_lines(files[0]);
  EXPECT_EQ(nlohmann::json::parse(newer.front())["prev"], nlohmann::json::parse(older.back())["hash"]);

  std::vector<std::string> shuffled = files;
  std::reverse(shuffled.begin(), shuffled.end());
  std::rotate(shuffled.begin(), shuffled.begin() + 1, shuffled.end());
  AuditIntact in = expect_intact(shuffled);
  EXPECT_EQ(in.records, 40u);
  EXPECT_EQ(in.first_seq, 1u);
  EXPECT_EQ(in.last_seq, 40u);
  // Chain order: oldest rotated file (highest number) first, the live file last.
  std::vector<std::string> chain(files.rbegin() + 1, files.rend());
  chain.push_back(log);
  EXPECT_EQ(in.files, chain);
}

TEST(AuditRotation, MissingMiddleRotatedFileIsDeleted) {
  TmpDir d;
  std::string log = d.file("audit.log");
  write_log(log, 40, rotating(1500));
  auto files = log_files(d);
  ASSERT_GE(files.size(), 4u);
  auto removed = read_lines(files[1]);
  std::uint64_t first_missing = nlohmann::json::parse(removed.front())["seq"];
  files.erase(files.begin() + 1);
  AuditProblem p = expect_problem(files);
  EXPECT_EQ(p.kind, AuditProblemKind::Deleted);
  EXPECT_EQ(p.file, files[0]);  // the file after the gap
  EXPECT_EQ(p.line, 1u);
  EXPECT_EQ(p.seq, first_missing);
  EXPECT_NE(p.detail.find("rotated file"), std::string::npos) << p.detail;
}

TEST(AuditRotation, RemovedNewestFileIsCaughtByTheAnchor) {
  TmpDir d;
  std::string log = d.file("audit.log");
  write_log(log, 40, rotating(1500));
  auto files = log_files(d);
  files.pop_back();  // the live file
  AuditProblem p = expect_problem(files, with_anchor(log + ".head"));
  EXPECT_EQ(p.kind, AuditProblemKind::Truncated);
}

TEST(AuditRotation, KeepFilesPrunesTheOldest) {
  TmpDir d;
  std::string log = d.file("audit.log");
  write_log(log, 40, rotating(1500, 2));
  auto files = log_files(d);
  EXPECT_EQ(files.size(), 3u);
  EXPECT_FALSE(fs::exists(log + ".3"));
  AuditIntact in = expect_intact(files);
  EXPECT_GT(in.first_seq, 1u);
  EXPECT_EQ(in.last_seq, 40u);
  EXPECT_TRUE(has_note(in, "chain starts at seq"));
}

// ---- recovery ----

TEST(AuditRecovery, PartialLastLineIsCutOffAndTheChainContinues) {
  TmpDir d;
  std::string log = d.file("audit.log");
  write_log(log, 5);
  std::string partial = "{\"kind\":\"call\",\"tool\":\"sh\",\"se";
  {
    std::ofstream out(log, std::ios::binary | std::ios::app);
    out << partial;
  }
  AuditProblem p = expect_problem({log});
  EXPECT_EQ(p.kind, AuditProblemKind::Truncated);

  auto w = open_or_fail(log);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->recovery().truncated_bytes, partial.size());
  EXPECT_EQ(w->recovery().last_seq, 5u);
  EXPECT_EQ(w->recovery().chained_from, log);
  AuditAppend a = w->append(call_body(6));
  ASSERT_TRUE(a.ok()) << a.error;
  EXPECT_EQ((*a.record)["seq"], 6);
  ASSERT_EQ(w->close(), "");
  AuditIntact in = expect_intact({log});
  EXPECT_EQ(in.records, 6u);
}

TEST(AuditRecovery, EmptyLiveFileChainsFromTheLastRotatedFile) {
  TmpDir d;
  std::string log = d.file("audit.log");
  write_log(log, 3);
  fs::rename(log, log + ".1");  // as after a rotation, before the new file existed
  auto w = open_or_fail(log);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->recovery().chained_from, log + ".1");
  EXPECT_EQ(w->position().seq, 3u);
  ASSERT_TRUE(w->append(call_body(4)).ok());
  ASSERT_EQ(w->close(), "");
  AuditIntact in = expect_intact({log, log + ".1"});
  EXPECT_EQ(in.records, 4u);
  EXPECT_EQ(in.files.front(), log + ".1");
}

TEST(AuditRecovery, ReopenContinuesTheChain) {
  TmpDir d;
  std::string log = d.file("audit.log");
  write_log(log, 3);
  write_log(log, 3);
  AuditIntact in = expect_intact({log});
  EXPECT_EQ(in.records, 6u);
  EXPECT_EQ(in.last_seq, 6u);
}

TEST(AuditRecovery, AnchorAheadOfTheLogRefusesToOpenUnlessAccepted) {
  TmpDir d;
  std::string log = d.file("audit.log");
  write_log(log, 5);
  auto lines = read_lines(log);
  lines.resize(3);
  write_lines(log, lines);
  AuditOpen refused = AuditWriter::open(log);
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.error.find("seq 5"), std::string::npos) << refused.error;

  AuditOpen accepted = AuditWriter::open(log, accepting_mismatch());
  ASSERT_TRUE(accepted.ok()) << accepted.error;
  EXPECT_NE(accepted.writer->recovery().anchor_mismatch.find("seq 5"), std::string::npos);
  EXPECT_EQ(accepted.writer->position().seq, 3u);
}

TEST(AuditRecovery, LastLineThatIsNotAValidRecordRefusesToOpen) {
  TmpDir d;
  std::string log = d.file("audit.log");
  write_log(log, 3);
  auto lines = read_lines(log);
  lines[2][lines[2].find("\"id\":\"c-") + 8] = '9';
  write_lines(log, lines);
  AuditOpen w = AuditWriter::open(log);
  EXPECT_FALSE(w.ok());
  EXPECT_NE(w.error.find("hash"), std::string::npos) << w.error;
}

TEST(AuditRecovery, TornAnchorSlotFallsBackToTheOther) {
  TmpDir d;
  std::string log = d.file("audit.log");
  auto w = open_or_fail(log);
  ASSERT_TRUE(w);
  for (int i = 1; i <= 4; ++i) ASSERT_TRUE(w->append(call_body(i)).ok());
  // While open, the two slots hold the last two fsynced states (3 and 4).
  std::string anchor = read_all(log + ".head");
  ASSERT_EQ(anchor.size(), 2 * audit_detail::kAnchorSlotBytes);
  std::string err;
  auto before = audit_detail::parse_anchor(anchor, err);
  ASSERT_TRUE(before) << err;
  EXPECT_EQ(before->seq, 4u);
  auto slot0 = audit_detail::parse_anchor(anchor.substr(0, audit_detail::kAnchorSlotBytes), err);
  ASSERT_TRUE(slot0) << err;
  std::size_t newest = slot0->seq == 4 ? 0 : audit_detail::kAnchorSlotBytes;
  anchor[newest + 40] ^= 1;  // torn write of the newest slot
  auto after = audit_detail::parse_anchor(anchor, err);
  ASSERT_TRUE(after) << err;
  EXPECT_EQ(after->seq, 3u);
  anchor[(newest ^ audit_detail::kAnchorSlotBytes) + 40] ^= 1;  // both torn
  EXPECT_FALSE(audit_detail::parse_anchor(anchor, err));
  EXPECT_EQ(w->close(), "");
  // close() leaves both slots at the final state.
  auto closed = audit_detail::parse_anchor(read_all(log + ".head").substr(audit_detail::kAnchorSlotBytes), err);
  ASSERT_TRUE(closed) << err;
  EXPECT_EQ(closed->seq, 4u);
}

TEST(AuditWriterTest, SecondWriterOnTheSameLogIsRefused) {
  TmpDir d;
  std::string log = d.file("audit.log");
  auto first = open_or_fail(log);
  ASSERT_TRUE(first);
  AuditOpen second = AuditWriter::open(log);
  EXPECT_FALSE(second.ok());
  EXPECT_NE(second.error.find("in use"), std::string::npos) << second.error;
  ASSERT_EQ(first->close(), "");
  EXPECT_TRUE(AuditWriter::open(log).ok());
}

TEST(AuditWriterTest, AppendAfterCloseFails) {
  TmpDir d;
  auto w = open_or_fail(d.file("audit.log"));
  ASSERT_TRUE(w);
  ASSERT_EQ(w->close(), "");
  EXPECT_NE(w->append({{"kind", "call"}}).error, "");
  EXPECT_EQ(w->close(), "");
}

// ---- concurrency and durability modes ----

void concurrent_appends(const std::string& log, AuditOptions o, int threads, int per_thread) {
  auto w = open_or_fail(log, std::move(o));
  ASSERT_TRUE(w);
  std::atomic<int> failures{0};
  std::vector<std::thread> pool;
  std::vector<std::vector<std::uint64_t>> seqs(static_cast<std::size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        AuditAppend a = w->append(call_body(t * per_thread + i));
        if (!a.ok()) ++failures;
        else seqs[static_cast<std::size_t>(t)].push_back((*a.record)["seq"].get<std::uint64_t>());
      }
    });
  }
  for (auto& th : pool) th.join();
  EXPECT_EQ(failures.load(), 0);
  ASSERT_EQ(w->close(), "");
  std::set<std::uint64_t> all;
  for (const auto& s : seqs) {
    EXPECT_TRUE(std::is_sorted(s.begin(), s.end()));
    all.insert(s.begin(), s.end());
  }
  const auto total = static_cast<std::uint64_t>(threads * per_thread);
  EXPECT_EQ(all.size(), total);
  EXPECT_EQ(*all.rbegin(), total);
}

TEST(AuditConcurrency, EightThreadsProduceOneValidChain) {
  TmpDir d;
  std::string log = d.file("audit.log");
  concurrent_appends(log, {}, 8, 100);
  AuditIntact in = expect_intact({log});
  EXPECT_EQ(in.records, 800u);
}

TEST(AuditConcurrency, EightThreadsWithRotation) {
  TmpDir d;
  std::string log = d.file("audit.log");
  concurrent_appends(log, rotating(8000), 8, 50);
  auto files = log_files(d);
  EXPECT_GE(files.size(), 5u);
  AuditIntact in = expect_intact(files);
  EXPECT_EQ(in.records, 400u);
}

TEST(AuditConcurrency, IntervalAndNoneDurabilityKeepTheChainAndTheAnchor) {
  for (auto mode : {AuditDurability::FsyncInterval, AuditDurability::None}) {
    TmpDir d;
    std::string log = d.file("audit.log");
    concurrent_appends(log, durability(mode, 5), 4, 100);
    AuditIntact in = expect_intact({log});
    EXPECT_EQ(in.records, 400u) << audit_durability_name(mode);
    std::string err;
    auto anchor = audit_detail::read_anchor_file(log + ".head", err);
    ASSERT_TRUE(anchor) << err;
    EXPECT_EQ(anchor->seq, 400u) << audit_durability_name(mode);
  }
}

TEST(AuditConcurrency, IntervalFlusherUpdatesTheAnchorWithoutClose) {
  TmpDir d;
  std::string log = d.file("audit.log");
  auto w = open_or_fail(log, durability(AuditDurability::FsyncInterval, 10));
  ASSERT_TRUE(w);
  ASSERT_TRUE(w->append(call_body(1)).ok());
  ASSERT_TRUE(w->append(call_body(2)).ok());
  // Bounded wait for the background flush (not a timing assertion: it only
  // has to happen at some point within the bound).
  std::uint64_t seen = 0;
  for (int i = 0; i < 500 && seen != 2; ++i) {
    std::string err;
    auto a = audit_detail::read_anchor_file(log + ".head", err);
    seen = a ? a->seq : 0;
    if (seen != 2) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(seen, 2u);
  EXPECT_EQ(w->close(), "");
}

// ---- settings ----

TEST(AuditSettingsTest, Defaults) {
  AuditSettingsLoad l = parse_audit_settings(nlohmann::json::object());
  ASSERT_TRUE(l.settings) << l.errors.front();
  EXPECT_EQ(l.settings->options.durability, AuditDurability::FsyncEach);
  EXPECT_EQ(l.settings->options.rotate_bytes, 0u);
  EXPECT_EQ(l.settings->options.keep_files, 0u);
  EXPECT_STREQ(audit_durability_name(l.settings->options.durability), "fsync_each");
}

TEST(AuditSettingsTest, EveryField) {
  AuditSettingsLoad l = parse_audit_settings(nlohmann::json::parse(
      R"({"path": "/var/log/cordon/audit.log", "durability": "fsync_interval", "fsync_interval_ms": 250,
          "rotate_bytes": "64M", "keep_files": 10})"));
  ASSERT_TRUE(l.settings) << l.errors.front();
  EXPECT_EQ(l.settings->path, "/var/log/cordon/audit.log");
  EXPECT_EQ(l.settings->options.durability, AuditDurability::FsyncInterval);
  EXPECT_EQ(l.settings->options.fsync_interval, std::chrono::milliseconds(250));
  EXPECT_EQ(l.settings->options.rotate_bytes, 64u << 20);
  EXPECT_EQ(l.settings->options.keep_files, 10u);
  l = parse_audit_settings(nlohmann::json::parse(R"({"durability": "none", "rotate_bytes": 1048576})"));
  ASSERT_TRUE(l.settings);
  EXPECT_EQ(l.settings->options.durability, AuditDurability::None);
  EXPECT_EQ(l.settings->options.rotate_bytes, 1048576u);
}

TEST(AuditSettingsTest, EveryErrorIsReported) {
  AuditSettingsLoad l = parse_audit_settings(nlohmann::json::parse(
      R"({"path": "", "durability": "sometimes", "fsync_interval_ms": 0, "rotate_bytes": "12X",
          "keep_files": -1, "colour": "blue"})"));
  EXPECT_FALSE(l.settings);
  std::string all;
  for (const auto& e : l.errors) all += e + "\n";
  for (const char* field : {"path:", "durability:", "fsync_interval_ms:", "rotate_bytes:", "keep_files:", "colour:"})
    EXPECT_NE(all.find(field), std::string::npos) << field << " in\n" << all;
  l = parse_audit_settings(nlohmann::json::parse(R"({"fsync_interval_ms": 100})"));
  ASSERT_EQ(l.errors.size(), 1u);
  EXPECT_NE(l.errors[0].find("only applies"), std::string::npos);
  l = parse_audit_settings(nlohmann::json::parse(R"({"rotate_bytes": 100})"));
  ASSERT_EQ(l.errors.size(), 1u);
  EXPECT_NE(l.errors[0].find("at least 64K"), std::string::npos);
  EXPECT_FALSE(parse_audit_settings(nlohmann::json::array()).settings);
}

// ---- time and query ----

TEST(AuditTime, FormatAndParse) {
  using namespace std::chrono;
  system_clock::time_point t{milliseconds(1738324800123)};  // 2025-01-31T12:00:00.123Z
  EXPECT_EQ(format_audit_time(t), "2025-01-31T12:00:00.123Z");
  std::string err;
  EXPECT_EQ(parse_audit_time("2025-01-31T12:00:00.123Z", t, err), 1738324800123);
  EXPECT_EQ(parse_audit_time("2025-01-31T14:00:00+02:00", t, err), 1738324800000);
  EXPECT_EQ(parse_audit_time("2025-01-31", t, err), 1738281600000);
  EXPECT_EQ(parse_audit_time("1h", t, err), 1738324800123 - 3'600'000);
  EXPECT_EQ(parse_audit_time("2d", t, err), 1738324800123 - 2 * 86'400'000);
  EXPECT_EQ(parse_audit_time("90s", t, err), 1738324800123 - 90'000);
  for (const char* bad : {"", "yesterday", "2025-13-01", "2025-02-30", "2025-01-31T25:00:00Z", "2025-01-31T12:00:00",
                          "1y", "-1h"}) {
    EXPECT_FALSE(parse_audit_time(bad, t, err)) << bad;
    EXPECT_NE(err, "") << bad;
  }
}

TEST(AuditQuery, FiltersByToolTenantOutcomeKindAndTime) {
  TmpDir d;
  std::string log = d.file("audit.log");
  std::atomic<std::int64_t> now_ms{1738324800000};
  auto clock = [&] { return std::chrono::system_clock::time_point{std::chrono::milliseconds(now_ms.fetch_add(60'000))}; };
  {
    auto w = open_or_fail(log, with_clock(rotating(1200), clock));
    ASSERT_TRUE(w);
    for (int i = 1; i <= 12; ++i) ASSERT_TRUE(w->append(call_body(i)).ok());
    ASSERT_TRUE(w->append({{"kind", "reload"}, {"tenant", "admin"}}).ok());
    ASSERT_EQ(w->close(), "");
  }
  auto files = log_files(d);
  ASSERT_GE(files.size(), 2u);
  files.push_back(log + ".head");  // skipped by query
  auto run = [&](const AuditFilter& f) {
    std::vector<std::uint64_t> seqs;
    AuditQueryStats s = query_audit_log(files, f, [&](std::string_view line, const nlohmann::ordered_json& r) {
      EXPECT_EQ(r.dump(), line);
      seqs.push_back(r["seq"].get<std::uint64_t>());
    });
    EXPECT_EQ(s.error, "");
    EXPECT_EQ(s.scanned, 13u);
    EXPECT_EQ(s.matched, seqs.size());
    return seqs;
  };
  using V = std::vector<std::uint64_t>;
  V everything = run({});
  EXPECT_EQ(everything.size(), 13u);
  EXPECT_TRUE(std::is_sorted(everything.begin(), everything.end()));
  EXPECT_EQ(run(by(&AuditFilter::tools, {"sh"})), (V{3, 6, 9, 12}));
  EXPECT_EQ(run(by(&AuditFilter::tools, {"sh", "rg"})), (V{2, 3, 5, 6, 8, 9, 11, 12}));
  EXPECT_EQ(run(by(&AuditFilter::tenants, {"agents"})), (V{2, 4, 6, 8, 10, 12}));
  EXPECT_EQ(run(by(&AuditFilter::outcomes, {"violation"})), (V{2, 6, 10}));
  EXPECT_EQ(run(by(&AuditFilter::kinds, {"reload"})), (V{13}));
  EXPECT_EQ(run(by(&AuditFilter::tenants, {"ci"}, by(&AuditFilter::tools, {"python3"}))), (V{1, 7}));
  // ts of seq N is 12:00 + (N-1) minutes; since inclusive, until exclusive.
  EXPECT_EQ(run(between(1738324800000 + 10 * 60'000, std::nullopt)), (V{11, 12, 13}));
  EXPECT_EQ(run(between(1738324800000 + 60'000, 1738324800000 + 3 * 60'000)), (V{2, 3}));
}

TEST(AuditQuery, RecordWithoutTheFieldDoesNotMatchAFilterOnIt) {
  nlohmann::ordered_json r = {{"kind", "daemon_start"}, {"ts", "2025-01-31T12:00:00.000Z"}};
  EXPECT_TRUE(audit_record_matches(r, {}));
  EXPECT_FALSE(audit_record_matches(r, by(&AuditFilter::tools, {"sh"})));
  EXPECT_TRUE(audit_record_matches(r, by(&AuditFilter::kinds, {"daemon_start"})));
  r["tool"] = 5;
  EXPECT_FALSE(audit_record_matches(r, by(&AuditFilter::tools, {"5"})));
}

}  // namespace
}  // namespace cordon
