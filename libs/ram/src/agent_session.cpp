// Admin agent (card side) of an Amendment B session: request building and response handling
// per GP Card Spec v2.2 Amd B v1.1.3 §3.3-§3.5. Request shape cross-checked with OPAL's
// card-side POSTs (pancanaka/opal HttpPostRequest.java).
#include "gpram/ram/agent_session.hpp"

#include <fmt/format.h>

namespace gpram::ram {

AgentSession::AgentSession(AgentOptions options) : opts_(std::move(options)) {}

http::Request AgentSession::make_post(const std::string& uri) const {
  http::Request q;
  q.method = "POST";
  q.target = uri;
  q.headers.reserve(6, 192);
  q.headers.add("Host", opts_.host);
  q.headers.add(kHdrProtocol, kProtocol);
  q.headers.add(kHdrFrom, opts_.agent_id);
  return q;
}

Result<AgentEvent> AgentSession::fail_with(SessionErrc code, std::string message) {
  state_ = State::failed;
  return fail(code, std::move(message));
}

Result<http::Request> AgentSession::start() {
  if (state_ != State::idle)
    return fail(SessionErrc::bad_state, "RAM agent: start() called twice");
  last_uri_ = opts_.first_uri;
  state_ = State::awaiting_response;
  return make_post(last_uri_);
}

Result<AgentEvent> AgentSession::on_response(const http::Response& res) {
  if (state_ != State::awaiting_response)
    return fail(SessionErrc::bad_state, "RAM agent: response without a pending request");
  if (res.status != 200 && res.status != 204)
    return fail_with(SessionErrc::bad_status,
                     fmt::format("RAM agent: server answered {} to POST {}; the session ends",
                                 res.status, last_uri_));
  AgentEvent ev;
  if (res.status == 204 || res.body.empty()) {
    // AmdB §3.3 step 6: no Next-URI and no body ends the session. An empty 200 with a Next-URI
    // contradicts "200 iff body".
    if (res.status == 200 && (res.headers.has(kHdrNextUri) || res.headers.has(kHdrScwsNextUri)))
      return fail_with(SessionErrc::bad_status,
                       "RAM agent: 200 with an X-Admin-Next-URI but no script");
    state_ = State::done;
    ev.kind = AgentEvent::Kind::done;
    return ev;
  }
  const auto proto = res.headers.get(kHdrProtocol);
  if (!proto || !http::iequals(*proto, kProtocol))
    return fail_with(SessionErrc::bad_header,
                     fmt::format("RAM agent: X-Admin-Protocol '{}' (expected {})",
                                 proto.value_or("<missing>"), kProtocol));
  const auto ct = res.headers.get("Content-Type");
  if (!ct || !same_media_type(*ct, kScriptContentType))
    return fail_with(SessionErrc::bad_content_type,
                     fmt::format("RAM agent: script with Content-Type '{}' (expected {})",
                                 ct.value_or("<missing>"), kScriptContentType));
  if (const auto ta = res.headers.get(kHdrTargetedApp)) {
    auto aid = parse_targeted_application(*ta);
    if (!aid) {
      state_ = State::failed;
      return fail(aid.error());
    }
    ev.target_aid = std::move(*aid);
  }
  auto next = res.headers.get(kHdrNextUri);
  if (!next) next = res.headers.get(kHdrScwsNextUri);
  ev.kind = AgentEvent::Kind::execute;
  ev.script = res.body;
  if (!next || next->empty()) {
    // AmdB §3.3 step 7: execute, send no results, close.
    ev.report_expected = false;
    next_uri_.clear();
    state_ = State::done;
    return ev;
  }
  next_uri_.assign(*next);
  state_ = State::executing;
  return ev;
}

Result<http::Request> AgentSession::script_done(ScriptStatus status,
                                                std::optional<Bytes> response) {
  if (state_ != State::executing)
    return fail(SessionErrc::bad_state, "RAM agent: script_done() without a script to report");
  http::Request q = make_post(next_uri_);
  q.headers.add(kHdrScriptStatus, to_string(status));
  if (status == ScriptStatus::ok && response && !response->empty()) {
    q.headers.add("Content-Type", kResponseContentType);
    q.body = std::move(*response);
  }
  last_uri_ = next_uri_;
  state_ = State::awaiting_response;
  return q;
}

Result<http::Request> AgentSession::resume() {
  if (state_ == State::idle || state_ == State::done || state_ == State::failed)
    return fail(SessionErrc::bad_state, "RAM agent: nothing to resume");
  if (resumes_ >= opts_.max_resumes)
    return fail(SessionErrc::bad_state,
                fmt::format("RAM agent: retry counter exhausted after {} resumes", resumes_));
  ++resumes_;
  // AmdB §3.5: a complete script received (and run) with a Next-URI -> that URI; otherwise
  // repeat the last request. Either way no response string.
  if (state_ == State::executing) last_uri_ = next_uri_;
  http::Request q = make_post(last_uri_);
  q.headers.add(kHdrResume, "true");
  state_ = State::awaiting_response;
  return q;
}

}  // namespace gpram::ram
