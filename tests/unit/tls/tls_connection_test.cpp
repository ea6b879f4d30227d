// TlsConnection: a tls::Session over a net::Connection, client and server in one event loop.
#include <gtest/gtest.h>

#include "gpram/net/event_loop.hpp"
#include "gpram/tls/tls_connection.hpp"

using namespace gpram;
using namespace std::chrono_literals;

namespace {

const Bytes kKey = hex("0F0E0D0C0B0A09080706050403020100");

struct Log {
  std::string got;
  bool handshake = false, ended = false;
  std::optional<Error> reason;
};

class Peer final : public tls::TlsConnection {
 public:
  Peer(std::unique_ptr<tls::Session> s, Log& log, bool echo, Duration hs = Duration::zero())
      : TlsConnection(std::move(s), hs), log_(log), echo_(echo) {}
  void on_handshake() override {
    log_.handshake = true;
    if (!echo_) send(as_bytes("POST /admin HTTP/1.1\r\n\r\n"));
  }
  void on_plaintext(ByteView d) override {
    log_.got += as_chars(d);
    if (echo_) send(d);
    else if (log_.got == "POST /admin HTTP/1.1\r\n\r\n") close();
  }
  void on_end(const Error* r) override {
    log_.ended = true;
    if (r != nullptr) log_.reason = *r;
  }

 private:
  Log& log_;
  bool echo_;
};

std::shared_ptr<const tls::Config> server_cfg() {
  auto res = std::make_shared<tls::MemoryPskResolver>();
  res->add("card", kKey);
  return *tls::Config::server(tls::Options{}, res);
}

}  // namespace

TEST(TlsConnection, ExchangeAndCloseOverLoopback) {
  auto loop = net::EventLoop::create();
  ASSERT_TRUE(loop);
  auto scfg = server_cfg();
  Log server_log, client_log;
  auto bound = (*loop)->listen(*net::Endpoint::parse("127.0.0.1:0"),
                               [&](net::Connection&) -> std::unique_ptr<net::ConnectionHandler> {
                                 return std::make_unique<Peer>(*tls::Session::create(scfg),
                                                               server_log, true, 5s);
                               });
  ASSERT_TRUE(bound);
  auto ccfg = tls::Config::client(tls::Options{}, "card", kKey);
  ASSERT_TRUE(ccfg);
  ASSERT_TRUE((*loop)->connect(*bound, std::make_unique<Peer>(*tls::Session::create(*ccfg),
                                                              client_log, false)));
  for (int i = 0; i < 500 && !(server_log.ended && client_log.ended); ++i)
    (*loop)->run_once(10ms);
  EXPECT_TRUE(server_log.handshake);
  EXPECT_EQ(server_log.got, "POST /admin HTTP/1.1\r\n\r\n");
  EXPECT_EQ(client_log.got, "POST /admin HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(server_log.ended);
  EXPECT_FALSE(server_log.reason) << server_log.reason->message;
  EXPECT_TRUE(client_log.ended);
}

TEST(TlsConnection, UnknownIdentityEndsBothSides) {
  auto loop = net::EventLoop::create();
  auto scfg = server_cfg();
  Log server_log, client_log;
  auto bound = (*loop)->listen(*net::Endpoint::parse("127.0.0.1:0"),
                               [&](net::Connection&) -> std::unique_ptr<net::ConnectionHandler> {
                                 return std::make_unique<Peer>(*tls::Session::create(scfg),
                                                               server_log, true);
                               });
  auto ccfg = tls::Config::client(tls::Options{}, "intruder", kKey);
  ASSERT_TRUE((*loop)->connect(*bound, std::make_unique<Peer>(*tls::Session::create(*ccfg),
                                                              client_log, false)));
  for (int i = 0; i < 500 && !(server_log.ended && client_log.ended); ++i)
    (*loop)->run_once(10ms);
  ASSERT_TRUE(server_log.reason);
  EXPECT_EQ(server_log.reason->code, make_error_code(tls::Errc::unknown_psk_identity));
  ASSERT_TRUE(client_log.reason);
  EXPECT_EQ(client_log.reason->code, make_error_code(tls::Errc::peer_alert));
}

TEST(TlsConnection, HandshakeTimeoutWithFakeTime) {
  auto time = std::make_shared<net::ManualTime>();
  auto loop = net::EventLoop::create(net::LoopOptions{0, 65536, time});
  auto scfg = server_cfg();
  Log server_log;
  auto bound = (*loop)->listen(*net::Endpoint::parse("127.0.0.1:0"),
                               [&](net::Connection&) -> std::unique_ptr<net::ConnectionHandler> {
                                 return std::make_unique<Peer>(*tls::Session::create(scfg),
                                                               server_log, true, 5s);
                               });
  // A silent TCP client: never sends a ClientHello.
  class Silent final : public net::ConnectionHandler {
   public:
    void on_data(net::Connection&, ByteView) override {}
  };
  ASSERT_TRUE((*loop)->connect(*bound, std::make_unique<Silent>()));
  for (int i = 0; i < 50 && (*loop)->stats().accepted == 0; ++i) (*loop)->run_once(10ms);
  time->advance(4s);
  (*loop)->run_once(0ms);
  EXPECT_FALSE(server_log.ended);
  time->advance(2s);
  (*loop)->run_once(0ms);
  ASSERT_TRUE(server_log.ended);
  ASSERT_TRUE(server_log.reason);
  EXPECT_EQ(server_log.reason->code, make_error_code(net::Errc::timed_out));
}
