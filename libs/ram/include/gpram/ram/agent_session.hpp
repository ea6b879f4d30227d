// Card side (admin agent, the SD holding the SCP81 keys) of an Amendment B session, sans-IO
// (GP Card Spec v2.2 Amd B v1.1.3 §3.3-§3.5). The caller owns the transport and the parsers:
//   start() -> first POST;  on_response(res) -> an event;  script_done(...) -> next POST;
//   after a connection cut: resume() -> the resuming POST on a new connection.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "gpram/http/message.hpp"
#include "gpram/http/serializer.hpp"
#include "gpram/ram/protocol.hpp"

namespace gpram::ram {

struct AgentOptions {
  std::string host;       // tag 8A -> Host
  std::string agent_id;   // tag 8B -> X-Admin-From
  std::string first_uri;  // tag 8C
  http::BodyOptions body{true, 0};  // request bodies chunked (OPAL does) or Content-Length
  uint32_t max_resumes = 3;          // tag 86 retry counter
};

struct AgentEvent {
  enum class Kind {
    execute,  // run `script` (targeted at `target_aid`, else the agent's own SD)
    done,     // the server ended the session (204, or an empty 200 without Next-URI)
  };
  Kind kind = Kind::done;
  Bytes script;
  std::optional<Bytes> target_aid;
  /// False for a script without Next-URI: run it, send nothing back, close (AmdB §3.3 step 7).
  bool report_expected = true;
};

class AgentSession {
 public:
  explicit AgentSession(AgentOptions options);

  /// The first POST: no body, no optional headers (AmdB §3.3.4).
  [[nodiscard]] Result<http::Request> start();
  /// Consumes the server's answer to the last POST.
  [[nodiscard]] Result<AgentEvent> on_response(const http::Response& res);
  /// Results of the script handed out by the last execute event -> the next POST. Without a
  /// response script (status other than ok) the POST has no body.
  [[nodiscard]] Result<http::Request> script_done(ScriptStatus status,
                                                  std::optional<Bytes> response);
  /// After a breakdown (AmdB §3.5): X-Admin-Resume: true, no body; to the Next-URI if the last
  /// script was completely received (and run), else a repeat of the last request's URI.
  [[nodiscard]] Result<http::Request> resume();

  [[nodiscard]] bool done() const noexcept { return state_ == State::done; }
  /// Framing for the requests (serialize(req, out, body_options())).
  [[nodiscard]] const http::BodyOptions& body_options() const noexcept { return opts_.body; }
  [[nodiscard]] const std::string& next_uri() const noexcept { return next_uri_; }
  [[nodiscard]] uint32_t resumes() const noexcept { return resumes_; }

 private:
  enum class State : uint8_t { idle, awaiting_response, executing, done, failed };
  http::Request make_post(const std::string& uri) const;
  Result<AgentEvent> fail_with(SessionErrc code, std::string message);

  AgentOptions opts_;
  std::string last_uri_;
  std::string next_uri_;
  uint32_t resumes_ = 0;
  State state_ = State::idle;
};

}  // namespace gpram::ram
