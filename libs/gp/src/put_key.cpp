// PUT KEY (GP 2.3 §11.8; key data field Table 11-70/11-71; response Table 11-72), Amendment B
// Table 3-11 for the TLS-PSK key (type 85), and KCV wrappers over libs/crypto.
#include <fmt/format.h>

#include "gpram/crypto/crypto.hpp"
#include "gpram/gp/commands.hpp"
#include "gpram/tlv/tlv.hpp"

namespace gpram::gp {
namespace {

Result<void> check_kcv(ByteView kcv) {
  if (kcv.size() > 127)
    return fail(Errc::invalid_argument, fmt::format("GP: KCV of {} bytes", kcv.size()));
  return {};
}

void append_kcv(Bytes& out, ByteView kcv) {
  out.push_back(static_cast<uint8_t>(kcv.size()));
  append(out, kcv);
}

}  // namespace

Result<Bytes> des_key_component(ByteView encrypted_key, ByteView kcv) {
  if (encrypted_key.empty() || encrypted_key.size() > 127 || encrypted_key.size() % 8 != 0)
    return fail(Errc::invalid_argument,
                fmt::format("GP: DES key data must be a multiple of 8 bytes, got {}",
                            encrypted_key.size()));
  if (auto ok = check_kcv(kcv); !ok) return fail(ok.error());
  Bytes out{kKeyTypeDes, static_cast<uint8_t>(encrypted_key.size())};
  append(out, encrypted_key);
  append_kcv(out, kcv);
  return out;
}

Result<Bytes> aes_key_component(ByteView encrypted_key, size_t clear_key_length, ByteView kcv) {
  if (clear_key_length != 16 && clear_key_length != 24 && clear_key_length != 32)
    return fail(Errc::invalid_argument,
                fmt::format("GP: AES key length must be 16, 24 or 32, got {}", clear_key_length));
  if (encrypted_key.size() < clear_key_length || encrypted_key.size() > 126)
    return fail(Errc::invalid_argument,
                fmt::format("GP: encrypted AES key of {} bytes for a {}-byte key",
                            encrypted_key.size(), clear_key_length));
  if (auto ok = check_kcv(kcv); !ok) return fail(ok.error());
  Bytes out{kKeyTypeAes, static_cast<uint8_t>(encrypted_key.size() + 1),
            static_cast<uint8_t>(clear_key_length)};
  append(out, encrypted_key);
  append_kcv(out, kcv);
  return out;
}

Result<Bytes> psk_key_component(ByteView encrypted_key, size_t clear_key_length, ByteView kcv) {
  if (clear_key_length == 0 || encrypted_key.size() < clear_key_length)
    return fail(Errc::invalid_argument,
                fmt::format("GP: encrypted PSK of {} bytes for a {}-byte key",
                            encrypted_key.size(), clear_key_length));
  if (auto ok = check_kcv(kcv); !ok) return fail(ok.error());
  Bytes inner;
  tlv::append_length(inner, clear_key_length);
  append(inner, encrypted_key);
  Bytes out{kKeyTypePsk};
  tlv::append_length(out, inner.size());
  append(out, inner);
  append_kcv(out, kcv);
  return out;
}

Result<apdu::Capdu> put_key(const PutKey& in) {
  if (in.components.empty())
    return fail(Errc::invalid_argument, "GP: PUT KEY needs at least one key component");
  if (in.replace_kvn > 0x7F || in.kid > 0x7F)
    return fail(Errc::invalid_argument,
                fmt::format("GP: PUT KEY KVN {:02X} / KID {:02X} must be below 80",
                            in.replace_kvn, in.kid));
  Bytes d{in.new_kvn};
  for (const auto& c : in.components) append(d, c);
  if (d.size() > 255)
    return fail(Errc::invalid_argument,
                fmt::format("GP: PUT KEY data of {} bytes exceeds 255", d.size()));
  apdu::Capdu c;
  c.cla = kClaGp;
  c.ins = kInsPutKey;
  c.p1 = static_cast<uint8_t>(in.replace_kvn | (in.more ? 0x80 : 0x00));
  c.p2 = static_cast<uint8_t>(in.kid | (in.components.size() > 1 ? 0x80 : 0x00));
  c.data = std::move(d);
  c.le = kLe00;
  return c;
}

Result<PutKeyResponse> parse_put_key_response(ByteView data, size_t kcv_length) {
  if (data.empty())
    return fail(Errc::truncated, "GP: PUT KEY response is empty (expected KVN and KCVs)");
  if (kcv_length == 0 || (data.size() - 1) % kcv_length != 0)
    return fail(Errc::malformed,
                fmt::format("GP: PUT KEY response of {} bytes is not KVN + n x {}-byte KCVs",
                            data.size(), kcv_length));
  PutKeyResponse r;
  r.kvn = data[0];
  for (size_t off = 1; off < data.size(); off += kcv_length) {
    const auto kcv = data.subspan(off, kcv_length);
    r.kcvs.emplace_back(kcv.begin(), kcv.end());
  }
  return r;
}

Result<Bytes> kcv_des(ByteView key) { return crypto::kcv_des(key); }
Result<Bytes> kcv_aes(ByteView key) { return crypto::kcv_aes(key); }
Bytes kcv_sha1(ByteView key) { return crypto::kcv_sha1(key); }

}  // namespace gpram::gp
