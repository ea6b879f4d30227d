// GlobalPlatform Card Specification v2.3 §11 command builders: SELECT (§11.9), INSTALL (§11.5),
// DELETE (§11.2), GET STATUS (§11.4), SET STATUS (§11.10), GET DATA (§11.3). Codings checked
// against GlobalPlatformPro GPSession.java, pySim global_platform and kaoh/globalplatform.
#include <fmt/format.h>

#include "gpram/gp/commands.hpp"
#include "gpram/tlv/tlv.hpp"
#include "lv.hpp"

namespace gpram::gp {

Result<void> check_aid(ByteView aid, const char* what) {
  if (aid.size() < 5 || aid.size() > 16)
    return fail(Errc::invalid_argument,
                fmt::format("GP: {} must be 5 to 16 bytes, got {} ({})", what, aid.size(),
                            to_hex(aid)));
  return {};
}

namespace {

Result<void> check_optional_aid(ByteView aid, const char* what) {
  if (aid.empty()) return {};
  return check_aid(aid, what);
}

Result<void> check_privileges(ByteView priv) {
  if (priv.size() != 1 && priv.size() != 3)
    return fail(Errc::invalid_argument,
                fmt::format("GP: privileges must be 1 or 3 bytes, got {}", priv.size()));
  return {};
}

apdu::Capdu make(uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2, Bytes data,
                 std::optional<uint32_t> le) {
  apdu::Capdu c;
  c.cla = cla;
  c.ins = ins;
  c.p1 = p1;
  c.p2 = p2;
  c.data = std::move(data);
  c.le = le;
  return c;
}

Result<apdu::Capdu> install(InstallFor kind, bool more, Bytes data) {
  if (data.size() > 255)
    return fail(Errc::invalid_argument,
                fmt::format("GP: INSTALL data of {} bytes exceeds 255 (short APDU)", data.size()));
  const auto p1 = static_cast<uint8_t>(static_cast<uint8_t>(kind) | (more ? 0x80 : 0x00));
  return make(kClaGp, kInsInstall, p1, 0x00, std::move(data), kLe00);
}

}  // namespace

Result<apdu::Capdu> select(ByteView aid, bool next) {
  if (auto ok = check_optional_aid(aid, "SELECT AID"); !ok) return fail(ok.error());
  return make(kClaIso, kInsSelect, 0x04, next ? 0x02 : 0x00, Bytes(aid.begin(), aid.end()),
              kLe00);
}

Result<apdu::Capdu> install_for_load(const InstallForLoad& in, bool more) {
  if (auto ok = check_aid(in.elf_aid, "load file AID"); !ok) return fail(ok.error());
  if (auto ok = check_optional_aid(in.sd_aid, "security domain AID"); !ok) return fail(ok.error());
  Bytes d;
  if (auto ok = detail::append_lv(d, in.elf_aid, "load file AID"); !ok) return fail(ok.error());
  if (auto ok = detail::append_lv(d, in.sd_aid, "SD AID"); !ok) return fail(ok.error());
  if (auto ok = detail::append_lv(d, in.hash, "load file hash"); !ok) return fail(ok.error());
  if (auto ok = detail::append_lv(d, in.load_params, "load parameters"); !ok)
    return fail(ok.error());
  if (auto ok = detail::append_lv(d, in.token, "load token"); !ok) return fail(ok.error());
  return install(InstallFor::load, more, std::move(d));
}

Bytes load_parameters(const LoadParams& p) {
  Bytes inner;
  const auto quota = [&inner](tlv::Tag tag, std::optional<uint32_t> v) {
    if (!v) return;
    Bytes val;
    if (*v > 0xFFFF)
      append_u32(val, *v);
    else
      append_u16(val, static_cast<uint16_t>(*v));
    tlv::append(inner, tag, val);
  };
  quota(0xC6, p.non_volatile_code);
  quota(0xC7, p.volatile_data);
  quota(0xC8, p.non_volatile_data);
  if (inner.empty()) return {};
  return tlv::encode(0xEF, inner);
}

Result<apdu::Capdu> install_for_install(const InstallForInstall& in, bool make_selectable,
                                        bool more) {
  const ByteView instance = in.instance_aid.empty() ? ByteView(in.module_aid) : in.instance_aid;
  if (auto ok = check_aid(in.elf_aid, "load file AID"); !ok) return fail(ok.error());
  if (auto ok = check_aid(in.module_aid, "module (class) AID"); !ok) return fail(ok.error());
  if (auto ok = check_aid(instance, "instance AID"); !ok) return fail(ok.error());
  if (auto ok = check_privileges(in.privileges); !ok) return fail(ok.error());
  Bytes d;
  if (auto ok = detail::append_lv(d, in.elf_aid, "load file AID"); !ok) return fail(ok.error());
  if (auto ok = detail::append_lv(d, in.module_aid, "module AID"); !ok) return fail(ok.error());
  if (auto ok = detail::append_lv(d, instance, "instance AID"); !ok) return fail(ok.error());
  if (auto ok = detail::append_lv(d, in.privileges, "privileges"); !ok) return fail(ok.error());
  if (auto ok = detail::append_lv(d, in.params, "install parameters"); !ok)
    return fail(ok.error());
  if (auto ok = detail::append_lv(d, in.token, "install token"); !ok) return fail(ok.error());
  return install(make_selectable ? InstallFor::install_and_make_selectable : InstallFor::install,
                 more, std::move(d));
}

Result<apdu::Capdu> install_for_make_selectable(ByteView app_aid, ByteView privileges,
                                                ByteView token) {
  if (auto ok = check_aid(app_aid, "application AID"); !ok) return fail(ok.error());
  if (auto ok = check_privileges(privileges); !ok) return fail(ok.error());
  Bytes d{0x00, 0x00};
  if (auto ok = detail::append_lv(d, app_aid, "application AID"); !ok) return fail(ok.error());
  if (auto ok = detail::append_lv(d, privileges, "privileges"); !ok) return fail(ok.error());
  d.push_back(0x00);  // no parameters
  if (auto ok = detail::append_lv(d, token, "token"); !ok) return fail(ok.error());
  return install(InstallFor::make_selectable, false, std::move(d));
}

Result<apdu::Capdu> install_for_personalization(ByteView app_aid) {
  if (auto ok = check_aid(app_aid, "application AID"); !ok) return fail(ok.error());
  Bytes d{0x00, 0x00};
  if (auto ok = detail::append_lv(d, app_aid, "application AID"); !ok) return fail(ok.error());
  d.insert(d.end(), {0x00, 0x00, 0x00});
  return install(InstallFor::personalization, false, std::move(d));
}

Result<apdu::Capdu> install_for_extradition(ByteView sd_aid, ByteView app_aid, ByteView params,
                                            ByteView token) {
  if (auto ok = check_aid(sd_aid, "security domain AID"); !ok) return fail(ok.error());
  if (auto ok = check_aid(app_aid, "application AID"); !ok) return fail(ok.error());
  Bytes d;
  if (auto ok = detail::append_lv(d, sd_aid, "SD AID"); !ok) return fail(ok.error());
  d.push_back(0x00);
  if (auto ok = detail::append_lv(d, app_aid, "application AID"); !ok) return fail(ok.error());
  d.push_back(0x00);
  if (auto ok = detail::append_lv(d, params, "extradition parameters"); !ok)
    return fail(ok.error());
  if (auto ok = detail::append_lv(d, token, "token"); !ok) return fail(ok.error());
  return install(InstallFor::extradition, false, std::move(d));
}

Result<apdu::Capdu> install_for_registry_update(ByteView sd_aid, ByteView app_aid,
                                                ByteView privileges, ByteView params,
                                                ByteView token) {
  if (auto ok = check_optional_aid(sd_aid, "security domain AID"); !ok) return fail(ok.error());
  if (auto ok = check_aid(app_aid, "application AID"); !ok) return fail(ok.error());
  if (!privileges.empty())
    if (auto ok = check_privileges(privileges); !ok) return fail(ok.error());
  Bytes d;
  if (auto ok = detail::append_lv(d, sd_aid, "SD AID"); !ok) return fail(ok.error());
  d.push_back(0x00);
  if (auto ok = detail::append_lv(d, app_aid, "application AID"); !ok) return fail(ok.error());
  if (auto ok = detail::append_lv(d, privileges, "privileges"); !ok) return fail(ok.error());
  if (auto ok = detail::append_lv(d, params, "registry update parameters"); !ok)
    return fail(ok.error());
  if (auto ok = detail::append_lv(d, token, "token"); !ok) return fail(ok.error());
  return install(InstallFor::registry_update, false, std::move(d));
}

Bytes install_parameters(ByteView app_specific, const SystemParams& sys) {
  Bytes out;
  tlv::append(out, 0xC9, app_specific);
  Bytes ef;
  const auto quota = [&ef](tlv::Tag tag, std::optional<uint32_t> v) {
    if (!v) return;
    Bytes val;
    if (*v > 0xFFFF)
      append_u32(val, *v);
    else
      append_u16(val, static_cast<uint16_t>(*v));
    tlv::append(ef, tag, val);
  };
  quota(0xC8, sys.non_volatile_quota);
  quota(0xC7, sys.volatile_quota);
  if (!sys.toolkit_params.empty()) tlv::append(ef, 0xCA, sys.toolkit_params);
  if (!sys.uicc_access_params.empty()) tlv::append(ef, 0xEA, sys.uicc_access_params);
  if (!ef.empty()) tlv::append(out, 0xEF, ef);
  return out;
}

Result<apdu::Capdu> delete_object(ByteView aid, bool related, ByteView token) {
  if (auto ok = check_aid(aid, "AID to delete"); !ok) return fail(ok.error());
  Bytes d;
  tlv::append(d, 0x4F, aid);
  if (!token.empty()) tlv::append(d, 0x9E, token);  // GP 2.3 Table 11-23: delete token
  return make(kClaGp, kInsDelete, 0x00, related ? 0x80 : 0x00, std::move(d), kLe00);
}

Result<apdu::Capdu> delete_key(std::optional<uint8_t> kid, std::optional<uint8_t> kvn) {
  if (!kid && !kvn)
    return fail(Errc::invalid_argument, "GP: DELETE key needs a key identifier or a version");
  Bytes d;
  if (kid) tlv::append(d, 0xD0, {*kid});
  if (kvn) tlv::append(d, 0xD2, {*kvn});
  return make(kClaGp, kInsDelete, 0x00, 0x00, std::move(d), kLe00);
}

Result<apdu::Capdu> get_status(StatusKind kind, StatusFormat format, bool next,
                               ByteView aid_filter, ByteView tag_list) {
  if (aid_filter.size() > 16)
    return fail(Errc::invalid_argument,
                fmt::format("GP: GET STATUS AID filter of {} bytes (at most 16)", aid_filter.size()));
  Bytes d;
  tlv::append(d, 0x4F, aid_filter);
  if (!tag_list.empty()) tlv::append(d, 0x5C, tag_list);
  const auto p2 = static_cast<uint8_t>(static_cast<uint8_t>(format) | (next ? 0x01 : 0x00));
  return make(kClaGp, kInsGetStatus, static_cast<uint8_t>(kind), p2, std::move(d), kLe00);
}

Result<apdu::Capdu> set_status(SetStatusScope scope, uint8_t state, ByteView aid) {
  if (scope == SetStatusScope::isd) {
    if (auto ok = check_optional_aid(aid, "ISD AID"); !ok) return fail(ok.error());
  } else if (auto ok = check_aid(aid, "application AID"); !ok) {
    return fail(ok.error());
  }
  return make(kClaGp, kInsSetStatus, static_cast<uint8_t>(scope), state,
              Bytes(aid.begin(), aid.end()), std::nullopt);
}

apdu::Capdu get_data(uint16_t tag) {
  return make(kClaGp, kInsGetData, static_cast<uint8_t>(tag >> 8), static_cast<uint8_t>(tag), {},
              kLe00);
}

}  // namespace gpram::gp
