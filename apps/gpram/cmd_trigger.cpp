// gpram trigger encode|decode: Amendment B administration session triggering parameters (81).
// JSON field names: docs/protocols/amdb-trigger.md. decode prints what encode reads, so
// `trigger decode $(trigger encode < x.json)` gives x back (hex in uppercase).
#include <arpa/inet.h>
#include <fmt/format.h>

#include <array>
#include <memory>
#include <string>

#include "cli.hpp"
#include "gpram/ram/trigger.hpp"

namespace gpram::cli {
namespace {

using nlohmann::json;
namespace ram = gpram::ram;

constexpr std::array<const char*, 7> kProtocols = {
    "", "udp_client", "tcp_client", "tcp_server", "udp_client_local", "tcp_client_local", "direct"};

void only_keys(const json& j, const char* where, std::initializer_list<const char*> keys) {
  if (!j.is_object()) throw UsageError(fmt::format("\"{}\" must be a JSON object", where));
  for (const auto& [k, v] : j.items()) {
    bool ok = false;
    for (const char* n : keys) ok = ok || k == n;
    if (!ok) throw UsageError(fmt::format("unknown field \"{}\" in {}", k, where));
  }
}

uint8_t byte_field(const json& j, const char* key, const char* where) {
  if (!j.contains(key)) throw UsageError(fmt::format("missing field \"{}\" in {}", key, where));
  Bytes b = hex_field(j, key);
  if (b.size() != 1)
    throw UsageError(fmt::format("field \"{}\" in {} must be one byte (2 hex digits)", key, where));
  return b[0];
}

std::string str_field(const json& j, const char* key, const char* where) {
  if (!j[key].is_string()) throw UsageError(fmt::format("field \"{}\" in {} must be a string", key, where));
  return j[key].get<std::string>();
}

unsigned num_field(const json& j, const char* key, const char* where, unsigned max) {
  if (!j[key].is_number_unsigned() || j[key].get<unsigned long long>() > max)
    throw UsageError(fmt::format("field \"{}\" in {} must be a number 0..{}", key, where, max));
  return j[key].get<unsigned>();
}

ram::SecurityParams security_of(const json& j) {
  only_keys(j, "security", {"psk_identity", "kvn", "kid", "sha_type"});
  ram::SecurityParams s;
  s.psk_identity = hex_field(j, "psk_identity");
  s.kvn = byte_field(j, "kvn", "security");
  s.kid = byte_field(j, "kid", "security");
  if (j.contains("sha_type")) s.sha_type = byte_field(j, "sha_type", "security");
  return s;
}

json security_json(const ram::SecurityParams& s) {
  json j = {{"psk_identity", to_hex(s.psk_identity)},
            {"kvn", fmt::format("{:02X}", s.kvn)},
            {"kid", fmt::format("{:02X}", s.kid)}};
  if (s.sha_type) j["sha_type"] = fmt::format("{:02X}", *s.sha_type);
  return j;
}

ram::ConnectionParams connection_of(const json& j) {
  only_keys(j, "connection", {"bearer", "buffer_size", "apn", "transport", "destination", "other"});
  ram::ConnectionParams c;
  if (j.contains("bearer")) c.bearer = hex_field(j, "bearer");
  if (j.contains("buffer_size")) c.buffer_size = static_cast<uint16_t>(num_field(j, "buffer_size", "connection", 0xFFFF));
  if (j.contains("apn")) c.apn = str_field(j, "apn", "connection");
  if (j.contains("transport")) {
    const json& t = j["transport"];
    only_keys(t, "transport", {"protocol", "port"});
    ram::TransportLevel tl;
    if (!t.contains("protocol") || !t.contains("port"))
      throw UsageError("\"transport\" needs \"protocol\" and \"port\"");
    const std::string p = str_field(t, "protocol", "transport");
    bool found = false;
    for (size_t i = 1; i < kProtocols.size(); ++i)
      if (p == kProtocols[i]) tl.protocol = static_cast<uint8_t>(i), found = true;
    if (!found) {
      auto b = from_hex(p);
      if (!b || b->size() != 1)
        throw UsageError(fmt::format("transport protocol \"{}\" is not one of udp_client, tcp_client, "
                                     "tcp_server, udp_client_local, tcp_client_local, direct or a hex byte",
                                     p));
      tl.protocol = (*b)[0];
    }
    tl.port = static_cast<uint16_t>(num_field(t, "port", "transport", 0xFFFF));
    c.transport = tl;
  }
  if (j.contains("destination")) {
    const std::string a = str_field(j, "destination", "connection");
    std::array<uint8_t, 16> buf{};
    if (inet_pton(AF_INET, a.c_str(), buf.data()) == 1)
      c.destination = ram::OtherAddress{0x21, Bytes(buf.begin(), buf.begin() + 4)};
    else if (inet_pton(AF_INET6, a.c_str(), buf.data()) == 1)
      c.destination = ram::OtherAddress{0x57, Bytes(buf.begin(), buf.end())};
    else
      throw UsageError(fmt::format("destination \"{}\" is not an IPv4 or IPv6 address", a));
  }
  if (j.contains("other")) {
    if (!j["other"].is_array()) throw UsageError("\"other\" must be an array of hex strings");
    for (const auto& o : j["other"]) {
      if (!o.is_string()) throw UsageError("\"other\" must be an array of hex strings");
      auto b = from_hex(o.get<std::string>());
      if (!b) throw UsageError("\"other\": " + b.error().message);
      c.other.push_back(std::move(*b));
    }
  }
  return c;
}

json connection_json(const ram::ConnectionParams& c) {
  json j = json::object();
  if (c.bearer) j["bearer"] = to_hex(*c.bearer);
  if (c.buffer_size) j["buffer_size"] = *c.buffer_size;
  if (c.apn) j["apn"] = *c.apn;
  if (c.transport) {
    const uint8_t p = c.transport->protocol;
    j["transport"] = {{"protocol", p >= 1 && p < kProtocols.size() ? std::string(kProtocols[p])
                                                                    : fmt::format("{:02X}", p)},
                      {"port", c.transport->port}};
  }
  if (c.destination) {
    std::array<char, INET6_ADDRSTRLEN> text{};
    const int af = c.destination->type == 0x21 ? AF_INET : AF_INET6;
    if (inet_ntop(af, c.destination->address.data(), text.data(), text.size()) != nullptr)
      j["destination"] = std::string(text.data());
  }
  if (!c.other.empty()) {
    json o = json::array();
    for (const auto& b : c.other) o.push_back(to_hex(b));
    j["other"] = o;
  }
  return j;
}

ram::TriggerParams trigger_of(const json& in) {
  only_keys(in, "input", {"connection", "security", "retry", "http_post", "dns"});
  ram::TriggerParams t;
  const bool session = in.contains("connection") || in.contains("security") ||
                       in.contains("retry") || in.contains("http_post");
  if (session) {
    ram::SessionParams s;
    if (in.contains("connection")) s.connection = connection_of(in["connection"]);
    if (in.contains("security")) {
      if (in["security"].is_array()) {
        s.extended_security = true;
        for (const auto& e : in["security"]) s.security.push_back(security_of(e));
      } else {
        s.security.push_back(security_of(in["security"]));
      }
    }
    if (in.contains("retry")) {
      const json& r = in["retry"];
      only_keys(r, "retry", {"count", "delay", "delay_tag", "report_failure"});
      ram::RetryPolicy rp;
      if (!r.contains("count") || !r.contains("delay"))
        throw UsageError("\"retry\" needs \"count\" and \"delay\"");
      rp.count = static_cast<uint16_t>(num_field(r, "count", "retry", 0xFFFF));
      Bytes d = hex_field(r, "delay");
      if (d.size() != 3) throw UsageError("retry \"delay\" must be 3 bytes: hh mm ss");
      rp.delay = {d[0], d[1], d[2]};
      if (r.contains("delay_tag")) rp.timer_tag = byte_field(r, "delay_tag", "retry");
      rp.report_failure = opt_hex_field(r, "report_failure");
      s.retry = rp;
    }
    if (in.contains("http_post")) {
      const json& h = in["http_post"];
      only_keys(h, "http_post", {"host", "agent_id", "uri"});
      ram::HttpPostParams hp;
      if (h.contains("host")) hp.host = str_field(h, "host", "http_post");
      if (h.contains("agent_id")) hp.agent_id = str_field(h, "agent_id", "http_post");
      if (h.contains("uri")) hp.uri = str_field(h, "uri", "http_post");
      s.http_post = hp;
    }
    t.session = s;
  }
  t.dns = opt_hex_field(in, "dns");
  return t;
}

json trigger_json(const ram::TriggerParams& t) {
  json j = json::object();
  if (t.session) {
    const auto& s = *t.session;
    if (s.connection) j["connection"] = connection_json(*s.connection);
    if (s.extended_security) {
      json a = json::array();
      for (const auto& e : s.security) a.push_back(security_json(e));
      j["security"] = a;
    } else if (!s.security.empty()) {
      j["security"] = security_json(s.security[0]);
    }
    if (s.retry) {
      json r = {{"count", s.retry->count}, {"delay", to_hex(s.retry->delay)}};
      if (s.retry->timer_tag != 0x25) r["delay_tag"] = fmt::format("{:02X}", s.retry->timer_tag);
      if (s.retry->report_failure) r["report_failure"] = to_hex(*s.retry->report_failure);
      j["retry"] = r;
    }
    if (s.http_post) {
      json h = json::object();
      if (s.http_post->host) h["host"] = *s.http_post->host;
      if (s.http_post->agent_id) h["agent_id"] = *s.http_post->agent_id;
      if (s.http_post->uri) h["uri"] = *s.http_post->uri;
      j["http_post"] = h;
    }
  }
  if (t.dns) j["dns"] = to_hex(*t.dns);
  return j;
}

void run_encode() {
  const ram::TriggerParams t = trigger_of(read_stdin_json());
  auto b = ram::encode_trigger(t);
  if (!b) throw UsageError(b.error().message);
  print_json({{"tlv", to_hex(*b)}});
}

void run_decode(const std::string& text) {
  auto t = ram::decode_trigger(hex_arg(text, "HEX"));
  if (!t) throw UsageError(t.error().message);
  print_json(trigger_json(*t));
}

}  // namespace

void register_trigger(CLI::App& app) {
  auto* trig = app.add_subcommand(
      "trigger", "Amendment B administration session triggering parameters (tag 81)");
  trig->require_subcommand(1);
  auto* enc = trig->add_subcommand(
      "encode", "JSON on stdin {connection,security,retry,http_post,dns} -> {\"tlv\":HEX}");
  enc->callback(run_encode);
  auto* dec = trig->add_subcommand("decode", "81 TLV in hex -> the JSON that encode reads");
  auto hex_text = std::make_shared<std::string>();
  dec->add_option("HEX", *hex_text, "the 81 TLV, hex")->required();
  dec->callback([hex_text] { run_decode(*hex_text); });
}

}  // namespace gpram::cli
