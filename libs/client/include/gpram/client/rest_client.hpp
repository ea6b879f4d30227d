// A small blocking HTTP/1.1 client for gpramd's REST API (the `gpram` CLI, the demo, tests):
// one keep-alive connection, reopened when the server closes it. Numeric addresses only.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "gpram/base/bytes.hpp"

namespace gpram::client {

struct HttpResult {
  int status = 0;
  std::string content_type;
  std::string body;
};

class RestClient {
 public:
  /// `base_url`: "http://HOST:PORT" (HOST numeric or localhost).
  [[nodiscard]] static Result<std::unique_ptr<RestClient>> create(std::string_view base_url,
                                                                  std::string token);
  ~RestClient();

  [[nodiscard]] Result<HttpResult> call(std::string_view method, std::string_view path,
                                        std::string_view body = {},
                                        std::chrono::milliseconds timeout = std::chrono::seconds(30));

  struct Impl;

 private:
  explicit RestClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace gpram::client
