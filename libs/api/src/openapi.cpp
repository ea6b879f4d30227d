// The OpenAPI 3 description served at GET /v1/openapi.json (kept next to the handlers so a
// new endpoint and its description change together; tests check both list the same paths).
#include <nlohmann/json.hpp>

namespace gpram::api {

nlohmann::json openapi_document() {
  using nlohmann::json;
  const json error_ref = {{"$ref", "#/components/schemas/Error"}};
  auto resp = [&](const char* desc, json schema = nullptr) {
    json r = {{"description", desc}};
    if (!schema.is_null()) r["content"] = {{"application/json", {{"schema", schema}}}};
    return r;
  };
  const json errors = {{"400", resp("not JSON", error_ref)},
                       {"401", resp("missing or invalid bearer token", error_ref)},
                       {"403", resp("another tenant's object", error_ref)},
                       {"404", resp("unknown object", error_ref)},
                       {"409", resp("conflicting state", error_ref)},
                       {"422", resp("invalid content (the message names the field)", error_ref)}};
  auto with_errors = [&](json r) {
    for (auto& [k, v] : errors.items()) r[k] = v;
    return r;
  };
  auto body = [](const char* ref) {
    return json{{"required", true},
                {"content", {{"application/json", {{"schema", {{"$ref", std::string("#/components/schemas/") + ref}}}}}}}};
  };
  const json id_param = {{"name", "id"}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}};
  json doc;
  doc["openapi"] = "3.0.3";
  doc["info"] = {{"title", "gpramd REST API"},
                 {"version", "1"},
                 {"description", "GlobalPlatform Amendment B remote application management: cards, jobs."}};
  doc["components"]["securitySchemes"]["bearer"] = {{"type", "http"}, {"scheme", "bearer"}};
  doc["security"] = json::array({{{"bearer", json::array()}}});
  auto& sc = doc["components"]["schemas"];
  sc["Error"] = {{"type", "object"}, {"properties", {{"error", {{"type", "string"}}}}}};
  const json hex = {{"type", "string"}, {"pattern", "^[0-9A-Fa-f]*$"}};
  sc["SecurityDomain"] = {{"type", "object"},
                          {"required", {"aid"}},
                          {"properties",
                           {{"aid", hex}, {"owner", {{"type", "string"}}}, {"scp", {{"type", "string"}, {"enum", {"02", "03"}}}},
                            {"kvn", {{"type", "integer"}}}, {"enc", hex}, {"mac", hex}, {"dek", hex}}}};
  sc["Card"] = {{"type", "object"},
                {"required", {"iccid", "psk_identity", "psk"}},
                {"additionalProperties", false},
                {"properties",
                 {{"iccid", {{"type", "string"}}}, {"psk_identity", {{"type", "string"}}}, {"psk", hex},
                  {"agent_id", {{"type", "string"}}}, {"msisdn", {{"type", "string"}}}, {"profile", {{"type", "string"}}},
                  {"scp80", {{"type", "object"}}},
                  {"security_domains", {{"type", "array"}, {"items", {{"$ref", "#/components/schemas/SecurityDomain"}}}}}}}};
  sc["Operation"] = {{"type", "object"},
                     {"minProperties", 1},
                     {"maxProperties", 1},
                     {"description", "apdus | install | delete | store_data | put_key | set_status | create_sd"}};
  sc["JobRequest"] = {{"type", "object"},
                      {"required", {"iccid", "operations"}},
                      {"additionalProperties", false},
                      {"properties",
                       {{"iccid", {{"type", "string"}}}, {"sd", hex},
                        {"operations", {{"type", "array"}, {"items", {{"$ref", "#/components/schemas/Operation"}}}}},
                        {"trigger", {{"type", "string"}, {"enum", {"sms", "poll", "none"}}}}}}};
  sc["Job"] = {{"type", "object"},
               {"properties",
                {{"id", {{"type", "string"}}}, {"iccid", {{"type", "string"}}},
                 {"state", {{"type", "string"}, {"enum", {"queued", "triggered", "running", "done", "failed", "cancelled"}}}},
                 {"results", {{"type", "array"}, {"items", {{"type", "object"}, {"properties", {{"capdu", hex}, {"rapdu", hex}, {"sw", hex}}}}}}},
                 {"error", {{"type", "string"}}}}}};
  auto& p = doc["paths"];
  p["/healthz"]["get"] = {{"summary", "200 once both listeners accept"}, {"security", json::array()},
                          {"responses", {{"200", resp("ready")}, {"503", resp("not ready")}}}};
  p["/metrics"]["get"] = {{"summary", "Prometheus metrics"}, {"security", json::array()},
                          {"responses", {{"200", {{"description", "text format 0.0.4"}}}}}};
  p["/v1/openapi.json"]["get"] = {{"summary", "this document"}, {"security", json::array()},
                                  {"responses", {{"200", resp("OpenAPI 3")}}}};
  p["/v1/cards"]["post"] = {{"summary", "register a card (admin)"}, {"requestBody", body("Card")},
                            {"responses", with_errors({{"201", resp("the card without keys")}})}};
  p["/v1/cards/{iccid}"]["get"] = {
      {"summary", "a card without keys"},
      {"parameters", json::array({{{"name", "iccid"}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}}})},
      {"responses", with_errors({{"200", resp("the card")}})}};
  p["/v1/jobs"]["post"] = {{"summary", "queue a job for one card"}, {"requestBody", body("JobRequest")},
                           {"responses", with_errors({{"201", resp("created")}})}};
  p["/v1/jobs/{id}"]["get"] = {{"summary", "a job with every R-APDU"}, {"parameters", json::array({id_param})},
                               {"responses", with_errors({{"200", resp("the job", {{"$ref", "#/components/schemas/Job"}})}})}};
  p["/v1/jobs/{id}/cancel"]["post"] = {{"summary", "cancel a job not yet final"}, {"parameters", json::array({id_param})},
                                       {"responses", with_errors({{"200", resp("the job")}})}};
  sc["CampaignRequest"] = {{"type", "object"},
                           {"required", {"iccids", "operations"}},
                           {"properties",
                            {{"iccids", {{"type", "array"}, {"items", {{"type", "string"}}}}}, {"sd", hex},
                             {"operations", {{"type", "array"}, {"items", {{"$ref", "#/components/schemas/Operation"}}}}},
                             {"rate_per_s", {{"type", "number"}}}, {"max_concurrent", {{"type", "integer"}}},
                             {"trigger", {{"type", "string"}, {"enum", {"sms", "poll", "none"}}}}}}};
  sc["Campaign"] = {{"type", "object"},
                    {"properties",
                     {{"id", {{"type", "string"}}}, {"state", {{"type", "string"}, {"enum", {"running", "paused", "cancelled", "done"}}}},
                      {"total", {{"type", "integer"}}}, {"queued", {{"type", "integer"}}}, {"running", {{"type", "integer"}}},
                      {"done", {{"type", "integer"}}}, {"failed", {{"type", "integer"}}}, {"cancelled", {{"type", "integer"}}}}}};
  p["/v1/campaigns"]["post"] = {{"summary", "the same operations over a set of cards"}, {"requestBody", body("CampaignRequest")},
                                {"responses", with_errors({{"201", resp("created")}})}};
  p["/v1/campaigns/{id}"]["get"] = {{"summary", "progress counts"}, {"parameters", json::array({id_param})},
                                    {"responses", with_errors({{"200", resp("the campaign", {{"$ref", "#/components/schemas/Campaign"}})}})}};
  for (const char* a : {"pause", "resume", "cancel"})
    p[std::string("/v1/campaigns/{id}/") + a]["post"] = {{"summary", a}, {"parameters", json::array({id_param})},
                                                          {"responses", with_errors({{"200", resp("the campaign")}})}};
  return doc;
}

}  // namespace gpram::api
