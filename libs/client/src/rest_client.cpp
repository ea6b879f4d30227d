#include "gpram/client/rest_client.hpp"

#include <fmt/format.h>

#include <optional>

#include "gpram/http/parser.hpp"
#include "gpram/http/serializer.hpp"
#include "gpram/net/event_loop.hpp"

namespace gpram::client {
namespace {

enum class Errc { bad_url = 1, io, timeout };
const char* msg(int ev) {
  switch (ev) {
    case 1: return "client: bad URL";
    case 2: return "client: connection failed";
    default: return "client: timed out";
  }
}

}  // namespace
}  // namespace gpram::client

template <>
struct std::is_error_code_enum<gpram::client::Errc> : std::true_type {};

namespace gpram::client {
namespace {

std::error_code make_error_code(Errc e) noexcept {
  static const SimpleCategory category("gpram.client", msg);
  return {static_cast<int>(e), category};
}

struct Pending {
  std::optional<HttpResult> result;
  std::optional<Error> error;
  bool closed = false;
};

class Handler final : public net::ConnectionHandler {
 public:
  explicit Handler(Pending* p) : p_(p) {}
  void on_data(net::Connection& /*c*/, ByteView data) override {
    while (!data.empty()) {
      auto n = parser_.feed(data);
      if (!n) {
        p_->error = n.error();
        return;
      }
      data = data.subspan(*n);
      if (parser_.has_message()) {
        auto& m = parser_.message();
        HttpResult r;
        r.status = m.status;
        r.content_type = std::string(m.headers.get("Content-Type").value_or(""));
        r.body.assign(m.body.begin(), m.body.end());
        p_->result = std::move(r);
        parser_.next();
      }
    }
  }
  void on_close(net::Connection& /*c*/, const Error* reason) override {
    p_->closed = true;
    if (!p_->result && reason != nullptr) p_->error = *reason;
  }

 private:
  Pending* p_;
  http::ResponseParser parser_{http::ParserOptions{16 * 1024, 64, 64 * 1024 * 1024, 2048}};
};

}  // namespace

struct RestClient::Impl {
  std::unique_ptr<net::EventLoop> loop;
  net::Endpoint server;
  std::string host;
  std::string token;
  net::Connection* conn = nullptr;
  std::unique_ptr<Pending> pending;
};

RestClient::RestClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RestClient::~RestClient() {
  if (impl_ && impl_->conn && impl_->pending && !impl_->pending->closed) impl_->conn->abort();
}

Result<std::unique_ptr<RestClient>> RestClient::create(std::string_view base_url, std::string token) {
  std::string_view u = base_url;
  if (u.rfind("http://", 0) == 0) u.remove_prefix(7);
  else return fail(Errc::bad_url, fmt::format("server URL \"{}\" must start with http://", base_url));
  while (!u.empty() && u.back() == '/') u.remove_suffix(1);
  std::string hostport(u);
  if (hostport.rfind("localhost", 0) == 0) hostport = "127.0.0.1" + hostport.substr(9);
  if (hostport.find(':') == std::string::npos) hostport += ":80";
  auto ep = net::Endpoint::parse(hostport);
  if (!ep) return fail(Errc::bad_url, fmt::format("server URL \"{}\": {}", base_url, ep.error().message));
  auto loop = net::EventLoop::create();
  if (!loop) return fail(loop.error());
  auto impl = std::make_unique<Impl>();
  impl->loop = std::move(*loop);
  impl->server = *ep;
  impl->host = hostport;
  impl->token = std::move(token);
  return std::unique_ptr<RestClient>(new RestClient(std::move(impl)));
}

Result<HttpResult> RestClient::call(std::string_view method, std::string_view path,
                                    std::string_view body, std::chrono::milliseconds timeout) {
  Impl& s = *impl_;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (s.conn == nullptr || s.pending->closed) {
      s.pending = std::make_unique<Pending>();
      auto c = s.loop->connect(s.server, std::make_unique<Handler>(s.pending.get()));
      if (!c) return fail(Errc::io, fmt::format("cannot connect to {}: {}", s.host, c.error().message));
      s.conn = *c;
    }
    s.pending->result.reset();
    s.pending->error.reset();
    http::Request req;
    req.method = std::string(method);
    req.target = std::string(path);
    req.headers.set("Host", s.host);
    if (!s.token.empty()) req.headers.set("Authorization", "Bearer " + s.token);
    if (!body.empty()) req.headers.set("Content-Type", "application/json");
    req.body.assign(body.begin(), body.end());
    Bytes out;
    http::serialize(req, out);
    s.conn->send(out);
    const auto deadline = Clock::now() + timeout;
    while (!s.pending->result && !s.pending->error && !s.pending->closed && Clock::now() < deadline)
      s.loop->run_once(std::chrono::milliseconds(50));
    if (s.pending->result) return std::move(*s.pending->result);
    if (s.pending->error && attempt == 1)
      return fail(Errc::io, fmt::format("{}: {}", s.host, s.pending->error->message));
    if (!s.pending->closed && Clock::now() >= deadline) {
      s.conn->abort();
      return fail(Errc::timeout, fmt::format("no answer from {} within {} ms", s.host, timeout.count()));
    }
    // The server closed an idle keep-alive connection: reconnect once.
    s.pending->closed = true;
  }
  return fail(Errc::io, fmt::format("{}: connection closed", s.host));
}

}  // namespace gpram::client
