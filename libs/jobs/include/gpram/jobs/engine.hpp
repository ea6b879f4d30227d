// The job engine: the ram::JobSource of gpramd. It hands a card's next command script to its
// admin session and records what came back; a card works through its jobs in submission order.
//
// What is durable: a job's `next_step` only advances when the results of a step are recorded
// (or a resume proves the step ran), so a crash never skips a step. What a resume means (GP Amd B
// §3.5, docs/protocols/amendment-b.md):
//   ran_results_lost  -> the step ran; its R-APDUs are recorded as lost, the job moves on;
//   may_not_have_run  -> the step is sent again (the card says it did not complete it);
//   abandoned         -> unknown outcome: the job fails with that reason rather than risk running
//                        a script twice.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "gpram/ram/job_source.hpp"
#include "gpram/store/store.hpp"

namespace gpram::jobs {

struct EngineOptions {
  bool indefinite_scripts = false;  // AE/AF instead of AA/AB
};

class Engine final : public ram::JobSource {
 public:
  explicit Engine(store::Store& store, EngineOptions opts = {}) : store_(store), opts_(opts) {}

  [[nodiscard]] std::optional<ram::ScriptStep> next_step(std::string_view card) override;
  [[nodiscard]] std::optional<ram::StepId> in_flight(std::string_view card) const override;
  void report(std::string_view card, ram::StepId step, const ram::ScriptResult& result) override;
  void resumed(std::string_view card, ram::StepId step, ram::ResumeCase how) override;

  /// The connection of a card closed while a step was in flight (no resume may ever come):
  /// the job stays where it is; the card's next session resumes or abandons the step.
  void on_connection_closed(std::string_view card);

  /// Called after every job state change (metrics, campaigns, logs).
  void on_change(std::function<void(const store::Job&)> fn) { changed_ = std::move(fn); }

 private:
  struct InFlight {
    ram::StepId id = 0;
    std::string job_id;
    size_t step = 0;
  };
  void save(store::Job& job);
  void finish(store::Job& job, std::string error);
  bool admit(const store::Job& job);   // campaign pause / concurrency limit
  void release(const store::Job& job);
  void record(store::Job& job, size_t step, const ram::ScriptResult& result);

  store::Store& store_;
  EngineOptions opts_;
  std::function<void(const store::Job&)> changed_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, InFlight> in_flight_;  // by card id (ICCID)
  ram::StepId next_id_ = 1;
  std::unordered_map<std::string, uint32_t> campaign_running_;  // jobs admitted per campaign
  std::unordered_map<std::string, std::string> admitted_;       // job id -> campaign id
};

/// True if a status word means the command succeeded (9000, 61xx, 62xx/63xx warnings except
/// 62F1 "data truncated", after which TS 102 226 stops the script).
[[nodiscard]] bool sw_success(uint16_t sw) noexcept;

}  // namespace gpram::jobs
