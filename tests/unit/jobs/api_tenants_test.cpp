// Tenant isolation of the REST API (issue #7): a service provider sees and acts only on its own
// Security Domains, jobs and campaigns; every cross-tenant call is refused with 403, changes
// nothing, and leaves exactly one audit entry. Run per endpoint.
#include <gtest/gtest.h>

#include "gpram/api/api.hpp"
#include "gpram/crypto/crypto.hpp"
#include "gpram/store/store.hpp"

using namespace gpram;
using nlohmann::json;

namespace {

constexpr const char* kAdmin = "Bearer admin-token";
constexpr const char* kCard1 = "8988211000000000001";  // SDs: bank1 (A0000005591010FFFFFFFF8900000100), bank2
constexpr const char* kCard2 = "8988211000000000002";  // SD: bank2 only
constexpr const char* kSd1 = "A0000005591010FFFFFFFF8900000100";
constexpr const char* kSd2 = "A0000005591010FFFFFFFF8900000200";

class Tenants : public ::testing::Test {
 protected:
  store::MemoryStore store_;
  api::Api api_{store_, "admin-token"};
  std::string bank1_, bank2_;

  api::ApiResponse call(std::string_view method, std::string_view target, std::string_view body,
                        const std::string& auth) {
    return api_.handle({method, target, auth, body});
  }
  std::string provider(const std::string& id) {
    auto r = call("POST", "/v1/service-providers", json{{"id", id}}.dump(), kAdmin);
    EXPECT_EQ(r.status, 201) << r.body;
    return "Bearer " + json::parse(r.body)["token"].get<std::string>();
  }
  void SetUp() override {
    bank1_ = provider("bank1");
    bank2_ = provider("bank2");
    json sd1{{"aid", kSd1}, {"owner", "bank1"}}, sd2{{"aid", kSd2}, {"owner", "bank2"}};
    for (auto [iccid, sds] : {std::pair{kCard1, json::array({sd1, sd2})}, std::pair{kCard2, json::array({sd2})}}) {
      json c{{"iccid", iccid}, {"psk_identity", std::string("id-") + iccid},
             {"psk", "000102030405060708090A0B0C0D0E0F"}, {"security_domains", sds}};
      auto r = call("POST", "/v1/cards", c.dump(), kAdmin);
      ASSERT_EQ(r.status, 201) << r.body;
    }
  }
  size_t denied() {
    size_t n = 0;
    for (const auto& e : store_.audit(0, 10000)) n += e.outcome == "denied";
    return n;
  }
  size_t jobs() {
    size_t n = 0;
    for (auto [s, k] : store_.job_counts()) n += k;
    return n;
  }
  std::string job(const std::string& auth, const char* iccid, const char* sd) {
    json j{{"iccid", iccid}, {"sd", sd}, {"operations", json::array({json{{"apdus", json::array({"80CA006600"})}}})}};
    auto r = call("POST", "/v1/jobs", j.dump(), auth);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? json::parse(r.body)["id"].get<std::string>() : "";
  }
  // A refused call: 403, one more audit entry, no more jobs.
  void expect_denied(std::string_view method, std::string_view target, std::string_view body,
                     const std::string& auth) {
    const size_t before_denied = denied(), before_jobs = jobs();
    auto r = call(method, target, body, auth);
    EXPECT_EQ(r.status, 403) << method << " " << target << ": " << r.body;
    EXPECT_TRUE(json::parse(r.body).contains("error"));
    EXPECT_EQ(denied(), before_denied + 1) << method << " " << target;
    EXPECT_EQ(jobs(), before_jobs) << method << " " << target;
  }
};

TEST_F(Tenants, TokenIsStoredOnlyAsItsHash) {
  auto sp = store_.service_provider("bank1");
  ASSERT_TRUE(sp);
  const std::string token = bank1_.substr(7);
  EXPECT_EQ(sp->token_hash, crypto::sha256(as_bytes(token)));
  EXPECT_EQ(call("GET", "/v1/jobs/nope", {}, "Bearer " + to_hex(sp->token_hash)).status, 401);
}

TEST_F(Tenants, OnlyTheOperatorAdministers) {
  expect_denied("POST", "/v1/service-providers", R"({"id":"bank3"})", bank1_);
  expect_denied("POST", "/v1/cards", R"({"iccid":"8988211000000000009","psk_identity":"x","psk":"000102030405060708090A0B0C0D0E0F"})", bank1_);
  expect_denied("GET", "/v1/audit", {}, bank1_);
  EXPECT_FALSE(store_.card("8988211000000000009"));
  EXPECT_FALSE(store_.service_provider("bank3"));
  EXPECT_EQ(call("GET", "/v1/audit", {}, kAdmin).status, 200);
}

TEST_F(Tenants, ProviderIdsAreValidatedAndUnique) {
  EXPECT_EQ(call("POST", "/v1/service-providers", R"({"id":"operator"})", kAdmin).status, 422);
  EXPECT_EQ(call("POST", "/v1/service-providers", R"({"id":"Bad Id"})", kAdmin).status, 422);
  EXPECT_EQ(call("POST", "/v1/service-providers", R"({"id":"bank1"})", kAdmin).status, 409);
  EXPECT_EQ(call("POST", "/v1/service-providers", R"({"id":"x","extra":1})", kAdmin).status, 422);
}

TEST_F(Tenants, CardsShowOnlyTheProvidersDomainsAndNoKeys) {
  auto r = call("GET", std::string("/v1/cards/") + kCard1, {}, bank1_);
  ASSERT_EQ(r.status, 200) << r.body;
  json c = json::parse(r.body);
  ASSERT_EQ(c["security_domains"].size(), 1u);
  EXPECT_EQ(c["security_domains"][0]["aid"], kSd1);
  EXPECT_FALSE(c.contains("psk_identity"));
  EXPECT_EQ(r.body.find("000102030405060708090A0B0C0D0E0F"), std::string::npos);
  expect_denied("GET", std::string("/v1/cards/") + kCard2, {}, bank1_);
  EXPECT_EQ(call("GET", "/v1/cards/8988211000000000077", {}, bank1_).status, 404);
}

TEST_F(Tenants, JobsOnlyOnOwnDomains) {
  EXPECT_FALSE(job(bank1_, kCard1, kSd1).empty());
  const auto ops = json::array({json{{"apdus", json::array({"80CA006600"})}}});
  expect_denied("POST", "/v1/jobs", json{{"iccid", kCard1}, {"sd", kSd2}, {"operations", ops}}.dump(), bank1_);
  expect_denied("POST", "/v1/jobs", json{{"iccid", kCard2}, {"sd", kSd1}, {"operations", ops}}.dump(), bank1_);
  expect_denied("POST", "/v1/jobs", json{{"iccid", kCard1}, {"operations", ops}}.dump(), bank1_);
  json create{{"create_sd", {{"aid", "A000000151535041"}, {"owner", "bank1"}}}};
  expect_denied("POST", "/v1/jobs", json{{"iccid", kCard1}, {"sd", kSd1}, {"operations", json::array({create})}}.dump(), bank1_);
}

TEST_F(Tenants, JobsAreReadAndCancelledOnlyByTheirOwner) {
  const std::string mine = job(bank2_, kCard2, kSd2);
  expect_denied("GET", "/v1/jobs/" + mine, {}, bank1_);
  expect_denied("POST", "/v1/jobs/" + mine + "/cancel", {}, bank1_);
  EXPECT_EQ(store_.job(mine)->state, store::JobState::queued);
  EXPECT_EQ(call("GET", "/v1/jobs/" + mine, {}, bank2_).status, 200);
  EXPECT_EQ(call("GET", "/v1/jobs/" + mine, {}, kAdmin).status, 200);
  EXPECT_EQ(call("POST", "/v1/jobs/" + mine + "/cancel", {}, bank2_).status, 200);
}

TEST_F(Tenants, CampaignsOnlyOverOwnDomains) {
  const auto ops = json::array({json{{"apdus", json::array({"80CA006600"})}}});
  expect_denied("POST", "/v1/campaigns",
                json{{"iccids", {kCard1, kCard2}}, {"sd", kSd1}, {"operations", ops}}.dump(), bank1_);
  auto r = call("POST", "/v1/campaigns", json{{"iccids", {kCard1, kCard2}}, {"sd", kSd2}, {"operations", ops}}.dump(),
                bank2_);
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id = json::parse(r.body)["id"];
  expect_denied("GET", "/v1/campaigns/" + id, {}, bank1_);
  for (const char* action : {"pause", "resume", "cancel"})
    expect_denied("POST", "/v1/campaigns/" + id + "/" + action, {}, bank1_);
  EXPECT_EQ(store_.campaign(id)->state, "running");
  EXPECT_EQ(call("POST", "/v1/campaigns/" + id + "/pause", {}, bank2_).status, 200);
}

TEST_F(Tenants, EveryAdministrativeActionIsAudited) {
  const std::string id = job(bank1_, kCard1, kSd1);
  ASSERT_EQ(call("POST", "/v1/jobs/" + id + "/cancel", {}, kAdmin).status, 200);
  std::vector<std::string> seen;
  for (const auto& e : store_.audit(0, 1000)) seen.push_back(e.actor + " " + e.action + " " + e.outcome);
  const std::vector<std::string> want = {"operator service_provider.add ok", "operator service_provider.add ok",
                                         "operator card.add ok", "operator card.add ok", "bank1 job.submit ok",
                                         "operator job.cancel ok"};
  EXPECT_EQ(seen, want);
  for (const auto& e : store_.audit(0, 1000)) EXPECT_EQ(e.detail.find("0001020304"), std::string::npos);
}

}  // namespace
