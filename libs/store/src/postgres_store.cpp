// PostgreSQL back end: the Store operations and claim_queued. Each call is one transaction on a
// pooled connection (postgres_pool.hpp); see docs/adr/0002-postgres-store.md.
#ifdef GPRAM_STORE_HAVE_PQXX

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "gpram/crypto/aead.hpp"
#include "postgres_impl.hpp"
#include "serialize.hpp"

namespace gpram::store {
namespace {

thread_local std::string t_last_error;

// For the Store methods that can only say "nothing": remember why (last_error()).
template <class T>
std::optional<T> value_or_note(Result<std::optional<T>> r) {
  if (!r) {
    t_last_error = r.error().message;
    return std::nullopt;
  }
  t_last_error.clear();
  return std::move(*r);
}

}  // namespace

std::string PostgresStore::last_error() { return t_last_error; }

Result<void> PostgresStore::add_card(const Card& card) {
  std::string secrets = detail::card_secrets(card).dump();
  auto sealed = crypto::seal(impl_->key, as_bytes("card:" + card.iccid), as_bytes(secrets));
  secure_wipe(std::span<uint8_t>(reinterpret_cast<uint8_t*>(secrets.data()), secrets.size()));
  if (!sealed) return fail(sealed.error());
  const std::string pub = detail::card_public(card).dump();
  return pg::transact<void>(
      impl_->pool, fmt::format("add card {}", card.iccid), [&](pqxx::work& tx) -> Result<void> {
        // ON CONFLICT DO NOTHING covers both unique keys (iccid, psk_identity) without aborting
        // the transaction; then find out which one clashed, for a precise message.
        auto ins = tx.exec_params(
            "INSERT INTO cards(iccid, psk_identity, public, secrets) VALUES($1, $2, $3, $4) "
            "ON CONFLICT DO NOTHING RETURNING iccid",
            card.iccid, card.psk_identity, pub, pg::bin(*sealed));
        if (!ins.empty()) return {};
        if (!tx.exec_params("SELECT 1 FROM cards WHERE iccid = $1", card.iccid).empty())
          return fail(Errc::duplicate, fmt::format("card {} is already registered", card.iccid));
        auto other = tx.exec_params("SELECT iccid FROM cards WHERE psk_identity = $1", card.psk_identity);
        return fail(Errc::duplicate,
                    fmt::format("PSK identity '{}' is already used by card {}", card.psk_identity,
                                other.empty() ? std::string("(removed meanwhile)") : other[0][0].as<std::string>()));
      });
}

std::optional<Card> PostgresStore::card(std::string_view iccid) {
  return value_or_note(pg::transact<std::optional<Card>>(
      impl_->pool, fmt::format("read card {}", iccid), [&](pqxx::work& tx) -> Result<std::optional<Card>> {
        auto r = tx.exec_params("SELECT iccid, public, secrets FROM cards WHERE iccid = $1", std::string(iccid));
        if (r.empty()) return std::optional<Card>();
        auto c = impl_->read_card(r[0]);
        if (!c) return fail(c.error());
        return std::optional<Card>(std::move(*c));
      }));
}

std::optional<Card> PostgresStore::card_by_psk_identity(std::string_view identity) {
  return value_or_note(pg::transact<std::optional<Card>>(
      impl_->pool, fmt::format("read card with PSK identity '{}'", identity),
      [&](pqxx::work& tx) -> Result<std::optional<Card>> {
        auto r = tx.exec_params("SELECT iccid, public, secrets FROM cards WHERE psk_identity = $1",
                                std::string(identity));
        if (r.empty()) return std::optional<Card>();
        auto c = impl_->read_card(r[0]);
        if (!c) return fail(c.error());
        return std::optional<Card>(std::move(*c));
      }));
}

Result<std::string> PostgresStore::add_job(Job job) {
  return pg::transact<std::string>(
      impl_->pool, job.id.empty() ? std::string("add job") : fmt::format("add job {}", job.id),
      [&](pqxx::work& tx) -> Result<std::string> {
        // The sequence is shared by every node: ids are unique without a table lock.
        const auto seq = tx.exec("SELECT nextval(pg_get_serial_sequence('jobs', 'seq'))")[0][0].as<int64_t>();
        const std::string id = job.id.empty() ? fmt::format("j{:08d}", seq) : job.id;
        auto ops = crypto::seal(impl_->key, as_bytes("job:" + id), as_bytes(job.operations.dump()));
        if (!ops) return fail(ops.error());
        Job stored = job;
        stored.id = id;
        auto ins = tx.exec_params(
            "INSERT INTO jobs(seq, id, iccid, state, owner, campaign_id, created_ms, updated_ms, doc, "
            "operations) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
            "ON CONFLICT (id) DO NOTHING RETURNING seq",
            seq, id, job.iccid, std::string(to_string(job.state)), job.owner, job.campaign_id,
            job.created_ms, job.updated_ms, detail::job_doc(stored).dump(), pg::bin(*ops));
        if (ins.empty()) return fail(Errc::duplicate, fmt::format("job {} exists", id));
        return id;
      });
}

std::optional<Job> PostgresStore::job(std::string_view id) {
  return value_or_note(pg::transact<std::optional<Job>>(
      impl_->pool, fmt::format("read job {}", id), [&](pqxx::work& tx) -> Result<std::optional<Job>> {
        auto r = tx.exec_params(fmt::format("SELECT {} FROM jobs WHERE id = $1", pg::kJobCols), std::string(id));
        if (r.empty()) return std::optional<Job>();
        auto j = impl_->read_job(r[0]);
        if (!j) return fail(j.error());
        return std::optional<Job>(std::move(*j));
      }));
}

Result<void> PostgresStore::update_job(const Job& job) {
  return pg::transact<void>(
      impl_->pool, fmt::format("update job {}", job.id), [&](pqxx::work& tx) -> Result<void> {
        auto r = tx.exec_params(
            "UPDATE jobs SET state = $1, updated_ms = $2, doc = $3, campaign_id = $4 WHERE id = $5",
            std::string(to_string(job.state)), job.updated_ms, detail::job_doc(job).dump(),
            job.campaign_id, job.id);
        if (r.affected_rows() == 0) return fail(Errc::not_found, fmt::format("job {} not found", job.id));
        return {};
      });
}

std::optional<Job> PostgresStore::active_job(std::string_view iccid) {
  return value_or_note(pg::transact<std::optional<Job>>(
      impl_->pool, fmt::format("active job of card {}", iccid), [&](pqxx::work& tx) -> Result<std::optional<Job>> {
        // seq comes from one sequence shared by all nodes: it is the submission order.
        auto r = tx.exec_params(fmt::format("SELECT {} FROM jobs WHERE iccid = $1 AND state IN {} "
                                            "ORDER BY seq LIMIT 1",
                                            pg::kJobCols, pg::kLiveStates),
                                std::string(iccid));
        if (r.empty()) return std::optional<Job>();
        auto j = impl_->read_job(r[0]);
        if (!j) return fail(j.error());
        return std::optional<Job>(std::move(*j));
      }));
}

std::vector<std::pair<JobState, size_t>> PostgresStore::job_counts() {
  std::array<size_t, 6> n{};
  auto r = pg::transact<void>(impl_->pool, "count jobs", [&](pqxx::work& tx) -> Result<void> {
    for (const auto& row : tx.exec("SELECT state, COUNT(*) FROM jobs GROUP BY state"))
      if (auto s = job_state_from(row[0].as<std::string>()))
        n[static_cast<size_t>(*s)] = row[1].as<size_t>();
    return {};
  });
  if (r) t_last_error.clear();
  else t_last_error = r.error().message;
  std::vector<std::pair<JobState, size_t>> out;
  for (size_t i = 0; i < n.size(); ++i) out.emplace_back(static_cast<JobState>(i), n[i]);
  return out;
}

Result<std::vector<Job>> PostgresStore::claim_queued(size_t limit, std::string_view node, int64_t now_ms,
                                                     int64_t lease_ms) {
  if (limit == 0) return std::vector<Job>{};
  if (node.empty()) return fail(Errc::conflict, "store: claim_queued: the node name is empty");
  if (lease_ms <= 0)
    return fail(Errc::conflict, fmt::format("store: claim_queued: lease must be positive, got {} ms", lease_ms));
  return pg::transact<std::vector<Job>>(
      impl_->pool, fmt::format("claim queued jobs for node {}", node),
      [&](pqxx::work& tx) -> Result<std::vector<Job>> {
        // Candidates: queued, no live claim, and the card's active job (no older live job).
        // Rows another transaction is claiming are skipped, not waited for; a row claimed and
        // committed meanwhile is re-checked by FOR UPDATE and drops out (claimed_until_ms).
        auto r = tx.exec_params(
            fmt::format("WITH c AS ("
                        " SELECT j.seq FROM jobs j"
                        " WHERE j.state = 'queued' AND j.claimed_until_ms <= $3"
                        " AND NOT EXISTS (SELECT 1 FROM jobs o WHERE o.iccid = j.iccid"
                        "  AND o.seq < j.seq AND o.state IN {})"
                        " ORDER BY j.seq LIMIT $4 FOR UPDATE OF j SKIP LOCKED)"
                        " UPDATE jobs SET claimed_by = $1, claimed_until_ms = $2 FROM c"
                        " WHERE jobs.seq = c.seq RETURNING jobs.seq, {}",
                        pg::kLiveStates, "jobs.id, jobs.iccid, jobs.state, jobs.owner, jobs.campaign_id, "
                                         "jobs.created_ms, jobs.updated_ms, jobs.doc, jobs.operations"),
            std::string(node), now_ms + lease_ms, now_ms, static_cast<int64_t>(std::min<size_t>(limit, 1u << 20)));
        std::vector<std::pair<int64_t, Job>> got;
        got.reserve(r.size());
        for (const auto& row : r) {
          auto j = impl_->read_job(row, 1);
          if (!j) return fail(j.error());
          got.emplace_back(row[0].as<int64_t>(), std::move(*j));
        }
        std::sort(got.begin(), got.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        std::vector<Job> out;
        out.reserve(got.size());
        for (auto& p : got) out.push_back(std::move(p.second));
        return out;
      });
}

}  // namespace gpram::store

#endif  // GPRAM_STORE_HAVE_PQXX
