// PostgreSQL back end: what the StoreContract suite (store_test.cpp) does not cover — secrets
// never stored in clear, master-key and schema checks at open, multi-node claiming, reopen.
// Runs against a throwaway cluster (tests/support/pg_cluster.hpp); skipped without PostgreSQL.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "gpram/store/postgres_store.hpp"
#include "pg_cluster.hpp"

using namespace gpram;
using store::Errc;
using store::JobState;
using store::PostgresStore;

namespace {

std::unique_ptr<PostgresStore> open_store(test::PgCluster* c, uint8_t key_byte, size_t pool = 4) {
  PostgresStore::Options o;
  o.pool_size = pool;
  auto s = PostgresStore::open(c->url(), Bytes(32, key_byte), o);
  if (!s) throw std::runtime_error(s.error().message);
  return std::move(*s);
}

store::Card card(const std::string& iccid, const std::string& id) {
  store::Card c;
  c.iccid = iccid;
  c.psk_identity = id;
  c.psk = hex("000102030405060708090A0B0C0D0E0F");
  c.agent_id = iccid;
  return c;
}

store::Job queued_job(const std::string& iccid) {
  store::Job j;
  j.iccid = iccid;
  j.steps.push_back({{hex("80CA006600")}, {}});
  return j;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return s;
}

// Every file under `dir` (heap, indexes, WAL segments), concatenated.
void append_files(const std::filesystem::path& dir, std::string& all) {
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    const size_t at = all.size();
    all.resize(at + static_cast<size_t>(e.file_size()));
    in.read(all.data() + at, static_cast<std::streamsize>(all.size() - at));
    all.resize(at + static_cast<size_t>(in.gcount()));
  }
}

TEST(PostgresStore, NoKeyBytesInTheDatabase) {
  GPRAM_PG_CLUSTER_OR_SKIP(pg);
  const Bytes psk = hex("C0FFEE00112233445566778899AABBCCDDEEFF01");
  const std::string sd_key = "5152535455565758595A5B5C5D5E5F60";
  const std::string op_key = "404142434445464748494A4B4C4D4E4F";
  {
    auto s = open_store(pg, 0x22);
    auto c = card("8901", "psk-id-1");
    c.psk = psk;
    store::SecurityDomain sd;
    sd.aid = hex("A000000151000000");
    sd.scp = "03";
    sd.kvn = 0x30;
    sd.enc = sd.mac = sd.dek = hex(sd_key);
    c.security_domains.push_back(sd);
    ASSERT_TRUE(s->add_card(c));
    store::Job j = queued_job("8901");
    j.operations = nlohmann::json::parse(R"([{"put_key":")" + op_key + R"("}])");
    auto id = s->add_job(j);
    ASSERT_TRUE(id) << id.error().message;
    auto back = s->card("8901");
    ASSERT_TRUE(back) << PostgresStore::last_error();
    EXPECT_EQ(to_hex(back->psk), to_hex(psk));
    EXPECT_EQ(to_hex(back->security_domains.at(0).enc), sd_key);
    EXPECT_EQ(s->job(*id)->operations.dump(), j.operations.dump());
  }
  // The raw columns as the server returns them (bytea as hex text).
  std::string err;
  auto rows = pg->sql("SELECT iccid, psk_identity, public, encode(secrets, 'hex') FROM cards; "
                      "SELECT id, iccid, state, doc, encode(operations, 'hex') FROM jobs; "
                      "SELECT key, value FROM meta;",
                      &err);
  ASSERT_TRUE(rows) << err;
  ASSERT_NE(rows->find("psk-id-1"), std::string::npos);  // the query did see the card
  for (const std::string& secret : {to_hex(psk), sd_key, op_key}) {
    EXPECT_EQ(lower(*rows).find(lower(secret)), std::string::npos) << secret;
  }
  // And the files on disk (heap, indexes, WAL) after a checkpoint.
  ASSERT_TRUE(pg->sql("CHECKPOINT", &err)) << err;
  auto oid = pg->sql("SELECT oid FROM pg_database WHERE datname = current_database()", &err);
  ASSERT_TRUE(oid) << err;
  std::string files;  // the gpram database's files and the WAL (not the template databases)
  append_files(pg->data_dir() / "base" / *oid, files);
  append_files(pg->data_dir() / "pg_wal", files);
  ASSERT_NE(files.find("psk-id-1"), std::string::npos);  // the scan did reach the table
  const std::string raw(reinterpret_cast<const char*>(psk.data()), psk.size());
  EXPECT_EQ(files.find(raw), std::string::npos);
  for (const std::string& secret : {to_hex(psk), sd_key, op_key}) {
    EXPECT_EQ(files.find(secret), std::string::npos) << secret;
    EXPECT_EQ(files.find(lower(secret)), std::string::npos) << secret;
  }
}

TEST(PostgresStore, WrongMasterKeyIsRefusedAtOpen) {
  GPRAM_PG_CLUSTER_OR_SKIP(pg);
  ASSERT_TRUE(PostgresStore::open(pg->url(), Bytes(32, 0x01)));
  auto again = PostgresStore::open(pg->url(), Bytes(32, 0x02));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::backend);
  EXPECT_NE(again.error().message.find("master key"), std::string::npos) << again.error().message;
  auto short_key = PostgresStore::open(pg->url(), Bytes(16, 0x01));
  ASSERT_FALSE(short_key);
  EXPECT_NE(short_key.error().message.find("32 bytes, got 16"), std::string::npos);
}

TEST(PostgresStore, NewerSchemaIsRefused) {
  GPRAM_PG_CLUSTER_OR_SKIP(pg);
  ASSERT_TRUE(PostgresStore::open(pg->url(), Bytes(32, 0x01)));
  std::string err;
  ASSERT_TRUE(pg->sql("UPDATE meta SET value = '99' WHERE key = 'schema_version'", &err)) << err;
  auto again = PostgresStore::open(pg->url(), Bytes(32, 0x01));
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("schema version 99"), std::string::npos) << again.error().message;
}

TEST(PostgresStore, SurvivesReopen) {
  GPRAM_PG_CLUSTER_OR_SKIP(pg);
  std::string id;
  {
    auto s = open_store(pg, 0x03);
    ASSERT_TRUE(s->add_card(card("8901", "id")));
    store::Job j = queued_job("8901");
    j.operations = nlohmann::json::parse(R"([{"apdus":["80CA006600"]}])");
    auto r = s->add_job(j);
    ASSERT_TRUE(r) << r.error().message;
    id = *r;
  }
  auto s = open_store(pg, 0x03);
  auto j = s->job(id);
  ASSERT_TRUE(j) << PostgresStore::last_error();
  EXPECT_EQ(j->operations.dump(), R"([{"apdus":["80CA006600"]}])");
  EXPECT_EQ(to_hex(j->steps.at(0).capdus.at(0)), "80CA006600");
  EXPECT_EQ(s->card("8901")->psk_identity, "id");
}

TEST(PostgresStore, DuplicatesNameWhatClashes) {
  GPRAM_PG_CLUSTER_OR_SKIP(pg);
  auto s = open_store(pg, 0x04);
  ASSERT_TRUE(s->add_card(card("8901", "id-1")));
  auto dup_iccid = s->add_card(card("8901", "id-2"));
  ASSERT_FALSE(dup_iccid);
  EXPECT_EQ(dup_iccid.error().code, Errc::duplicate);
  EXPECT_EQ(dup_iccid.error().message, "card 8901 is already registered");
  auto dup_id = s->add_card(card("8902", "id-1"));
  ASSERT_FALSE(dup_id);
  EXPECT_EQ(dup_id.error().code, Errc::duplicate);
  EXPECT_EQ(dup_id.error().message, "PSK identity 'id-1' is already used by card 8901");
  store::Job j = queued_job("8901");
  j.id = "job-x";
  ASSERT_TRUE(s->add_job(j));
  auto dup_job = s->add_job(j);
  ASSERT_FALSE(dup_job);
  EXPECT_EQ(dup_job.error().code, Errc::duplicate);
  EXPECT_EQ(dup_job.error().message, "job job-x exists");
}

TEST(PostgresStore, UnreachableServerIsABackendErrorWithoutThePassword) {
  if (!store::postgres_available()) GTEST_SKIP() << "built without libpqxx";
  // Port 1 on loopback: nothing listens there (connection refused at once).
  auto s = PostgresStore::open("postgresql://gpram:s3cret@127.0.0.1:1/gpram?connect_timeout=5", Bytes(32, 1));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::backend);
  EXPECT_NE(s.error().message.find("postgresql://gpram:***@127.0.0.1:1/gpram"), std::string::npos)
      << s.error().message;
  EXPECT_EQ(s.error().message.find("s3cret"), std::string::npos) << s.error().message;
  EXPECT_EQ(store::redact_url("host=h password=pw dbname=x"), "host=h password=*** dbname=x");
}

TEST(PostgresStore, ConcurrentClaimsNeverReturnTheSameJobTwice) {
  GPRAM_PG_CLUSTER_OR_SKIP(pg);
  constexpr size_t kJobs = 200;
  std::set<std::string> submitted;
  {
    auto s = open_store(pg, 0x05);
    for (size_t i = 0; i < kJobs; ++i) {
      auto id = s->add_job(queued_job("89" + std::to_string(1000 + i)));  // one card per job
      ASSERT_TRUE(id) << id.error().message;
      submitted.insert(*id);
    }
  }
  // Two nodes, each its own store and connection, claiming small batches at the same time.
  std::vector<std::string> got[2];
  std::string errors[2];
  std::atomic<bool> go{false};
  auto node = [&](int n) {
    auto s = open_store(pg, 0x05, 1);
    while (!go.load()) std::this_thread::yield();
    for (int round = 0; round < 1000; ++round) {  // bounded; 200 jobs need ~30 rounds
      auto r = s->claim_queued(3, n == 0 ? "node-a" : "node-b", 1'000, 60'000);
      if (!r) {
        errors[n] = r.error().message;
        return;
      }
      if (r->empty()) return;
      for (const auto& j : *r) got[n].push_back(j.id);
    }
  };
  std::thread a(node, 0), b(node, 1);
  go = true;
  a.join();
  b.join();
  ASSERT_EQ(errors[0], "");
  ASSERT_EQ(errors[1], "");
  std::set<std::string> all;
  for (const auto& v : got)
    for (const auto& id : v) EXPECT_TRUE(all.insert(id).second) << id << " claimed twice";
  EXPECT_EQ(all, submitted);
  EXPECT_EQ(got[0].size() + got[1].size(), kJobs) << "node-a " << got[0].size() << ", node-b " << got[1].size();
  std::string err;
  auto unclaimed = pg->sql("SELECT count(*) FROM jobs WHERE claimed_by = ''", &err);
  ASSERT_TRUE(unclaimed) << err;
  EXPECT_EQ(*unclaimed, "0");
}

TEST(PostgresStore, ClaimTakesTheActiveJobOfACardAndHonoursTheLease) {
  GPRAM_PG_CLUSTER_OR_SKIP(pg);
  auto s = open_store(pg, 0x06);
  auto first = s->add_job(queued_job("8901"));
  auto second = s->add_job(queued_job("8901"));
  ASSERT_TRUE(first && second);
  auto c1 = s->claim_queued(10, "node-a", 1'000, 500);
  ASSERT_TRUE(c1) << c1.error().message;
  ASSERT_EQ(c1->size(), 1u);  // the second job waits behind the first
  EXPECT_EQ(c1->at(0).id, *first);
  EXPECT_EQ(to_hex(c1->at(0).steps.at(0).capdus.at(0)), "80CA006600");
  auto c2 = s->claim_queued(10, "node-b", 1'499, 500);  // lease still running
  ASSERT_TRUE(c2);
  EXPECT_TRUE(c2->empty());
  auto c3 = s->claim_queued(10, "node-b", 1'500, 500);  // lease over: node-a is presumed dead
  ASSERT_TRUE(c3);
  ASSERT_EQ(c3->size(), 1u);
  EXPECT_EQ(c3->at(0).id, *first);
  auto j = *s->job(*first);
  j.state = JobState::done;
  ASSERT_TRUE(s->update_job(j));
  auto c4 = s->claim_queued(10, "node-b", 1'500, 500);
  ASSERT_TRUE(c4);
  ASSERT_EQ(c4->size(), 1u);
  EXPECT_EQ(c4->at(0).id, *second);
  EXPECT_EQ(s->active_job("8901")->id, *second);
  auto bad = s->claim_queued(1, "", 0, 1);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::conflict);
}

TEST(PostgresStore, ParallelWritersGetDistinctIds) {
  GPRAM_PG_CLUSTER_OR_SKIP(pg);
  auto s = open_store(pg, 0x07, 3);
  std::vector<std::string> ids[4];
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i)
        if (auto id = s->add_job(queued_job("89" + std::to_string(t)))) ids[t].push_back(*id);
    });
  for (auto& th : threads) th.join();
  std::set<std::string> all;
  for (const auto& v : ids) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), 100u);
  size_t queued = 0;
  for (auto [st, n] : s->job_counts())
    if (st == JobState::queued) queued = n;
  EXPECT_EQ(queued, 100u);
  // Each card's active job is its oldest one, whichever thread/connection wrote it.
  for (int t = 0; t < 4; ++t) EXPECT_EQ(s->active_job("89" + std::to_string(t))->id, ids[t].front());
}

}  // namespace
