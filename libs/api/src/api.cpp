#include "gpram/api/api.hpp"

#include <fmt/format.h>

#include <chrono>
#include <set>

namespace gpram::api {
namespace {

using nlohmann::json;

ApiResponse error(int status, std::string_view message) {
  return {status, "application/json", json{{"error", message}}.dump()};
}

ApiResponse ok_json(int status, const json& j) { return {status, "application/json", j.dump()}; }

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool token_equal(std::string_view a, std::string_view b) {
  return equal_ct(as_bytes(a), as_bytes(b));
}

// Precise validation helpers: each throws a Reject carrying the 422 message.
struct Reject {
  int status;
  std::string message;
};

void only_fields(const json& j, std::string_view where, std::initializer_list<const char*> allowed) {
  for (const auto& [k, v] : j.items()) {
    bool known = false;
    for (const char* a : allowed) known = known || k == a;
    if (!known) throw Reject{422, fmt::format("{}: unknown field \"{}\"", where, k)};
  }
}

std::string str_field(const json& j, const char* key, std::string_view where, bool required,
                      size_t max_len = 256) {
  if (!j.contains(key) || j[key].is_null()) {
    if (required) throw Reject{422, fmt::format("{}: missing field \"{}\"", where, key)};
    return {};
  }
  if (!j[key].is_string()) throw Reject{422, fmt::format("{}.{}: must be a string", where, key)};
  std::string s = j[key].get<std::string>();
  if (required && s.empty()) throw Reject{422, fmt::format("{}.{}: must not be empty", where, key)};
  if (s.size() > max_len)
    throw Reject{422, fmt::format("{}.{}: longer than {} characters", where, key, max_len)};
  return s;
}

Bytes hex_field(const json& j, const char* key, std::string_view where, bool required,
                size_t min_len = 0, size_t max_len = 4096) {
  std::string s = str_field(j, key, where, required, 2 * max_len + 64);
  if (s.empty()) return {};
  auto b = from_hex(s);
  if (!b) throw Reject{422, fmt::format("{}.{}: {}", where, key, b.error().message)};
  if (b->size() < min_len || b->size() > max_len)
    throw Reject{422, fmt::format("{}.{}: {} bytes, expected {}..{}", where, key, b->size(),
                                  min_len, max_len)};
  return std::move(*b);
}

json parse_body(std::string_view body) {
  if (body.empty()) throw Reject{400, "request body is empty (JSON object expected)"};
  json j;
  try {
    j = json::parse(body.begin(), body.end());
  } catch (const json::parse_error& e) {
    throw Reject{400, fmt::format("invalid JSON: {}", e.what())};
  }
  if (!j.is_object()) throw Reject{400, "the body must be a JSON object"};
  return j;
}

bool valid_iccid(std::string_view s) {
  if (s.size() < 6 || s.size() > 22) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || c == 'F' || c == 'f')) return false;
  return true;
}

json card_json(const store::Card& c, const std::string& tenant) {
  json sds = json::array();
  for (const auto& sd : c.security_domains) {
    if (!tenant.empty() && sd.owner != tenant) continue;
    json s{{"aid", to_hex(sd.aid)}, {"owner", sd.owner}};
    if (!sd.scp.empty()) {
      s["scp"] = sd.scp;
      s["kvn"] = sd.kvn;
    }
    sds.push_back(std::move(s));
  }
  json j{{"iccid", c.iccid}, {"security_domains", sds}};
  if (tenant.empty()) {
    j["psk_identity"] = c.psk_identity;
    j["agent_id"] = c.agent_id;
    j["profile"] = c.profile;
    if (!c.msisdn.empty()) j["msisdn"] = c.msisdn;
    if (c.scp80) {
      j["scp80"] = json{{"kic", fmt::format("{:02X}", c.scp80->kic)},
                        {"kid", fmt::format("{:02X}", c.scp80->kid)},
                        {"tar", to_hex(c.scp80->tar)}};
    }
  }
  return j;
}

}  // namespace

json job_json(const store::Job& job) {
  json results = json::array();
  for (const auto& r : job.results) {
    json e{{"capdu", to_hex(r.capdu)}, {"rapdu", to_hex(r.rapdu)}};
    if (r.rapdu.size() >= 2) e["sw"] = to_hex(ByteView(r.rapdu).last(2));
    results.push_back(std::move(e));
  }
  json j{{"id", job.id},
         {"iccid", job.iccid},
         {"state", std::string(store::to_string(job.state))},
         {"results", results},
         {"steps", job.steps.size()},
         {"steps_done", job.next_step}};
  if (!job.sd_aid.empty()) j["sd"] = to_hex(job.sd_aid);
  if (!job.error.empty()) j["error"] = job.error;
  if (!job.campaign_id.empty()) j["campaign"] = job.campaign_id;
  return j;
}

Api::Api(store::Store& store, std::string admin_token, jobs::CompileOptions compile)
    : store_(store), admin_token_(std::move(admin_token)), compile_(std::move(compile)) {}

ApiResponse Api::handle(const ApiRequest& req) {
  std::string_view path = req.target.substr(0, req.target.find('?'));
  try {
    if (path == "/healthz") {
      if (req.method != "GET") return error(405, "use GET");
      return ready_.load() ? ok_json(200, json{{"status", "ok"}})
                           : error(503, "not ready: listeners not accepting yet");
    }
    if (path == "/v1/openapi.json") {
      if (req.method != "GET") return error(405, "use GET");
      static const std::string doc = openapi_document().dump();
      return {200, "application/json", doc};
    }
    if (path == "/metrics") {
      if (req.method != "GET") return error(405, "use GET");
      return {200, "text/plain; version=0.0.4", metrics_ ? metrics_() : std::string()};
    }
    // Everything else needs a bearer token.
    constexpr std::string_view kBearer = "Bearer ";
    if (req.authorization.substr(0, kBearer.size()) != kBearer)
      return error(401, "missing bearer token (Authorization: Bearer TOKEN)");
    std::string_view token = req.authorization.substr(kBearer.size());
    Caller caller;
    if (!admin_token_.empty() && token_equal(token, admin_token_)) {
      caller.admin = true;
    } else {
      return error(401, "invalid token");
    }

    auto segs = [&] {
      std::vector<std::string_view> out;
      size_t i = 1;
      while (i <= path.size()) {
        size_t j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        out.push_back(path.substr(i, j - i));
        i = j + 1;
      }
      return out;
    }();
    if (segs.size() >= 2 && segs[0] == "v1") {
      if (segs[1] == "cards") {
        if (segs.size() == 2 && req.method == "POST") return post_card(caller, req.body);
        if (segs.size() == 3 && req.method == "GET") return get_card(caller, segs[2]);
      } else if (segs[1] == "campaigns") {
        if (segs.size() == 2 && req.method == "POST") return post_campaign(caller, req.body);
        if (segs.size() == 3 && req.method == "GET") return get_campaign(caller, segs[2]);
        if (segs.size() == 4 && req.method == "POST" &&
            (segs[3] == "pause" || segs[3] == "resume" || segs[3] == "cancel"))
          return campaign_action(caller, segs[2], segs[3]);
      } else if (segs[1] == "jobs") {
        if (segs.size() == 2 && req.method == "POST") return post_job(caller, req.body);
        if (segs.size() == 3 && req.method == "GET") return get_job(caller, segs[2]);
        if (segs.size() == 4 && segs[3] == "cancel" && req.method == "POST")
          return cancel_job(caller, segs[2]);
      }
    }
    return error(404, fmt::format("no such endpoint: {} {}", req.method, path));
  } catch (const Reject& r) {
    return error(r.status, r.message);
  } catch (const std::exception& e) {
    return error(500, fmt::format("internal error: {}", e.what()));
  }
}

ApiResponse Api::post_card(const Caller& c, std::string_view body) {
  if (!c.admin) return error(403, "only the operator may register cards");
  json j = parse_body(body);
  only_fields(j, "card", {"iccid", "psk_identity", "psk", "agent_id", "msisdn", "scp80",
                          "security_domains", "profile"});
  store::Card card;
  card.iccid = str_field(j, "iccid", "card", true, 22);
  if (!valid_iccid(card.iccid))
    throw Reject{422, fmt::format("card.iccid: \"{}\" is not an ICCID (6 to 22 digits, F filler)",
                                  card.iccid)};
  card.psk_identity = str_field(j, "psk_identity", "card", true, 255);
  card.psk = hex_field(j, "psk", "card", true, 16, 64);
  card.agent_id = str_field(j, "agent_id", "card", false, 255);
  if (card.agent_id.empty()) card.agent_id = card.iccid;
  card.msisdn = str_field(j, "msisdn", "card", false, 20);
  std::string profile = str_field(j, "profile", "card", false, 64);
  if (!profile.empty()) card.profile = profile;
  if (j.contains("scp80")) {
    const json& s = j["scp80"];
    if (!s.is_object()) throw Reject{422, "card.scp80: must be an object"};
    only_fields(s, "card.scp80", {"kic", "kid", "kic_key", "kid_key", "tar", "counter"});
    store::Scp80Keys k;
    Bytes kic = hex_field(s, "kic", "card.scp80", true, 1, 1);
    Bytes kid = hex_field(s, "kid", "card.scp80", true, 1, 1);
    k.kic = kic[0];
    k.kid = kid[0];
    k.kic_key = hex_field(s, "kic_key", "card.scp80", true, 8, 32);
    k.kid_key = hex_field(s, "kid_key", "card.scp80", true, 8, 32);
    k.tar = hex_field(s, "tar", "card.scp80", true, 3, 3);
    Bytes ctr = hex_field(s, "counter", "card.scp80", false, 5, 5);
    for (uint8_t b : ctr) k.counter = (k.counter << 8) | b;
    card.scp80 = std::move(k);
  }
  if (j.contains("security_domains")) {
    if (!j["security_domains"].is_array())
      throw Reject{422, "card.security_domains: must be an array"};
    size_t i = 0;
    for (const auto& s : j["security_domains"]) {
      const std::string where = fmt::format("card.security_domains[{}]", i++);
      if (!s.is_object()) throw Reject{422, where + ": must be an object"};
      only_fields(s, where, {"aid", "owner", "scp", "kvn", "enc", "mac", "dek"});
      store::SecurityDomain sd;
      sd.aid = hex_field(s, "aid", where, true, 5, 16);
      sd.owner = str_field(s, "owner", where, false, 64);
      if (sd.owner.empty()) sd.owner = "operator";
      sd.scp = str_field(s, "scp", where, false, 2);
      if (!sd.scp.empty() && sd.scp != "02" && sd.scp != "03")
        throw Reject{422, where + ".scp: must be \"02\" or \"03\""};
      if (s.contains("kvn")) {
        if (!s["kvn"].is_number_integer() || s["kvn"].get<int>() < 0 || s["kvn"].get<int>() > 0x7F)
          throw Reject{422, where + ".kvn: must be an integer 0..127"};
        sd.kvn = s["kvn"].get<int>();
      }
      sd.enc = hex_field(s, "enc", where, false, 16, 32);
      sd.mac = hex_field(s, "mac", where, false, 16, 32);
      sd.dek = hex_field(s, "dek", where, false, 16, 32);
      card.security_domains.push_back(std::move(sd));
    }
  }
  auto r = store_.add_card(card);
  if (!r) {
    if (r.error().code == store::Errc::duplicate) return error(409, r.error().message);
    return error(500, r.error().message);
  }
  return ok_json(201, card_json(card, {}));
}

ApiResponse Api::get_card(const Caller& c, std::string_view iccid) {
  auto card = store_.card(iccid);
  if (!card) return error(404, fmt::format("unknown card {}", iccid));
  return ok_json(200, card_json(*card, c.admin ? std::string() : c.tenant));
}

ApiResponse Api::post_job(const Caller& c, std::string_view body) {
  json j = parse_body(body);
  only_fields(j, "job", {"iccid", "sd", "operations", "trigger"});
  std::string iccid = str_field(j, "iccid", "job", true, 22);
  auto card = store_.card(iccid);
  if (!card) return error(404, fmt::format("unknown card {}", iccid));
  store::Job job;
  job.iccid = iccid;
  job.sd_aid = hex_field(j, "sd", "job", false, 5, 16);
  job.trigger = str_field(j, "trigger", "job", false, 8);
  if (job.trigger.empty()) job.trigger = "none";
  if (job.trigger != "sms" && job.trigger != "poll" && job.trigger != "none")
    throw Reject{422, "job.trigger: must be \"sms\", \"poll\" or \"none\""};
  if (!j.contains("operations")) throw Reject{422, "job: missing field \"operations\""};
  jobs::CompileOptions opts = compile_;
  opts.sd_aid = job.sd_aid;
  opts.operator_only_ops = c.admin;
  auto steps = jobs::compile_operations(j["operations"], opts);
  if (!steps) return error(422, steps.error().message);
  job.operations = j["operations"];
  job.steps = std::move(*steps);
  job.owner = c.admin ? "operator" : c.tenant;
  job.created_ms = job.updated_ms = now_ms();
  auto id = store_.add_job(job);
  if (!id) return error(500, id.error().message);
  job.id = *id;
  if (job_queued_) job_queued_(job);
  return ok_json(201, json{{"id", *id}, {"state", "queued"}, {"steps", job.steps.size()}});
}

ApiResponse Api::get_job(const Caller& c, std::string_view id) {
  auto job = store_.job(id);
  if (!job) return error(404, fmt::format("unknown job {}", id));
  if (!c.admin && job->owner != c.tenant) return error(403, "not your job");
  return ok_json(200, job_json(*job));
}

ApiResponse Api::cancel_job(const Caller& c, std::string_view id) {
  auto job = store_.job(id);
  if (!job) return error(404, fmt::format("unknown job {}", id));
  if (!c.admin && job->owner != c.tenant) return error(403, "not your job");
  if (store::is_final(job->state))
    return error(409, fmt::format("job {} is already {}", id, store::to_string(job->state)));
  job->state = store::JobState::cancelled;
  job->error = "cancelled by request";
  job->updated_ms = now_ms();
  if (auto r = store_.update_job(*job); !r) return error(500, r.error().message);
  return ok_json(200, job_json(*job));
}

namespace {

json campaign_json(const store::Campaign& c, const store::CampaignCounts& n) {
  std::string state = c.state;
  if (state == "running" && n.queued == 0 && n.running == 0) state = "done";
  return {{"id", c.id},           {"state", state},         {"total", c.total},
          {"queued", n.queued},   {"running", n.running},   {"done", n.done},
          {"failed", n.failed},   {"cancelled", n.cancelled},
          {"max_concurrent", c.max_concurrent}, {"rate_per_s", c.rate_per_s}};
}

}  // namespace

ApiResponse Api::post_campaign(const Caller& c, std::string_view body) {
  json j = parse_body(body);
  only_fields(j, "campaign", {"iccids", "selector", "sd", "operations", "rate_per_s", "max_concurrent", "trigger"});
  if (j.contains("selector"))
    throw Reject{422, "campaign.selector: selectors are not supported yet; list the cards in \"iccids\""};
  if (!j.contains("iccids") || !j["iccids"].is_array() || j["iccids"].empty())
    throw Reject{422, "campaign.iccids: must be a non-empty array of ICCIDs"};
  if (!j.contains("operations")) throw Reject{422, "campaign: missing field \"operations\""};
  store::Campaign camp;
  camp.owner = c.admin ? "operator" : c.tenant;
  if (j.contains("max_concurrent")) {
    if (!j["max_concurrent"].is_number_unsigned()) throw Reject{422, "campaign.max_concurrent: must be a non-negative integer"};
    camp.max_concurrent = j["max_concurrent"].get<uint32_t>();
  }
  if (j.contains("rate_per_s")) {
    if (!j["rate_per_s"].is_number() || j["rate_per_s"].get<double>() < 0)
      throw Reject{422, "campaign.rate_per_s: must be a non-negative number"};
    camp.rate_per_s = j["rate_per_s"].get<double>();
  }
  Bytes sd = hex_field(j, "sd", "campaign", false, 5, 16);
  std::string trigger = str_field(j, "trigger", "campaign", false, 8);
  if (trigger.empty()) trigger = "none";
  if (trigger != "sms" && trigger != "poll" && trigger != "none")
    throw Reject{422, "campaign.trigger: must be \"sms\", \"poll\" or \"none\""};
  // Compiled once for every card (no per-card keys in these operations).
  jobs::CompileOptions opts = compile_;
  opts.sd_aid = sd;
  opts.operator_only_ops = c.admin;
  auto steps = jobs::compile_operations(j["operations"], opts);
  if (!steps) return error(422, std::string("campaign.") + steps.error().message);
  std::vector<store::Job> list;
  list.reserve(j["iccids"].size());
  const int64_t now = now_ms();
  for (size_t i = 0; i < j["iccids"].size(); ++i) {
    const json& v = j["iccids"][i];
    if (!v.is_string()) throw Reject{422, fmt::format("campaign.iccids[{}]: must be a string", i)};
    const std::string iccid = v.get<std::string>();
    if (!store_.card(iccid)) return error(404, fmt::format("campaign.iccids[{}]: unknown card {}", i, iccid));
    store::Job job;
    job.iccid = iccid;
    job.sd_aid = sd;
    job.trigger = trigger;
    job.owner = camp.owner;
    job.operations = j["operations"];
    job.steps = *steps;
    job.created_ms = job.updated_ms = now;
    list.push_back(std::move(job));
  }
  camp.created_ms = now;
  const size_t total = list.size();
  auto id = store_.add_campaign(camp, std::move(list));
  if (!id) return error(500, id.error().message);
  return ok_json(201, json{{"id", *id}, {"state", "running"}, {"total", total}});
}

ApiResponse Api::get_campaign(const Caller& c, std::string_view id) {
  auto camp = store_.campaign(id);
  if (!camp) return error(404, fmt::format("unknown campaign {}", id));
  if (!c.admin && camp->owner != c.tenant) return error(403, "not your campaign");
  return ok_json(200, campaign_json(*camp, store_.campaign_counts(id)));
}

ApiResponse Api::campaign_action(const Caller& c, std::string_view id, std::string_view action) {
  auto camp = store_.campaign(id);
  if (!camp) return error(404, fmt::format("unknown campaign {}", id));
  if (!c.admin && camp->owner != c.tenant) return error(403, "not your campaign");
  if (camp->state == "cancelled")
    return error(409, fmt::format("campaign {} is cancelled", id));
  if (action == "pause") {
    if (auto r = store_.set_campaign_state(id, "paused"); !r) return error(500, r.error().message);
  } else if (action == "resume") {
    if (auto r = store_.set_campaign_state(id, "running"); !r) return error(500, r.error().message);
  } else {
    if (auto r = store_.set_campaign_state(id, "cancelled"); !r) return error(500, r.error().message);
    if (auto r = store_.cancel_campaign_jobs(id); !r) return error(500, r.error().message);
  }
  return get_campaign(c, id);
}

}  // namespace gpram::api
