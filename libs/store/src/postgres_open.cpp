// PostgreSQL back end: connection, schema creation and checks, row decoding.
// Schema and sealing: docs/adr/0002-postgres-store.md.
#include "gpram/store/postgres_store.hpp"

#include <fmt/format.h>

namespace gpram::store {

std::string redact_url(std::string_view url) {
  std::string out(url);
  // URI form: scheme://user:password@host...
  if (auto scheme = out.find("://"); scheme != std::string::npos) {
    const size_t start = scheme + 3;
    const size_t at = out.find('@', start);
    const size_t slash = out.find('/', start);
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
      const size_t colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // password=... in a query string or a key=value connection string.
  for (size_t p = out.find("password="); p != std::string::npos; p = out.find("password=", p + 1)) {
    const size_t v = p + 9;
    const size_t end = out.find_first_of("& ", v);
    out.replace(v, (end == std::string::npos ? out.size() : end) - v, "***");
  }
  return out;
}

}  // namespace gpram::store

#ifdef GPRAM_STORE_HAVE_PQXX

#include <charconv>

#include "gpram/crypto/aead.hpp"
#include "postgres_impl.hpp"
#include "serialize.hpp"

namespace gpram::store {
namespace {

using nlohmann::json;

// TEXT/BYTEA/BIGINT columns mirror the SQLite schema (sqlite_store.cpp); the claim columns are
// PostgreSQL only (claim_queued). All statements are idempotent: several nodes may start at once
// (they serialise on an advisory lock).
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cards (
  iccid TEXT PRIMARY KEY,
  psk_identity TEXT NOT NULL UNIQUE,
  public TEXT NOT NULL,
  secrets BYTEA NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
  seq BIGSERIAL PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  iccid TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued','triggered','running','done','failed','cancelled')),
  owner TEXT NOT NULL,
  campaign_id TEXT NOT NULL DEFAULT '',
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL,
  doc TEXT NOT NULL,
  operations BYTEA NOT NULL,
  claimed_by TEXT NOT NULL DEFAULT '',
  claimed_until_ms BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_live_by_card ON jobs (iccid, seq)
  WHERE state IN ('queued','triggered','running');
CREATE INDEX IF NOT EXISTS jobs_queued ON jobs (seq) WHERE state = 'queued';
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state);
CREATE INDEX IF NOT EXISTS jobs_by_campaign ON jobs (campaign_id, state);
CREATE TABLE IF NOT EXISTS campaigns (
  seq BIGSERIAL PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  owner TEXT NOT NULL,
  state TEXT NOT NULL,
  total BIGINT NOT NULL,
  max_concurrent BIGINT NOT NULL,
  rate_per_s DOUBLE PRECISION NOT NULL,
  created_ms BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS service_providers (
  id TEXT PRIMARY KEY,
  token_hash BYTEA NOT NULL UNIQUE,
  created_ms BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
  seq BIGSERIAL PRIMARY KEY,
  ts_ms BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  object TEXT NOT NULL,
  outcome TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE OR REPLACE FUNCTION gpram_audit_append_only() RETURNS trigger AS $$
  BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql;
CREATE OR REPLACE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
  FOR EACH ROW EXECUTE FUNCTION gpram_audit_append_only();
)sql";

// pg_advisory_xact_lock key serialising schema set-up between nodes ("gpra").
constexpr int64_t kSchemaLock = 0x67707261;

Result<void> set_up(pqxx::work& tx, const PostgresStore::Impl& impl) {
  tx.exec_params("SELECT pg_advisory_xact_lock($1)", kSchemaLock);
  tx.exec(kSchema);
  // Refuse a database written by a newer gpramd.
  auto v = tx.exec("SELECT value FROM meta WHERE key = 'schema_version'");
  if (v.empty()) {
    tx.exec_params("INSERT INTO meta(key, value) VALUES('schema_version', $1)",
                   std::to_string(pg::kSchemaVersion));
  } else {
    const std::string text = v[0][0].as<std::string>();
    int version = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
    if (ec != std::errc() || end != text.data() + text.size())
      return fail(Errc::backend, fmt::format("store: {}: meta.schema_version is '{}', not a number",
                                             impl.where, text));
    if (version > pg::kSchemaVersion)
      return fail(Errc::backend, fmt::format("store: {} has schema version {}, this gpramd knows up to {}",
                                             impl.where, version, pg::kSchemaVersion));
    if (version < pg::kSchemaVersion)  // kSchema above created what was missing
      tx.exec_params("UPDATE meta SET value = $1 WHERE key = 'schema_version'",
                     std::to_string(pg::kSchemaVersion));
  }
  // A canary sealed with the master key detects a wrong key at start-up, not at first use.
  auto c = tx.exec("SELECT value FROM meta WHERE key = 'key_canary'");
  if (c.empty()) {
    auto sealed = crypto::seal(impl.key, as_bytes("canary"), as_bytes("gpram"));
    if (!sealed) return fail(sealed.error());
    tx.exec_params("INSERT INTO meta(key, value) VALUES('key_canary', $1)", to_hex(*sealed));
  } else {
    auto sealed = from_hex(c[0][0].as<std::string>());
    if (!sealed || !crypto::open(impl.key, as_bytes("canary"), *sealed))
      return fail(Errc::backend,
                  fmt::format("store: the master key does not open {} (wrong key file?)", impl.where));
  }
  return {};
}

}  // namespace

bool postgres_available() noexcept { return true; }

PostgresStore::Impl::Impl(const std::string& url, Bytes master_key, const Options& o)
    : pool(url, o.pool_size, std::chrono::milliseconds(o.acquire_timeout_ms)),
      key(std::move(master_key)),
      where(redact_url(url)) {}

PostgresStore::Impl::~Impl() { secure_wipe(key); }

Result<Card> PostgresStore::Impl::read_card(const pqxx::row& row) const {
  const std::string iccid = row[0].as<std::string>();
  json pub = json::parse(row[1].as<std::string>(), nullptr, false);
  if (pub.is_discarded())
    return fail(Errc::backend, fmt::format("store: card {}: column public is not JSON", iccid));
  auto secrets = crypto::open(key, as_bytes("card:" + iccid), pg::bytea(row[2]));
  if (!secrets)
    return fail(Errc::backend, fmt::format("store: card {}: the sealed secrets do not open under the "
                                           "master key: {}",
                                           iccid, secrets.error().message));
  json sec = json::parse(as_chars(*secrets), nullptr, false);
  secure_wipe(*secrets);
  if (sec.is_discarded())
    return fail(Errc::backend, fmt::format("store: card {}: the sealed secrets are not JSON", iccid));
  Card card = detail::card_from(pub, sec);
  sec.clear();
  return card;
}

Result<Job> PostgresStore::Impl::read_job(const pqxx::row& row, pqxx::row::size_type first) const {
  Job j;
  j.id = row[first].as<std::string>();
  j.iccid = row[first + 1].as<std::string>();
  const std::string state = row[first + 2].as<std::string>();
  auto s = job_state_from(state);
  if (!s) return fail(Errc::backend, fmt::format("store: job {}: unknown state '{}'", j.id, state));
  j.state = *s;
  j.owner = row[first + 3].as<std::string>();
  j.campaign_id = row[first + 4].as<std::string>();
  j.created_ms = row[first + 5].as<int64_t>();
  j.updated_ms = row[first + 6].as<int64_t>();
  json doc = json::parse(row[first + 7].as<std::string>(), nullptr, false);
  if (doc.is_discarded()) return fail(Errc::backend, fmt::format("store: job {}: column doc is not JSON", j.id));
  detail::job_from_doc(j, doc);
  auto ops = crypto::open(key, as_bytes("job:" + j.id), pg::bytea(row[first + 8]));
  if (!ops)
    return fail(Errc::backend, fmt::format("store: job {}: the sealed operations do not open under the "
                                           "master key: {}",
                                           j.id, ops.error().message));
  j.operations = json::parse(as_chars(*ops), nullptr, false);
  secure_wipe(*ops);
  if (j.operations.is_discarded())
    return fail(Errc::backend, fmt::format("store: job {}: the sealed operations are not JSON", j.id));
  return j;
}

PostgresStore::PostgresStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PostgresStore::~PostgresStore() = default;

Result<std::unique_ptr<PostgresStore>> PostgresStore::open(const std::string& url, Bytes master_key) {
  return open(url, std::move(master_key), Options{});
}

Result<std::unique_ptr<PostgresStore>> PostgresStore::open(const std::string& url, Bytes master_key,
                                                           Options options) {
  if (master_key.size() != 32) {
    const size_t n = master_key.size();
    secure_wipe(master_key);
    return fail(Errc::backend, fmt::format("store: master key must be 32 bytes, got {}", n));
  }
  auto impl = std::make_unique<Impl>(url, std::move(master_key), options);
  const Impl& ref = *impl;
  auto r = pg::transact<void>(impl->pool, fmt::format("open {}", impl->where),
                              [&](pqxx::work& tx) { return set_up(tx, ref); });
  if (!r) return fail(r.error());
  return std::unique_ptr<PostgresStore>(new PostgresStore(std::move(impl)));
}

}  // namespace gpram::store

#endif  // GPRAM_STORE_HAVE_PQXX
