// REST API: campaigns (POST /v1/campaigns, GET, pause/resume/cancel).
#include <fmt/format.h>

#include "api_util.hpp"
#include "gpram/api/api.hpp"

namespace gpram::api {

using namespace detail;  // NOLINT(google-build-using-namespace)
using nlohmann::json;

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
    auto card = store_.card(iccid);
    if (!card) return error(404, fmt::format("campaign.iccids[{}]: unknown card {}", i, iccid));
    if (!c.admin && (sd.empty() || !owns_sd(c, *card, sd)))
      return deny(c, "campaign.start", fmt::format("card {}", iccid),
                  sd.empty() ? std::string("a service provider's campaign must name its security domain in \"sd\"")
                             : fmt::format("campaign.iccids[{}]: security domain {} on card {} does not belong to {}",
                                           i, to_hex(sd), iccid, c.tenant));
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
  audit(c, "campaign.start", fmt::format("campaign {} ({} cards)", *id, total), "ok");
  return ok_json(201, json{{"id", *id}, {"state", "running"}, {"total", total}});
}

ApiResponse Api::get_campaign(const Caller& c, std::string_view id) {
  auto camp = store_.campaign(id);
  if (!camp) return error(404, fmt::format("unknown campaign {}", id));
  if (!c.admin && camp->owner != c.tenant)
    return deny(c, "campaign.read", fmt::format("campaign {}", id),
                fmt::format("campaign {} does not belong to {}", id, c.tenant));
  return ok_json(200, campaign_json(*camp, store_.campaign_counts(id)));
}

ApiResponse Api::campaign_action(const Caller& c, std::string_view id, std::string_view action) {
  auto camp = store_.campaign(id);
  if (!camp) return error(404, fmt::format("unknown campaign {}", id));
  if (!c.admin && camp->owner != c.tenant)
    return deny(c, fmt::format("campaign.{}", action), fmt::format("campaign {}", id),
                fmt::format("campaign {} does not belong to {}", id, c.tenant));
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
  audit(c, fmt::format("campaign.{}", action), fmt::format("campaign {}", id), "ok");
  return get_campaign(c, id);
}

}  // namespace gpram::api
