// The storage contract, run against every back end (MemoryStore now; SQLite and PostgreSQL
// implement the same interface and join this parameterised suite).
#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <memory>

#include "gpram/store/sqlite_store.hpp"
#include "gpram/store/store.hpp"
#include "pg_cluster.hpp"

#include <filesystem>
#include <fstream>
#include <unistd.h>

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

TEST_P(StoreContract, CampaignJobsCountsAndCancel) {
  store::Campaign c;
  c.max_concurrent = 2;
  std::vector<store::Job> jobs(3);
  for (size_t i = 0; i < jobs.size(); ++i) {
    jobs[i].iccid = "890" + std::to_string(i);
    jobs[i].steps.push_back({{hex("80CA006600")}, {}});
  }
  auto id = s_->add_campaign(c, jobs);
  if (!id && id.error().message.find("does not support campaigns") != std::string::npos)
    GTEST_SKIP() << id.error().message;
  ASSERT_TRUE(id) << id.error().message;
  auto got = s_->campaign(*id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->total, 3u);
  EXPECT_EQ(got->max_concurrent, 2u);
  EXPECT_EQ(s_->campaign_counts(*id).queued, 3u);
  auto j = s_->active_job("8901");
  ASSERT_TRUE(j);
  EXPECT_EQ(j->campaign_id, *id);
  j->state = JobState::done;
  ASSERT_TRUE(s_->update_job(*j));
  ASSERT_TRUE(s_->set_campaign_state(*id, "paused"));
  EXPECT_EQ(s_->campaign(*id)->state, "paused");
  auto n = s_->cancel_campaign_jobs(*id);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 2u);
  auto counts = s_->campaign_counts(*id);
  EXPECT_EQ(counts.done, 1u);
  EXPECT_EQ(counts.cancelled, 2u);
  EXPECT_FALSE(s_->campaign("c999999"));
}

std::string temp_db() {
  static int n = 0;
  auto dir = std::filesystem::temp_directory_path() /
             ("gpram-store-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return (dir / "gpram.db").string();
}

// Test names must not print the std::function bytes (they change between builds).
std::string backend_name(const ::testing::TestParamInfo<Factory>&) { return "Default"; }

TEST_P(StoreContract, Scp80CounterStrictlyIncreasesAndPersists) {
  auto c = card("8901", "id-1");
  store::Scp80Keys k;
  k.kic = 0x12;
  k.kid = 0x12;
  k.kic_key = k.kid_key = Bytes(16, 0x42);
  k.tar = hex("B20100");
  k.counter = 41;
  c.scp80 = k;
  ASSERT_TRUE(s_->add_card(c));
  ASSERT_TRUE(s_->add_card(card("8902", "id-2")));
  auto a = s_->next_scp80_counter("8901");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(*a, 42u);
  EXPECT_EQ(*s_->next_scp80_counter("8901"), 43u);
  EXPECT_EQ(s_->card("8901")->scp80->counter, 43u);
  EXPECT_EQ(s_->card("8901")->scp80->kic_key, Bytes(16, 0x42));
  auto none = s_->next_scp80_counter("8902");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Errc::conflict);
  auto unknown = s_->next_scp80_counter("8909");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::not_found);
}

TEST_P(StoreContract, LiveJobsByTrigger) {
  ASSERT_TRUE(s_->add_card(card("8901", "id-1")));
  store::Job j;
  j.iccid = "8901";
  j.trigger = "sms";
  j.pushes = 2;
  auto a = s_->add_job(j);
  j.trigger = "poll";
  auto b = s_->add_job(j);
  j.trigger = "sms";
  auto c = s_->add_job(j);
  ASSERT_TRUE(a && b && c);
  auto done = *s_->job(*c);
  done.state = JobState::done;
  ASSERT_TRUE(s_->update_job(done));
  auto live = s_->live_jobs("sms", 10);
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].id, *a);
  EXPECT_EQ(live[0].pushes, 2u);
  EXPECT_EQ(s_->live_jobs("poll", 10).size(), 1u);
}

TEST_P(StoreContract, ServiceProvidersByIdAndTokenHash) {
  store::ServiceProvider sp{"bank1", Bytes(32, 0xB1), 1000};
  ASSERT_TRUE(s_->add_service_provider(sp));
  auto dup = s_->add_service_provider(sp);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, Errc::duplicate);
  ASSERT_TRUE(s_->add_service_provider({"bank2", Bytes(32, 0xB2), 1001}));
  auto by_id = s_->service_provider("bank1");
  ASSERT_TRUE(by_id);
  EXPECT_EQ(by_id->token_hash, Bytes(32, 0xB1));
  auto by_token = s_->service_provider_by_token(Bytes(32, 0xB2));
  ASSERT_TRUE(by_token);
  EXPECT_EQ(by_token->id, "bank2");
  EXPECT_FALSE(s_->service_provider_by_token(Bytes(32, 0xB3)));
  EXPECT_FALSE(s_->service_provider("bank3"));
}

TEST_P(StoreContract, AuditIsAppendOnlyAndOrdered) {
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(s_->append_audit({0, 100 + i, "operator", "card.add", "card " + std::to_string(i), "ok", ""}));
  auto all = s_->audit(0, 100);
  ASSERT_EQ(all.size(), 5u);
  for (size_t i = 1; i < all.size(); ++i) EXPECT_GT(all[i].seq, all[i - 1].seq);
  EXPECT_EQ(all[2].object, "card 2");
  auto tail = s_->audit(all[2].seq, 100);
  ASSERT_EQ(tail.size(), 2u);
  EXPECT_EQ(tail[0].object, "card 3");
  EXPECT_EQ(s_->audit(0, 2).size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Memory, StoreContract,
                         ::testing::Values(Factory([] { return std::make_unique<store::MemoryStore>(); })),
                         backend_name);
INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContract, ::testing::Values(Factory([] {
                           auto s = store::SqliteStore::open(temp_db(), Bytes(32, 0x11));
                           if (!s) throw std::runtime_error(s.error().message);
                           return std::unique_ptr<store::Store>(std::move(*s));
                         })),
                         backend_name);
INSTANTIATE_TEST_SUITE_P(Postgres, StoreContract, ::testing::Values(Factory(test::postgres_store_factory)),
                         backend_name);

// Key material never reaches the database file in clear (grep the file for the key bytes).
TEST(SqliteStore, NoKeyBytesInTheFile) {
  const std::string path = temp_db();
  const Bytes psk = hex("C0FFEE00112233445566778899AABBCCDDEEFF01");
  {
    auto s = store::SqliteStore::open(path, Bytes(32, 0x22));
    ASSERT_TRUE(s) << s.error().message;
    auto c = card("8901", "psk-id-1");
    c.psk = psk;
    store::SecurityDomain sd;
    sd.aid = hex("A000000151000000");
    sd.scp = "03";
    sd.kvn = 0x30;
    sd.enc = sd.mac = sd.dek = hex("5152535455565758595A5B5C5D5E5F60");
    c.security_domains.push_back(sd);
    ASSERT_TRUE((*s)->add_card(c));
    auto back = (*s)->card("8901");
    ASSERT_TRUE(back);
    EXPECT_EQ(to_hex(back->psk), to_hex(psk));
    EXPECT_EQ(to_hex(back->security_domains.at(0).enc), "5152535455565758595A5B5C5D5E5F60");
  }
  std::string all;
  for (const char* suffix : {"", "-wal"}) {
    std::ifstream in(path + suffix, std::ios::binary);
    all.append((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  ASSERT_FALSE(all.empty());
  const std::string raw(reinterpret_cast<const char*>(psk.data()), psk.size());
  EXPECT_EQ(all.find(raw), std::string::npos);
  EXPECT_EQ(all.find(to_hex(psk)), std::string::npos);
  EXPECT_EQ(all.find("5152535455565758595A5B5C5D5E5F60"), std::string::npos);
}

// The audit table refuses UPDATE and DELETE (triggers), whatever the caller.
TEST(SqliteStore, AuditTableRefusesUpdatesAndDeletes) {
  const std::string path = temp_db();
  {
    auto s = store::SqliteStore::open(path, Bytes(32, 0x05));
    ASSERT_TRUE(s);
    ASSERT_TRUE((*s)->append_audit({0, 1, "operator", "card.add", "card 1", "ok", ""}));
  }
  const std::string update = "sqlite3 " + path + " \"UPDATE audit SET outcome='x'\" 2>/dev/null";
  const std::string del = "sqlite3 " + path + " \"DELETE FROM audit\" 2>/dev/null";
  if (std::system("command -v sqlite3 >/dev/null") != 0) GTEST_SKIP() << "sqlite3 CLI not installed";
  EXPECT_NE(std::system(update.c_str()), 0);
  EXPECT_NE(std::system(del.c_str()), 0);
  auto s = store::SqliteStore::open(path, Bytes(32, 0x05));
  ASSERT_TRUE(s);
  auto all = (*s)->audit(0, 10);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].outcome, "ok");
}

TEST(SqliteStore, WrongMasterKeyIsRefusedAtOpen) {
  const std::string path = temp_db();
  ASSERT_TRUE(store::SqliteStore::open(path, Bytes(32, 0x01)));
  auto again = store::SqliteStore::open(path, Bytes(32, 0x02));
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("master key"), std::string::npos);
}

TEST(SqliteStore, SurvivesReopen) {
  const std::string path = temp_db();
  std::string id;
  {
    auto s = store::SqliteStore::open(path, Bytes(32, 0x03));
    ASSERT_TRUE(s);
    ASSERT_TRUE((*s)->add_card(card("8901", "id")));
    store::Job j;
    j.iccid = "8901";
    j.operations = nlohmann::json::parse(R"([{"apdus":["80CA006600"]}])");
    j.steps.push_back({{hex("80CA006600")}, {}});
    id = *(*s)->add_job(j);
  }
  auto s = store::SqliteStore::open(path, Bytes(32, 0x03));
  ASSERT_TRUE(s);
  auto j = (*s)->job(id);
  ASSERT_TRUE(j);
  EXPECT_EQ(j->operations.dump(), R"([{"apdus":["80CA006600"]}])");
  EXPECT_EQ(to_hex(j->steps.at(0).capdus.at(0)), "80CA006600");
}

}  // namespace
