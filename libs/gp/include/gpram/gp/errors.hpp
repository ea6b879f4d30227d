// Error codes of the GlobalPlatform library (commands, registry data, CAP files).
#pragma once

#include "gpram/base/bytes.hpp"

namespace gpram::gp {

enum class Errc {
  invalid_argument = 1,  // a builder input out of range (AID length, block size, privileges)
  truncated,             // a response or component ends early
  malformed,             // a field has an impossible value (length, tag, count)
  card_status,           // the card answered a status word the operation cannot continue with
  too_many_pages,        // GET STATUS paging did not end within the configured bound
  not_a_zip,             // CAP: the bytes are not a readable ZIP archive
  zip_error,             // CAP: an entry cannot be read
  missing_component,     // CAP: a required component is absent
  duplicate_component,   // CAP: the same component appears twice
  bad_component,         // CAP: a component's tag, size or content is wrong
  bad_magic,             // CAP: Header magic is not DECAFFED
  too_large,             // CAP: an entry or the load file exceeds a limit
  unknown_applet,        // install: a class AID that is not in the CAP's Applet component
};

}  // namespace gpram::gp

GPRAM_DECLARE_ERRC(gpram::gp);
