// HTTP/1.1 serialization (RFC 9112 §3-§7). The serializer owns the framing: it writes
// Content-Length or Transfer-Encoding itself and drops any such field from the message's headers.
#pragma once

#include <cstddef>

#include "gpram/base/bytes.hpp"
#include "gpram/http/message.hpp"

namespace gpram::http {

struct BodyOptions {
  /// Transfer-Encoding: chunked instead of Content-Length.
  bool chunked = false;
  /// Bytes per chunk; 0 = the whole body in one chunk.
  size_t chunk_size = 0;
};

/// Appends the response to `out`. 1xx, 204 and 304 never carry a body or framing fields
/// (RFC 9110 §6.4.1); other statuses get "Content-Length: N" (also 0) or a chunked body.
/// keep_alive == false adds "Connection: close".
void serialize(const Response& res, Bytes& out, const BodyOptions& opts = {});

/// Appends the request to `out`. An empty body gets no framing field at all (the Amendment B
/// first POST carries "no optional headers, no body", AmdB §3.3.4); a non-empty one gets
/// Content-Length or chunked per `opts`.
void serialize(const Request& req, Bytes& out, const BodyOptions& opts = {});

/// Size serialize() will append (for reserving); exact.
[[nodiscard]] size_t serialized_size(const Response& res, const BodyOptions& opts = {});
[[nodiscard]] size_t serialized_size(const Request& req, const BodyOptions& opts = {});

}  // namespace gpram::http
