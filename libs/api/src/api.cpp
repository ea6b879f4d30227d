#include "gpram/api/api.hpp"

#include <fmt/format.h>

#include <chrono>
#include <set>

#include "gpram/crypto/crypto.hpp"
#include "api_util.hpp"

namespace gpram::api {
namespace {

using namespace detail;  // NOLINT(google-build-using-namespace)
using nlohmann::json;

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
    } else if (auto sp = token.empty() ? std::nullopt
                                       : store_.service_provider_by_token(crypto::sha256(as_bytes(token)))) {
      caller.tenant = sp->id;
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
      if (segs[1] == "service-providers") {
        if (segs.size() == 2 && req.method == "POST") return post_service_provider(caller, req.body);
      } else if (segs[1] == "audit") {
        if (segs.size() == 2 && req.method == "GET") return get_audit(caller, req.target);
      } else if (segs[1] == "cards") {
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
  if (!c.admin) return deny(c, "card.add", "cards", "only the operator may register cards");
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
  audit(c, "card.add", "card " + card.iccid, "ok");
  return ok_json(201, card_json(card, {}));
}

ApiResponse Api::get_card(const Caller& c, std::string_view iccid) {
  auto card = store_.card(iccid);
  if (!card) return error(404, fmt::format("unknown card {}", iccid));
  if (!c.admin) {
    bool any = false;
    for (const auto& sd : card->security_domains) any = any || sd.owner == c.tenant;
    if (!any)
      return deny(c, "card.read", fmt::format("card {}", iccid),
                  fmt::format("card {} holds no security domain of {}", iccid, c.tenant));
  }
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
  if (!c.admin) {
    if (job.sd_aid.empty())
      return deny(c, "job.submit", fmt::format("card {}", iccid),
                  "a service provider's job must name its security domain in \"sd\"");
    if (!owns_sd(c, *card, job.sd_aid))
      return deny(c, "job.submit", fmt::format("card {} sd {}", iccid, to_hex(job.sd_aid)),
                  fmt::format("security domain {} on card {} does not belong to {}", to_hex(job.sd_aid),
                              iccid, c.tenant));
    if (j.contains("operations") && j["operations"].is_array())
      for (const auto& op : j["operations"])
        if (op.is_object() && op.contains("create_sd"))
          return deny(c, "job.submit", fmt::format("card {}", iccid), "create_sd is for the operator only");
  }
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
  audit(c, "job.submit", fmt::format("job {} card {}", job.id, iccid), "ok");
  if (job_queued_) job_queued_(job);
  return ok_json(201, json{{"id", *id}, {"state", "queued"}, {"steps", job.steps.size()}});
}

ApiResponse Api::get_job(const Caller& c, std::string_view id) {
  auto job = store_.job(id);
  if (!job) return error(404, fmt::format("unknown job {}", id));
  if (!c.admin && job->owner != c.tenant)
    return deny(c, "job.read", fmt::format("job {}", id), fmt::format("job {} does not belong to {}", id, c.tenant));
  return ok_json(200, job_json(*job));
}

ApiResponse Api::cancel_job(const Caller& c, std::string_view id) {
  auto job = store_.job(id);
  if (!job) return error(404, fmt::format("unknown job {}", id));
  if (!c.admin && job->owner != c.tenant)
    return deny(c, "job.cancel", fmt::format("job {}", id), fmt::format("job {} does not belong to {}", id, c.tenant));
  if (store::is_final(job->state))
    return error(409, fmt::format("job {} is already {}", id, store::to_string(job->state)));
  job->state = store::JobState::cancelled;
  job->error = "cancelled by request";
  job->updated_ms = now_ms();
  if (auto r = store_.update_job(*job); !r) return error(500, r.error().message);
  audit(c, "job.cancel", fmt::format("job {}", id), "ok");
  return ok_json(200, job_json(*job));
}

}  // namespace gpram::api
