// The admin agent's network side: one Amendment B session over PSK-TLS from a card (virtual, or
// a real one behind a PC/SC reader) to gpramd. Wires net (socket), tls (client Session),
// http (ResponseParser, serializer) and ram::AgentSession; scripts are handed to an executor.
// Breakdowns (connection cut after the first POST) are resumed per GP Amd B §3.5 up to the
// retry counter, on a new connection with X-Admin-Resume: true.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "gpram/net/endpoint.hpp"
#include "gpram/net/event_loop.hpp"
#include "gpram/ram/protocol.hpp"
#include "gpram/tls/config.hpp"

namespace gpram::sim {

struct AgentParams {
  net::Endpoint server;
  std::optional<net::Endpoint> source;  // local address to connect from (fleet: 127.0.0.x)
  std::string psk_identity;
  Bytes psk;
  std::string agent_id;         // X-Admin-From (tag 8B)
  std::string host = "127.0.0.1";  // Host (tag 8A)
  std::string uri = "/";        // first POST (tag 8C)
  bool chunked = true;          // request bodies chunked (as OPAL) or with Content-Length
  uint32_t max_resumes = 3;     // tag 86 retry counter
  Duration retry_delay = std::chrono::milliseconds(200);
  Duration timeout = std::chrono::seconds(30);  // per connection attempt
  std::shared_ptr<const tls::Config> tls;       // client config (null: built from psk fields)
};

/// What the card made of one script.
struct ScriptOutcome {
  ram::ScriptStatus status = ram::ScriptStatus::ok;
  std::optional<Bytes> response;  // response script (status ok)
  bool cut_connection = false;    // fault injection: drop the link before reporting
  uint32_t apdus = 0;             // commands executed
};

using ScriptExecutor =
    std::function<ScriptOutcome(ByteView script, const std::optional<Bytes>& target_aid)>;

struct SessionOutcome {
  bool completed = false;  // the server ended the session with 204 (or a final script)
  uint32_t scripts = 0;
  uint32_t apdus = 0;
  uint32_t resumes = 0;
  uint32_t connections = 0;
  std::string error;       // why it did not complete
  double seconds = 0;
};

/// Starts one admin session on `loop` (asynchronous); `done` is called once, on the loop thread.
[[nodiscard]] Result<void> start_admin_session(net::EventLoop& loop, AgentParams params,
                                               ScriptExecutor exec,
                                               std::function<void(const SessionOutcome&)> done);

/// Runs one admin session to its end on a private event loop (blocking).
[[nodiscard]] Result<SessionOutcome> run_admin_session(AgentParams params, ScriptExecutor exec);

}  // namespace gpram::sim
