// The output stage of one call: everything the tool prints passes through
// here between the pipe and the Result (and the streaming callback).
//
//   raw chunk --feed()--> sanitised, redacted text (held back as needed)
//   finish()  --> flush, classify, then withhold or envelope per profile
//
// One StreamFilter per stream (stdout, stderr); raw bytes are never stored.
// The stderr filter is built when stderr first has bytes (most calls print
// nothing there, and a filter costs a scratch and stream state).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cordon/filter.h"
#include "cordon/profile.h"
#include "cordon/result.h"
#include "cordon/sandbox.h"

namespace cordon {

class OutputStage {
 public:
  // `rules` must not be null. Guarded values are added as exact-value rules
  // to both streams; `guarded` must outlive the stage (it is the plan's).
  // Throws std::invalid_argument for a guarded value under 4 bytes.
  OutputStage(std::shared_ptr<const RuleSet> rules, const OutputPolicy& policy,
              const std::vector<GuardedValue>& guarded);

  // False when the profile may withhold output: then nothing may be passed
  // on before finish() has decided.
  bool live() const { return live_; }

  // Filters a raw chunk of stream 1 (stdout) or 2 (stderr); returns the text
  // that may leave now.
  std::string feed(int stream, std::string_view raw);

  // Flushes both streams into r.stdout_.data / r.stderr_.data (which must
  // hold what feed() returned so far), classifies the output, applies the
  // profile's withhold / envelope policy and fills r.filter.
  void finish(Result& r);
  // The text finish() flushed from stream 1 or 2 (before any envelope), so
  // a live consumer gets the end of the stream too.
  const std::string& tail(int stream) const { return stream == 2 ? tail_err_ : tail_out_; }

 private:
  StreamFilter& err_filter();

  const OutputPolicy& policy_;
  std::shared_ptr<const RuleSet> rules_;
  const std::vector<GuardedValue>& guarded_;
  FilterOptions opts_;
  bool err_failed_ = false;  // the stderr filter could not be built: stderr is dropped
  std::unique_ptr<StreamFilter> out_;
  std::unique_ptr<StreamFilter> err_;
  std::vector<std::string> guarded_names_;
  std::string tail_out_;
  std::string tail_err_;
  bool live_ = true;
  std::uint64_t ns_ = 0;
};

// The envelope put around flagged output (tests and docs use these).
std::string untrusted_envelope_open(std::string_view id, const std::vector<std::string>& rules);
std::string untrusted_envelope_close(std::string_view id);

}  // namespace cordon
