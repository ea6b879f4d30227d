// End-to-end Amendment B sessions in memory: AgentSession <-> HTTP serializer/parsers (both
// directions) <-> ServerSession <-> InMemoryJobSource. Flow, headers and resume rules from
// GP Card Spec v2.2 Amd B v1.1.3 §3.3-§3.5 (protocol.md §1-§4).
#include <gtest/gtest.h>

#include <memory>

#include "gpram/http/parser.hpp"
#include "gpram/http/serializer.hpp"
#include "gpram/ram/agent_session.hpp"
#include "gpram/ram/server_session.hpp"

using gpram::Bytes;
using gpram::hex;
using gpram::TimePoint;
using gpram::to_hex;
using namespace gpram::ram;
namespace http = gpram::http;

namespace {

constexpr const char* kCard = "card-1";
constexpr const char* kAgentId = "0123456789";  // AmdB §3.4 example agent id

// One TLS connection: a server session with its request parser, and the agent's response parser.
struct Connection {
  Connection(const ServerOptions& o, const CardProfile& p, JobSource& j, std::string sid,
             TimePoint now)
      : server(o, p, j, CardIdentity{kCard, kAgentId}, std::move(sid), now) {}

  // Sends `q` (serialized, parsed) and returns the parsed answer plus the close flag.
  http::Response exchange(const http::Request& q, const http::BodyOptions& agent_body,
                          TimePoint now, bool* close = nullptr) {
    Bytes wire;
    http::serialize(q, wire, agent_body);
    auto n = req_parser.feed(wire);
    Reply r;
    if (!n) {
      r = server.on_parse_error(n.error(), now);
    } else {
      EXPECT_EQ(*n, wire.size());
      EXPECT_TRUE(req_parser.has_message());
      r = server.on_request(req_parser.message(), now);
    }
    if (close) *close = r.close;
    Bytes out;
    http::serialize(r.response, out, server.body_options());
    auto m = res_parser.feed(out);
    EXPECT_TRUE(m) << m.error().message;
    EXPECT_TRUE(res_parser.has_message());
    return res_parser.message();
  }

  ServerSession server;
  http::RequestParser req_parser;
  http::ResponseParser res_parser;
};

struct SessionTest : ::testing::Test {
  void SetUp() override {
    jobs.add(kCard, ScriptStep{"job-1", 1, hex("AE80220580CA0085000000"), std::nullopt});
    jobs.add(kCard, ScriptStep{"job-1", 2, hex("AE80220880F28002024F00000000"),
                               hex("A0000000180001")});
    jobs.add(kCard, ScriptStep{"job-1", 3, hex("AE80220580CAFF21000000"), std::nullopt});
  }
  AgentOptions agent_options() const {
    AgentOptions a;
    a.host = "172.96.0.1";  // AmdB §3.4 example host
    a.agent_id = kAgentId;
    a.first_uri = "/ram";
    return a;
  }
  std::unique_ptr<Connection> connect(std::string sid = "S1") {
    return std::make_unique<Connection>(opts, profile, jobs, std::move(sid), now);
  }
  // Response script the "card" returns for step n (AF 80 23 02 90 00 00 00 style).
  static Bytes result_for(int n) {
    return hex(n == 2 ? "AF80230290000000" : "AF8023026A880000");
  }

  ServerOptions opts;
  CardProfile profile;
  InMemoryJobSource jobs;
  TimePoint now{};
};

}  // namespace

TEST_F(SessionTest, RunsThreeScriptsTo204) {
  auto c = connect();
  AgentSession agent(agent_options());
  auto q = agent.start();
  ASSERT_TRUE(q);
  EXPECT_FALSE(q->headers.has(kHdrScriptStatus));
  EXPECT_TRUE(q->body.empty());
  for (int step = 1; step <= 3; ++step) {
    http::Response res = c->exchange(*q, agent.body_options(), now);
    ASSERT_EQ(res.status, 200);
    EXPECT_EQ(res.headers.get("Content-Type"), kScriptContentType);
    EXPECT_EQ(res.headers.get(kHdrProtocol), kProtocol);
    EXPECT_EQ(res.headers.get(kHdrNextUri), "/ram?s=S1&n=" + std::to_string(step));
    EXPECT_TRUE(res.headers.has("Transfer-Encoding"));  // default profile: chunked
    auto ev = agent.on_response(res);
    ASSERT_TRUE(ev) << ev.error().message;
    ASSERT_EQ(ev->kind, AgentEvent::Kind::execute);
    EXPECT_TRUE(ev->report_expected);
    if (step == 2) {
      EXPECT_EQ(res.headers.get(kHdrTargetedApp), "//aid/A000000018/0001");
      ASSERT_TRUE(ev->target_aid);
      EXPECT_EQ(to_hex(*ev->target_aid), "A0000000180001");
    } else {
      EXPECT_FALSE(ev->target_aid);
    }
    q = agent.script_done(ScriptStatus::ok, result_for(step));
    ASSERT_TRUE(q);
    EXPECT_EQ(q->target, "/ram?s=S1&n=" + std::to_string(step));
  }
  bool close = false;
  http::Response last = c->exchange(*q, agent.body_options(), now, &close);
  EXPECT_EQ(last.status, 204);
  EXPECT_FALSE(last.headers.has("Content-Type"));
  EXPECT_TRUE(close);
  auto ev = agent.on_response(last);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->kind, AgentEvent::Kind::done);
  EXPECT_TRUE(agent.done());
  EXPECT_TRUE(c->server.finished());
  EXPECT_FALSE(c->server.next_deadline());

  const auto& reports = jobs.reports(kCard);
  ASSERT_EQ(reports.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(reports[i].step, i + 1);
    EXPECT_EQ(reports[i].result.status, ScriptStatus::ok);
    ASSERT_TRUE(reports[i].result.response);
    EXPECT_EQ(*reports[i].result.response, result_for(static_cast<int>(i + 1)));
    EXPECT_FALSE(reports[i].result.resumed);
  }
  EXPECT_EQ(c->server.counters().steps_sent, 3u);
  EXPECT_EQ(c->server.counters().results, 3u);
  EXPECT_EQ(c->server.counters().requests, 4u);
}

// Cut after the card ran script 2 but before its results arrived: it resumes on Next-URI n=2,
// so the server knows script 2 ran and its results are lost (AmdB §3.5).
TEST_F(SessionTest, ResumeOnNextUriMeansScriptRanResultsLost) {
  AgentSession agent(agent_options());
  auto c = connect();
  auto q = agent.start();
  for (int step = 1; step <= 2; ++step) {
    auto ev = agent.on_response(c->exchange(*q, agent.body_options(), now));
    ASSERT_TRUE(ev);
    q = agent.script_done(ScriptStatus::ok, result_for(step));
    ASSERT_TRUE(q);
  }
  c.reset();  // the POST with step 2's results is lost with the connection
  auto c2 = connect("S2");
  auto rq = agent.resume();
  ASSERT_TRUE(rq);
  EXPECT_EQ(rq->target, "/ram?s=S1&n=2");
  EXPECT_EQ(rq->headers.get(kHdrResume), "true");
  EXPECT_TRUE(rq->body.empty());
  EXPECT_FALSE(rq->headers.has(kHdrScriptStatus));
  http::Response res = c2->exchange(*rq, agent.body_options(), now);
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(res.headers.get(kHdrNextUri), "/ram?s=S1&n=3");  // the dialog's URIs continue
  ASSERT_EQ(jobs.resumes(kCard).size(), 1u);
  EXPECT_EQ(jobs.resumes(kCard)[0].step, 2u);
  EXPECT_EQ(jobs.resumes(kCard)[0].how, ResumeCase::ran_results_lost);
  auto ev = agent.on_response(res);
  ASSERT_TRUE(ev);
  q = agent.script_done(ScriptStatus::ok, result_for(3));
  EXPECT_EQ(c2->exchange(*q, agent.body_options(), now).status, 204);
  ASSERT_EQ(jobs.reports(kCard).size(), 2u);
  EXPECT_EQ(jobs.reports(kCard)[1].step, 3u);
}

// Cut after the server sent script 2 but before the card had it: the card repeats its last
// request (n=1) with X-Admin-Resume; script 2 may not have run and is sent again.
TEST_F(SessionTest, ResumeOnPreviousUriMeansScriptMayNotHaveRun) {
  AgentSession agent(agent_options());
  auto c = connect();
  auto q = agent.start();
  auto ev = agent.on_response(c->exchange(*q, agent.body_options(), now));
  ASSERT_TRUE(ev);
  q = agent.script_done(ScriptStatus::ok, result_for(1));
  (void)c->exchange(*q, agent.body_options(), now);  // script 2 sent, never received
  c.reset();
  auto c2 = connect("S2");
  auto rq = agent.resume();
  ASSERT_TRUE(rq);
  EXPECT_EQ(rq->target, "/ram?s=S1&n=1");
  http::Response res = c2->exchange(*rq, agent.body_options(), now);
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(res.headers.get(kHdrNextUri), "/ram?s=S1&n=2");
  EXPECT_EQ(res.headers.get(kHdrTargetedApp), "//aid/A000000018/0001");
  ASSERT_EQ(jobs.resumes(kCard).size(), 1u);
  EXPECT_EQ(jobs.resumes(kCard)[0].step, 2u);
  EXPECT_EQ(jobs.resumes(kCard)[0].how, ResumeCase::may_not_have_run);
  for (int step = 2; step <= 3; ++step) {
    ev = agent.on_response(res);
    ASSERT_TRUE(ev);
    q = agent.script_done(ScriptStatus::ok, result_for(step));
    res = c2->exchange(*q, agent.body_options(), now);
  }
  EXPECT_EQ(res.status, 204);
  EXPECT_EQ(jobs.reports(kCard).size(), 3u);
}

// Cut before the first response arrived: the card repeats the first POST with resume.
TEST_F(SessionTest, ResumeOfFirstPostResendsFirstScript) {
  AgentSession agent(agent_options());
  auto c = connect();
  auto q = agent.start();
  (void)c->exchange(*q, agent.body_options(), now);
  c.reset();
  auto c2 = connect("S2");
  auto rq = agent.resume();
  ASSERT_TRUE(rq);
  EXPECT_EQ(rq->target, "/ram");
  http::Response res = c2->exchange(*rq, agent.body_options(), now);
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(res.headers.get(kHdrNextUri), "/ram?s=S2&n=1");
  ASSERT_EQ(jobs.resumes(kCard).size(), 1u);
  EXPECT_EQ(jobs.resumes(kCard)[0].how, ResumeCase::may_not_have_run);
}

TEST_F(SessionTest, NewSessionWithoutResumeAbandonsInFlightStep) {
  AgentSession agent(agent_options());
  auto c = connect();
  auto q = agent.start();
  (void)c->exchange(*q, agent.body_options(), now);
  c.reset();
  AgentSession again(agent_options());
  auto c2 = connect("S2");
  auto q2 = again.start();
  http::Response res = c2->exchange(*q2, again.body_options(), now);
  EXPECT_EQ(res.headers.get(kHdrNextUri), "/ram?s=S2&n=2");
  ASSERT_EQ(jobs.resumes(kCard).size(), 1u);
  EXPECT_EQ(jobs.resumes(kCard)[0].how, ResumeCase::abandoned);
}

TEST_F(SessionTest, RejectsWrongAgentIdWithoutSideEffects) {
  AgentOptions a = agent_options();
  a.agent_id = "9999999999";
  AgentSession agent(a);
  auto c = connect();
  bool close = false;
  http::Response res = c->exchange(*agent.start(), agent.body_options(), now, &close);
  EXPECT_EQ(res.status, 403);
  EXPECT_TRUE(close);
  EXPECT_FALSE(res.keep_alive);
  EXPECT_TRUE(c->server.closed());
  EXPECT_EQ(jobs.pending(kCard), 3u);
  EXPECT_FALSE(jobs.in_flight(kCard));
  EXPECT_NE(std::string(gpram::as_chars(res.body)).find("9999999999"), std::string::npos);
}

TEST_F(SessionTest, RejectsWrongProtocolHeader) {
  AgentSession agent(agent_options());
  auto q = agent.start();
  q->headers.set(kHdrProtocol, "gsma/rsp/v2.2.0");
  auto c = connect();
  http::Response res = c->exchange(*q, agent.body_options(), now);
  EXPECT_EQ(res.status, 400);
  EXPECT_NE(std::string(gpram::as_chars(res.body)).find("gsma/rsp/v2.2.0"), std::string::npos);
  q->headers.remove(kHdrProtocol);
  auto c2 = connect();
  EXPECT_EQ(c2->exchange(*q, agent.body_options(), now).status, 400);
  EXPECT_EQ(jobs.pending(kCard), 3u);
}

TEST_F(SessionTest, RejectsBodyOnFirstPost) {
  AgentSession agent(agent_options());
  auto q = agent.start();
  q->headers.add("Content-Type", kResponseContentType);
  q->body = hex("AF800000");
  auto c = connect();
  http::Response res = c->exchange(*q, agent.body_options(), now);
  EXPECT_EQ(res.status, 400);
  EXPECT_NE(std::string(gpram::as_chars(res.body)).find("first POST"), std::string::npos);
  EXPECT_EQ(jobs.pending(kCard), 3u);
}

TEST_F(SessionTest, RejectsUnknownNextUri) {
  AgentSession agent(agent_options());
  auto c = connect();
  auto q = agent.start();
  ASSERT_TRUE(agent.on_response(c->exchange(*q, agent.body_options(), now)));
  q = agent.script_done(ScriptStatus::ok, result_for(1));
  q->target = "/ram?s=S1&n=99";
  bool close = false;
  http::Response res = c->exchange(*q, agent.body_options(), now, &close);
  EXPECT_EQ(res.status, 404);
  EXPECT_TRUE(close);
  EXPECT_TRUE(jobs.reports(kCard).empty());
  EXPECT_EQ(jobs.in_flight(kCard), 1u);  // kept for a resume
}

TEST_F(SessionTest, RejectsFirstPostOutsideAdminPath) {
  AgentOptions a = agent_options();
  a.first_uri = "/";
  AgentSession agent(a);
  auto c = connect();
  EXPECT_EQ(c->exchange(*agent.start(), agent.body_options(), now).status, 404);
  a.first_uri = "/rammer";
  AgentSession agent2(a);
  auto c2 = connect();
  EXPECT_EQ(c2->exchange(*agent2.start(), agent2.body_options(), now).status, 404);
  a.first_uri = "/ram/adminagent?cmd=1";
  AgentSession agent3(a);
  auto c3 = connect();
  EXPECT_EQ(c3->exchange(*agent3.start(), agent3.body_options(), now).status, 200);
}

TEST_F(SessionTest, StatusWithoutBodyAndBodyRules) {
  AgentSession agent(agent_options());
  auto c = connect();
  auto q = agent.start();
  ASSERT_TRUE(agent.on_response(c->exchange(*q, agent.body_options(), now)));
  q = agent.script_done(ScriptStatus::unknown_application, result_for(1));
  EXPECT_TRUE(q->body.empty());  // only ok carries a response script
  EXPECT_FALSE(q->headers.has("Content-Type"));
  EXPECT_EQ(c->exchange(*q, agent.body_options(), now).status, 200);
  ASSERT_EQ(jobs.reports(kCard).size(), 1u);
  EXPECT_EQ(jobs.reports(kCard)[0].result.status, ScriptStatus::unknown_application);
  EXPECT_FALSE(jobs.reports(kCard)[0].result.response);
}

TEST_F(SessionTest, RejectsMalformedStatusContentTypeAndMethod) {
  struct Case {
    const char* what;
    int status;
    void (*mutate)(http::Request&);
  };
  const Case cases[] = {
      {"unknown status", 400,
       [](http::Request& r) { r.headers.set(kHdrScriptStatus, "script-format-error"); }},
      {"body with error status", 400,
       [](http::Request& r) { r.headers.set(kHdrScriptStatus, "security-error"); }},
      {"wrong content type", 415,
       [](http::Request& r) { r.headers.set("Content-Type", "application/octet-stream"); }},
      {"missing status", 400, [](http::Request& r) { r.headers.remove(kHdrScriptStatus); }},
      {"GET", 405, [](http::Request& r) { r.method = "GET"; }},
      {"bad resume value", 400, [](http::Request& r) { r.headers.set(kHdrResume, "yes"); }},
  };
  for (const Case& k : cases) {
    InMemoryJobSource j;
    j.add(kCard, ScriptStep{"j", 1, hex("AE80 0000"), std::nullopt});
    Connection c(opts, profile, j, "S", now);
    AgentSession agent(agent_options());
    auto q = agent.start();
    ASSERT_TRUE(agent.on_response(c.exchange(*q, agent.body_options(), now)));
    q = agent.script_done(ScriptStatus::ok, result_for(1));
    k.mutate(*q);
    EXPECT_EQ(c.exchange(*q, agent.body_options(), now).status, k.status) << k.what;
    EXPECT_TRUE(c.server.closed()) << k.what;
    EXPECT_TRUE(j.reports(kCard).empty()) << k.what;
  }
}

TEST_F(SessionTest, ContentTypeMatchIgnoresCaseAndSpaces) {
  EXPECT_TRUE(same_media_type("Application/Vnd.GlobalPlatform.Card-Content-Mgt-Response; "
                              "version=1.0",
                              kResponseContentType));
  EXPECT_FALSE(same_media_type("application/vnd.globalplatform.card-content-mgt-response;"
                               "version=2.0",
                               kResponseContentType));
}

TEST_F(SessionTest, IdleTimeoutClosesSession) {
  auto c = connect();
  ASSERT_TRUE(c->server.next_deadline());
  EXPECT_EQ(*c->server.next_deadline(), now + opts.idle_timeout);
  EXPECT_FALSE(c->server.on_timeout(now + opts.idle_timeout - std::chrono::seconds(1)));
  EXPECT_TRUE(c->server.on_timeout(now + opts.idle_timeout));
  EXPECT_TRUE(c->server.closed());
  EXPECT_FALSE(c->server.next_deadline());
}

TEST_F(SessionTest, ContentLengthProfileAndAgentOptions) {
  const CardProfile* cl = find_profile("strict-content-length");
  ASSERT_NE(cl, nullptr);
  Connection c(opts, *cl, jobs, "S", now);
  AgentOptions a = agent_options();
  a.body = {false, 0};
  AgentSession agent(a);
  http::Response res = c.exchange(*agent.start(), agent.body_options(), now);
  EXPECT_EQ(res.headers.get("Content-Length"), "11");
  EXPECT_FALSE(res.headers.has("Transfer-Encoding"));
  ASSERT_NE(find_profile("small-records-512"), nullptr);
  EXPECT_EQ(find_profile("small-records-512")->max_record_size, 512);
  EXPECT_EQ(find_profile("default")->chunked, true);
  EXPECT_EQ(find_profile("nope"), nullptr);
}

TEST(AgentSession, ScriptWithoutNextUriEndsWithoutReport) {
  AgentSession agent(AgentOptions{"h", "a", "/ram", {}, 3});
  ASSERT_TRUE(agent.start());
  http::Response res;
  res.headers.add(kHdrProtocol, kProtocol);
  res.headers.add("Content-Type", kScriptContentType);
  res.body = hex("AE80220580CA0085000000");
  auto ev = agent.on_response(res);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->kind, AgentEvent::Kind::execute);
  EXPECT_FALSE(ev->report_expected);
  EXPECT_TRUE(agent.done());
  EXPECT_FALSE(agent.script_done(ScriptStatus::ok, Bytes{}));
  EXPECT_FALSE(agent.resume());
}

TEST(AgentSession, RejectsInconsistentResponses) {
  auto fresh = [] {
    AgentSession a(AgentOptions{"h", "a", "/ram", {}, 3});
    EXPECT_TRUE(a.start());
    return a;
  };
  http::Response res;
  res.headers.add(kHdrProtocol, kProtocol);
  res.headers.add("Content-Type", "text/html");
  res.body = hex("AE800000");
  auto a1 = fresh();
  auto e1 = a1.on_response(res);
  ASSERT_FALSE(e1);
  EXPECT_EQ(e1.error().code, SessionErrc::bad_content_type);
  res.status = 500;
  auto a2 = fresh();
  EXPECT_EQ(a2.on_response(res).error().code, SessionErrc::bad_status);
  http::Response ta;
  ta.headers.add(kHdrProtocol, kProtocol);
  ta.headers.add("Content-Type", kScriptContentType);
  ta.headers.add(kHdrTargetedApp, "//aid/A0000000/01");
  ta.body = hex("AE800000");
  auto a3 = fresh();
  EXPECT_EQ(a3.on_response(ta).error().code, SessionErrc::bad_targeted_application);
}

TEST(AgentSession, ResumeCounterIsBounded) {
  AgentSession agent(AgentOptions{"h", "a", "/ram", {}, 2});
  ASSERT_TRUE(agent.start());
  EXPECT_TRUE(agent.resume());
  EXPECT_TRUE(agent.resume());
  auto r = agent.resume();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("exhausted"), std::string::npos);
}

// protocol.md §2 (AmdB §3.4): "//aid/<RID 10 hex>/<PIX 0-22 hex>", e.g. //aid/A000000018/0001.
TEST(TargetedApplication, FormatsAndParses) {
  EXPECT_EQ(format_targeted_application(hex("A0000000180001")), "//aid/A000000018/0001");
  EXPECT_EQ(format_targeted_application(hex("A000000018")), "//aid/A000000018/");
  auto aid = parse_targeted_application("//aid/a000000018/0001");
  ASSERT_TRUE(aid);
  EXPECT_EQ(to_hex(*aid), "A0000000180001");
  auto rid_only = parse_targeted_application("//aid/A000000018");
  ASSERT_TRUE(rid_only);
  EXPECT_EQ(to_hex(*rid_only), "A000000018");
  EXPECT_FALSE(parse_targeted_application("//aid/A0000000/01"));
  EXPECT_FALSE(parse_targeted_application("//aid/A00000001G/01"));
  EXPECT_FALSE(parse_targeted_application("aid/A000000018/01"));
  EXPECT_FALSE(parse_targeted_application("//aid/A000000018/" + std::string(24, '0')));
}

TEST(ScriptStatusHeader, ParsesTheFourAmdBValues) {
  EXPECT_EQ(parse_script_status(" ok "), ScriptStatus::ok);
  EXPECT_EQ(parse_script_status("unknown-application"), ScriptStatus::unknown_application);
  EXPECT_EQ(parse_script_status("not-a-security-domain"), ScriptStatus::not_a_security_domain);
  EXPECT_EQ(parse_script_status("security-error"), ScriptStatus::security_error);
  EXPECT_FALSE(parse_script_status("script-format-error"));
}

// AmdB §3.4 example values (protocol.md §1-§2): first URI /server/adminagent?cmd=1, host
// 172.96.0.1, agent id 0123456789. The Next-URIs stay below the configured admin path.
TEST(ServerSession, AcceptsSpecExampleFirstUri) {
  ServerOptions o;
  o.admin_path = "/server/adminagent";
  CardProfile prof;
  InMemoryJobSource j;
  j.add(kCard, ScriptStep{"j", 7, hex("AE80220580CA0085000000"), std::nullopt});
  ServerSession s(o, prof, j, CardIdentity{kCard, kAgentId}, "S", TimePoint{});
  AgentSession agent(AgentOptions{"172.96.0.1", kAgentId, "/server/adminagent?cmd=1", {}, 3});
  auto q = agent.start();
  ASSERT_TRUE(q);
  Reply r = s.on_request(*q, TimePoint{});
  EXPECT_EQ(r.response.status, 200);
  EXPECT_EQ(r.response.headers.get(kHdrNextUri), "/server/adminagent?s=S&n=7");
  EXPECT_FALSE(r.close);
}

TEST(ServerSession, ClosesWhenTheCardAsksTo) {
  ServerOptions o;
  CardProfile prof;
  InMemoryJobSource j;
  j.add(kCard, ScriptStep{"j", 1, hex("AE80220580CA0085000000"), std::nullopt});
  ServerSession s(o, prof, j, CardIdentity{kCard, kAgentId}, "S", TimePoint{});
  AgentSession agent(AgentOptions{"h", kAgentId, "/ram", {}, 3});
  auto q = agent.start();
  ASSERT_TRUE(q);
  q->keep_alive = false;
  Reply r = s.on_request(*q, TimePoint{});
  EXPECT_EQ(r.response.status, 200);
  EXPECT_TRUE(r.close);
}
