// PostgreSQL back end: campaigns, service providers and the audit log (the same semantics as
// the SQLite back end; the shared storage test suite runs against both).
#include "gpram/store/postgres_store.hpp"

#ifdef GPRAM_STORE_HAVE_PQXX

#include <fmt/format.h>

#include "gpram/crypto/aead.hpp"
#include "postgres_impl.hpp"
#include "serialize.hpp"

namespace gpram::store {
namespace {



template <class T>
std::optional<T> noted(Result<std::optional<T>> r) {
  if (!r) return std::nullopt;
  return std::move(*r);
}

Campaign read_campaign(const pqxx::row& r) {
  Campaign c;
  c.id = r[0].as<std::string>();
  c.owner = r[1].as<std::string>();
  c.state = r[2].as<std::string>();
  c.total = r[3].as<size_t>();
  c.max_concurrent = r[4].as<uint32_t>();
  c.rate_per_s = r[5].as<double>();
  c.created_ms = r[6].as<int64_t>();
  return c;
}

}  // namespace

Result<std::string> PostgresStore::Impl::insert_job(pqxx::work& tx, const Job& job) const {
  const auto seq = tx.exec("SELECT nextval(pg_get_serial_sequence('jobs', 'seq'))")[0][0].as<int64_t>();
  const std::string id = job.id.empty() ? fmt::format("j{:08d}", seq) : job.id;
  auto ops = crypto::seal(key, as_bytes("job:" + id), as_bytes(job.operations.dump()));
  if (!ops) return fail(ops.error());
  Job stored = job;
  stored.id = id;
  auto ins = tx.exec_params(
      "INSERT INTO jobs(seq, id, iccid, state, owner, campaign_id, created_ms, updated_ms, doc, "
      "operations) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
      "ON CONFLICT (id) DO NOTHING RETURNING seq",
      seq, id, job.iccid, std::string(to_string(job.state)), job.owner, job.campaign_id, job.created_ms,
      job.updated_ms, detail::job_doc(stored).dump(), pg::bin(*ops));
  if (ins.empty()) return fail(Errc::duplicate, fmt::format("job {} exists", id));
  return id;
}

Result<std::string> PostgresStore::add_campaign(Campaign c, std::vector<Job> jobs) {
  return pg::transact<std::string>(
      impl_->pool, "add campaign", [&](pqxx::work& tx) -> Result<std::string> {
        const auto seq =
            tx.exec("SELECT nextval(pg_get_serial_sequence('campaigns', 'seq'))")[0][0].as<int64_t>();
        const std::string id = c.id.empty() ? fmt::format("c{:06d}", seq) : c.id;
        auto ins = tx.exec_params(
            "INSERT INTO campaigns(seq, id, owner, state, total, max_concurrent, rate_per_s, created_ms) "
            "VALUES($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING RETURNING seq",
            seq, id, c.owner, c.state, static_cast<int64_t>(jobs.size()), static_cast<int64_t>(c.max_concurrent),
            c.rate_per_s, c.created_ms);
        if (ins.empty()) return fail(Errc::duplicate, fmt::format("campaign {} exists", id));
        for (auto& j : jobs) {
          j.id.clear();
          j.campaign_id = id;
          if (auto r = impl_->insert_job(tx, j); !r) return fail(r.error());
        }
        return id;
      });
}

std::optional<Campaign> PostgresStore::campaign(std::string_view id) {
  return noted(pg::transact<std::optional<Campaign>>(
      impl_->pool, fmt::format("read campaign {}", id), [&](pqxx::work& tx) -> Result<std::optional<Campaign>> {
        auto r = tx.exec_params("SELECT id, owner, state, total, max_concurrent, rate_per_s, created_ms "
                                "FROM campaigns WHERE id = $1",
                                std::string(id));
        if (r.empty()) return std::optional<Campaign>();
        return std::optional<Campaign>(read_campaign(r[0]));
      }));
}

Result<void> PostgresStore::set_campaign_state(std::string_view id, std::string_view state) {
  return pg::transact<void>(impl_->pool, fmt::format("set campaign {} {}", id, state),
                            [&](pqxx::work& tx) -> Result<void> {
                              auto r = tx.exec_params("UPDATE campaigns SET state = $1 WHERE id = $2",
                                                      std::string(state), std::string(id));
                              if (r.affected_rows() == 0)
                                return fail(Errc::not_found, fmt::format("campaign {} not found", id));
                              return {};
                            });
}

CampaignCounts PostgresStore::campaign_counts(std::string_view id) {
  CampaignCounts n;
  (void)pg::transact<void>(impl_->pool, fmt::format("count campaign {}", id), [&](pqxx::work& tx) -> Result<void> {
    for (const auto& row : tx.exec_params("SELECT state, COUNT(*) FROM jobs WHERE campaign_id = $1 GROUP BY state",
                                          std::string(id))) {
      const auto k = row[1].as<size_t>();
      const std::string s = row[0].as<std::string>();
      if (s == "queued" || s == "triggered") n.queued += k;
      else if (s == "running") n.running += k;
      else if (s == "done") n.done += k;
      else if (s == "failed") n.failed += k;
      else if (s == "cancelled") n.cancelled += k;
    }
    return {};
  });
  return n;
}

Result<size_t> PostgresStore::cancel_campaign_jobs(std::string_view id) {
  return pg::transact<size_t>(
      impl_->pool, fmt::format("cancel campaign {}", id), [&](pqxx::work& tx) -> Result<size_t> {
        // The error text lives in the doc JSON; jsonb_set keeps the rest of it.
        auto r = tx.exec_params(
            fmt::format("UPDATE jobs SET state = 'cancelled', "
                        "doc = jsonb_set(doc::jsonb, '{{error}}', '\"campaign cancelled\"')::text "
                        "WHERE campaign_id = $1 AND state IN {}",
                        pg::kLiveStates),
            std::string(id));
        return static_cast<size_t>(r.affected_rows());
      });
}

Result<void> PostgresStore::add_service_provider(const ServiceProvider& sp) {
  return pg::transact<void>(
      impl_->pool, fmt::format("add service provider {}", sp.id), [&](pqxx::work& tx) -> Result<void> {
        auto r = tx.exec_params(
            "INSERT INTO service_providers(id, token_hash, created_ms) VALUES($1, $2, $3) "
            "ON CONFLICT DO NOTHING RETURNING id",
            sp.id, pg::bin(sp.token_hash), sp.created_ms);
        if (r.empty()) return fail(Errc::duplicate, fmt::format("service provider {} exists", sp.id));
        return {};
      });
}

std::optional<ServiceProvider> PostgresStore::service_provider(std::string_view id) {
  return noted(pg::transact<std::optional<ServiceProvider>>(
      impl_->pool, "read service provider", [&](pqxx::work& tx) -> Result<std::optional<ServiceProvider>> {
        auto r = tx.exec_params("SELECT id, token_hash, created_ms FROM service_providers WHERE id = $1",
                                std::string(id));
        if (r.empty()) return std::optional<ServiceProvider>();
        return std::optional<ServiceProvider>(
            ServiceProvider{r[0][0].as<std::string>(), pg::bytea(r[0][1]), r[0][2].as<int64_t>()});
      }));
}

std::optional<ServiceProvider> PostgresStore::service_provider_by_token(ByteView token_hash) {
  return noted(pg::transact<std::optional<ServiceProvider>>(
      impl_->pool, "find service provider", [&](pqxx::work& tx) -> Result<std::optional<ServiceProvider>> {
        auto r = tx.exec_params("SELECT id, token_hash, created_ms FROM service_providers WHERE token_hash = $1",
                                pg::bin(token_hash));
        if (r.empty()) return std::optional<ServiceProvider>();
        return std::optional<ServiceProvider>(
            ServiceProvider{r[0][0].as<std::string>(), pg::bytea(r[0][1]), r[0][2].as<int64_t>()});
      }));
}

Result<void> PostgresStore::append_audit(const AuditEntry& e) {
  return pg::transact<void>(impl_->pool, "append audit", [&](pqxx::work& tx) -> Result<void> {
    tx.exec_params("INSERT INTO audit(ts_ms, actor, action, object, outcome, detail) VALUES($1,$2,$3,$4,$5,$6)",
                   e.ts_ms, e.actor, e.action, e.object, e.outcome, e.detail);
    return {};
  });
}

std::vector<AuditEntry> PostgresStore::audit(int64_t after, size_t limit) {
  std::vector<AuditEntry> out;
  (void)pg::transact<void>(impl_->pool, "read audit", [&](pqxx::work& tx) -> Result<void> {
    for (const auto& r : tx.exec_params("SELECT seq, ts_ms, actor, action, object, outcome, detail FROM audit "
                                        "WHERE seq > $1 ORDER BY seq LIMIT $2",
                                        after, static_cast<int64_t>(std::min<size_t>(limit, 1u << 30))))
      out.push_back(AuditEntry{r[0].as<int64_t>(), r[1].as<int64_t>(), r[2].as<std::string>(),
                               r[3].as<std::string>(), r[4].as<std::string>(), r[5].as<std::string>(),
                               r[6].as<std::string>()});
    return {};
  });
  return out;
}

Result<uint64_t> PostgresStore::next_scp80_counter(std::string_view iccid) {
  return pg::transact<uint64_t>(
      impl_->pool, fmt::format("SCP80 counter of card {}", iccid), [&](pqxx::work& tx) -> Result<uint64_t> {
        // One UPDATE: the row lock serialises concurrent pushes from every node.
        auto r = tx.exec_params(
            "UPDATE cards SET public = jsonb_set(public::jsonb, '{scp80,counter}', "
            "to_jsonb(COALESCE((public::jsonb->'scp80'->>'counter')::bigint, 0) + 1))::text "
            "WHERE iccid = $1 AND public::jsonb ? 'scp80' "
            "AND COALESCE((public::jsonb->'scp80'->>'counter')::bigint, 0) < 1099511627775 "
            "RETURNING (public::jsonb->'scp80'->>'counter')::bigint",
            std::string(iccid));
        if (!r.empty()) return r[0][0].as<uint64_t>();
        auto c = tx.exec_params("SELECT public::jsonb ? 'scp80' FROM cards WHERE iccid = $1", std::string(iccid));
        if (c.empty()) return fail(Errc::not_found, fmt::format("card {} not found", iccid));
        if (!c[0][0].as<bool>()) return fail(Errc::conflict, fmt::format("card {} has no SCP80 keys", iccid));
        return fail(Errc::conflict, fmt::format("card {}: the SCP80 counter is exhausted", iccid));
      });
}

std::vector<Job> PostgresStore::live_jobs(std::string_view trigger, size_t limit) {
  std::vector<Job> out;
  (void)pg::transact<void>(impl_->pool, "live jobs", [&](pqxx::work& tx) -> Result<void> {
    for (const auto& row : tx.exec_params(fmt::format("SELECT {} FROM jobs WHERE state IN {} AND "
                                                      "doc::jsonb->>'trigger' = $1 ORDER BY seq LIMIT $2",
                                                      pg::kJobCols, pg::kLiveStates),
                                          std::string(trigger), static_cast<int64_t>(std::min<size_t>(limit, 1u << 30))))
      if (auto j = impl_->read_job(row)) out.push_back(std::move(*j));
    return {};
  });
  return out;
}

}  // namespace gpram::store

#else  // !GPRAM_STORE_HAVE_PQXX: no instance can exist; the base class answers.

namespace gpram::store {
Result<std::string> PostgresStore::add_campaign(Campaign c, std::vector<Job> j) {
  return Store::add_campaign(std::move(c), std::move(j));
}
std::optional<Campaign> PostgresStore::campaign(std::string_view id) { return Store::campaign(id); }
Result<void> PostgresStore::set_campaign_state(std::string_view id, std::string_view s) {
  return Store::set_campaign_state(id, s);
}
CampaignCounts PostgresStore::campaign_counts(std::string_view id) { return Store::campaign_counts(id); }
Result<size_t> PostgresStore::cancel_campaign_jobs(std::string_view id) { return Store::cancel_campaign_jobs(id); }
Result<void> PostgresStore::add_service_provider(const ServiceProvider& sp) { return Store::add_service_provider(sp); }
std::optional<ServiceProvider> PostgresStore::service_provider(std::string_view id) {
  return Store::service_provider(id);
}
std::optional<ServiceProvider> PostgresStore::service_provider_by_token(ByteView h) {
  return Store::service_provider_by_token(h);
}
Result<void> PostgresStore::append_audit(const AuditEntry& e) { return Store::append_audit(e); }
std::vector<AuditEntry> PostgresStore::audit(int64_t a, size_t l) { return Store::audit(a, l); }
Result<uint64_t> PostgresStore::next_scp80_counter(std::string_view i) { return Store::next_scp80_counter(i); }
std::vector<Job> PostgresStore::live_jobs(std::string_view t, size_t l) { return Store::live_jobs(t, l); }
}  // namespace gpram::store

#endif
