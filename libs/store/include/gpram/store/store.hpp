// Storage interface of gpramd. Implementations: MemoryStore (tests, the first cut of the server);
// SQLite and PostgreSQL back ends implement the same interface. Every method is one atomic
// state change; implementations are safe to call from several event-loop threads.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "gpram/store/model.hpp"

namespace gpram::store {

enum class Errc {
  duplicate = 1,   // an object with that key exists
  not_found,
  conflict,        // the object is not in a state that allows the change
  backend,         // the database failed
};

}  // namespace gpram::store

GPRAM_DECLARE_ERRC(gpram::store);

namespace gpram::store {

class Store {
 public:
  virtual ~Store() = default;

  [[nodiscard]] virtual Result<void> add_card(const Card& card) = 0;
  [[nodiscard]] virtual std::optional<Card> card(std::string_view iccid) = 0;
  [[nodiscard]] virtual std::optional<Card> card_by_psk_identity(std::string_view identity) = 0;

  /// Stores a new job; assigns its id when empty. Returns the id.
  [[nodiscard]] virtual Result<std::string> add_job(Job job) = 0;
  [[nodiscard]] virtual std::optional<Job> job(std::string_view id) = 0;
  /// Replaces a job (state, next_step, results, error) if it exists.
  [[nodiscard]] virtual Result<void> update_job(const Job& job) = 0;
  /// The oldest non-final job of a card (the one a session works on), if any.
  [[nodiscard]] virtual std::optional<Job> active_job(std::string_view iccid) = 0;
  /// Number of jobs per state (metrics).
  [[nodiscard]] virtual std::vector<std::pair<JobState, size_t>> job_counts() = 0;

  /// Advances the SCP80 counter of a card's keyset by one and returns the new value, durably,
  /// before the packet that uses it leaves (a counter is never used twice, even across restarts
  /// or nodes). Fails for a card without SCP80 keys or when the 5-byte counter is exhausted.
  [[nodiscard]] virtual Result<uint64_t> next_scp80_counter(std::string_view iccid);
  /// Non-final jobs whose trigger is `trigger`, oldest first, at most `limit` (start-up scan of
  /// pending pushes).
  [[nodiscard]] virtual std::vector<Job> live_jobs(std::string_view trigger, size_t limit);

  // ---- campaigns (a back end without them answers Errc::backend) ------------------------
  /// Stores the campaign and its jobs in one transaction; assigns ids. Returns the campaign id.
  [[nodiscard]] virtual Result<std::string> add_campaign(Campaign c, std::vector<Job> jobs);
  [[nodiscard]] virtual std::optional<Campaign> campaign(std::string_view id);
  [[nodiscard]] virtual Result<void> set_campaign_state(std::string_view id, std::string_view state);
  [[nodiscard]] virtual CampaignCounts campaign_counts(std::string_view id);
  /// Cancels every non-final job of the campaign; returns how many.
  [[nodiscard]] virtual Result<size_t> cancel_campaign_jobs(std::string_view id);

  // ---- service providers and the audit log (a back end without them answers Errc::backend) --
  [[nodiscard]] virtual Result<void> add_service_provider(const ServiceProvider& sp);
  [[nodiscard]] virtual std::optional<ServiceProvider> service_provider(std::string_view id);
  /// The provider whose token hashes to `token_hash` (SHA-256), if any.
  [[nodiscard]] virtual std::optional<ServiceProvider> service_provider_by_token(ByteView token_hash);
  /// Appends one entry (its seq is assigned). Entries are never changed or removed.
  [[nodiscard]] virtual Result<void> append_audit(const AuditEntry& e);
  /// Entries with seq > after, oldest first, at most `limit`.
  [[nodiscard]] virtual std::vector<AuditEntry> audit(int64_t after, size_t limit);
};

/// Thread-safe in-memory store.
class MemoryStore final : public Store {
 public:
  Result<void> add_card(const Card& card) override;
  std::optional<Card> card(std::string_view iccid) override;
  std::optional<Card> card_by_psk_identity(std::string_view identity) override;
  Result<std::string> add_job(Job job) override;
  std::optional<Job> job(std::string_view id) override;
  Result<void> update_job(const Job& job) override;
  std::optional<Job> active_job(std::string_view iccid) override;
  std::vector<std::pair<JobState, size_t>> job_counts() override;
  Result<std::string> add_campaign(Campaign c, std::vector<Job> jobs) override;
  std::optional<Campaign> campaign(std::string_view id) override;
  Result<void> set_campaign_state(std::string_view id, std::string_view state) override;
  CampaignCounts campaign_counts(std::string_view id) override;
  Result<size_t> cancel_campaign_jobs(std::string_view id) override;
  Result<void> add_service_provider(const ServiceProvider& sp) override;
  std::optional<ServiceProvider> service_provider(std::string_view id) override;
  std::optional<ServiceProvider> service_provider_by_token(ByteView token_hash) override;
  Result<void> append_audit(const AuditEntry& e) override;
  std::vector<AuditEntry> audit(int64_t after, size_t limit) override;
  Result<uint64_t> next_scp80_counter(std::string_view iccid) override;
  std::vector<Job> live_jobs(std::string_view trigger, size_t limit) override;

 private:
  std::mutex mu_;
  std::unordered_map<std::string, ServiceProvider> providers_;
  std::vector<AuditEntry> audit_;
  std::unordered_map<std::string, Campaign> campaigns_;
  std::unordered_map<std::string, std::vector<std::string>> jobs_by_campaign_;
  uint64_t next_campaign_ = 1;
  std::unordered_map<std::string, Card> cards_;
  std::unordered_map<std::string, std::string> by_identity_;
  std::unordered_map<std::string, Job> jobs_;
  std::unordered_map<std::string, std::vector<std::string>> jobs_by_card_;  // in submission order
  uint64_t next_id_ = 1;
};

}  // namespace gpram::store
