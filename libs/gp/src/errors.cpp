// Error category of gpram::gp.
#include "gpram/gp/errors.hpp"

namespace gpram::gp {
namespace {

const char* gp_message(int ev) {
  switch (static_cast<Errc>(ev)) {
    case Errc::invalid_argument: return "GP: invalid argument";
    case Errc::truncated: return "GP: data ends early";
    case Errc::malformed: return "GP: malformed data";
    case Errc::card_status: return "GP: unexpected status word from the card";
    case Errc::too_many_pages: return "GP: GET STATUS did not finish";
    case Errc::not_a_zip: return "CAP: not a ZIP archive";
    case Errc::zip_error: return "CAP: cannot read a ZIP entry";
    case Errc::missing_component: return "CAP: required component missing";
    case Errc::duplicate_component: return "CAP: duplicate component";
    case Errc::bad_component: return "CAP: malformed component";
    case Errc::bad_magic: return "CAP: bad Header magic";
    case Errc::too_large: return "CAP: too large";
    case Errc::unknown_applet: return "GP: applet class not in the CAP file";
  }
  return "GP: unknown error";
}

}  // namespace

const std::error_category& error_category() noexcept {
  static const SimpleCategory category("gpram.gp", gp_message);
  return category;
}

}  // namespace gpram::gp
