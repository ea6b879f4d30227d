#include "gpram/server/server.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <fstream>

#include "gpram/crypto/crypto.hpp"
#include "gpram/http/parser.hpp"
#include "gpram/http/serializer.hpp"
#include "gpram/net/event_loop.hpp"
#include "gpram/ram/profile.hpp"
#include "gpram/ram/server_session.hpp"
#include "gpram/tls/config.hpp"
#include "gpram/tls/tls_connection.hpp"

namespace gpram::server {
namespace {

/// The card PSKs come from the store (thread-safe; called during each handshake).
class StorePskResolver final : public tls::PskResolver {
 public:
  explicit StorePskResolver(store::Store& s) : store_(s) {}
  std::optional<Bytes> psk_for(std::string_view identity) override {
    auto c = store_.card_by_psk_identity(identity);
    if (!c) return std::nullopt;
    return c->psk;
  }

 private:
  store::Store& store_;
};

}  // namespace

struct ServerImpl {
  Config cfg;
  store::Store& store;
  metrics::Registry metrics;
  jobs::Engine engine;
  api::Api api;
  ram::ServerOptions ram_options;
  std::shared_ptr<const tls::Config> tls;
  std::unique_ptr<net::LoopGroup> loops;
  net::Endpoint card_ep, api_ep;
  http::ParserOptions card_http, api_http;

  // Metrics handles (created once, updated lock-free).
  metrics::Counter* card_conns = nullptr;
  metrics::Counter* api_requests = nullptr;
  metrics::Counter* sessions_done = nullptr;
  metrics::Counter* sessions_failed = nullptr;
  metrics::Counter* scripts_sent = nullptr;
  metrics::Counter* results = nullptr;
  metrics::Counter* resumes = nullptr;
  metrics::Counter* rejected = nullptr;
  metrics::Gauge* open_conns = nullptr;
  metrics::Histogram* session_seconds = nullptr;

  ServerImpl(const Config& c, store::Store& s, std::string token)
      : cfg(c), store(s), engine(s), api(s, std::move(token)) {}

  metrics::Counter& handshake(std::string_view suite, std::string_view result) {
    return metrics.counter("gpram_tls_handshakes_total", "PSK-TLS handshakes by suite and result",
                           {{"suite", std::string(suite)}, {"result", std::string(result)}});
  }
};

namespace {

std::string random_session_id() {
  uint8_t b[6];
  crypto::random_bytes(b);
  return to_hex(b);
}

class CardConnection final : public tls::TlsConnection {
 public:
  CardConnection(std::unique_ptr<tls::Session> s, ServerImpl& srv)
      : TlsConnection(std::move(s), std::chrono::seconds(srv.cfg.handshake_timeout_s)),
        srv_(srv),
        parser_(srv.card_http) {}

  void on_handshake() override {
    started_ = Clock::now();
    auto suite = session().suite();
    srv_.handshake(suite ? tls::suite_name(*suite) : "unknown", "ok").inc();
    auto card = srv_.store.card_by_psk_identity(session().psk_identity());
    if (!card) {  // the key was removed between the PSK lookup and now
      close();
      return;
    }
    const ram::CardProfile* profile = ram::find_profile(card->profile);
    if (profile == nullptr) profile = ram::find_profile(srv_.cfg.default_profile);
    if (profile == nullptr) profile = &ram::builtin_profiles().front();
    card_id_ = card->iccid;
    session_ = std::make_unique<ram::ServerSession>(
        srv_.ram_options, *profile, srv_.engine, ram::CardIdentity{card->iccid, card->agent_id},
        random_session_id(), Clock::now());
    if (connection() != nullptr) {
      connection()->set_deadline(Clock::now() + std::chrono::seconds(srv_.cfg.session_timeout_s));
      connection()->set_idle_timeout(std::chrono::seconds(srv_.cfg.idle_timeout_s));
    }
  }

  void on_plaintext(ByteView data) override {
    if (!session_) return;
    while (!data.empty() && connection() != nullptr) {
      auto n = parser_.feed(data);
      if (!n) {
        respond(session_->on_parse_error(n.error(), Clock::now()));
        return;
      }
      data = data.subspan(*n);
      if (parser_.has_message()) {
        auto reply = session_->on_request(parser_.message(), Clock::now());
        parser_.next();
        if (!respond(std::move(reply))) return;
      }
    }
  }

  void on_timeout(net::Connection& c) override {
    spdlog::info(R"({{"event":"card_timeout","card":"{}"}})", card_id_);
    c.abort(Error{make_error_code(net::Errc::timed_out), "session or idle timeout"});
  }

  void on_stop(net::Connection& /*c*/) override {
    // Graceful stop: a card between two POSTs is told nothing; it resumes on its next session.
    if (!session_ || parser_.idle()) close();
  }

  void on_end(const Error* reason) override {
    if (session_) {
      const double secs = std::chrono::duration<double>(Clock::now() - started_).count();
      srv_.session_seconds->observe(secs);
      const auto& ctr = session_->counters();
      srv_.scripts_sent->inc(ctr.steps_sent);
      srv_.results->inc(ctr.results);
      srv_.resumes->inc(ctr.resumes);
      srv_.rejected->inc(ctr.rejected);
      if (session_->finished()) srv_.sessions_done->inc();
      else srv_.sessions_failed->inc();
      if (!session_->finished()) srv_.engine.on_connection_closed(card_id_);
    } else {
      srv_.handshake("none", reason != nullptr ? "failed" : "aborted").inc();
      if (reason != nullptr)
        spdlog::info(R"({{"event":"handshake_failed","reason":"{}"}})", reason->message);
    }
    srv_.open_conns->add(-1);
  }

 private:
  bool respond(ram::Reply reply) {
    out_.clear();
    http::serialize(reply.response, out_, session_->body_options());
    send(out_);
    if (reply.close || session_->closed()) {
      close();
      return false;
    }
    if (auto d = session_->next_deadline(); d && connection() != nullptr) {
      // The whole-session deadline stays; the idle timer covers the gap between POSTs.
    }
    return true;
  }

  ServerImpl& srv_;
  http::RequestParser parser_;
  std::unique_ptr<ram::ServerSession> session_;
  std::string card_id_;
  TimePoint started_{};
  Bytes out_;
};

class ApiConnection final : public net::ConnectionHandler {
 public:
  explicit ApiConnection(ServerImpl& srv) : srv_(srv), parser_(srv.api_http) {}

  void on_open(net::Connection& c) override { c.set_idle_timeout(std::chrono::seconds(60)); }

  void on_data(net::Connection& c, ByteView data) override {
    while (!data.empty() && c.is_open()) {
      auto n = parser_.feed(data);
      if (!n) {
        http::Response res;
        res.status = http::status_for(n.error().code);
        res.headers.set("Content-Type", "application/json");
        const std::string body = nlohmann::json{{"error", n.error().message}}.dump();
        res.body.assign(body.begin(), body.end());
        res.keep_alive = false;
        write(c, res);
        c.close();
        return;
      }
      data = data.subspan(*n);
      if (!parser_.has_message()) continue;
      const http::Request& req = parser_.message();
      std::string_view body(reinterpret_cast<const char*>(req.body.data()), req.body.size());
      api::ApiResponse ar = srv_.api.handle(
          {req.method, req.target, req.headers.get("Authorization").value_or(""), body});
      srv_.api_requests->inc();
      http::Response res;
      res.status = ar.status;
      res.headers.set("Content-Type", ar.content_type);
      res.body.assign(ar.body.begin(), ar.body.end());
      res.keep_alive = req.keep_alive;
      const bool keep = req.keep_alive;
      parser_.next();
      write(c, res);
      if (!keep) {
        c.close();
        return;
      }
    }
  }

  void on_stop(net::Connection& c) override {
    if (parser_.idle()) c.close();
  }

 private:
  void write(net::Connection& c, const http::Response& res) {
    out_.clear();
    http::serialize(res, out_);
    c.send(out_);
  }
  ServerImpl& srv_;
  http::RequestParser parser_;
  Bytes out_;
};

Result<net::Endpoint> endpoint_of(const HostPort& hp) {
  const bool v6 = hp.host.find(':') != std::string::npos;
  std::string host = hp.host == "localhost" ? "127.0.0.1" : hp.host;
  return net::Endpoint::parse(v6 ? fmt::format("[{}]:{}", host, hp.port)
                                 : fmt::format("{}:{}", host, hp.port));
}

}  // namespace

Server::Server(std::unique_ptr<ServerImpl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

Result<std::unique_ptr<Server>> Server::create(const Config& cfg, store::Store& store,
                                               std::string admin_token) {
  auto impl = std::make_unique<ServerImpl>(cfg, store, std::move(admin_token));
  ServerImpl& s = *impl;
  s.ram_options.admin_path = cfg.admin_path;
  s.ram_options.idle_timeout = std::chrono::seconds(cfg.idle_timeout_s);
  s.card_http.max_body = 256 * 1024;
  s.api_http.max_body = 8 * 1024 * 1024;  // an install operation carries a whole CAP in base64

  tls::Options topts;
  if (!cfg.tls_suites.empty()) {
    std::string list;
    for (const auto& x : cfg.tls_suites) list += (list.empty() ? "" : ",") + x;
    auto suites = tls::parse_suites(list);
    if (!suites) return fail(suites.error());
    topts.suites = *suites;
  }
  if (!cfg.tls_keylog_file.empty()) topts.keylog = tls::keylog_file(cfg.tls_keylog_file);
  auto tcfg = tls::Config::server(topts, std::make_shared<StorePskResolver>(store));
  if (!tcfg) return fail(tcfg.error());
  s.tls = *tcfg;

  auto& m = s.metrics;
  s.card_conns = &m.counter("gpram_card_connections_total", "TCP connections accepted on the card endpoint");
  s.api_requests = &m.counter("gpram_api_requests_total", "REST API requests");
  s.sessions_done = &m.counter("gpram_admin_sessions_total", "Amendment B admin sessions", {{"outcome", "completed"}});
  s.sessions_failed = &m.counter("gpram_admin_sessions_total", "Amendment B admin sessions", {{"outcome", "interrupted"}});
  s.scripts_sent = &m.counter("gpram_scripts_sent_total", "command scripts sent to cards");
  s.results = &m.counter("gpram_script_results_total", "response scripts received");
  s.resumes = &m.counter("gpram_session_resumes_total", "X-Admin-Resume requests");
  s.rejected = &m.counter("gpram_requests_rejected_total", "card requests refused with 4xx");
  s.open_conns = &m.gauge("gpram_card_connections_open", "open card connections");
  s.session_seconds = &m.histogram("gpram_admin_session_seconds", "admin session duration");
  m.callback("gpram_jobs", "jobs by state", [&store] {
    std::vector<std::pair<metrics::Labels, double>> out;
    for (auto [st, n] : store.job_counts())
      out.push_back({{{"state", std::string(store::to_string(st))}}, static_cast<double>(n)});
    return out;
  });
  s.api.set_metrics([&m] { return m.render(); });
  // Card results go to the audit log (append-only; never key material: only ids and the error).
  auto* finished_ok = &m.counter("gpram_jobs_finished_total", "jobs that reached a final state", {{"state", "done"}});
  auto* finished_failed = &m.counter("gpram_jobs_finished_total", "jobs that reached a final state", {{"state", "failed"}});
  s.engine.on_change([&store, finished_ok, finished_failed](const store::Job& job) {
    if (job.state != store::JobState::done && job.state != store::JobState::failed) return;
    (job.state == store::JobState::done ? finished_ok : finished_failed)->inc();
    store::AuditEntry e;
    e.ts_ms = job.updated_ms;
    e.actor = "card:" + job.iccid;
    e.action = job.state == store::JobState::done ? "job.done" : "job.failed";
    e.object = fmt::format("job {} ({})", job.id, job.owner);
    e.outcome = job.state == store::JobState::done ? "ok" : "failed";
    e.detail = job.error;
    (void)store.append_audit(e);
  });

  const unsigned threads = cfg.threads ? cfg.threads : std::max(1u, std::thread::hardware_concurrency());
  net::LoopOptions lo;
  lo.max_connections = cfg.max_connections / threads + 1;
  auto group = net::LoopGroup::create(threads, lo);
  if (!group) return fail(group.error());
  s.loops = std::move(*group);

  auto card_at = endpoint_of(cfg.card_listen);
  if (!card_at) return fail(card_at.error());
  auto api_at = endpoint_of(cfg.api_listen);
  if (!api_at) return fail(api_at.error());
  ServerImpl* sp = &s;
  auto card_ep = s.loops->listen(*card_at, [sp](net::Connection&) -> std::unique_ptr<net::ConnectionHandler> {
    auto session = tls::Session::create(sp->tls);
    if (!session) return nullptr;
    sp->card_conns->inc();
    sp->open_conns->add(1);
    return std::make_unique<CardConnection>(std::move(*session), *sp);
  });
  if (!card_ep) return fail(with_context(card_ep.error(), "card listener: "));
  s.card_ep = *card_ep;
  auto api_ep = s.loops->listen(*api_at, [sp](net::Connection&) -> std::unique_ptr<net::ConnectionHandler> {
    return std::make_unique<ApiConnection>(*sp);
  });
  if (!api_ep) return fail(with_context(api_ep.error(), "API listener: "));
  s.api_ep = *api_ep;
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

void Server::start() {
  impl_->loops->start();
  impl_->api.set_ready(true);
  if (!impl_->cfg.ready_file.empty()) {
    std::ofstream out(impl_->cfg.ready_file + ".tmp");
    out << nlohmann::json{{"card", impl_->card_ep.to_string()}, {"api", impl_->api_ep.to_string()}}.dump()
        << "\n";
    out.close();
    std::rename((impl_->cfg.ready_file + ".tmp").c_str(), impl_->cfg.ready_file.c_str());
  }
}

void Server::request_stop() noexcept { impl_->loops->request_stop(); }
void Server::wait() { impl_->loops->join(); }
net::Endpoint Server::card_endpoint() const { return impl_->card_ep; }
net::Endpoint Server::api_endpoint() const { return impl_->api_ep; }
metrics::Registry& Server::metrics() { return impl_->metrics; }
jobs::Engine& Server::engine() { return impl_->engine; }

}  // namespace gpram::server
