// AuditWriter: appends chained records with group-committed fsyncs, keeps
// the anchor, rotates, and recovers the chain on open. Contract in
// cordon/audit.h.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include "audit/anchor.h"
#include "audit/record.h"
#include "audit/rotate.h"
#include "audit/tail.h"
#include "cordon/audit.h"

namespace cordon {

using audit_detail::AnchorState;

struct AuditWriter::Impl {
  std::string path;
  AuditOptions options;
  AuditRecovery recovery;

  mutable std::mutex mu;
  std::condition_variable cv;
  int log_fd = -1;
  int anchor_fd = -1;
  unsigned anchor_slot = 0;      // next slot to write; changed only by the one syncing
  std::uint64_t log_size = 0;
  std::uint64_t last_seq = 0;
  std::string last_hash{kAuditGenesis};
  std::uint64_t synced_seq = 0;  // log fsynced and anchor written up to here
  bool syncing = false;          // a thread is fsyncing outside the mutex
  std::string failed;            // sticky: fsync or rotation failed
  bool closed = false;
  bool stop_flusher = false;
  std::thread flusher;

  ~Impl() {
    if (log_fd >= 0) ::close(log_fd);
    if (anchor_fd >= 0) ::close(anchor_fd);
  }

  std::string write_anchor(const AnchorState& s, bool sync) {
    std::string err = audit_detail::write_anchor_slot(anchor_fd, anchor_slot, s, sync);
    anchor_slot ^= 1u;
    return err;
  }

  // With `lk` held and no sync running: fsyncs the log up to last_seq and
  // writes the anchor, outside the mutex so that appends continue.
  void sync(std::unique_lock<std::mutex>& lk) {
    syncing = true;
    AnchorState target{last_seq, last_hash};
    const int fd = log_fd;
    lk.unlock();
    std::string err;
    if (::fdatasync(fd) != 0) err = path + ": fsync: " + std::strerror(errno);
    else err = write_anchor(target, true);
    lk.lock();
    syncing = false;
    if (err.empty()) synced_seq = std::max(synced_seq, target.seq);
    else if (failed.empty()) failed = err;
    cv.notify_all();
  }

  // With the mutex held and no sync running: fsync, anchor, close, shift
  // the files, new file.
  std::string rotate() {
    if (::fdatasync(log_fd) != 0) return path + ": fsync before rotation: " + std::strerror(errno);
    if (auto err = write_anchor({last_seq, last_hash}, true); !err.empty()) return err;
    synced_seq = last_seq;
    ::close(log_fd);
    log_fd = -1;
    if (auto err = audit_detail::rotate_files(path, options.keep_files); !err.empty()) return err;
    log_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (log_fd < 0) return path + ": creating after rotation: " + std::strerror(errno);
    log_size = 0;
    return audit_detail::fsync_parent_dir(path);
  }

  // Writes the whole line at the end; on failure cuts the file back.
  std::string write_line(const std::string& line) {
    std::size_t done = 0;
    while (done < line.size()) {
      ssize_t n = ::pwrite(log_fd, line.data() + done, line.size() - done,
                           static_cast<off_t>(log_size + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        std::string err = path + ": write: " + std::strerror(errno);
        if (::ftruncate(log_fd, static_cast<off_t>(log_size)) != 0 && failed.empty())
          failed = err + "; and the partial record could not be cut off: " + std::strerror(errno);
        return err;
      }
      done += static_cast<std::size_t>(n);
    }
    log_size += line.size();
    return "";
  }

  void flush_loop() {
    std::unique_lock lk(mu);
    while (!stop_flusher) {
      cv.wait_for(lk, options.fsync_interval, [&] { return stop_flusher; });
      if (stop_flusher) break;
      if (!syncing && failed.empty() && log_fd >= 0 && synced_seq < last_seq) sync(lk);
    }
  }
};

namespace {

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

// The chain end recorded in `file` (read-only; a partial line there is an
// error, since rotated files are complete). nullopt + error, or {} when
// the file does not exist.
std::optional<audit_detail::TailScan> scan_rotated(const std::string& file, std::string& error) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return audit_detail::TailScan{};
    error = errno_text(file);
    return std::nullopt;
  }
  struct stat st{};
  std::optional<audit_detail::TailScan> scan;
  if (::fstat(fd, &st) != 0) error = errno_text(file);
  else scan = audit_detail::scan_tail(fd, static_cast<std::uint64_t>(st.st_size), file, error);
  ::close(fd);
  if (scan && scan->valid_size != static_cast<std::uint64_t>(st.st_size)) {
    error = file + ": a rotated file ends with a partial record; run `cordon audit verify`";
    return std::nullopt;
  }
  return scan;
}

// Opens the files, takes the lock, recovers the chain. "" or the error.
std::string open_impl(AuditWriter::Impl& w) {
  const std::string anchor_path = w.path + ".head";
  w.anchor_fd = ::open(anchor_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (w.anchor_fd < 0) return errno_text(anchor_path);
  if (::flock(w.anchor_fd, LOCK_EX | LOCK_NB) != 0)
    return errno == EWOULDBLOCK ? anchor_path + ": the audit log is in use by another writer" : errno_text(anchor_path + ": flock");
  struct stat st{};
  if (::fstat(w.anchor_fd, &st) != 0) return errno_text(anchor_path);
  std::optional<AnchorState> anchor;
  if (st.st_size > 0) {
    std::string err;
    anchor = audit_detail::read_anchor_file(anchor_path, err);
    if (!anchor && !w.options.accept_anchor_mismatch) return err + "; run `cordon audit verify`";
    if (!anchor) w.recovery.anchor_mismatch = err;
  }

  bool created = false;
  w.log_fd = ::open(w.path.c_str(), O_RDWR | O_CLOEXEC);
  if (w.log_fd < 0 && errno == ENOENT) {
    w.log_fd = ::open(w.path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    created = true;
  }
  if (w.log_fd < 0) return errno_text(w.path);
  if (::fstat(w.log_fd, &st) != 0) return errno_text(w.path);
  std::string err;
  auto scan = audit_detail::scan_tail(w.log_fd, static_cast<std::uint64_t>(st.st_size), w.path, err);
  if (!scan) return err;
  if (scan->valid_size < static_cast<std::uint64_t>(st.st_size)) {
    // A crash during write: the partial line was never acknowledged.
    if (::ftruncate(w.log_fd, static_cast<off_t>(scan->valid_size)) != 0 || ::fdatasync(w.log_fd) != 0)
      return errno_text(w.path + ": cutting off a partial last record");
    w.recovery.truncated_bytes = static_cast<std::uint64_t>(st.st_size) - scan->valid_size;
  }
  w.log_size = scan->valid_size;
  if (scan->last) {
    w.recovery.chained_from = w.path;
  } else {
    std::string previous = audit_detail::rotated_name(w.path, 1);
    scan = scan_rotated(previous, err);
    if (!scan) return err;
    if (scan->last) w.recovery.chained_from = previous;
  }
  if (scan->last) {
    w.last_seq = scan->last->seq;
    w.last_hash = scan->last->hash;
  }
  w.synced_seq = w.last_seq;
  w.recovery.last_seq = w.last_seq;
  w.recovery.last_hash = w.last_hash;

  if (anchor) {
    std::string mismatch;
    if (anchor->seq > w.last_seq)
      mismatch = "the anchor says the log ends at seq " + std::to_string(anchor->seq) + " but it ends at seq " +
                 std::to_string(w.last_seq) + " (records removed or lost)";
    else if (anchor->seq == w.last_seq && anchor->hash != w.last_hash)
      mismatch = "the anchor's hash for seq " + std::to_string(anchor->seq) + " differs from the log's";
    if (!mismatch.empty()) {
      if (!w.options.accept_anchor_mismatch) return anchor_path + ": " + mismatch + "; run `cordon audit verify`";
      w.recovery.anchor_mismatch = mismatch;
    }
  } else {
    w.recovery.anchor_created = true;
  }
  // Both slots hold the recovered end, so neither can win with an old value.
  for (unsigned i = 0; i < 2; ++i)
    if (auto e = w.write_anchor({w.last_seq, w.last_hash}, i == 1); !e.empty()) return e;
  if (created || w.recovery.anchor_created) return audit_detail::fsync_parent_dir(w.path);
  return "";
}

}  // namespace

const char* audit_durability_name(AuditDurability d) {
  switch (d) {
    case AuditDurability::FsyncEach: return "fsync_each";
    case AuditDurability::FsyncInterval: return "fsync_interval";
    case AuditDurability::None: return "none";
  }
  return "?";
}

AuditWriter::AuditWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AuditWriter::~AuditWriter() { close(); }

AuditOpen AuditWriter::open(const std::string& path, AuditOptions options) {
  AuditOpen out;
  if (options.durability == AuditDurability::FsyncInterval && options.fsync_interval.count() <= 0) {
    out.error = "the fsync interval must be positive";
    return out;
  }
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->options = std::move(options);
  if (!impl->options.clock) impl->options.clock = [] { return std::chrono::system_clock::now(); };
  out.error = open_impl(*impl);
  if (!out.error.empty()) return out;
  if (impl->options.durability == AuditDurability::FsyncInterval) {
    Impl* raw = impl.get();
    impl->flusher = std::thread([raw] { raw->flush_loop(); });
  }
  out.writer.reset(new AuditWriter(std::move(impl)));
  return out;
}

AuditAppend AuditWriter::append(nlohmann::ordered_json body) {
  Impl& w = *impl_;
  AuditAppend out;
  std::unique_lock lk(w.mu);
  if (w.closed) {
    out.error = "the audit log is closed";
    return out;
  }
  if (!w.failed.empty()) {
    out.error = "the audit log failed earlier: " + w.failed;
    return out;
  }
  std::optional<audit_detail::BuiltRecord> built;
  for (;;) {
    built = audit_detail::build_record(body, w.last_seq + 1, format_audit_time(w.options.clock()), w.last_hash,
                                       out.error);
    if (!built) return out;
    if (w.options.rotate_bytes == 0 || w.log_size == 0 || w.log_size + built->line.size() <= w.options.rotate_bytes)
      break;
    if (w.syncing) {
      // Rotation must not close the file under a running fsync. Waiting
      // releases the mutex, so build the record again afterwards.
      w.cv.wait(lk, [&] { return !w.syncing; });
      if (!w.failed.empty()) {
        out.error = "the audit log failed earlier: " + w.failed;
        return out;
      }
      continue;
    }
    // The mutex stays held through rotation: the record built is still next.
    if (auto err = w.rotate(); !err.empty()) {
      w.failed = err;
      out.error = err;
      return out;
    }
    break;
  }
  const std::uint64_t seq = w.last_seq + 1;
  if (auto err = w.write_line(built->line); !err.empty()) {
    out.error = err;
    return out;
  }
  w.last_seq = seq;
  w.last_hash = built->hash;
  switch (w.options.durability) {
    case AuditDurability::FsyncEach:
      // Group commit: whoever finds no sync running syncs everything written so far.
      while (w.synced_seq < seq) {
        if (!w.failed.empty() || w.log_fd < 0) {
          out.error = "the audit record was written but not made durable: " +
                      (w.failed.empty() ? std::string("the log was closed") : w.failed);
          return out;
        }
        if (w.syncing) w.cv.wait(lk);
        else w.sync(lk);
      }
      break;
    case AuditDurability::FsyncInterval:
      break;
    case AuditDurability::None:
      // Nothing syncs outside the mutex in this mode.
      if (auto err = w.write_anchor({w.last_seq, w.last_hash}, false); !err.empty()) {
        w.failed = err;
        out.error = err;
        return out;
      }
      break;
  }
  out.record = std::move(built->record);
  return out;
}

std::string AuditWriter::close() {
  Impl& w = *impl_;
  std::unique_lock lk(w.mu);
  if (w.closed) return "";
  w.closed = true;
  w.stop_flusher = true;
  w.cv.notify_all();
  if (w.flusher.joinable()) {
    lk.unlock();
    w.flusher.join();
    lk.lock();
  }
  w.cv.wait(lk, [&] { return !w.syncing; });
  std::string err = w.failed;
  if (err.empty() && w.log_fd >= 0) {
    if (::fdatasync(w.log_fd) != 0) err = errno_text(w.path + ": fsync");
    else err = w.write_anchor({w.last_seq, w.last_hash}, true);
    if (err.empty()) w.synced_seq = w.last_seq;
    else w.failed = err;
  }
  if (w.log_fd >= 0) ::close(w.log_fd);
  if (w.anchor_fd >= 0) ::close(w.anchor_fd);  // releases the flock
  w.log_fd = w.anchor_fd = -1;
  w.cv.notify_all();
  return err;
}

AuditWriter::Position AuditWriter::position() const {
  std::lock_guard lk(impl_->mu);
  return {impl_->last_seq, impl_->last_hash};
}

const AuditRecovery& AuditWriter::recovery() const { return impl_->recovery; }
const std::string& AuditWriter::path() const { return impl_->path; }

}  // namespace cordon
