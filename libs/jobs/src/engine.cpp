#include "gpram/jobs/engine.hpp"

#include <fmt/format.h>

#include <chrono>

#include "gpram/apdu/apdu.hpp"
#include "gpram/apdu/script.hpp"

namespace gpram::jobs {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

bool sw_success(uint16_t sw) noexcept {
  const uint8_t sw1 = static_cast<uint8_t>(sw >> 8);
  if (sw == 0x9000 || sw1 == 0x61) return true;
  if (sw == 0x62F1) return false;
  return sw1 == 0x62 || sw1 == 0x63;
}

void Engine::save(store::Job& job) {
  job.updated_ms = now_ms();
  (void)store_.update_job(job);
  if (changed_) changed_(job);
}

bool Engine::admit(const store::Job& job) {
  if (job.campaign_id.empty() || admitted_.count(job.id)) return true;
  auto c = store_.campaign(job.campaign_id);
  if (!c) return true;
  if (c->state == "paused") return false;
  uint32_t& running = campaign_running_[job.campaign_id];
  if (c->max_concurrent != 0 && running >= c->max_concurrent) return false;
  ++running;
  admitted_.emplace(job.id, job.campaign_id);
  return true;
}

void Engine::release(const store::Job& job) {
  auto it = admitted_.find(job.id);
  if (it == admitted_.end()) return;
  auto r = campaign_running_.find(it->second);
  if (r != campaign_running_.end() && r->second > 0) --r->second;
  admitted_.erase(it);
}

void Engine::finish(store::Job& job, std::string error) {
  release(job);
  job.error = std::move(error);
  job.state = job.error.empty() ? store::JobState::done : store::JobState::failed;
  save(job);
}

std::optional<ram::ScriptStep> Engine::next_step(std::string_view card) {
  std::lock_guard lock(mu_);
  for (;;) {
    auto job = store_.active_job(card);
    if (!job) {
      in_flight_.erase(std::string(card));
      return std::nullopt;
    }
    if (job->next_step >= job->steps.size()) {
      finish(*job, {});
      continue;
    }
    if (job->state != store::JobState::running) {
      // A paused campaign, or one at its concurrency limit, gets 204 now; the job waits.
      if (!admit(*job)) return std::nullopt;
      job->state = store::JobState::running;
      save(*job);
    }
    const store::Step& s = job->steps[job->next_step];
    ram::ScriptStep out;
    out.job_id = job->id;
    out.step_id = next_id_++;
    if (!s.target_aid.empty()) out.target_aid = s.target_aid;
    out.script = apdu::encode_command_script(
        apdu::command_script(s.capdus),
        opts_.indefinite_scripts ? apdu::ScriptForm::indefinite : apdu::ScriptForm::definite);
    in_flight_[std::string(card)] = InFlight{out.step_id, job->id, job->next_step};
    return out;
  }
}

std::optional<ram::StepId> Engine::in_flight(std::string_view card) const {
  std::lock_guard lock(mu_);
  auto it = in_flight_.find(std::string(card));
  if (it == in_flight_.end()) return std::nullopt;
  return it->second.id;
}

void Engine::record(store::Job& job, size_t step, const ram::ScriptResult& result) {
  const auto& capdus = job.steps[step].capdus;
  if (result.status != ram::ScriptStatus::ok) {
    finish(job, fmt::format("step {}: the card reported X-Admin-Script-Status: {}", step + 1,
                            ram::to_string(result.status)));
    return;
  }
  if (!result.response) {
    finish(job, fmt::format("step {}: the card sent no response script", step + 1));
    return;
  }
  auto rs = apdu::decode_response_script(*result.response);
  if (!rs) {
    finish(job, fmt::format("step {}: bad response script: {}", step + 1, rs.error().message));
    return;
  }
  std::vector<Bytes> rapdus = rs->rapdus();
  for (size_t i = 0; i < capdus.size(); ++i)
    job.results.push_back({capdus[i], i < rapdus.size() ? rapdus[i] : Bytes{}});
  if (auto bf = rs->bad_format()) {
    finish(job, fmt::format("step {}: the card rejected the script format: {} ({:02X})", step + 1,
                            apdu::bad_format_name(*bf), *bf));
    return;
  }
  for (size_t i = 0; i < rapdus.size() && i < capdus.size(); ++i) {
    const Bytes& r = rapdus[i];
    if (r.size() < 2) {
      finish(job, fmt::format("step {}: R-APDU {} is shorter than a status word", step + 1, i + 1));
      return;
    }
    const uint16_t sw = load_u16(&r[r.size() - 2]);
    if (!sw_success(sw)) {
      finish(job, fmt::format("step {}, command {} ({}): {}", step + 1, i + 1,
                              to_hex(ByteView(capdus[i]).first(std::min<size_t>(capdus[i].size(), 4))),
                              apdu::sw_describe(sw)));
      return;
    }
  }
  if (rapdus.size() < capdus.size()) {
    finish(job, fmt::format("step {}: the card executed {} of {} commands", step + 1,
                            rapdus.size(), capdus.size()));
    return;
  }
  job.next_step = step + 1;
  if (job.next_step >= job.steps.size()) {
    finish(job, {});
  } else {
    save(job);
  }
}

void Engine::report(std::string_view card, ram::StepId step, const ram::ScriptResult& result) {
  std::lock_guard lock(mu_);
  auto it = in_flight_.find(std::string(card));
  if (it == in_flight_.end() || it->second.id != step) return;  // stale or duplicate
  InFlight f = it->second;
  in_flight_.erase(it);
  auto job = store_.job(f.job_id);
  if (!job || store::is_final(job->state) || job->next_step != f.step) return;
  record(*job, f.step, result);
}

void Engine::resumed(std::string_view card, ram::StepId step, ram::ResumeCase how) {
  std::lock_guard lock(mu_);
  auto it = in_flight_.find(std::string(card));
  if (it == in_flight_.end() || it->second.id != step) return;
  InFlight f = it->second;
  in_flight_.erase(it);
  auto job = store_.job(f.job_id);
  if (!job || store::is_final(job->state) || job->next_step != f.step) return;
  switch (how) {
    case ram::ResumeCase::ran_results_lost:
      for (const auto& c : job->steps[f.step].capdus) job->results.push_back({c, {}});
      job->next_step = f.step + 1;
      if (job->next_step >= job->steps.size()) finish(*job, {});
      else save(*job);
      break;
    case ram::ResumeCase::may_not_have_run:
      break;  // next_step() sends the same step again
    case ram::ResumeCase::abandoned:
      finish(*job, fmt::format("step {}: the card started a new session without resuming; whether "
                               "the script ran is unknown (read the card state, e.g. GET STATUS)",
                               f.step + 1));
      break;
  }
}

void Engine::on_connection_closed(std::string_view card) {
  std::lock_guard lock(mu_);
  auto it = in_flight_.find(std::string(card));
  if (it == in_flight_.end()) return;
  auto job = store_.job(it->second.job_id);
  if (job && !store::is_final(job->state) && job->state == store::JobState::running) {
    release(*job);
    job->state = store::JobState::queued;
    save(*job);
  }
}

}  // namespace gpram::jobs
