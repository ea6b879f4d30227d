// In-memory JobSource for tests and the simulator.
#include "gpram/ram/job_source.hpp"

namespace gpram::ram {

InMemoryJobSource::Card* InMemoryJobSource::find(std::string_view card) {
  auto it = cards_.find(card);
  return it == cards_.end() ? nullptr : &it->second;
}
const InMemoryJobSource::Card* InMemoryJobSource::find(std::string_view card) const {
  auto it = cards_.find(card);
  return it == cards_.end() ? nullptr : &it->second;
}

void InMemoryJobSource::add(std::string card, ScriptStep step) {
  cards_[std::move(card)].queue.push_back(std::move(step));
}

std::optional<ScriptStep> InMemoryJobSource::next_step(std::string_view card) {
  Card* c = find(card);
  if (!c || c->queue.empty()) return std::nullopt;
  c->in_flight = std::move(c->queue.front());
  c->queue.pop_front();
  return c->in_flight;
}

std::optional<StepId> InMemoryJobSource::in_flight(std::string_view card) const {
  const Card* c = find(card);
  if (!c || !c->in_flight) return std::nullopt;
  return c->in_flight->step_id;
}

void InMemoryJobSource::report(std::string_view card, StepId step, const ScriptResult& result) {
  Card* c = find(card);
  if (!c) return;
  c->reports.push_back({step, result});
  if (c->in_flight && c->in_flight->step_id == step) c->in_flight.reset();
}

void InMemoryJobSource::resumed(std::string_view card, StepId step, ResumeCase how) {
  Card* c = find(card);
  if (!c) return;
  c->resumes.push_back({step, how});
  if (!c->in_flight || c->in_flight->step_id != step) return;
  if (how == ResumeCase::may_not_have_run) c->queue.push_front(std::move(*c->in_flight));
  c->in_flight.reset();
}

const std::vector<InMemoryJobSource::Report>& InMemoryJobSource::reports(
    std::string_view card) const {
  static const std::vector<Report> kNone;
  const Card* c = find(card);
  return c ? c->reports : kNone;
}

const std::vector<InMemoryJobSource::Resume>& InMemoryJobSource::resumes(
    std::string_view card) const {
  static const std::vector<Resume> kNone;
  const Card* c = find(card);
  return c ? c->resumes : kNone;
}

size_t InMemoryJobSource::pending(std::string_view card) const {
  const Card* c = find(card);
  return c ? c->queue.size() : 0;
}

}  // namespace gpram::ram
