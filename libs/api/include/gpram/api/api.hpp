// The REST API of gpramd (docs/api.md), sans-IO: a request in, a response out. The network
// layer feeds it parsed HTTP requests from the API listener.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>

#include "gpram/jobs/compile.hpp"
#include "gpram/store/store.hpp"

namespace gpram::api {

struct ApiRequest {
  std::string_view method;
  std::string_view target;         // path and query
  std::string_view authorization;  // the Authorization header value
  std::string_view body;
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

class Api {
 public:
  Api(store::Store& store, std::string admin_token, jobs::CompileOptions compile = {});

  [[nodiscard]] ApiResponse handle(const ApiRequest& req);

  /// /healthz answers 200 only once the server says it is ready (both listeners accept).
  void set_ready(bool ready) noexcept { ready_.store(ready); }
  /// Text for GET /metrics (Prometheus exposition format).
  void set_metrics(std::function<std::string()> fn) { metrics_ = std::move(fn); }
  /// Called after a job is queued (the server may trigger the card).
  void on_job_queued(std::function<void(const store::Job&)> fn) { job_queued_ = std::move(fn); }
  /// Audit entries that could not be written (the store failed).
  [[nodiscard]] uint64_t audit_failures() const noexcept { return audit_failures_.load(); }

 private:
  struct Caller {
    bool admin = false;
    std::string tenant;  // service-provider id when not admin
  };
  ApiResponse post_service_provider(const Caller& c, std::string_view body);
  ApiResponse get_audit(const Caller& c, std::string_view target);
  ApiResponse post_card(const Caller& c, std::string_view body);
  ApiResponse get_card(const Caller& c, std::string_view iccid);
  ApiResponse post_job(const Caller& c, std::string_view body);
  ApiResponse get_job(const Caller& c, std::string_view id);
  ApiResponse cancel_job(const Caller& c, std::string_view id);
  ApiResponse post_campaign(const Caller& c, std::string_view body);
  ApiResponse get_campaign(const Caller& c, std::string_view id);
  ApiResponse campaign_action(const Caller& c, std::string_view id, std::string_view action);

  /// Appends an audit entry for what `c` did (a failure to write it is counted, never fatal).
  void audit(const Caller& c, std::string_view action, std::string_view object,
             std::string_view outcome, std::string_view detail = {});
  /// A cross-tenant attempt: 403 with `why`, and nothing but an audit entry.
  ApiResponse deny(const Caller& c, std::string_view action, std::string_view object,
                   std::string_view why);
  /// True when the caller may act on the SD `sd` of `card` (admin: any SD).
  [[nodiscard]] static bool owns_sd(const Caller& c, const store::Card& card, ByteView sd);

  store::Store& store_;
  std::string admin_token_;
  jobs::CompileOptions compile_;
  std::atomic<bool> ready_{false};
  std::function<std::string()> metrics_;
  std::function<void(const store::Job&)> job_queued_;
  std::atomic<uint64_t> audit_failures_{0};
};

/// The OpenAPI 3 document of the API (GET /v1/openapi.json).
[[nodiscard]] nlohmann::json openapi_document();

/// JSON representation of a job as GET /v1/jobs/{id} returns it.
[[nodiscard]] nlohmann::json job_json(const store::Job& job);

}  // namespace gpram::api
