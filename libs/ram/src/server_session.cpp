// Amendment B server session (GP Card Spec v2.2 Amd B v1.1.3 §3.3 flow, §3.4 headers, §3.5
// resume; Annex A exchanges). Field facts (Next-URI shape, close after 204) from the FieldLog
// "SCP81 / HTTP OTA live-card findings"; see docs/protocols/amendment-b.md.
#include "gpram/ram/server_session.hpp"

#include <fmt/format.h>

#include <charconv>

namespace gpram::ram {
namespace {

std::optional<StepId> parse_step(std::optional<std::string_view> v) {
  if (!v || v->empty()) return std::nullopt;
  StepId n = 0;
  auto r = std::from_chars(v->data(), v->data() + v->size(), n);
  if (r.ec != std::errc() || r.ptr != v->data() + v->size() || n == 0) return std::nullopt;
  return n;
}

bool safe_session_id(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// Peer text echoed in an error body: bounded and printable.
std::string quote(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 80)) out.push_back((c >= 0x20 && c < 0x7F) ? c : '?');
  if (s.size() > 80) out += "...";
  return out;
}

}  // namespace

ServerSession::ServerSession(const ServerOptions& options, const CardProfile& profile,
                             JobSource& jobs, CardIdentity card, std::string session_id,
                             TimePoint now)
    : options_(options),
      profile_(profile),
      jobs_(jobs),
      card_(std::move(card)),
      session_id_(std::move(session_id)),
      deadline_(now + options.idle_timeout) {}

Reply ServerSession::reject(int status, std::string_view message) {
  state_ = State::closed;
  ++counters_.rejected;
  Reply r;
  r.response.status = status;
  r.response.headers.add("Content-Type", "text/plain");
  r.response.body.assign(message.begin(), message.end());
  r.response.body.push_back('\n');
  r.response.keep_alive = false;
  r.close = true;
  return r;
}

Reply ServerSession::on_parse_error(const Error& e, TimePoint now) {
  deadline_ = now + options_.idle_timeout;
  ++counters_.requests;
  return reject(http::status_for(e.code), e.message);
}

void ServerSession::handle_resume(std::optional<StepId> uri_step) {
  const std::optional<StepId> f = jobs_.in_flight(card_.card_id);
  if (!f) return;  // nothing outstanding: the dialog simply continues
  // AmdB §3.5: with a complete script run and a Next-URI the card posts there (the URI that
  // names the step); otherwise it repeats its last request (an older URI, or the first URI).
  jobs_.resumed(card_.card_id, *f,
                uri_step == f ? ResumeCase::ran_results_lost : ResumeCase::may_not_have_run);
}

Reply ServerSession::next_script() {
  std::optional<ScriptStep> step = jobs_.next_step(card_.card_id);
  Reply r;
  r.response.headers.reserve(5, 256);
  r.response.headers.add(kHdrProtocol, kProtocol);
  if (!step) {
    // AmdB §3.4: 204 ends the session, without Content-Type. FieldLog rule 1: the card wants
    // a clean TLS close, so the connection is closed (close_notify) after this response.
    state_ = State::finished;
    r.response.status = 204;
    r.close = true;
    return r;
  }
  sent_step_ = step->step_id;
  next_uri_ = fmt::format("{}?s={}&n={}", options_.admin_path, session_id_, step->step_id);
  r.response.status = 200;
  r.response.headers.add("Content-Type", kScriptContentType);
  r.response.headers.add(kHdrNextUri, next_uri_);
  if (step->target_aid && profile_.send_targeted_application)
    r.response.headers.add(kHdrTargetedApp, format_targeted_application(*step->target_aid));
  r.response.body = std::move(step->script);
  state_ = State::awaiting_result;
  ++counters_.steps_sent;
  counters_.bytes_out += r.response.body.size();
  return r;
}

Reply ServerSession::on_request(const http::Request& req, TimePoint now) {
  Reply r = handle(req, now);
  if (!req.keep_alive) r.close = true;  // Connection: close (or HTTP/1.0) from the card
  return r;
}

Reply ServerSession::handle(const http::Request& req, TimePoint now) {
  ++counters_.requests;
  counters_.bytes_in += req.body.size();
  deadline_ = now + options_.idle_timeout;
  if (state_ == State::finished || state_ == State::closed)
    return reject(400, "RAM: the admin session on this connection has ended");
  if (req.method != "POST") {
    Reply r = reject(405, fmt::format("RAM: method {} not allowed, the admin agent POSTs",
                                      quote(req.method)));
    r.response.headers.add("Allow", "POST");
    return r;
  }
  const auto proto = req.headers.get(kHdrProtocol);
  if (!proto) return reject(400, "RAM: X-Admin-Protocol header missing");
  if (!http::iequals(*proto, kProtocol))
    return reject(400, fmt::format("RAM: X-Admin-Protocol '{}' not supported (expected {})",
                                   quote(*proto), kProtocol));
  const auto from = req.headers.get(kHdrFrom);
  if (!from || *from != card_.agent_id)
    return reject(403, fmt::format("RAM: X-Admin-From '{}' is not the agent bound to this PSK "
                                   "identity",
                                   quote(from.value_or(""))));
  bool resume = false;
  if (const auto rs = req.headers.get(kHdrResume)) {
    if (http::iequals(*rs, "true"))
      resume = true;
    else if (!http::iequals(*rs, "false"))
      return reject(400, fmt::format("RAM: X-Admin-Resume '{}' (expected true)", quote(*rs)));
  }
  std::optional<ScriptStatus> status;
  if (const auto st = req.headers.get(kHdrScriptStatus)) {
    status = parse_script_status(*st);
    if (!status)
      return reject(400, fmt::format("RAM: X-Admin-Script-Status '{}' unknown (ok, "
                                     "unknown-application, not-a-security-domain, "
                                     "security-error)",
                                     quote(*st)));
  }
  if (!req.body.empty()) {
    const auto ct = req.headers.get("Content-Type");
    if (!ct || !same_media_type(*ct, kResponseContentType))
      return reject(415, fmt::format("RAM: a response script needs Content-Type {} (got '{}')",
                                     kResponseContentType, quote(ct.value_or(""))));
    if (status && *status != ScriptStatus::ok)
      return reject(400, fmt::format("RAM: X-Admin-Script-Status {} carries no body (got {} "
                                     "bytes)",
                                     to_string(*status), req.body.size()));
  }

  if (state_ == State::first) {
    const http::Target t = http::split_target(req.target);
    const std::string_view base = options_.admin_path;
    const bool under = t.path == base || (t.path.size() > base.size() &&
                                          t.path.substr(0, base.size()) == base &&
                                          t.path[base.size()] == '/');
    if (!under)
      return reject(404, fmt::format("RAM: '{}' is not an admin URI (expected {} or below)",
                                     quote(req.target), base));
    if (!resume) {
      if (status || !req.body.empty())
        return reject(400, "RAM: the first POST carries no X-Admin-Script-Status and no body "
                           "(AmdB §3.3.4)");
      if (const auto f = jobs_.in_flight(card_.card_id))
        jobs_.resumed(card_.card_id, *f, ResumeCase::abandoned);
      return next_script();
    }
    ++counters_.resumes;
    if (const auto s = http::query_param(t.query, "s"); s && safe_session_id(*s))
      session_id_.assign(*s);  // continue the interrupted dialog's URIs
    const std::optional<StepId> uri_step = parse_step(http::query_param(t.query, "n"));
    const std::optional<StepId> f = jobs_.in_flight(card_.card_id);
    if (f && uri_step == f && status) {
      // Not in the spec (the resuming POST has no results) but harmless: take them.
      ++counters_.results;
      jobs_.report(card_.card_id, *f,
                   ScriptResult{*status,
                                req.body.empty() ? std::nullopt : std::optional<Bytes>(req.body),
                                true});
    } else {
      handle_resume(uri_step);
    }
    return next_script();
  }

  // awaiting_result: the card must use exactly the Next-URI we gave (AmdB §3.3.4).
  if (req.target != next_uri_)
    return reject(404, fmt::format("RAM: POST to '{}' but the Next-URI given was '{}'",
                                   quote(req.target), next_uri_));
  if (!status)
    return reject(400, "RAM: X-Admin-Script-Status missing on the POST after a script");
  ++counters_.results;
  jobs_.report(card_.card_id, sent_step_,
               ScriptResult{*status,
                            req.body.empty() ? std::nullopt : std::optional<Bytes>(req.body),
                            resume});
  return next_script();
}

std::optional<TimePoint> ServerSession::next_deadline() const noexcept {
  if (state_ == State::finished || state_ == State::closed) return std::nullopt;
  return deadline_;
}

bool ServerSession::on_timeout(TimePoint now) noexcept {
  if (state_ == State::finished || state_ == State::closed || now < deadline_) return false;
  state_ = State::closed;
  return true;
}

}  // namespace gpram::ram
