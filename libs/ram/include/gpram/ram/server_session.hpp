// Server (RAS) side of one Amendment B admin session over one PSK-TLS connection (GP Card Spec
// v2.2 Amd B v1.1.3 §3.3-§3.5, Annex A). Sans-IO: parsed requests in, responses out, time passed
// in. Resume state lives in the JobSource (in_flight), so a new connection can pick it up.
//
// Next-URIs are "<admin_path>?s=<session>&n=<step id>": the POST to it carries the results of
// step <n>. FieldLog saw real cards abort on "/", "/1" and absolute Next-URIs; a relative path
// with a query works.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gpram/base/clock.hpp"
#include "gpram/http/message.hpp"
#include "gpram/ram/job_source.hpp"
#include "gpram/ram/profile.hpp"

namespace gpram::ram {

struct ServerOptions {
  /// First POSTs must target this path or a path below it ("/ram", "/ram/...", "/ram?...").
  std::string admin_path = "/ram";
  /// Idle time allowed between a response and the card's next POST.
  Duration idle_timeout = std::chrono::seconds(60);
};

/// Identity bound to the PSK identity by the caller (after the TLS handshake).
struct CardIdentity {
  std::string card_id;   // key for the JobSource
  std::string agent_id;  // the X-Admin-From value this card must send
};

struct Reply {
  http::Response response;
  /// Close the connection once the response is sent (errors; the card closes after a 204).
  bool close = false;
};

struct SessionCounters {
  uint32_t requests = 0;
  uint32_t steps_sent = 0;
  uint32_t results = 0;
  uint32_t resumes = 0;
  uint32_t rejected = 0;
  uint64_t bytes_in = 0;   // request bodies
  uint64_t bytes_out = 0;  // response bodies
};

class ServerSession {
 public:
  /// `options`, `profile` and `jobs` must outlive the session. `session_id` (URL-safe, from the
  /// caller's random source) names the dialog in Next-URIs unless a resume continues another.
  ServerSession(const ServerOptions& options, const CardProfile& profile, JobSource& jobs,
                CardIdentity card, std::string session_id, TimePoint now);

  /// Handles one parsed request; the caller serializes the response with body_options().
  /// Reply::close is also set when the request asked to close (keep_alive == false).
  [[nodiscard]] Reply on_request(const http::Request& req, TimePoint now);

  /// Answer for a request the HTTP parser rejected (status from http::status_for()).
  [[nodiscard]] Reply on_parse_error(const Error& e, TimePoint now);

  /// When on_timeout() must be called; nullopt once the session ended.
  [[nodiscard]] std::optional<TimePoint> next_deadline() const noexcept;
  /// True if the session expired (the caller closes the connection; the JobSource keeps the
  /// in-flight step for a resume).
  bool on_timeout(TimePoint now) noexcept;

  [[nodiscard]] http::BodyOptions body_options() const noexcept { return profile_.body_options(); }
  [[nodiscard]] bool finished() const noexcept { return state_ == State::finished; }
  [[nodiscard]] bool closed() const noexcept { return state_ == State::closed; }
  [[nodiscard]] const SessionCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const std::string& session_id() const noexcept { return session_id_; }
  [[nodiscard]] const std::string& next_uri() const noexcept { return next_uri_; }
  [[nodiscard]] const CardIdentity& card() const noexcept { return card_; }

 private:
  enum class State : uint8_t { first, awaiting_result, finished, closed };

  Reply handle(const http::Request& req, TimePoint now);
  Reply reject(int status, std::string_view message);
  Reply next_script();
  void handle_resume(std::optional<StepId> uri_step);

  const ServerOptions& options_;
  const CardProfile& profile_;
  JobSource& jobs_;
  CardIdentity card_;
  std::string session_id_;
  std::string next_uri_;
  StepId sent_step_ = 0;  // step whose results the next POST carries
  TimePoint deadline_;
  SessionCounters counters_;
  State state_ = State::first;
};

}  // namespace gpram::ram
