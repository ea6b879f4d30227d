#include "gpram/store/sqlite_store.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <mutex>

#include "gpram/crypto/aead.hpp"
#include "gpram/crypto/crypto.hpp"
#include "serialize.hpp"

namespace gpram::store {
namespace {

using nlohmann::json;

constexpr int kSchemaVersion = 2;  // 2: service_providers, audit

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cards (
  iccid TEXT PRIMARY KEY,
  psk_identity TEXT NOT NULL UNIQUE,
  public TEXT NOT NULL,          -- JSON, no key material
  secrets BLOB NOT NULL          -- AES-256-GCM sealed JSON (AAD = "card:" || iccid)
);
CREATE TABLE IF NOT EXISTS jobs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  iccid TEXT NOT NULL,
  state TEXT NOT NULL,
  owner TEXT NOT NULL,
  campaign_id TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  doc TEXT NOT NULL,             -- steps, results, error (JSON)
  operations BLOB NOT NULL       -- sealed JSON (may hold keys or personalisation data)
);
CREATE INDEX IF NOT EXISTS jobs_by_card ON jobs (iccid, state, seq);
CREATE INDEX IF NOT EXISTS jobs_by_campaign ON jobs (campaign_id, state);
CREATE TABLE IF NOT EXISTS campaigns (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  owner TEXT NOT NULL,
  state TEXT NOT NULL,
  total INTEGER NOT NULL,
  max_concurrent INTEGER NOT NULL,
  rate_per_s REAL NOT NULL,
  created_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state);
CREATE TABLE IF NOT EXISTS service_providers (
  id TEXT PRIMARY KEY,
  token_hash BLOB NOT NULL UNIQUE,   -- SHA-256 of the bearer token; the token is never stored
  created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  ts_ms INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  object TEXT NOT NULL,
  outcome TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_append_only_u BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_append_only_d BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
)sql";

struct Stmt {
  sqlite3_stmt* s = nullptr;
  ~Stmt() { sqlite3_finalize(s); }
};

}  // namespace

struct SqliteStore::Impl {
  sqlite3* db = nullptr;
  Bytes key;
  std::mutex mu;
  ~Impl() {
    sqlite3_close_v2(db);
    secure_wipe(key);
  }

  Error err(std::string_view what) const {
    return Error{make_error_code(Errc::backend), fmt::format("store: {}: {}", what, sqlite3_errmsg(db))};
  }

  Result<void> exec(const char* sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
      std::string m = msg ? msg : "?";
      sqlite3_free(msg);
      return fail(Errc::backend, fmt::format("store: {}", m));
    }
    return {};
  }

  Result<void> prepare(Stmt& st, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &st.s, nullptr) != SQLITE_OK) return tl::unexpected(err("prepare"));
    return {};
  }

  static void bind(Stmt& st, int i, std::string_view v) {
    sqlite3_bind_text(st.s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  static void bind(Stmt& st, int i, ByteView v) {
    sqlite3_bind_blob(st.s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  static void bind(Stmt& st, int i, int64_t v) { sqlite3_bind_int64(st.s, i, v); }
  static std::string text(Stmt& st, int col) {
    const auto* p = sqlite3_column_text(st.s, col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(st.s, col)))
             : std::string();
  }
  static Bytes blob(Stmt& st, int col) {
    const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(st.s, col));
    return p ? Bytes(p, p + sqlite3_column_bytes(st.s, col)) : Bytes();
  }

  std::optional<Card> read_card(Stmt& st) {
    std::string iccid = text(st, 0);
    json pub = json::parse(text(st, 1), nullptr, false);
    Bytes sealed = blob(st, 2);
    auto secrets = crypto::open(key, as_bytes("card:" + iccid), sealed);
    if (pub.is_discarded() || !secrets) return std::nullopt;
    json sec = json::parse(as_chars(*secrets), nullptr, false);
    secure_wipe(*secrets);
    if (sec.is_discarded()) return std::nullopt;
    return detail::card_from(pub, sec);
  }

  std::optional<Job> read_job(Stmt& st) {
    Job j;
    j.id = text(st, 0);
    j.iccid = text(st, 1);
    auto state = job_state_from(text(st, 2));
    if (!state) return std::nullopt;
    j.state = *state;
    j.owner = text(st, 3);
    j.campaign_id = text(st, 4);
    j.created_ms = sqlite3_column_int64(st.s, 5);
    j.updated_ms = sqlite3_column_int64(st.s, 6);
    json doc = json::parse(text(st, 7), nullptr, false);
    if (doc.is_discarded()) return std::nullopt;
    detail::job_from_doc(j, doc);
    auto ops = crypto::open(key, as_bytes("job:" + j.id), blob(st, 8));
    if (!ops) return std::nullopt;
    j.operations = json::parse(as_chars(*ops), nullptr, false);
    return j;
  }
};

namespace {
constexpr const char* kJobCols =
    "id, iccid, state, owner, campaign_id, created_ms, updated_ms, doc, operations";
}

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteStore::~SqliteStore() = default;

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path, Bytes master_key) {
  if (master_key.size() != 32)
    return fail(Errc::backend, fmt::format("store: master key must be 32 bytes, got {}", master_key.size()));
  auto impl = std::make_unique<Impl>();
  impl->key = std::move(master_key);
  if (sqlite3_open_v2(path.c_str(), &impl->db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK)
    return fail(Errc::backend, fmt::format("store: cannot open {}: {}", path,
                                           impl->db ? sqlite3_errmsg(impl->db) : "out of memory"));
  sqlite3_busy_timeout(impl->db, 5000);
  for (const char* pragma : {"PRAGMA journal_mode=WAL;", "PRAGMA synchronous=NORMAL;",
                             "PRAGMA foreign_keys=ON;"})
    if (auto r = impl->exec(pragma); !r) return fail(r.error());
  if (auto r = impl->exec(kSchema); !r) return fail(r.error());
  // Schema version check: refuse a newer database than this binary understands.
  {
    Stmt st;
    if (auto r = impl->prepare(st, "SELECT value FROM meta WHERE key='schema_version'"); !r) return fail(r.error());
    if (sqlite3_step(st.s) == SQLITE_ROW) {
      const int v = std::stoi(Impl::text(st, 0));
      if (v > kSchemaVersion)
        return fail(Errc::backend, fmt::format("store: {} has schema version {}, this gpramd knows up to {}",
                                               path, v, kSchemaVersion));
      if (v < kSchemaVersion) {  // the CREATE ... IF NOT EXISTS above added what was missing
        Stmt up;
        if (auto r = impl->prepare(up, "UPDATE meta SET value=? WHERE key='schema_version'"); !r) return fail(r.error());
        Impl::bind(up, 1, std::to_string(kSchemaVersion));
        if (sqlite3_step(up.s) != SQLITE_DONE) return fail(impl->err("schema version"));
      }
    } else {
      Stmt ins;
      if (auto r = impl->prepare(ins, "INSERT INTO meta(key, value) VALUES('schema_version', ?)"); !r)
        return fail(r.error());
      Impl::bind(ins, 1, std::to_string(kSchemaVersion));
      if (sqlite3_step(ins.s) != SQLITE_DONE) return fail(impl->err("schema version"));
    }
  }
  // A canary sealed with the master key detects a wrong key at start-up, not at first use.
  {
    Stmt st;
    if (auto r = impl->prepare(st, "SELECT value FROM meta WHERE key='key_canary'"); !r) return fail(r.error());
    if (sqlite3_step(st.s) == SQLITE_ROW) {
      auto c = from_hex(Impl::text(st, 0));
      if (!c || !crypto::open(impl->key, as_bytes("canary"), *c))
        return fail(Errc::backend, fmt::format("store: the master key does not open {} (wrong key file?)", path));
    } else {
      auto sealed = crypto::seal(impl->key, as_bytes("canary"), as_bytes("gpram"));
      if (!sealed) return fail(sealed.error());
      Stmt ins;
      if (auto r = impl->prepare(ins, "INSERT INTO meta(key, value) VALUES('key_canary', ?)"); !r)
        return fail(r.error());
      Impl::bind(ins, 1, to_hex(*sealed));
      if (sqlite3_step(ins.s) != SQLITE_DONE) return fail(impl->err("key canary"));
    }
  }
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl)));
}

Result<void> SqliteStore::add_card(const Card& card) {
  std::lock_guard lock(impl_->mu);
  const std::string secrets = detail::card_secrets(card).dump();
  auto sealed = crypto::seal(impl_->key, as_bytes("card:" + card.iccid), as_bytes(secrets));
  if (!sealed) return fail(sealed.error());
  Stmt st;
  if (auto r = impl_->prepare(st, "INSERT INTO cards(iccid, psk_identity, public, secrets) VALUES(?,?,?,?)"); !r)
    return r;
  Impl::bind(st, 1, card.iccid);
  Impl::bind(st, 2, card.psk_identity);
  Impl::bind(st, 3, detail::card_public(card).dump());
  Impl::bind(st, 4, ByteView(*sealed));
  const int rc = sqlite3_step(st.s);
  if (rc == SQLITE_CONSTRAINT) {
    const bool dup_iccid = card_unlocked_exists(card.iccid);
    return fail(Errc::duplicate, dup_iccid
                                     ? fmt::format("card {} is already registered", card.iccid)
                                     : fmt::format("PSK identity '{}' is already used by another card",
                                                   card.psk_identity));
  }
  if (rc != SQLITE_DONE) return tl::unexpected(impl_->err("add card"));
  return {};
}

bool SqliteStore::card_unlocked_exists(std::string_view iccid) {
  Stmt st;
  if (!impl_->prepare(st, "SELECT 1 FROM cards WHERE iccid=?")) return false;
  Impl::bind(st, 1, iccid);
  return sqlite3_step(st.s) == SQLITE_ROW;
}

std::optional<Card> SqliteStore::card(std::string_view iccid) {
  std::lock_guard lock(impl_->mu);
  Stmt st;
  if (!impl_->prepare(st, "SELECT iccid, public, secrets FROM cards WHERE iccid=?")) return std::nullopt;
  Impl::bind(st, 1, iccid);
  if (sqlite3_step(st.s) != SQLITE_ROW) return std::nullopt;
  return impl_->read_card(st);
}

std::optional<Card> SqliteStore::card_by_psk_identity(std::string_view identity) {
  std::lock_guard lock(impl_->mu);
  Stmt st;
  if (!impl_->prepare(st, "SELECT iccid, public, secrets FROM cards WHERE psk_identity=?")) return std::nullopt;
  Impl::bind(st, 1, identity);
  if (sqlite3_step(st.s) != SQLITE_ROW) return std::nullopt;
  return impl_->read_card(st);
}

// Inserts one job inside the caller's transaction; assigns its id when empty.
Result<void> SqliteStore::insert_job(Job& job) {
  if (job.id.empty()) {
    Stmt st;
    if (auto r = impl_->prepare(st, "SELECT COALESCE(MAX(seq), 0) + 1 FROM jobs"); !r) return r;
    if (sqlite3_step(st.s) != SQLITE_ROW) return tl::unexpected(impl_->err("job id"));
    job.id = fmt::format("j{:08d}", sqlite3_column_int64(st.s, 0));
  }
  auto ops = crypto::seal(impl_->key, as_bytes("job:" + job.id), as_bytes(job.operations.dump()));
  if (!ops) return fail(ops.error());
  Stmt st;
  if (auto r = impl_->prepare(st, "INSERT INTO jobs(id, iccid, state, owner, campaign_id, created_ms, "
                                  "updated_ms, doc, operations) VALUES(?,?,?,?,?,?,?,?,?)");
      !r)
    return r;
  Impl::bind(st, 1, job.id);
  Impl::bind(st, 2, job.iccid);
  Impl::bind(st, 3, to_string(job.state));
  Impl::bind(st, 4, job.owner);
  Impl::bind(st, 5, job.campaign_id);
  Impl::bind(st, 6, job.created_ms);
  Impl::bind(st, 7, job.updated_ms);
  Impl::bind(st, 8, detail::job_doc(job).dump());
  Impl::bind(st, 9, ByteView(*ops));
  const int rc = sqlite3_step(st.s);
  if (rc == SQLITE_CONSTRAINT) return fail(Errc::duplicate, fmt::format("job {} exists", job.id));
  if (rc != SQLITE_DONE) return tl::unexpected(impl_->err("add job"));
  return {};
}

Result<std::string> SqliteStore::add_job(Job job) {
  std::lock_guard lock(impl_->mu);
  if (auto r = impl_->exec("BEGIN IMMEDIATE"); !r) return fail(r.error());
  if (auto r = insert_job(job); !r) {
    (void)impl_->exec("ROLLBACK");
    return fail(r.error());
  }
  if (auto r = impl_->exec("COMMIT"); !r) {
    (void)impl_->exec("ROLLBACK");
    return fail(r.error());
  }
  return job.id;
}

Result<std::string> SqliteStore::add_campaign(Campaign c, std::vector<Job> jobs) {
  std::lock_guard lock(impl_->mu);
  if (auto r = impl_->exec("BEGIN IMMEDIATE"); !r) return fail(r.error());
  auto rollback = [&](Error e) {
    (void)impl_->exec("ROLLBACK");
    return tl::unexpected(std::move(e));
  };
  if (c.id.empty()) {
    Stmt st;
    if (auto r = impl_->prepare(st, "SELECT COALESCE(MAX(seq), 0) + 1 FROM campaigns"); !r) return rollback(r.error());
    if (sqlite3_step(st.s) != SQLITE_ROW) return rollback(impl_->err("campaign id"));
    c.id = fmt::format("c{:06d}", sqlite3_column_int64(st.s, 0));
  }
  c.total = jobs.size();
  {
    Stmt st;
    if (auto r = impl_->prepare(st, "INSERT INTO campaigns(id, owner, state, total, max_concurrent, rate_per_s, "
                                    "created_ms) VALUES(?,?,?,?,?,?,?)");
        !r)
      return rollback(r.error());
    Impl::bind(st, 1, c.id);
    Impl::bind(st, 2, c.owner);
    Impl::bind(st, 3, c.state);
    Impl::bind(st, 4, static_cast<int64_t>(c.total));
    Impl::bind(st, 5, static_cast<int64_t>(c.max_concurrent));
    sqlite3_bind_double(st.s, 6, c.rate_per_s);
    Impl::bind(st, 7, c.created_ms);
    const int rc = sqlite3_step(st.s);
    if (rc == SQLITE_CONSTRAINT)
      return rollback(Error{make_error_code(Errc::duplicate), fmt::format("campaign {} exists", c.id)});
    if (rc != SQLITE_DONE) return rollback(impl_->err("add campaign"));
  }
  for (auto& j : jobs) {
    j.id.clear();
    j.campaign_id = c.id;
    if (auto r = insert_job(j); !r) return rollback(r.error());
  }
  if (auto r = impl_->exec("COMMIT"); !r) return rollback(r.error());
  return c.id;
}

std::optional<Campaign> SqliteStore::campaign(std::string_view id) {
  std::lock_guard lock(impl_->mu);
  Stmt st;
  if (!impl_->prepare(st, "SELECT id, owner, state, total, max_concurrent, rate_per_s, created_ms FROM campaigns "
                          "WHERE id=?"))
    return std::nullopt;
  Impl::bind(st, 1, id);
  if (sqlite3_step(st.s) != SQLITE_ROW) return std::nullopt;
  Campaign c;
  c.id = Impl::text(st, 0);
  c.owner = Impl::text(st, 1);
  c.state = Impl::text(st, 2);
  c.total = static_cast<size_t>(sqlite3_column_int64(st.s, 3));
  c.max_concurrent = static_cast<uint32_t>(sqlite3_column_int64(st.s, 4));
  c.rate_per_s = sqlite3_column_double(st.s, 5);
  c.created_ms = sqlite3_column_int64(st.s, 6);
  return c;
}

Result<void> SqliteStore::set_campaign_state(std::string_view id, std::string_view state) {
  std::lock_guard lock(impl_->mu);
  Stmt st;
  if (auto r = impl_->prepare(st, "UPDATE campaigns SET state=? WHERE id=?"); !r) return r;
  Impl::bind(st, 1, state);
  Impl::bind(st, 2, id);
  if (sqlite3_step(st.s) != SQLITE_DONE) return tl::unexpected(impl_->err("campaign state"));
  if (sqlite3_changes(impl_->db) == 0) return fail(Errc::not_found, fmt::format("campaign {} not found", id));
  return {};
}

CampaignCounts SqliteStore::campaign_counts(std::string_view id) {
  std::lock_guard lock(impl_->mu);
  CampaignCounts n;
  Stmt st;
  if (!impl_->prepare(st, "SELECT state, COUNT(*) FROM jobs WHERE campaign_id=? GROUP BY state")) return n;
  Impl::bind(st, 1, id);
  while (sqlite3_step(st.s) == SQLITE_ROW) {
    const auto k = static_cast<size_t>(sqlite3_column_int64(st.s, 1));
    const std::string s = Impl::text(st, 0);
    if (s == "queued" || s == "triggered") n.queued += k;
    else if (s == "running") n.running += k;
    else if (s == "done") n.done += k;
    else if (s == "failed") n.failed += k;
    else if (s == "cancelled") n.cancelled += k;
  }
  return n;
}

Result<size_t> SqliteStore::cancel_campaign_jobs(std::string_view id) {
  std::lock_guard lock(impl_->mu);
  if (auto r = impl_->exec("BEGIN IMMEDIATE"); !r) return fail(r.error());
  Stmt st;
  if (auto r = impl_->prepare(st, "SELECT id, doc FROM jobs WHERE campaign_id=? AND state IN "
                                  "('queued','triggered','running')");
      !r) {
    (void)impl_->exec("ROLLBACK");
    return fail(r.error());
  }
  Impl::bind(st, 1, id);
  std::vector<std::pair<std::string, std::string>> rows;
  while (sqlite3_step(st.s) == SQLITE_ROW) rows.emplace_back(Impl::text(st, 0), Impl::text(st, 1));
  for (auto& [jid, doc] : rows) {
    nlohmann::json d = nlohmann::json::parse(doc, nullptr, false);
    if (!d.is_discarded()) d["error"] = "campaign cancelled";
    Stmt up;
    if (auto r = impl_->prepare(up, "UPDATE jobs SET state='cancelled', doc=? WHERE id=?"); !r) {
      (void)impl_->exec("ROLLBACK");
      return fail(r.error());
    }
    Impl::bind(up, 1, d.is_discarded() ? doc : d.dump());
    Impl::bind(up, 2, jid);
    if (sqlite3_step(up.s) != SQLITE_DONE) {
      Error e = impl_->err("cancel job");
      (void)impl_->exec("ROLLBACK");
      return fail(std::move(e));
    }
  }
  if (auto r = impl_->exec("COMMIT"); !r) return fail(r.error());
  return rows.size();
}

std::optional<Job> SqliteStore::job(std::string_view id) {
  std::lock_guard lock(impl_->mu);
  Stmt st;
  if (!impl_->prepare(st, fmt::format("SELECT {} FROM jobs WHERE id=?", kJobCols).c_str())) return std::nullopt;
  Impl::bind(st, 1, id);
  if (sqlite3_step(st.s) != SQLITE_ROW) return std::nullopt;
  return impl_->read_job(st);
}

Result<void> SqliteStore::update_job(const Job& job) {
  std::lock_guard lock(impl_->mu);
  Stmt st;
  if (auto r = impl_->prepare(st, "UPDATE jobs SET state=?, updated_ms=?, doc=?, campaign_id=? WHERE id=?"); !r)
    return r;
  Impl::bind(st, 1, to_string(job.state));
  Impl::bind(st, 2, job.updated_ms);
  Impl::bind(st, 3, detail::job_doc(job).dump());
  Impl::bind(st, 4, job.campaign_id);
  Impl::bind(st, 5, job.id);
  if (sqlite3_step(st.s) != SQLITE_DONE) return tl::unexpected(impl_->err("update job"));
  if (sqlite3_changes(impl_->db) == 0) return fail(Errc::not_found, fmt::format("job {} not found", job.id));
  return {};
}

std::optional<Job> SqliteStore::active_job(std::string_view iccid) {
  std::lock_guard lock(impl_->mu);
  Stmt st;
  if (!impl_->prepare(st, fmt::format("SELECT {} FROM jobs WHERE iccid=? AND state IN "
                                      "('queued','triggered','running') ORDER BY seq LIMIT 1",
                                      kJobCols)
                              .c_str()))
    return std::nullopt;
  Impl::bind(st, 1, iccid);
  if (sqlite3_step(st.s) != SQLITE_ROW) return std::nullopt;
  return impl_->read_job(st);
}

std::vector<std::pair<JobState, size_t>> SqliteStore::job_counts() {
  std::lock_guard lock(impl_->mu);
  std::array<size_t, 6> n{};
  Stmt st;
  if (impl_->prepare(st, "SELECT state, COUNT(*) FROM jobs GROUP BY state")) {
    while (sqlite3_step(st.s) == SQLITE_ROW)
      if (auto s = job_state_from(Impl::text(st, 0)))
        n[static_cast<size_t>(*s)] = static_cast<size_t>(sqlite3_column_int64(st.s, 1));
  }
  std::vector<std::pair<JobState, size_t>> out;
  for (size_t i = 0; i < n.size(); ++i) out.emplace_back(static_cast<JobState>(i), n[i]);
  return out;
}

Result<void> SqliteStore::add_service_provider(const ServiceProvider& sp) {
  std::lock_guard lock(impl_->mu);
  Stmt st;
  if (auto r = impl_->prepare(st, "INSERT INTO service_providers(id, token_hash, created_ms) VALUES(?,?,?)"); !r)
    return r;
  Impl::bind(st, 1, sp.id);
  Impl::bind(st, 2, ByteView(sp.token_hash));
  Impl::bind(st, 3, sp.created_ms);
  const int rc = sqlite3_step(st.s);
  if (rc == SQLITE_CONSTRAINT) return fail(Errc::duplicate, fmt::format("service provider {} exists", sp.id));
  if (rc != SQLITE_DONE) return tl::unexpected(impl_->err("add service provider"));
  return {};
}

namespace {
std::optional<ServiceProvider> read_provider(Stmt& st) {
  if (sqlite3_step(st.s) != SQLITE_ROW) return std::nullopt;
  return ServiceProvider{SqliteStore::Impl::text(st, 0), SqliteStore::Impl::blob(st, 1),
                         sqlite3_column_int64(st.s, 2)};
}
}  // namespace

std::optional<ServiceProvider> SqliteStore::service_provider(std::string_view id) {
  std::lock_guard lock(impl_->mu);
  Stmt st;
  if (!impl_->prepare(st, "SELECT id, token_hash, created_ms FROM service_providers WHERE id=?")) return std::nullopt;
  Impl::bind(st, 1, id);
  return read_provider(st);
}

std::optional<ServiceProvider> SqliteStore::service_provider_by_token(ByteView token_hash) {
  std::lock_guard lock(impl_->mu);
  Stmt st;
  if (!impl_->prepare(st, "SELECT id, token_hash, created_ms FROM service_providers WHERE token_hash=?"))
    return std::nullopt;
  Impl::bind(st, 1, token_hash);
  return read_provider(st);
}

Result<void> SqliteStore::append_audit(const AuditEntry& e) {
  std::lock_guard lock(impl_->mu);
  Stmt st;
  if (auto r = impl_->prepare(st, "INSERT INTO audit(ts_ms, actor, action, object, outcome, detail) "
                                  "VALUES(?,?,?,?,?,?)");
      !r)
    return r;
  Impl::bind(st, 1, e.ts_ms);
  Impl::bind(st, 2, e.actor);
  Impl::bind(st, 3, e.action);
  Impl::bind(st, 4, e.object);
  Impl::bind(st, 5, e.outcome);
  Impl::bind(st, 6, e.detail);
  if (sqlite3_step(st.s) != SQLITE_DONE) return tl::unexpected(impl_->err("append audit"));
  return {};
}

std::vector<AuditEntry> SqliteStore::audit(int64_t after, size_t limit) {
  std::lock_guard lock(impl_->mu);
  std::vector<AuditEntry> out;
  Stmt st;
  if (!impl_->prepare(st, "SELECT seq, ts_ms, actor, action, object, outcome, detail FROM audit "
                          "WHERE seq > ? ORDER BY seq LIMIT ?"))
    return out;
  Impl::bind(st, 1, after);
  Impl::bind(st, 2, static_cast<int64_t>(std::min<size_t>(limit, 1u << 30)));
  while (sqlite3_step(st.s) == SQLITE_ROW)
    out.push_back(AuditEntry{sqlite3_column_int64(st.s, 0), sqlite3_column_int64(st.s, 1), Impl::text(st, 2),
                             Impl::text(st, 3), Impl::text(st, 4), Impl::text(st, 5), Impl::text(st, 6)});
  return out;
}

Result<uint64_t> SqliteStore::next_scp80_counter(std::string_view iccid) {
  std::lock_guard lock(impl_->mu);
  if (auto r = impl_->exec("BEGIN IMMEDIATE"); !r) return fail(r.error());
  auto rollback = [&](Error e) -> Result<uint64_t> {
    (void)impl_->exec("ROLLBACK");
    return tl::unexpected(std::move(e));
  };
  json pub;
  {
    Stmt st;
    if (auto r = impl_->prepare(st, "SELECT public FROM cards WHERE iccid=?"); !r) return rollback(r.error());
    Impl::bind(st, 1, iccid);
    if (sqlite3_step(st.s) != SQLITE_ROW)
      return rollback(Error{make_error_code(Errc::not_found), fmt::format("card {} not found", iccid)});
    pub = json::parse(Impl::text(st, 0), nullptr, false);
  }
  if (pub.is_discarded() || !pub.contains("scp80"))
    return rollback(Error{make_error_code(Errc::conflict), fmt::format("card {} has no SCP80 keys", iccid)});
  const uint64_t next = pub["scp80"].value("counter", uint64_t{0}) + 1;
  if (next > 0xFFFFFFFFFFull)
    return rollback(Error{make_error_code(Errc::conflict), fmt::format("card {}: the SCP80 counter is exhausted", iccid)});
  pub["scp80"]["counter"] = next;
  {
    Stmt st;
    if (auto r = impl_->prepare(st, "UPDATE cards SET public=? WHERE iccid=?"); !r) return rollback(r.error());
    Impl::bind(st, 1, pub.dump());
    Impl::bind(st, 2, iccid);
    if (sqlite3_step(st.s) != SQLITE_DONE) return rollback(impl_->err("SCP80 counter"));
  }
  if (auto r = impl_->exec("COMMIT"); !r) return rollback(r.error());
  return next;
}

std::vector<Job> SqliteStore::live_jobs(std::string_view trigger, size_t limit) {
  std::lock_guard lock(impl_->mu);
  std::vector<Job> out;
  Stmt st;
  if (!impl_->prepare(st, fmt::format("SELECT {} FROM jobs WHERE state IN ('queued','triggered','running') "
                                      "AND json_extract(doc, '$.trigger') = ? ORDER BY seq LIMIT ?",
                                      kJobCols)
                              .c_str()))
    return out;
  Impl::bind(st, 1, trigger);
  Impl::bind(st, 2, static_cast<int64_t>(std::min<size_t>(limit, 1u << 30)));
  while (sqlite3_step(st.s) == SQLITE_ROW)
    if (auto j = impl_->read_job(st)) out.push_back(std::move(*j));
  return out;
}

Result<Bytes> load_or_create_master_key(const std::string& path) {
  struct stat sb{};
  if (::stat(path.c_str(), &sb) == 0) {
    if ((sb.st_mode & 077) != 0)
      return fail(Errc::backend, fmt::format("master key file {} is readable by group or others "
                                             "(mode {:o}); chmod 600 it",
                                             path, sb.st_mode & 0777));
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
    auto key = from_hex(text);
    if (!key || key->size() != 32)
      return fail(Errc::backend, fmt::format("master key file {} must hold 64 hex digits", path));
    return key;
  }
  Bytes key(32);
  crypto::random_bytes(key);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return fail(Errc::backend, fmt::format("cannot create master key file {}", path));
  const std::string text = to_hex(key) + "\n";
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!ok) return fail(Errc::backend, fmt::format("cannot write master key file {}", path));
  return key;
}

}  // namespace gpram::store
