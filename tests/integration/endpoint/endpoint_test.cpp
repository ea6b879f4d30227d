// The first vertical slice over real loopback PSK-TLS: gpramd's server core in-process (port 0),
// a card registered and a job queued through the REST core, the virtual card's admin agent
// connecting, the job done with every response.
#include <gtest/gtest.h>

#include <thread>

#include "gpram/apdu/script.hpp"
#include "gpram/card/card.hpp"
#include "gpram/server/server.hpp"
#include "gpram/sim/agent_client.hpp"
#include "gpram/sim/script_runner.hpp"
#include "gpram/store/store.hpp"

using namespace gpram;
using nlohmann::json;

namespace {

constexpr const char* kIccid = "8988211000000000001";
const Bytes kPsk = hex("000102030405060708090A0B0C0D0E0F");

class Endpoint : public ::testing::Test {
 protected:
  void SetUp() override {
    server::Config cfg;
    cfg.card_listen = {"127.0.0.1", 0};
    cfg.api_listen = {"127.0.0.1", 0};
    cfg.threads = 1;
    cfg.admin_path = "/ram";
    auto s = server::Server::create(cfg, store_, "admin-token-0123456789");
    ASSERT_TRUE(s) << s.error().message;
    server_ = std::move(*s);
    server_->start();
    store::Card c;
    c.iccid = kIccid;
    c.psk_identity = "card-1";
    c.psk = kPsk;
    c.agent_id = kIccid;
    ASSERT_TRUE(store_.add_card(c));
  }
  void TearDown() override {
    if (server_) {
      server_->request_stop();
      server_->wait();
    }
  }

  std::string queue(const json& ops) {
    api::Api a(store_, "t0123456789abcdef");
    auto r = a.handle({"POST", "/v1/jobs", "Bearer t0123456789abcdef",
                       json{{"iccid", kIccid}, {"operations", ops}}.dump()});
    EXPECT_EQ(r.status, 201) << r.body;
    return json::parse(r.body)["id"];
  }

  sim::AgentParams params() {
    sim::AgentParams p;
    p.server = server_->card_endpoint();
    p.psk_identity = "card-1";
    p.psk = kPsk;
    p.agent_id = kIccid;
    p.uri = "/ram";
    p.timeout = std::chrono::seconds(5);
    return p;
  }

  store::MemoryStore store_;
  std::unique_ptr<server::Server> server_;
  card::VirtualCard card_{card::CardConfig{}, 42};
};

TEST_F(Endpoint, ApdusJobCompletesOverPskTls) {
  const std::string id = queue(json::array({{{"apdus", {"00A4040008A000000151000000", "80CA006600"}}}}));
  auto out = sim::run_admin_session(params(), [&](ByteView script, const std::optional<Bytes>& t) {
    return sim::run_script(card_, script, t);
  });
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_TRUE(out->completed) << out->error;
  EXPECT_EQ(out->scripts, 1u);
  auto job = store_.job(id);
  ASSERT_TRUE(job);
  EXPECT_EQ(store::to_string(job->state), "done") << job->error;
  ASSERT_EQ(job->results.size(), 2u);
  EXPECT_EQ(to_hex(ByteView(job->results[0].rapdu).last(2)), "9000");
}

TEST_F(Endpoint, NothingQueuedGets204AtOnce) {
  auto out = sim::run_admin_session(params(), [&](ByteView, const std::optional<Bytes>&) {
    ADD_FAILURE() << "no script expected";
    return sim::ScriptOutcome{};
  });
  ASSERT_TRUE(out);
  EXPECT_TRUE(out->completed);
  EXPECT_EQ(out->scripts, 0u);
}

TEST_F(Endpoint, WrongPskIsRejectedAtTheHandshakeWithNothingChanged) {
  const std::string id = queue(json::array({{{"apdus", {"80CA006600"}}}}));
  auto p = params();
  p.psk = hex("FF0102030405060708090A0B0C0D0E0F");
  auto out = sim::run_admin_session(p, [&](ByteView, const std::optional<Bytes>&) {
    return sim::ScriptOutcome{};
  });
  ASSERT_TRUE(out);
  EXPECT_FALSE(out->completed);
  EXPECT_NE(out->error.find("TLS"), std::string::npos) << out->error;
  EXPECT_EQ(store::to_string(store_.job(id)->state), "queued");
}

TEST_F(Endpoint, UnknownIdentityIsRejected) {
  auto p = params();
  p.psk_identity = "nobody";
  auto out = sim::run_admin_session(p, [&](ByteView, const std::optional<Bytes>&) {
    return sim::ScriptOutcome{};
  });
  ASSERT_TRUE(out);
  EXPECT_FALSE(out->completed);
}

TEST_F(Endpoint, MultiStepSessionSurvivesACutAndResumes) {
  // 40 commands at most 32 per script: two steps.
  json apdus = json::array();
  for (int i = 0; i < 40; ++i) apdus.push_back("80CA006600");
  const std::string id = queue(json::array({{{"apdus", apdus}}}));
  int calls = 0;
  auto out = sim::run_admin_session(params(), [&](ByteView script, const std::optional<Bytes>& t) {
    auto so = sim::run_script(card_, script, t);
    if (++calls == 1) so.cut_connection = true;  // ran step 1, link drops before the report
    return so;
  });
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_TRUE(out->completed) << out->error;
  EXPECT_EQ(out->resumes, 1u);
  auto job = store_.job(id);
  EXPECT_EQ(store::to_string(job->state), "done") << job->error;
  EXPECT_EQ(job->results.size(), 40u);
}

}  // namespace
