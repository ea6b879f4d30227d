#include "gpram/sim/agent_client.hpp"

#include <fmt/format.h>

#include "gpram/http/parser.hpp"
#include "gpram/http/serializer.hpp"
#include "gpram/ram/agent_session.hpp"
#include "gpram/tls/session.hpp"
#include "gpram/tls/tls_connection.hpp"

namespace gpram::sim {
namespace {

struct Context {
  net::EventLoop& loop;
  AgentParams params;
  ScriptExecutor exec;
  std::function<void(const SessionOutcome&)> done;
  ram::AgentSession agent;
  SessionOutcome outcome;
  TimePoint started;
  bool first_post_sent = false;
  bool finished = false;

  Context(net::EventLoop& l, AgentParams p, ScriptExecutor e, std::function<void(const SessionOutcome&)> d)
      : loop(l),
        params(std::move(p)),
        exec(std::move(e)),
        done(std::move(d)),
        agent(ram::AgentOptions{params.host, params.agent_id, params.uri,
                                http::BodyOptions{params.chunked, 0}, params.max_resumes}),
        started(Clock::now()) {}

  void finish() {
    if (finished) return;
    finished = true;
    outcome.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    if (done) done(outcome);
  }
};

void connect(const std::shared_ptr<Context>& ctx);

class AgentConnection final : public tls::TlsConnection {
 public:
  AgentConnection(std::unique_ptr<tls::Session> s, std::shared_ptr<Context> ctx)
      : TlsConnection(std::move(s), ctx->params.timeout), ctx_(std::move(ctx)) {}

  void on_handshake() override {
    handshake_done_ = true;
    if (connection() != nullptr) connection()->set_idle_timeout(ctx_->params.timeout);
    Result<http::Request> req = ctx_->first_post_sent ? ctx_->agent.resume() : ctx_->agent.start();
    if (!req) return give_up(req.error().message);
    if (ctx_->first_post_sent) ++ctx_->outcome.resumes;
    ctx_->first_post_sent = true;
    post(*req);
  }

  void on_plaintext(ByteView data) override {
    while (!data.empty() && !closing_) {
      auto n = parser_.feed(data);
      if (!n) return give_up("bad HTTP response: " + n.error().message);
      data = data.subspan(*n);
      if (!parser_.has_message()) continue;
      auto ev = ctx_->agent.on_response(parser_.message());
      parser_.next();
      if (!ev) return give_up(ev.error().message);
      if (ev->kind == ram::AgentEvent::Kind::done) {
        ctx_->outcome.completed = true;
        closing_ = true;
        close();
        return;
      }
      ScriptOutcome so = ctx_->exec(ev->script, ev->target_aid);
      ++ctx_->outcome.scripts;
      ctx_->outcome.apdus += so.apdus;
      if (so.cut_connection) {  // fault injection: the link drops before the report
        closing_ = true;
        if (connection() != nullptr) connection()->abort();
        return;
      }
      if (!ev->report_expected) {
        ctx_->outcome.completed = true;
        closing_ = true;
        close();
        return;
      }
      auto req = ctx_->agent.script_done(so.status, std::move(so.response));
      if (!req) return give_up(req.error().message);
      post(*req);
    }
  }

  void on_end(const Error* reason) override {
    if (ctx_->finished) return;
    if (ctx_->outcome.completed || fatal_) {
      ctx_->finish();
      return;
    }
    if (!handshake_done_ && reason != nullptr) {
      // TLS or security failure: fatal, no retry (GP Amd B §3.5).
      ctx_->outcome.error = "TLS handshake failed: " + reason->message;
      ctx_->finish();
      return;
    }
    if (!ctx_->first_post_sent) {
      ctx_->outcome.error = reason ? reason->message : "connection closed before the first POST";
      ctx_->finish();
      return;
    }
    if (ctx_->outcome.resumes >= ctx_->params.max_resumes) {
      ctx_->outcome.error = fmt::format("connection lost{}; {} resumes used",
                                        reason ? ": " + reason->message : std::string(),
                                        ctx_->outcome.resumes);
      ctx_->finish();
      return;
    }
    auto ctx = ctx_;
    ctx->loop.add_timer(ctx->params.retry_delay, [ctx] { connect(ctx); });
  }

 private:
  void post(const http::Request& req) {
    out_.clear();
    http::serialize(req, out_, ctx_->agent.body_options());
    send(out_);
  }
  void give_up(std::string why) {
    ctx_->outcome.error = std::move(why);
    fatal_ = true;
    closing_ = true;
    close();
  }

  std::shared_ptr<Context> ctx_;
  http::ResponseParser parser_;
  Bytes out_;
  bool handshake_done_ = false;
  bool closing_ = false;
  bool fatal_ = false;
};

void connect(const std::shared_ptr<Context>& ctx) {
  ++ctx->outcome.connections;
  auto session = tls::Session::create(ctx->params.tls, ctx->params.psk_identity, ctx->params.psk);
  if (!session) {
    ctx->outcome.error = session.error().message;
    ctx->finish();
    return;
  }
  auto c = ctx->loop.connect(ctx->params.server,
                             std::make_unique<AgentConnection>(std::move(*session), ctx),
                             ctx->params.source);
  if (!c) {
    ctx->outcome.error = "connect: " + c.error().message;
    ctx->finish();
  }
}

}  // namespace

Result<void> start_admin_session(net::EventLoop& loop, AgentParams params, ScriptExecutor exec,
                                 std::function<void(const SessionOutcome&)> done) {
  if (!params.tls) {
    auto cfg = tls::Config::client({}, params.psk_identity, params.psk);
    if (!cfg) return fail(cfg.error());
    params.tls = *cfg;
  }
  auto ctx = std::make_shared<Context>(loop, std::move(params), std::move(exec), std::move(done));
  connect(ctx);
  return {};
}

Result<SessionOutcome> run_admin_session(AgentParams params, ScriptExecutor exec) {
  auto loop = net::EventLoop::create();
  if (!loop) return fail(loop.error());
  SessionOutcome result;
  bool finished = false;
  auto r = start_admin_session(**loop, std::move(params), std::move(exec),
                               [&](const SessionOutcome& o) {
                                 result = o;
                                 finished = true;
                               });
  if (!r) return fail(r.error());
  while (!finished) (*loop)->run_once(std::chrono::milliseconds(100));
  // Let the last close_notify go out.
  for (int i = 0; i < 3 && (*loop)->connection_count() > 0; ++i)
    (*loop)->run_once(std::chrono::milliseconds(10));
  return result;
}

}  // namespace gpram::sim
