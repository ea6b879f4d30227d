// PUT KEY key-data blocks (GP CS v2.3 §11.8.2.3 Table 11-70/71; Amd B Table 3-11 for the
// PSK-TLS key type 85), key check values and EMV / VISA2 static key diversification.
#include "gpram/scp/keys.hpp"

#include <fmt/format.h>

#include "gpram/crypto/crypto.hpp"
#include "gpram/tlv/tlv.hpp"

namespace gpram::scp {

Result<Bytes> key_check_value(KeyType type, ByteView key) {
  Result<Bytes> k = Bytes{};
  switch (type) {
    case KeyType::des: k = crypto::kcv_des(key); break;
    case KeyType::aes: k = crypto::kcv_aes(key); break;
    case KeyType::psk_tls: return crypto::kcv_sha1(key);
  }
  if (!k) return fail(Errc::bad_key, "SCP: key check value: " + k.error().message);
  return k;
}

Result<Bytes> build_key_block(KeyType type, ByteView key, size_t block, const KeyEncryptor& encrypt,
                              Random& random) {
  if (key.empty() || key.size() > 0xFFFF)
    return fail(Errc::bad_key, fmt::format("SCP: PUT KEY key of {} bytes", key.size()));
  auto kcv = key_check_value(type, key);
  if (!kcv) return fail(kcv.error());
  Bytes padded(key.begin(), key.end());
  if (padded.size() % block) {
    if (type == KeyType::des)
      return fail(Errc::bad_key,
                  fmt::format("SCP: DES key of {} bytes is not a whole number of blocks", key.size()));
    Bytes fill(block - padded.size() % block);
    random.fill(fill);
    append(padded, fill);
  }
  auto enc = encrypt(padded);
  secure_wipe(padded);
  if (!enc) return fail(enc.error());
  Bytes out{static_cast<uint8_t>(type)};
  switch (type) {
    case KeyType::des:
      tlv::append_length(out, enc->size());
      break;
    case KeyType::aes:
      if (key.size() > 0xFF)
        return fail(Errc::bad_key, fmt::format("SCP: AES key of {} bytes", key.size()));
      tlv::append_length(out, enc->size() + 1);
      out.push_back(static_cast<uint8_t>(key.size()));
      break;
    case KeyType::psk_tls:
      tlv::append_length(out, tlv::length_size(key.size()) + enc->size());
      tlv::append_length(out, key.size());
      break;
  }
  append(out, *enc);
  out.push_back(0x03);
  append(out, *kcv);
  return out;
}

Result<KeyBlock> parse_key_block(ByteView b) {
  auto bad = [&](const std::string& what) {
    return fail(Errc::bad_command, "SCP: PUT KEY key block: " + what);
  };
  if (b.empty()) return bad("empty");
  KeyBlock k;
  const uint8_t t = b[0];
  if (t != 0x80 && t != 0x85 && t != 0x88)
    return fail(Errc::unsupported_option,
                fmt::format("SCP: PUT KEY key type {:02X} not supported (80, 85, 88)", t));
  k.type = static_cast<KeyType>(t);
  size_t pos = 1;
  auto len = tlv::read_length(b, pos, false);
  if (!len || !*len) return bad("bad length at offset 1");
  const size_t total = **len;
  if (total > b.size() - pos)
    return bad(fmt::format("length {} exceeds the {} bytes left", total, b.size() - pos));
  const size_t end = pos + total;
  if (k.type == KeyType::des) {
    k.key_length = total;
  } else if (k.type == KeyType::aes) {
    if (total < 2) return bad("AES block without key length");
    k.key_length = b[pos++];
  } else {
    auto kl = tlv::read_length(b, pos, false);
    if (!kl || !*kl || pos > end) return bad("bad PSK key length");
    k.key_length = **kl;
  }
  k.encrypted.assign(b.begin() + static_cast<std::ptrdiff_t>(pos),
                     b.begin() + static_cast<std::ptrdiff_t>(end));
  if (k.key_length > k.encrypted.size())
    return bad(fmt::format("key length {} exceeds the {} encrypted bytes", k.key_length,
                           k.encrypted.size()));
  pos = end;
  if (pos < b.size()) {
    const size_t kcv_len = b[pos++];
    if (kcv_len > b.size() - pos) return bad("KCV runs past the end");
    k.kcv.assign(b.begin() + static_cast<std::ptrdiff_t>(pos),
                 b.begin() + static_cast<std::ptrdiff_t>(pos + kcv_len));
    pos += kcv_len;
  }
  k.size = pos;
  return k;
}

Result<Bytes> open_key_block(const KeyBlock& block, const KeyEncryptor& decrypt) {
  auto plain = decrypt(block.encrypted);
  if (!plain) return fail(plain.error());
  plain->resize(block.key_length);
  if (!block.kcv.empty()) {
    auto kcv = key_check_value(block.type, *plain);
    if (!kcv) return fail(kcv.error());
    if (!equal_ct(ByteView(kcv->data(), std::min(kcv->size(), block.kcv.size())), block.kcv) ||
        block.kcv.size() > kcv->size())
      return fail(Errc::bad_key, fmt::format("SCP: PUT KEY KCV mismatch (block says {}, key gives {})",
                                             to_hex(block.kcv), to_hex(*kcv)));
  }
  return plain;
}

Result<StaticKeys> diversify_keys(Diversification method, const StaticKeys& master, ByteView kdd) {
  if (method == Diversification::none) return master;
  if (kdd.size() != 10)
    return fail(Errc::bad_init_update_response,
                fmt::format("SCP: key diversification data must be 10 bytes, got {}", kdd.size()));
  auto derive = [&](ByteView key, uint8_t n) -> Result<Bytes> {
    Bytes data;
    for (uint8_t half : {uint8_t{0xF0}, uint8_t{0x0F}}) {
      if (method == Diversification::emv) {
        data.insert(data.end(), kdd.begin() + 4, kdd.end());
      } else {  // VISA2
        data.insert(data.end(), kdd.begin(), kdd.begin() + 2);
        data.insert(data.end(), kdd.begin() + 4, kdd.begin() + 8);
      }
      data.push_back(half);
      data.push_back(n);
    }
    auto e = crypto::des_ecb_encrypt(key, data);
    if (!e) return fail(Errc::bad_key, "SCP: key diversification: " + e.error().message);
    return e;
  };
  StaticKeys out;
  out.kvn = master.kvn;
  auto enc = derive(master.enc, 1);
  if (!enc) return fail(enc.error());
  auto mac = derive(master.mac, 2);
  if (!mac) return fail(mac.error());
  auto dek = derive(master.dek, 3);
  if (!dek) return fail(dek.error());
  out.enc = std::move(*enc);
  out.mac = std::move(*mac);
  out.dek = std::move(*dek);
  return out;
}

}  // namespace gpram::scp
