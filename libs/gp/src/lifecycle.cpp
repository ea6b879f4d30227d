// Life-cycle states (GP 2.3 §5.1.1-5.1.3, Tables 11-4/11-5/11-6) and privileges (GP 2.3 §6.6.1,
// Table 6-1). Names follow GlobalPlatformPro's spelling (GPRegistryEntry.Privilege).
#include <array>

#include <fmt/format.h>

#include "gpram/gp/registry.hpp"

namespace gpram::gp {
namespace {

struct Privilege {
  const char* name;
  uint8_t byte;  // 0..2
  uint8_t mask;  // every bit of the mask must be set
};

constexpr std::array<Privilege, 20> kPrivileges{{
    {"SecurityDomain", 0, 0x80},
    {"DAPVerification", 0, 0xC0},
    {"DelegatedManagement", 0, 0xA0},
    {"CardLock", 0, 0x10},
    {"CardTerminate", 0, 0x08},
    {"CardReset", 0, 0x04},
    {"CVMManagement", 0, 0x02},
    {"MandatedDAPVerification", 0, 0xC1},
    {"TrustedPath", 1, 0x80},
    {"AuthorizedManagement", 1, 0x40},
    {"TokenVerification", 1, 0x20},
    {"GlobalDelete", 1, 0x10},
    {"GlobalLock", 1, 0x08},
    {"GlobalRegistry", 1, 0x04},
    {"FinalApplication", 1, 0x02},
    {"GlobalService", 1, 0x01},
    {"ReceiptGeneration", 2, 0x80},
    {"CipheredLoadFileDataBlock", 2, 0x40},
    {"ContactlessActivation", 2, 0x20},
    {"ContactlessSelfActivation", 2, 0x10},
}};

}  // namespace

std::string lifecycle_name(LifecycleKind kind, uint8_t s) {
  switch (kind) {
    case LifecycleKind::card:
      switch (s) {
        case 0x01: return "OP_READY";
        case 0x07: return "INITIALIZED";
        case 0x0F: return "SECURED";
        case 0x7F: return "CARD_LOCKED";
        case 0xFF: return "TERMINATED";
        default: break;
      }
      break;
    case LifecycleKind::load_file:
      if (s == 0x01) return "LOADED";
      break;
    case LifecycleKind::security_domain:
      if (s == 0x03) return "INSTALLED";
      if (s == 0x07) return "SELECTABLE";
      if (s == 0x0F) return "PERSONALIZED";
      if ((s & 0x83) == 0x83) return "LOCKED";
      break;
    case LifecycleKind::application:
      if (s == 0x03) return "INSTALLED";
      if (s == 0x07) return "SELECTABLE";
      if ((s & 0x83) == 0x83) return "LOCKED";
      // Table 11-5: b1-b3 set, b4-b7 application specific.
      if ((s & 0x87) == 0x07) return fmt::format("APP_SPECIFIC_{:02X}", s);
      break;
  }
  return fmt::format("UNKNOWN_{:02X}", s);
}

std::vector<std::string> privilege_names(ByteView privileges) {
  std::vector<std::string> out;
  for (const auto& p : kPrivileges) {
    if (p.byte >= privileges.size()) continue;
    if ((privileges[p.byte] & p.mask) == p.mask) out.emplace_back(p.name);
  }
  return out;
}

Result<Bytes> privileges_from_names(const std::vector<std::string>& names) {
  Bytes out(3, 0x00);
  for (const auto& n : names) {
    bool found = false;
    for (const auto& p : kPrivileges) {
      if (n == p.name) {
        out[p.byte] = static_cast<uint8_t>(out[p.byte] | p.mask);
        found = true;
        break;
      }
    }
    if (!found) return fail(Errc::invalid_argument, fmt::format("GP: unknown privilege '{}'", n));
  }
  return out;
}

std::string key_type_name(uint8_t type) {
  switch (type) {
    case 0x80: return "DES";
    case 0x85: return "TLS-PSK";
    case 0x88: return "AES";
    case 0x90: return "HMAC-SHA1";
    case 0x91: return "HMAC-SHA1-160";
    case 0xA0: return "RSA-PUBLIC-E";
    case 0xA1: return "RSA-PUBLIC-N";
    case 0xA2: return "RSA-PRIVATE-N";
    case 0xA3: return "RSA-PRIVATE-D";
    case 0xA4: return "RSA-PRIVATE-CRT-P";
    case 0xA5: return "RSA-PRIVATE-CRT-Q";
    case 0xA6: return "RSA-PRIVATE-CRT-PQ";
    case 0xA7: return "RSA-PRIVATE-CRT-DP1";
    case 0xA8: return "RSA-PRIVATE-CRT-DQ1";
    case 0xB0: return "ECC-PUBLIC";
    case 0xB1: return "ECC-PRIVATE";
    case 0xB2: return "ECC-FIELD-P";
    case 0xB3: return "ECC-FIELD-A";
    case 0xB4: return "ECC-FIELD-B";
    case 0xB5: return "ECC-FIELD-G";
    case 0xB6: return "ECC-FIELD-N";
    case 0xB7: return "ECC-FIELD-K";
    case 0xFF: return "EXTENDED";
    default: return fmt::format("UNKNOWN_{:02X}", type);
  }
}

}  // namespace gpram::gp
