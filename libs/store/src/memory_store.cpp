#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "gpram/store/store.hpp"

namespace gpram::store {
namespace {

const char* store_message(int ev) {
  switch (static_cast<Errc>(ev)) {
    case Errc::duplicate: return "store: object already exists";
    case Errc::not_found: return "store: object not found";
    case Errc::conflict: return "store: conflicting state";
    case Errc::backend: return "store: database error";
  }
  return "store: unknown error";
}

}  // namespace

const std::error_category& error_category() noexcept {
  static const SimpleCategory category("gpram.store", store_message);
  return category;
}

std::string_view to_string(JobState s) noexcept {
  switch (s) {
    case JobState::queued: return "queued";
    case JobState::triggered: return "triggered";
    case JobState::running: return "running";
    case JobState::done: return "done";
    case JobState::failed: return "failed";
    case JobState::cancelled: return "cancelled";
  }
  return "unknown";
}

std::optional<JobState> job_state_from(std::string_view s) noexcept {
  for (auto st : {JobState::queued, JobState::triggered, JobState::running, JobState::done,
                  JobState::failed, JobState::cancelled})
    if (to_string(st) == s) return st;
  return std::nullopt;
}

Result<void> MemoryStore::add_card(const Card& card) {
  std::lock_guard lock(mu_);
  if (cards_.count(card.iccid))
    return fail(Errc::duplicate, fmt::format("card {} is already registered", card.iccid));
  if (by_identity_.count(card.psk_identity))
    return fail(Errc::duplicate,
                fmt::format("PSK identity '{}' is already used by card {}", card.psk_identity,
                            by_identity_[card.psk_identity]));
  cards_.emplace(card.iccid, card);
  by_identity_.emplace(card.psk_identity, card.iccid);
  return {};
}

std::optional<Card> MemoryStore::card(std::string_view iccid) {
  std::lock_guard lock(mu_);
  auto it = cards_.find(std::string(iccid));
  if (it == cards_.end()) return std::nullopt;
  return it->second;
}

std::optional<Card> MemoryStore::card_by_psk_identity(std::string_view identity) {
  std::lock_guard lock(mu_);
  auto it = by_identity_.find(std::string(identity));
  if (it == by_identity_.end()) return std::nullopt;
  return cards_.at(it->second);
}

Result<std::string> MemoryStore::add_job(Job job) {
  std::lock_guard lock(mu_);
  if (job.id.empty()) job.id = fmt::format("j{:08d}", next_id_++);
  if (jobs_.count(job.id)) return fail(Errc::duplicate, fmt::format("job {} exists", job.id));
  jobs_by_card_[job.iccid].push_back(job.id);
  std::string id = job.id;
  jobs_.emplace(id, std::move(job));
  return id;
}

std::optional<Job> MemoryStore::job(std::string_view id) {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(std::string(id));
  if (it == jobs_.end()) return std::nullopt;
  return it->second;
}

Result<void> MemoryStore::update_job(const Job& job) {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(job.id);
  if (it == jobs_.end()) return fail(Errc::not_found, fmt::format("job {} not found", job.id));
  it->second = job;
  return {};
}

std::optional<Job> MemoryStore::active_job(std::string_view iccid) {
  std::lock_guard lock(mu_);
  auto it = jobs_by_card_.find(std::string(iccid));
  if (it == jobs_by_card_.end()) return std::nullopt;
  for (const auto& id : it->second) {
    const Job& j = jobs_.at(id);
    if (!is_final(j.state)) return j;
  }
  return std::nullopt;
}

std::vector<std::pair<JobState, size_t>> MemoryStore::job_counts() {
  std::lock_guard lock(mu_);
  std::array<size_t, 6> n{};
  for (const auto& [id, j] : jobs_) ++n[static_cast<size_t>(j.state)];
  std::vector<std::pair<JobState, size_t>> out;
  for (size_t i = 0; i < n.size(); ++i) out.emplace_back(static_cast<JobState>(i), n[i]);
  return out;
}

Result<std::string> Store::add_campaign(Campaign, std::vector<Job>) {
  return fail(Errc::backend, "store: this back end does not support campaigns yet");
}
std::optional<Campaign> Store::campaign(std::string_view) { return std::nullopt; }
Result<void> Store::set_campaign_state(std::string_view, std::string_view) {
  return fail(Errc::backend, "store: this back end does not support campaigns yet");
}
CampaignCounts Store::campaign_counts(std::string_view) { return {}; }
Result<size_t> Store::cancel_campaign_jobs(std::string_view) {
  return fail(Errc::backend, "store: this back end does not support campaigns yet");
}

Result<std::string> MemoryStore::add_campaign(Campaign c, std::vector<Job> jobs) {
  std::lock_guard lock(mu_);
  if (c.id.empty()) c.id = fmt::format("c{:06d}", next_campaign_++);
  if (campaigns_.count(c.id)) return fail(Errc::duplicate, fmt::format("campaign {} exists", c.id));
  c.total = jobs.size();
  auto& ids = jobs_by_campaign_[c.id];
  for (auto& j : jobs) {
    j.id = fmt::format("j{:08d}", next_id_++);
    j.campaign_id = c.id;
    jobs_by_card_[j.iccid].push_back(j.id);
    ids.push_back(j.id);
    jobs_.emplace(j.id, std::move(j));
  }
  std::string id = c.id;
  campaigns_.emplace(id, std::move(c));
  return id;
}

std::optional<Campaign> MemoryStore::campaign(std::string_view id) {
  std::lock_guard lock(mu_);
  auto it = campaigns_.find(std::string(id));
  if (it == campaigns_.end()) return std::nullopt;
  return it->second;
}

Result<void> MemoryStore::set_campaign_state(std::string_view id, std::string_view state) {
  std::lock_guard lock(mu_);
  auto it = campaigns_.find(std::string(id));
  if (it == campaigns_.end()) return fail(Errc::not_found, fmt::format("campaign {} not found", id));
  it->second.state = std::string(state);
  return {};
}

CampaignCounts MemoryStore::campaign_counts(std::string_view id) {
  std::lock_guard lock(mu_);
  CampaignCounts n;
  auto it = jobs_by_campaign_.find(std::string(id));
  if (it == jobs_by_campaign_.end()) return n;
  for (const auto& jid : it->second) {
    switch (jobs_.at(jid).state) {
      case JobState::queued:
      case JobState::triggered: ++n.queued; break;
      case JobState::running: ++n.running; break;
      case JobState::done: ++n.done; break;
      case JobState::failed: ++n.failed; break;
      case JobState::cancelled: ++n.cancelled; break;
    }
  }
  return n;
}

Result<size_t> MemoryStore::cancel_campaign_jobs(std::string_view id) {
  std::lock_guard lock(mu_);
  auto it = jobs_by_campaign_.find(std::string(id));
  if (it == jobs_by_campaign_.end()) return fail(Errc::not_found, fmt::format("campaign {} not found", id));
  size_t n = 0;
  for (const auto& jid : it->second) {
    Job& j = jobs_.at(jid);
    if (is_final(j.state)) continue;
    j.state = JobState::cancelled;
    j.error = "campaign cancelled";
    ++n;
  }
  return n;
}

}  // namespace gpram::store

namespace gpram::store {

Result<void> Store::add_service_provider(const ServiceProvider&) {
  return fail(Errc::backend, "store: this back end does not support service providers");
}
std::optional<ServiceProvider> Store::service_provider(std::string_view) { return std::nullopt; }
std::optional<ServiceProvider> Store::service_provider_by_token(ByteView) { return std::nullopt; }
Result<void> Store::append_audit(const AuditEntry&) {
  return fail(Errc::backend, "store: this back end does not keep an audit log");
}
std::vector<AuditEntry> Store::audit(int64_t, size_t) { return {}; }

Result<void> MemoryStore::add_service_provider(const ServiceProvider& sp) {
  std::lock_guard lock(mu_);
  if (providers_.count(sp.id))
    return fail(Errc::duplicate, fmt::format("service provider {} exists", sp.id));
  providers_.emplace(sp.id, sp);
  return {};
}

std::optional<ServiceProvider> MemoryStore::service_provider(std::string_view id) {
  std::lock_guard lock(mu_);
  auto it = providers_.find(std::string(id));
  if (it == providers_.end()) return std::nullopt;
  return it->second;
}

std::optional<ServiceProvider> MemoryStore::service_provider_by_token(ByteView token_hash) {
  std::lock_guard lock(mu_);
  for (const auto& [id, sp] : providers_)
    if (equal_ct(sp.token_hash, token_hash)) return sp;
  return std::nullopt;
}

Result<void> MemoryStore::append_audit(const AuditEntry& e) {
  std::lock_guard lock(mu_);
  AuditEntry copy = e;
  copy.seq = static_cast<int64_t>(audit_.size()) + 1;
  audit_.push_back(std::move(copy));
  return {};
}

std::vector<AuditEntry> MemoryStore::audit(int64_t after, size_t limit) {
  std::lock_guard lock(mu_);
  std::vector<AuditEntry> out;
  for (const auto& e : audit_) {
    if (e.seq <= after) continue;
    if (out.size() >= limit) break;
    out.push_back(e);
  }
  return out;
}

}  // namespace gpram::store

namespace gpram::store {

Result<uint64_t> Store::next_scp80_counter(std::string_view) {
  return fail(Errc::backend, "store: this back end does not keep SCP80 counters");
}
std::vector<Job> Store::live_jobs(std::string_view, size_t) { return {}; }

Result<uint64_t> MemoryStore::next_scp80_counter(std::string_view iccid) {
  std::lock_guard lock(mu_);
  auto it = cards_.find(std::string(iccid));
  if (it == cards_.end()) return fail(Errc::not_found, fmt::format("card {} not found", iccid));
  auto& k = it->second.scp80;
  if (!k) return fail(Errc::conflict, fmt::format("card {} has no SCP80 keys", iccid));
  if (k->counter >= 0xFFFFFFFFFFull)
    return fail(Errc::conflict, fmt::format("card {}: the SCP80 counter is exhausted", iccid));
  return ++k->counter;
}

std::vector<Job> MemoryStore::live_jobs(std::string_view trigger, size_t limit) {
  std::lock_guard lock(mu_);
  std::vector<Job> out;
  for (const auto& [iccid, ids] : jobs_by_card_)
    for (const auto& id : ids) {
      const Job& j = jobs_.at(id);
      if (!is_final(j.state) && j.trigger == trigger) out.push_back(j);
    }
  std::sort(out.begin(), out.end(), [](const Job& a, const Job& b) { return a.id < b.id; });
  if (out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace gpram::store
