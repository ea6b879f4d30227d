// REST API + job engine, in memory: register a card, queue work, play the card's side of the
// scripts, read the job back. No network: the API and the engine are sans-IO.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "gpram/api/api.hpp"
#include "gpram/apdu/script.hpp"
#include "gpram/crypto/base64.hpp"
#include "gpram/jobs/compile.hpp"
#include "gpram/jobs/engine.hpp"
#include "gpram/store/store.hpp"

using namespace gpram;
using nlohmann::json;

namespace {

constexpr const char* kAuth = "Bearer test-admin-token";

class ApiJobs : public ::testing::Test {
 protected:
  store::MemoryStore store_;
  api::Api api_{store_, "test-admin-token"};
  jobs::Engine engine_{store_};

  api::ApiResponse call(std::string_view method, std::string_view target, std::string_view body = {},
                        std::string_view auth = kAuth) {
    return api_.handle({method, target, auth, body});
  }
  void add_card() {
    auto r = call("POST", "/v1/cards",
                  R"({"iccid":"8988211000000000001","psk_identity":"card-1","psk":"000102030405060708090A0B0C0D0E0F"})");
    ASSERT_EQ(r.status, 201) << r.body;
  }
  // Plays the card: answers every C-APDU of a script with the given SW.
  Bytes answer(const Bytes& script, const std::string& sw = "9000") {
    auto cs = apdu::decode_command_script(script);
    EXPECT_TRUE(cs) << (cs ? "" : cs.error().message);
    std::vector<Bytes> rapdus;
    for (size_t i = 0; i < cs->capdus().size(); ++i) rapdus.push_back(hex(sw));
    return apdu::encode_response_script(apdu::response_script(rapdus));
  }
};

TEST_F(ApiJobs, RejectsMissingAndWrongTokens) {
  EXPECT_EQ(call("GET", "/v1/jobs/x", {}, "").status, 401);
  EXPECT_EQ(call("GET", "/v1/jobs/x", {}, "Bearer nope").status, 401);
  EXPECT_EQ(call("GET", "/v1/jobs/x").status, 404);
}

TEST_F(ApiJobs, HealthzFollowsReadiness) {
  EXPECT_EQ(call("GET", "/healthz", {}, "").status, 503);
  api_.set_ready(true);
  EXPECT_EQ(call("GET", "/healthz", {}, "").status, 200);
}

TEST_F(ApiJobs, CardValidationIsPrecise) {
  auto r = call("POST", "/v1/cards", R"({"iccid":"8988","psk_identity":"x","psk":"00"})");
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.body.find("card.iccid"), std::string::npos) << r.body;
  r = call("POST", "/v1/cards", R"({"iccid":"898821100000000000","psk_identity":"x","psk":"0G"})");
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.body.find("card.psk"), std::string::npos) << r.body;
  r = call("POST", "/v1/cards", R"({"iccid":"898821100000000000","psk_identity":"x","psk":"000102030405060708090A0B0C0D0E0F","colour":"red"})");
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.body.find("unknown field \\\"colour\\\""), std::string::npos) << r.body;
  r = call("POST", "/v1/cards", "{not json");
  EXPECT_EQ(r.status, 400);
  EXPECT_FALSE(store_.card("898821100000000000"));  // nothing half-written
}

TEST_F(ApiJobs, DuplicateCardIsConflict) {
  add_card();
  auto r = call("POST", "/v1/cards",
                R"({"iccid":"8988211000000000001","psk_identity":"card-2","psk":"000102030405060708090A0B0C0D0E0F"})");
  EXPECT_EQ(r.status, 409) << r.body;
}

TEST_F(ApiJobs, CardViewHasNoKeys) {
  add_card();
  auto r = call("GET", "/v1/cards/8988211000000000001");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body.find("000102030405060708090A0B0C0D0E0F"), std::string::npos) << r.body;
  EXPECT_EQ(json::parse(r.body)["psk_identity"], "card-1");
}

TEST_F(ApiJobs, ApdusJobRunsToDoneWithEveryResponse) {
  add_card();
  auto r = call("POST", "/v1/jobs",
                R"({"iccid":"8988211000000000001","operations":[{"apdus":["00A4040008A000000151000000","80CA006600"]}]})");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id = json::parse(r.body)["id"];
  auto step = engine_.next_step("8988211000000000001");
  ASSERT_TRUE(step);
  EXPECT_EQ(json::parse(call("GET", "/v1/jobs/" + id).body)["state"], "running");
  ram::ScriptResult res;
  res.response = answer(step->script);
  engine_.report("8988211000000000001", step->step_id, res);
  EXPECT_FALSE(engine_.next_step("8988211000000000001"));
  auto j = json::parse(call("GET", "/v1/jobs/" + id).body);
  EXPECT_EQ(j["state"], "done");
  ASSERT_EQ(j["results"].size(), 2u);
  EXPECT_EQ(j["results"][0]["capdu"], "00A4040008A000000151000000");
  EXPECT_EQ(j["results"][0]["rapdu"], "9000");
}

TEST_F(ApiJobs, ErrorStatusWordFailsTheJobWithItsName) {
  add_card();
  auto r = call("POST", "/v1/jobs", R"({"iccid":"8988211000000000001","operations":[{"apdus":["80CA00FE00"]}]})");
  ASSERT_EQ(r.status, 201);
  const std::string id = json::parse(r.body)["id"];
  auto step = engine_.next_step("8988211000000000001");
  ram::ScriptResult res;
  res.response = answer(step->script, "6A88");
  engine_.report("8988211000000000001", step->step_id, res);
  auto j = json::parse(call("GET", "/v1/jobs/" + id).body);
  EXPECT_EQ(j["state"], "failed");
  EXPECT_NE(j["error"].get<std::string>().find("6A88"), std::string::npos) << j.dump();
}

TEST_F(ApiJobs, JobValidation) {
  add_card();
  auto r = call("POST", "/v1/jobs", R"({"iccid":"8988211000000000009","operations":[{"apdus":["80CA006600"]}]})");
  EXPECT_EQ(r.status, 404);
  r = call("POST", "/v1/jobs", R"({"iccid":"8988211000000000001","operations":[{"apdus":["80CA"]}]})");
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.body.find("operations[0].apdus[0]"), std::string::npos) << r.body;
  r = call("POST", "/v1/jobs", R"({"iccid":"8988211000000000001","operations":[{"frobnicate":{}}]})");
  EXPECT_EQ(r.status, 422);
  r = call("POST", "/v1/jobs", R"({"iccid":"8988211000000000001","operations":[{"install":{"cap":"AAAA"}}]})");
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.body.find("operations[0].install.cap"), std::string::npos) << r.body;
}

TEST_F(ApiJobs, CancelAndConflict) {
  add_card();
  auto r = call("POST", "/v1/jobs", R"({"iccid":"8988211000000000001","operations":[{"apdus":["80CA006600"]}]})");
  const std::string id = json::parse(r.body)["id"];
  EXPECT_EQ(call("POST", "/v1/jobs/" + id + "/cancel").status, 200);
  EXPECT_EQ(call("POST", "/v1/jobs/" + id + "/cancel").status, 409);
  EXPECT_FALSE(engine_.next_step("8988211000000000001"));
}

TEST_F(ApiJobs, ResumeRules) {
  add_card();
  auto r = call("POST", "/v1/jobs", R"({"iccid":"8988211000000000001","operations":[{"apdus":["80CA006600"]}]})");
  const std::string id = json::parse(r.body)["id"];
  auto s1 = engine_.next_step("8988211000000000001");
  engine_.resumed("8988211000000000001", s1->step_id, ram::ResumeCase::may_not_have_run);
  auto s2 = engine_.next_step("8988211000000000001");
  ASSERT_TRUE(s2);
  EXPECT_EQ(s2->script, s1->script);  // sent again
  engine_.resumed("8988211000000000001", s2->step_id, ram::ResumeCase::ran_results_lost);
  auto j = json::parse(call("GET", "/v1/jobs/" + id).body);
  EXPECT_EQ(j["state"], "done");
  EXPECT_EQ(j["results"][0]["rapdu"], "");  // ran, results lost
}

// A real CAP (kaoh/globalplatform helloworld.cap, ../shared/testdata/cap/SOURCES.md) compiles to
// INSTALL [for load], LOAD blocks and INSTALL [for install and make selectable].
TEST_F(ApiJobs, InstallOperationCompilesARealCap) {
  std::ifstream in(std::string(GPRAM_TESTDATA_DIR) + "/cap/kaoh-helloworld.cap", std::ios::binary);
  Bytes cap((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(cap.empty());
  json ops = json::array({{{"install", {{"cap", crypto::base64_encode(cap)}}}}});
  auto steps = jobs::compile_operations(ops, {});
  ASSERT_TRUE(steps) << steps.error().message;
  std::vector<Bytes> all;
  for (const auto& s : *steps) all.insert(all.end(), s.capdus.begin(), s.capdus.end());
  ASSERT_GE(all.size(), 3u);
  EXPECT_EQ(to_hex(ByteView(all.front()).first(4)), "80E60200");  // INSTALL [for load]
  EXPECT_EQ(all[1][1], 0xE8);                                       // LOAD
  EXPECT_EQ(to_hex(ByteView(all.back()).first(4)), "80E60C00");   // install + make selectable
  for (const auto& s : *steps) {
    size_t bytes = 0;
    for (const auto& c : s.capdus) bytes += c.size() + 3;
    EXPECT_LE(bytes, 2048u);
  }
}

}  // namespace

TEST(OpenApi, DescribesEveryEndpointWithoutAuth) {
  store::MemoryStore s;
  api::Api a(s, "test-admin-token");
  auto r = a.handle({"GET", "/v1/openapi.json", "", ""});
  ASSERT_EQ(r.status, 200);
  auto doc = json::parse(r.body);
  EXPECT_EQ(doc["openapi"], "3.0.3");
  for (const char* path : {"/healthz", "/metrics", "/v1/cards", "/v1/cards/{iccid}", "/v1/jobs",
                           "/v1/jobs/{id}", "/v1/jobs/{id}/cancel"})
    EXPECT_TRUE(doc["paths"].contains(path)) << path;
}

TEST_F(ApiJobs, CampaignRunsPausesAndLimitsConcurrency) {
  for (int i = 0; i < 3; ++i) {
    auto r = call("POST", "/v1/cards",
                  json{{"iccid", "898821100000000010" + std::to_string(i)},
                       {"psk_identity", "c" + std::to_string(i)},
                       {"psk", "000102030405060708090A0B0C0D0E0F"}}.dump());
    ASSERT_EQ(r.status, 201) << r.body;
  }
  auto r = call("POST", "/v1/campaigns",
                R"({"iccids":["8988211000000000100","8988211000000000101","8988211000000000102"],
                    "operations":[{"apdus":["80CA006600"]}],"max_concurrent":1})");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id = json::parse(r.body)["id"];
  auto s0 = engine_.next_step("8988211000000000100");
  ASSERT_TRUE(s0);
  EXPECT_FALSE(engine_.next_step("8988211000000000101"));  // over max_concurrent: 204, waits
  ram::ScriptResult res;
  res.response = answer(s0->script);
  engine_.report("8988211000000000100", s0->step_id, res);
  EXPECT_EQ(call("POST", "/v1/campaigns/" + id + "/pause").status, 200);
  EXPECT_FALSE(engine_.next_step("8988211000000000101"));  // paused
  auto c = json::parse(call("GET", "/v1/campaigns/" + id).body);
  EXPECT_EQ(c["state"], "paused");
  EXPECT_EQ(c["done"], 1);
  EXPECT_EQ(c["queued"], 2);
  EXPECT_EQ(call("POST", "/v1/campaigns/" + id + "/resume").status, 200);
  EXPECT_TRUE(engine_.next_step("8988211000000000101"));
  c = json::parse(call("POST", "/v1/campaigns/" + id + "/cancel").body);
  EXPECT_EQ(c["state"], "cancelled");
  EXPECT_EQ(c["cancelled"], 2);
  EXPECT_EQ(call("POST", "/v1/campaigns/" + id + "/resume").status, 409);
}

TEST_F(ApiJobs, CampaignValidation) {
  add_card();
  EXPECT_EQ(call("POST", "/v1/campaigns", R"({"iccids":[],"operations":[{"apdus":["80CA006600"]}]})").status, 422);
  EXPECT_EQ(call("POST", "/v1/campaigns", R"({"iccids":["8988211000000000999"],"operations":[{"apdus":["80CA006600"]}]})").status, 404);
  EXPECT_EQ(call("GET", "/v1/campaigns/c000042").status, 404);
}
