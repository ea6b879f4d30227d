// Where the admin session gets its scripts from and where results go. The session never parses
// scripts (ETSI TS 102 226 expanded format): the job layer compiles and interprets them.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gpram/base/bytes.hpp"
#include "gpram/ram/protocol.hpp"

namespace gpram::ram {

using StepId = uint64_t;  // unique per card; 0 is never a valid id

struct ScriptStep {
  std::string job_id;
  StepId step_id = 0;
  Bytes script;                     // opaque expanded command script (AE80.../AA...)
  std::optional<Bytes> target_aid;  // -> X-Admin-Targeted-Application
};

struct ScriptResult {
  ScriptStatus status = ScriptStatus::ok;
  std::optional<Bytes> response;  // opaque response script; none without a body
  bool resumed = false;           // came on a POST carrying X-Admin-Resume: true
};

/// Why a step is reported as resumed (AmdB §3.5; protocol.md §4.3).
enum class ResumeCase {
  /// The card resumed on the URI that follows the step: it ran the script, results are lost.
  ran_results_lost,
  /// The card repeated the request that fetched the step: it may not have run (fully).
  may_not_have_run,
  /// A new session started without X-Admin-Resume while the step was in flight.
  abandoned,
};

class JobSource {
 public:
  virtual ~JobSource() = default;
  /// The next script for `card`, now in flight; nullopt when nothing is left.
  [[nodiscard]] virtual std::optional<ScriptStep> next_step(std::string_view card) = 0;
  /// The step the card last received and has not reported yet (survives connections).
  [[nodiscard]] virtual std::optional<StepId> in_flight(std::string_view card) const = 0;
  /// The card reported the results of `step`.
  virtual void report(std::string_view card, StepId step, const ScriptResult& result) = 0;
  /// The card broke the dialog around `step`; the source decides whether to send it again.
  virtual void resumed(std::string_view card, StepId step, ResumeCase how) = 0;
};

/// Test and simulation source: per card a queue of steps. Policy: a step that may not have run
/// is sent again; a step that ran with lost results, or was abandoned, is recorded and dropped.
class InMemoryJobSource final : public JobSource {
 public:
  struct Report {
    StepId step;
    ScriptResult result;
  };
  struct Resume {
    StepId step;
    ResumeCase how;
  };

  void add(std::string card, ScriptStep step);
  [[nodiscard]] std::optional<ScriptStep> next_step(std::string_view card) override;
  [[nodiscard]] std::optional<StepId> in_flight(std::string_view card) const override;
  void report(std::string_view card, StepId step, const ScriptResult& result) override;
  void resumed(std::string_view card, StepId step, ResumeCase how) override;

  [[nodiscard]] const std::vector<Report>& reports(std::string_view card) const;
  [[nodiscard]] const std::vector<Resume>& resumes(std::string_view card) const;
  [[nodiscard]] size_t pending(std::string_view card) const;

 private:
  struct Card {
    std::deque<ScriptStep> queue;
    std::optional<ScriptStep> in_flight;
    std::vector<Report> reports;
    std::vector<Resume> resumes;
  };
  Card* find(std::string_view card);
  const Card* find(std::string_view card) const;
  std::map<std::string, Card, std::less<>> cards_;
};

}  // namespace gpram::ram
