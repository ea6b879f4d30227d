// Persistent card state as JSON (the gpram-sim --state file): configuration, registry, keys,
// counters and life cycles. Byte strings are uppercase hex. Channels and secure channel
// sessions are not kept: loading a state is a card reset.
#include <fmt/format.h>

#include "card_impl.hpp"

namespace gpram::card {
namespace {

using nlohmann::json;

std::string h8(uint8_t v) { return fmt::format("{:02X}", v); }

struct Parser {
  std::string where;

  Result<Bytes> bytes(const json& o, const char* name, bool optional = false) const {
    if (!o.is_object() || !o.contains(name)) {
      if (optional) return Bytes{};
      return fail(Errc::bad_state, fmt::format("card state: {}.{} missing", where, name));
    }
    const json& v = o[name];
    if (!v.is_string())
      return fail(Errc::bad_state, fmt::format("card state: {}.{} is not a hex string", where, name));
    auto b = from_hex(v.get<std::string>());
    if (!b)
      return fail(Errc::bad_state, fmt::format("card state: {}.{}: {}", where, name, b.error().message));
    return b;
  }
  Result<uint32_t> number(const json& o, const char* name, size_t max_bytes) const {
    auto b = bytes(o, name);
    if (!b) return fail(b.error());
    if (b->empty() || b->size() > max_bytes)
      return fail(Errc::bad_state, fmt::format("card state: {}.{} must be 1 to {} bytes, got {}",
                                               where, name, max_bytes, b->size()));
    uint32_t v = 0;
    for (uint8_t x : *b) v = (v << 8) | x;
    return v;
  }
  Result<size_t> count(const json& o, const char* name) const {
    if (!o.contains(name) || !o[name].is_number_unsigned())
      return fail(Errc::bad_state, fmt::format("card state: {}.{} must be an unsigned number", where, name));
    return o[name].get<size_t>();
  }
};

#define GPRAM_TRY(var, expr)            \
  auto var##_r = (expr);                \
  if (!var##_r) return fail(var##_r.error()); \
  auto var = std::move(*var##_r)

json domain_json(const SecurityDomain& sd) {
  json keys = json::array();
  for (const auto& k : sd.keys)
    keys.push_back({{"kvn", h8(k.kvn)}, {"kid", h8(k.kid)}, {"type", h8(k.type)},
                    {"value", to_hex(k.value)}});
  json data = json::object();
  for (const auto& [tag, v] : sd.data) data[fmt::format("{:X}", tag)] = to_hex(v);
  json dgis = json::object();
  for (const auto& [dgi, v] : sd.dgis) dgis[fmt::format("{:04X}", dgi)] = to_hex(v);
  return {{"scp", h8(sd.scp)},
          {"i", h8(sd.scp_i)},
          {"sequence_counter", sd.sequence_counter},
          {"keys", keys},
          {"data", data},
          {"dgis", dgis}};
}

Result<SecurityDomain> parse_domain(const json& j, const std::string& where) {
  Parser p{where};
  SecurityDomain sd;
  GPRAM_TRY(scp, p.number(j, "scp", 1));
  GPRAM_TRY(i, p.number(j, "i", 1));
  GPRAM_TRY(seq, p.count(j, "sequence_counter"));
  if (scp != 2 && scp != 3)
    return fail(Errc::bad_state, fmt::format("card state: {}.scp must be 02 or 03", where));
  sd.scp = static_cast<uint8_t>(scp);
  sd.scp_i = static_cast<uint8_t>(i);
  sd.sequence_counter = static_cast<uint32_t>(std::min<size_t>(seq, 0xFFFFFF));
  if (!j.contains("keys") || !j["keys"].is_array())
    return fail(Errc::bad_state, fmt::format("card state: {}.keys must be an array", where));
  for (size_t n = 0; n < j["keys"].size(); ++n) {
    Parser kp{fmt::format("{}.keys[{}]", where, n)};
    const json& k = j["keys"][n];
    GPRAM_TRY(kvn, kp.number(k, "kvn", 1));
    GPRAM_TRY(kid, kp.number(k, "kid", 1));
    GPRAM_TRY(type, kp.number(k, "type", 1));
    GPRAM_TRY(value, kp.bytes(k, "value"));
    sd.keys.push_back(Key{static_cast<uint8_t>(kvn), static_cast<uint8_t>(kid),
                          static_cast<uint8_t>(type), std::move(value)});
  }
  auto read_map = [&](const char* name, auto& out, size_t max_tag) -> Result<void> {
    if (!j.contains(name)) return {};
    if (!j[name].is_object())
      return fail(Errc::bad_state, fmt::format("card state: {}.{} must be an object", where, name));
    for (const auto& [key, v] : j[name].items()) {
      auto tag = from_hex(key.size() % 2 ? "0" + key : key);
      auto val = v.is_string() ? from_hex(v.template get<std::string>()) : Result<Bytes>(Bytes{});
      if (!tag || tag->empty() || tag->size() > max_tag || !v.is_string() || !val)
        return fail(Errc::bad_state, fmt::format("card state: {}.{}.{} malformed", where, name, key));
      uint32_t t = 0;
      for (uint8_t x : *tag) t = (t << 8) | x;
      out[static_cast<typename std::decay_t<decltype(out)>::key_type>(t)] = std::move(*val);
    }
    return {};
  };
  if (auto r = read_map("data", sd.data, 3); !r) return fail(r.error());
  if (auto r = read_map("dgis", sd.dgis, 2); !r) return fail(r.error());
  return sd;
}

}  // namespace

nlohmann::json VirtualCard::to_json() const {
  const Impl& s = *impl_;
  json elfs = json::array();
  for (const auto& e : s.registry.load_files) {
    json mods = json::array();
    for (const auto& m : e.modules) mods.push_back(to_hex(m));
    elfs.push_back({{"aid", to_hex(e.aid)}, {"version", to_hex(e.version)}, {"modules", mods},
                    {"sd", to_hex(e.sd)}, {"life_cycle", h8(e.life_cycle)}, {"size", e.size}});
  }
  json apps = json::array();
  for (const auto& a : s.registry.applications) {
    json perso = json::array();
    for (const auto& p : a.personalization) perso.push_back(to_hex(p));
    json o = {{"aid", to_hex(a.aid)},
              {"elf", to_hex(a.elf)},
              {"module", to_hex(a.module)},
              {"life_cycle", h8(a.life_cycle)},
              {"privileges", fmt::format("{:06X}", a.privileges)},
              {"sd", to_hex(a.sd)},
              {"install_params", to_hex(a.install_params)},
              {"personalization", perso}};
    if (a.domain) o["domain"] = domain_json(*a.domain);
    apps.push_back(std::move(o));
  }
  const CardConfig& c = s.config;
  return {{"format", 1},
          {"config",
           {{"isd_aid", to_hex(c.isd_aid)},
            {"kdd", to_hex(c.kdd)},
            {"iin", to_hex(c.iin)},
            {"cin", to_hex(c.cin)},
            {"max_response", c.max_response},
            {"min_security_level", h8(c.min_security_level)},
            {"nvm_size", c.nvm_size}}},
          {"card_life_cycle", h8(s.card_life_cycle)},
          {"load_files", elfs},
          {"applications", apps}};
}

Result<VirtualCard> VirtualCard::from_json(const nlohmann::json& state,
                                           std::unique_ptr<Random> random) {
  if (!state.is_object() || !state.contains("format") || state["format"] != 1)
    return fail(Errc::bad_state, "card state: not a card state document (format 1 expected)");
  Parser p{"state"};
  const json& jc = state.contains("config") ? state["config"] : json();
  Parser pc{"config"};
  CardConfig c;
  GPRAM_TRY(isd_aid, pc.bytes(jc, "isd_aid"));
  GPRAM_TRY(kdd, pc.bytes(jc, "kdd"));
  GPRAM_TRY(iin, pc.bytes(jc, "iin", true));
  GPRAM_TRY(cin, pc.bytes(jc, "cin", true));
  GPRAM_TRY(max_response, pc.count(jc, "max_response"));
  GPRAM_TRY(level, pc.number(jc, "min_security_level", 1));
  GPRAM_TRY(nvm, pc.count(jc, "nvm_size"));
  GPRAM_TRY(lcs, p.number(state, "card_life_cycle", 1));
  if (isd_aid.size() < 5 || isd_aid.size() > 16 || kdd.size() != 10 || max_response < 16)
    return fail(Errc::bad_state, "card state: config.isd_aid must be 5-16 bytes, config.kdd 10 "
                                 "bytes and config.max_response at least 16");
  c.isd_aid = isd_aid;
  c.kdd = kdd;
  c.iin = iin;
  c.cin = cin;
  c.max_response = max_response;
  c.min_security_level = static_cast<uint8_t>(level);
  c.nvm_size = static_cast<uint32_t>(std::min<size_t>(nvm, 0xFFFFFFFF));
  c.card_life_cycle = static_cast<uint8_t>(lcs);

  Registry reg;
  if (!state.contains("load_files") || !state["load_files"].is_array() ||
      !state.contains("applications") || !state["applications"].is_array() ||
      state["applications"].empty())
    return fail(Errc::bad_state, "card state: load_files and applications (ISD first) must be arrays");
  for (size_t n = 0; n < state["load_files"].size(); ++n) {
    const json& j = state["load_files"][n];
    Parser ep{fmt::format("load_files[{}]", n)};
    LoadFile e;
    GPRAM_TRY(aid, ep.bytes(j, "aid"));
    GPRAM_TRY(version, ep.bytes(j, "version", true));
    GPRAM_TRY(sd, ep.bytes(j, "sd", true));
    GPRAM_TRY(elcs, ep.number(j, "life_cycle", 1));
    GPRAM_TRY(size, ep.count(j, "size"));
    e.aid = aid;
    e.version = version;
    e.sd = sd;
    e.life_cycle = static_cast<uint8_t>(elcs);
    e.size = size;
    if (j.contains("modules") && j["modules"].is_array())
      for (const auto& m : j["modules"]) {
        auto b = m.is_string() ? from_hex(m.get<std::string>()) : Result<Bytes>(Bytes{});
        if (!m.is_string() || !b)
          return fail(Errc::bad_state, fmt::format("card state: load_files[{}].modules malformed", n));
        e.modules.push_back(std::move(*b));
      }
    reg.load_files.push_back(std::move(e));
  }
  for (size_t n = 0; n < state["applications"].size(); ++n) {
    const json& j = state["applications"][n];
    const std::string where = fmt::format("applications[{}]", n);
    Parser ap{where};
    Application a;
    GPRAM_TRY(aid, ap.bytes(j, "aid"));
    GPRAM_TRY(elf, ap.bytes(j, "elf", true));
    GPRAM_TRY(module, ap.bytes(j, "module", true));
    GPRAM_TRY(alcs, ap.number(j, "life_cycle", 1));
    GPRAM_TRY(priv, ap.number(j, "privileges", 3));
    GPRAM_TRY(sd, ap.bytes(j, "sd", true));
    GPRAM_TRY(params, ap.bytes(j, "install_params", true));
    a.aid = aid;
    a.elf = elf;
    a.module = module;
    a.life_cycle = static_cast<uint8_t>(alcs);
    a.privileges = priv;
    a.sd = sd;
    a.install_params = params;
    if (j.contains("personalization") && j["personalization"].is_array())
      for (const auto& b : j["personalization"]) {
        auto v = b.is_string() ? from_hex(b.get<std::string>()) : Result<Bytes>(Bytes{});
        if (!b.is_string() || !v)
          return fail(Errc::bad_state, fmt::format("card state: {}.personalization malformed", where));
        a.personalization.push_back(std::move(*v));
      }
    if (j.contains("domain")) {
      GPRAM_TRY(d, parse_domain(j["domain"], where + ".domain"));
      a.domain = std::move(d);
    }
    if (n == 0 && (!a.domain || !equal_bytes(a.aid, c.isd_aid)))
      return fail(Errc::bad_state, "card state: applications[0] must be the ISD (config.isd_aid) "
                                   "with a domain");
    reg.applications.push_back(std::move(a));
  }
  const SecurityDomain& isd = *reg.applications.front().domain;
  c.scp = isd.scp;
  c.scp_i = isd.scp_i;
  c.sequence_counter = isd.sequence_counter;
  for (const auto& k : isd.keys) {
    if (k.kid == 1) c.kvn = k.kvn;
  }
  VirtualCard card(c, std::move(random));
  card.impl_->registry = std::move(reg);
  card.impl_->card_life_cycle = c.card_life_cycle;
  card.impl_->reset();
  return card;
}

}  // namespace gpram::card
