// SQLite back end (the embedded default): one file, WAL journal, every change in a
// transaction. Secrets (card PSK, SCP80 keys, SD keys) and job operations are sealed with
// AES-256-GCM under the master key before they reach the file (ADR 0002).
#pragma once

#include <memory>
#include <string>

#include "gpram/store/store.hpp"

namespace gpram::store {

class SqliteStore final : public Store {
 public:
  /// Opens (creating and migrating if needed) the database at `path`.
  [[nodiscard]] static Result<std::unique_ptr<SqliteStore>> open(const std::string& path,
                                                                  Bytes master_key);
  ~SqliteStore() override;

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

  struct Impl;

 private:
  explicit SqliteStore(std::unique_ptr<Impl> impl);
  bool card_unlocked_exists(std::string_view iccid);
  Result<void> insert_job(Job& job);
  std::unique_ptr<Impl> impl_;
};

/// Reads the master key file (64 hex digits), creating it with a random key and mode 0600 when
/// it does not exist. Refuses a file readable by group or others.
[[nodiscard]] Result<Bytes> load_or_create_master_key(const std::string& path);

}  // namespace gpram::store
