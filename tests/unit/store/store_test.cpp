// The storage contract, run against every back end (MemoryStore now; SQLite and PostgreSQL
// implement the same interface and join this parameterised suite).
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "gpram/store/store.hpp"

using namespace gpram;
using store::Errc;
using store::JobState;

namespace {

using Factory = std::function<std::unique_ptr<store::Store>()>;

class StoreContract : public ::testing::TestWithParam<Factory> {
 protected:
  void SetUp() override { s_ = GetParam()(); }
  std::unique_ptr<store::Store> s_;
};

store::Card card(const std::string& iccid, const std::string& id) {
  store::Card c;
  c.iccid = iccid;
  c.psk_identity = id;
  c.psk = hex("000102030405060708090A0B0C0D0E0F");
  c.agent_id = iccid;
  return c;
}

TEST_P(StoreContract, AddsAndFindsCardsByIccidAndIdentity) {
  ASSERT_TRUE(s_->add_card(card("8901", "id-1")));
  auto c = s_->card("8901");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->psk_identity, "id-1");
  auto byid = s_->card_by_psk_identity("id-1");
  ASSERT_TRUE(byid);
  EXPECT_EQ(byid->iccid, "8901");
  EXPECT_FALSE(s_->card("8902"));
  EXPECT_FALSE(s_->card_by_psk_identity("nobody"));
}

TEST_P(StoreContract, RejectsDuplicateIccidAndIdentity) {
  ASSERT_TRUE(s_->add_card(card("8901", "id-1")));
  auto again = s_->add_card(card("8901", "id-2"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::duplicate);
  auto same_id = s_->add_card(card("8902", "id-1"));
  ASSERT_FALSE(same_id);
  EXPECT_EQ(same_id.error().code, Errc::duplicate);
  EXPECT_FALSE(s_->card("8902"));  // nothing half-written
}

TEST_P(StoreContract, ActiveJobIsOldestNonFinal) {
  ASSERT_TRUE(s_->add_card(card("8901", "id-1")));
  store::Job a, b;
  a.iccid = b.iccid = "8901";
  auto ida = s_->add_job(a);
  auto idb = s_->add_job(b);
  ASSERT_TRUE(ida && idb);
  EXPECT_NE(*ida, *idb);
  EXPECT_EQ(s_->active_job("8901")->id, *ida);
  auto ja = *s_->job(*ida);
  ja.state = JobState::done;
  ASSERT_TRUE(s_->update_job(ja));
  EXPECT_EQ(s_->active_job("8901")->id, *idb);
  auto jb = *s_->job(*idb);
  jb.state = JobState::cancelled;
  ASSERT_TRUE(s_->update_job(jb));
  EXPECT_FALSE(s_->active_job("8901"));
}

TEST_P(StoreContract, UpdateUnknownJobFails) {
  store::Job j;
  j.id = "nope";
  auto r = s_->update_job(j);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::not_found);
}

TEST_P(StoreContract, KeepsResultsAndCounts) {
  store::Job j;
  j.iccid = "8901";
  j.steps.push_back({{hex("80CA006600")}, {}});
  auto id = s_->add_job(j);
  ASSERT_TRUE(id);
  auto got = *s_->job(*id);
  got.results.push_back({hex("80CA006600"), hex("6A88")});
  got.state = JobState::failed;
  got.error = "x";
  ASSERT_TRUE(s_->update_job(got));
  auto back = *s_->job(*id);
  ASSERT_EQ(back.results.size(), 1u);
  EXPECT_EQ(to_hex(back.results[0].rapdu), "6A88");
  EXPECT_EQ(back.error, "x");
  size_t failed = 0;
  for (auto [st, n] : s_->job_counts())
    if (st == JobState::failed) failed = n;
  EXPECT_EQ(failed, 1u);
}

INSTANTIATE_TEST_SUITE_P(Memory, StoreContract,
                         ::testing::Values(Factory([] { return std::make_unique<store::MemoryStore>(); })));

}  // namespace
