// State shared by the PostgreSQL back end's sources (private to libs/store).
#pragma once

#include <string>

#include "gpram/store/postgres_store.hpp"
#include "postgres_pool.hpp"

namespace gpram::store {

struct PostgresStore::Impl {
  Impl(const std::string& url, Bytes master_key, const Options& o);
  ~Impl();

  pg::Pool pool;
  Bytes key;
  std::string where;  // the URL without its password, for messages

  /// Row: iccid, public, secrets.
  [[nodiscard]] Result<Card> read_card(const pqxx::row& row) const;
  /// Row: the kJobCols columns, in that order, starting at column `first`.
  [[nodiscard]] Result<Job> read_job(const pqxx::row& row, pqxx::row::size_type first = 0) const;
  /// Inserts `job` in `tx` with the next id of the shared sequence when job.id is empty.
  [[nodiscard]] Result<std::string> insert_job(pqxx::work& tx, const Job& job) const;
};

namespace pg {

constexpr int kSchemaVersion = 2;  // 2: campaigns, service_providers, audit
/// Job columns in the order read_job expects them.
constexpr const char* kJobCols =
    "id, iccid, state, owner, campaign_id, created_ms, updated_ms, doc, operations";
/// The states in which a job is not final (is_final() == false), as an SQL list.
constexpr const char* kLiveStates = "('queued','triggered','running')";

inline pqxx::binarystring bin(ByteView v) { return pqxx::binarystring(v.data(), v.size()); }
inline Bytes bytea(const pqxx::field& f) {
  pqxx::binarystring b(f);
  return Bytes(b.data(), b.data() + b.size());
}

}  // namespace pg
}  // namespace gpram::store
