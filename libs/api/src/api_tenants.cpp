// REST API: service providers (Amendment A tenants), tenant checks and the audit log.
//
// A provider's bearer token is 32 random bytes shown once at creation; the store keeps only its
// SHA-256. Every administrative action and every refused cross-tenant call leaves one audit
// entry; a refused call changes nothing else.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "api_util.hpp"
#include "gpram/api/api.hpp"
#include "gpram/crypto/crypto.hpp"

namespace gpram::api {

using namespace detail;  // NOLINT(google-build-using-namespace)
using nlohmann::json;

namespace {

bool valid_provider_id(std::string_view id) {
  if (id.empty() || id.size() > 64 || id == "operator") return false;
  for (char ch : id)
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.'))
      return false;
  return true;
}

std::string_view query_param(std::string_view target, std::string_view key) {
  const size_t q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    std::string_view kv = rest.substr(0, amp);
    if (kv.substr(0, key.size()) == key && kv.size() > key.size() && kv[key.size()] == '=')
      return kv.substr(key.size() + 1);
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return {};
}

}  // namespace

void Api::audit(const Caller& c, std::string_view action, std::string_view object, std::string_view outcome,
                std::string_view detail) {
  store::AuditEntry e;
  e.ts_ms = now_ms();
  e.actor = c.admin ? "operator" : c.tenant;
  e.action = std::string(action);
  e.object = std::string(object);
  e.outcome = std::string(outcome);
  e.detail = std::string(detail);
  if (!store_.append_audit(e)) audit_failures_.fetch_add(1);
}

ApiResponse Api::deny(const Caller& c, std::string_view action, std::string_view object, std::string_view why) {
  audit(c, action, object, "denied", why);
  return error(403, why);
}

bool Api::owns_sd(const Caller& c, const store::Card& card, ByteView sd) {
  if (c.admin) return true;
  for (const auto& d : card.security_domains)
    if (d.owner == c.tenant && std::ranges::equal(d.aid, sd)) return true;
  return false;
}

ApiResponse Api::post_service_provider(const Caller& c, std::string_view body) {
  if (!c.admin) return deny(c, "service_provider.add", "service providers", "only the operator may add service providers");
  json j = parse_body(body);
  only_fields(j, "service_provider", {"id"});
  const std::string id = str_field(j, "id", "service_provider", true, 64);
  if (!valid_provider_id(id))
    throw Reject{422, fmt::format("service_provider.id: \"{}\" must be 1 to 64 of a-z 0-9 - _ . and not "
                                  "\"operator\"",
                                  id)};
  Bytes raw(32);
  crypto::random_bytes(raw);
  std::string token = "sp_" + to_hex(raw);
  secure_wipe(raw);
  store::ServiceProvider sp{id, crypto::sha256(as_bytes(token)), now_ms()};
  if (auto r = store_.add_service_provider(sp); !r) {
    if (r.error().code == store::Errc::duplicate) return error(409, r.error().message);
    return error(500, r.error().message);
  }
  audit(c, "service_provider.add", "service provider " + id, "ok");
  ApiResponse out = ok_json(201, json{{"id", id}, {"token", token}});
  secure_wipe(std::span<uint8_t>(reinterpret_cast<uint8_t*>(token.data()), token.size()));
  return out;
}

ApiResponse Api::get_audit(const Caller& c, std::string_view target) {
  if (!c.admin) return deny(c, "audit.read", "audit log", "only the operator may read the audit log");
  int64_t after = 0;
  size_t limit = 1000;
  if (auto a = query_param(target, "after"); !a.empty()) {
    auto [p, ec] = std::from_chars(a.data(), a.data() + a.size(), after);
    if (ec != std::errc() || p != a.data() + a.size() || after < 0)
      throw Reject{422, fmt::format("after: \"{}\" is not a non-negative integer", a)};
  }
  if (auto l = query_param(target, "limit"); !l.empty()) {
    auto [p, ec] = std::from_chars(l.data(), l.data() + l.size(), limit);
    if (ec != std::errc() || p != l.data() + l.size() || limit == 0 || limit > 10000)
      throw Reject{422, fmt::format("limit: \"{}\" must be an integer 1..10000", l)};
  }
  json entries = json::array();
  for (const auto& e : store_.audit(after, limit))
    entries.push_back({{"seq", e.seq}, {"ts_ms", e.ts_ms}, {"actor", e.actor}, {"action", e.action},
                       {"object", e.object}, {"outcome", e.outcome}, {"detail", e.detail}});
  return ok_json(200, json{{"entries", entries}});
}

}  // namespace gpram::api
