// PostgresStore when libs/store is built without libpqxx (pkg-config module libpqxx missing):
// open() explains what is missing; nothing else is reachable since no instance can exist.
#ifndef GPRAM_STORE_HAVE_PQXX

#include "gpram/store/postgres_store.hpp"

namespace gpram::store {

struct PostgresStore::Impl {};

bool postgres_available() noexcept { return false; }

PostgresStore::PostgresStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PostgresStore::~PostgresStore() = default;

Result<std::unique_ptr<PostgresStore>> PostgresStore::open(const std::string& url, Bytes master_key) {
  return open(url, std::move(master_key), Options{});
}

Result<std::unique_ptr<PostgresStore>> PostgresStore::open(const std::string& url, Bytes master_key,
                                                           Options) {
  secure_wipe(master_key);
  return fail(Errc::backend, "store: " + redact_url(url) +
                                 ": this build has no PostgreSQL support (install libpqxx-dev and "
                                 "re-run cmake)");
}

namespace {
Error unavailable() { return Error{make_error_code(Errc::backend), "store: no PostgreSQL support"}; }
}  // namespace

Result<void> PostgresStore::add_card(const Card&) { return tl::unexpected(unavailable()); }
std::optional<Card> PostgresStore::card(std::string_view) { return std::nullopt; }
std::optional<Card> PostgresStore::card_by_psk_identity(std::string_view) { return std::nullopt; }
Result<std::string> PostgresStore::add_job(Job) { return tl::unexpected(unavailable()); }
std::optional<Job> PostgresStore::job(std::string_view) { return std::nullopt; }
Result<void> PostgresStore::update_job(const Job&) { return tl::unexpected(unavailable()); }
std::optional<Job> PostgresStore::active_job(std::string_view) { return std::nullopt; }
std::vector<std::pair<JobState, size_t>> PostgresStore::job_counts() { return {}; }
Result<std::vector<Job>> PostgresStore::claim_queued(size_t, std::string_view, int64_t, int64_t) {
  return tl::unexpected(unavailable());
}
std::string PostgresStore::last_error() { return "store: no PostgreSQL support"; }

}  // namespace gpram::store

#endif  // !GPRAM_STORE_HAVE_PQXX
