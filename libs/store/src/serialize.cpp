#include "serialize.hpp"

namespace gpram::store::detail {
namespace {
using nlohmann::json;

Bytes hx(const json& j, const char* k) {
  if (!j.contains(k)) return {};
  auto r = from_hex(j[k].get<std::string>());
  return r ? std::move(*r) : Bytes{};
}
}  // namespace

json card_public(const Card& c) {
  json sds = json::array();
  for (const auto& sd : c.security_domains)
    sds.push_back({{"aid", to_hex(sd.aid)}, {"owner", sd.owner}, {"scp", sd.scp}, {"kvn", sd.kvn}});
  json j{{"iccid", c.iccid}, {"psk_identity", c.psk_identity}, {"agent_id", c.agent_id},
         {"msisdn", c.msisdn}, {"profile", c.profile}, {"sds", sds}};
  if (c.scp80)
    j["scp80"] = {{"kic", c.scp80->kic}, {"kid", c.scp80->kid}, {"tar", to_hex(c.scp80->tar)},
                  {"counter", c.scp80->counter}};
  return j;
}

json card_secrets(const Card& c) {
  json sds = json::array();
  for (const auto& sd : c.security_domains)
    sds.push_back({{"enc", to_hex(sd.enc)}, {"mac", to_hex(sd.mac)}, {"dek", to_hex(sd.dek)}});
  json j{{"psk", to_hex(c.psk)}, {"sds", sds}};
  if (c.scp80) j["scp80"] = {{"kic_key", to_hex(c.scp80->kic_key)}, {"kid_key", to_hex(c.scp80->kid_key)}};
  return j;
}

Card card_from(const json& pub, const json& sec) {
  Card c;
  c.iccid = pub.value("iccid", "");
  c.psk_identity = pub.value("psk_identity", "");
  c.agent_id = pub.value("agent_id", "");
  c.msisdn = pub.value("msisdn", "");
  c.profile = pub.value("profile", "default");
  c.psk = hx(sec, "psk");
  const json& sds = pub["sds"];
  for (size_t i = 0; i < sds.size(); ++i) {
    SecurityDomain sd;
    sd.aid = hx(sds[i], "aid");
    sd.owner = sds[i].value("owner", "operator");
    sd.scp = sds[i].value("scp", "");
    sd.kvn = sds[i].value("kvn", 0);
    if (sec.contains("sds") && i < sec["sds"].size()) {
      sd.enc = hx(sec["sds"][i], "enc");
      sd.mac = hx(sec["sds"][i], "mac");
      sd.dek = hx(sec["sds"][i], "dek");
    }
    c.security_domains.push_back(std::move(sd));
  }
  if (pub.contains("scp80")) {
    Scp80Keys k;
    k.kic = pub["scp80"].value("kic", uint8_t{0});
    k.kid = pub["scp80"].value("kid", uint8_t{0});
    k.tar = hx(pub["scp80"], "tar");
    k.counter = pub["scp80"].value("counter", uint64_t{0});
    if (sec.contains("scp80")) {
      k.kic_key = hx(sec["scp80"], "kic_key");
      k.kid_key = hx(sec["scp80"], "kid_key");
    }
    c.scp80 = std::move(k);
  }
  return c;
}

json job_doc(const Job& j) {
  json steps = json::array();
  for (const auto& s : j.steps) {
    json c = json::array();
    for (const auto& a : s.capdus) c.push_back(to_hex(a));
    steps.push_back({{"capdus", c}, {"target", to_hex(s.target_aid)}});
  }
  json results = json::array();
  for (const auto& r : j.results) results.push_back({to_hex(r.capdu), to_hex(r.rapdu)});
  return {{"sd", to_hex(j.sd_aid)}, {"trigger", j.trigger}, {"steps", steps},
          {"next_step", j.next_step}, {"results", results}, {"error", j.error},
          {"pushes", j.pushes}};
}

void job_from_doc(Job& j, const json& d) {
  j.sd_aid = hx(d, "sd");
  j.trigger = d.value("trigger", "none");
  j.next_step = d.value("next_step", size_t{0});
  j.error = d.value("error", "");
  j.pushes = d.value("pushes", uint32_t{0});
  j.steps.clear();
  for (const auto& s : d["steps"]) {
    Step st;
    for (const auto& a : s["capdus"]) st.capdus.push_back(from_hex(a.get<std::string>()).value_or(Bytes{}));
    st.target_aid = hx(s, "target");
    j.steps.push_back(std::move(st));
  }
  j.results.clear();
  for (const auto& r : d["results"])
    j.results.push_back({from_hex(r[0].get<std::string>()).value_or(Bytes{}),
                         from_hex(r[1].get<std::string>()).value_or(Bytes{})});
}

}  // namespace gpram::store::detail
