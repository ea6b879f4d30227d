// PostgreSQL back end (libpqxx): several gpramd nodes share one database. Same columns and
// sealing as the SQLite back end: card secrets and job operations are AES-256-GCM sealed under
// the master key before they leave the process (docs/adr/0002-postgres-store.md).
//
// Thread safety: a small pool of connections; each call borrows one connection for exactly one
// transaction, so calls from several threads run in parallel on different connections.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gpram/store/store.hpp"

namespace gpram::store {

/// True when libs/store was built with libpqxx (PostgresStore::open fails otherwise).
[[nodiscard]] bool postgres_available() noexcept;

class PostgresStore final : public Store {
 public:
  struct Options {
    size_t pool_size = 4;          // connections opened lazily, at most this many
    int64_t acquire_timeout_ms = 30'000;  // waiting for a free connection
  };

  /// Connects to `url` (postgresql://user[:password]@host:port/db[?...]), creates or checks the
  /// schema and the master-key canary. Refuses a database with a newer schema version or one
  /// sealed under another master key.
  [[nodiscard]] static Result<std::unique_ptr<PostgresStore>> open(const std::string& url,
                                                                    Bytes master_key);
  [[nodiscard]] static Result<std::unique_ptr<PostgresStore>> open(const std::string& url,
                                                                    Bytes master_key,
                                                                    Options options);
  ~PostgresStore() override;
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

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

  /// Multi-node work distribution: claims for `node` up to `limit` queued jobs that are the
  /// active job of their card (no older non-final job on the same card) and that nobody holds
  /// a live claim on, oldest first (by submission sequence). A claim is a lease until
  /// `now_ms + lease_ms`; an expired claim (its node died) can be taken by another node. Uses
  /// SELECT ... FOR UPDATE SKIP LOCKED, so concurrent claimers never get the same job.
  [[nodiscard]] Result<std::vector<Job>> claim_queued(size_t limit, std::string_view node,
                                                      int64_t now_ms, int64_t lease_ms = 60'000);

  /// The error of the last call that returned nullopt/empty because the database failed (the
  /// Store interface has no room for it); empty after a successful call on this thread.
  [[nodiscard]] static std::string last_error();

  struct Impl;

 private:
  explicit PostgresStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// `url` with its password replaced by "***" (for messages and logs).
[[nodiscard]] std::string redact_url(std::string_view url);

}  // namespace gpram::store
