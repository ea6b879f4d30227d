// gpramd's runtime: N event loops (one per core) serving the card endpoint (PSK-TLS, HTTP/1.1,
// Amendment B sessions) and the REST API, over one Store. Sans-IO cores (tls::Session,
// http parsers, ram::ServerSession, api::Api, jobs::Engine) are wired here and nowhere else.
#pragma once

#include <memory>
#include <string>

#include "gpram/api/api.hpp"
#include "gpram/jobs/engine.hpp"
#include "gpram/metrics/metrics.hpp"
#include "gpram/net/endpoint.hpp"
#include "gpram/server/config.hpp"
#include "gpram/store/store.hpp"

namespace gpram::server {

struct ServerImpl;

class Server {
 public:
  /// Builds everything and binds both listeners (so a port-0 config knows its ports at once).
  [[nodiscard]] static Result<std::unique_ptr<Server>> create(const Config& config,
                                                              store::Store& store,
                                                              std::string admin_token);
  ~Server();

  /// Runs the loops on their threads and returns immediately.
  void start();
  /// Async-signal-safe: stop accepting, let in-flight sessions finish (bounded), then return
  /// from wait().
  void request_stop() noexcept;
  void wait();

  [[nodiscard]] net::Endpoint card_endpoint() const;
  [[nodiscard]] net::Endpoint api_endpoint() const;
  [[nodiscard]] metrics::Registry& metrics();
  [[nodiscard]] jobs::Engine& engine();

 private:
  explicit Server(std::unique_ptr<ServerImpl> impl);
  std::unique_ptr<ServerImpl> impl_;
};

}  // namespace gpram::server
