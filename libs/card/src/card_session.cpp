// Security Domain commands around keys and data: INITIALIZE UPDATE / EXTERNAL AUTHENTICATE
// (GP 2.3 §11.11 / §11.12, Amd D §7.1-7.2, Annex E.5.1-E.5.2), PUT KEY (GP 2.3 §11.8, key types
// Table 11-16, Amd B Table 3-11 for PSK-TLS 85) and STORE DATA (GP 2.3 §11.11.2, DGI and BER-TLV).
#include <fmt/format.h>

#include "card_impl.hpp"
#include "gpram/crypto/crypto.hpp"
#include "gpram/tlv/tlv.hpp"

namespace gpram::card {
namespace {

StaticKeys key_set(const SecurityDomain& sd, uint8_t kvn) {
  StaticKeys k;
  if (kvn == 0) {
    for (const auto& key : sd.keys)
      if (key.kid == 0x01 && key.type != kKeyPskTls) {
        kvn = key.kvn;
        break;
      }
  }
  k.kvn = kvn;
  for (const auto& key : sd.keys) {
    if (key.kvn != kvn) continue;
    if (key.kid == 0x01) k.enc = key.value;
    if (key.kid == 0x02) k.mac = key.value;
    if (key.kid == 0x03) k.dek = key.value;
  }
  return k;
}

Result<Bytes> kcv_of(uint8_t type, ByteView key) {
  if (type == kKeyDes) return crypto::kcv_des(key);
  if (type == kKeyAes) return crypto::kcv_aes(key);
  return crypto::kcv_sha1(key);
}

bool key_length_ok(uint8_t type, size_t n) {
  if (type == kKeyDes) return n == 16 || n == 24;
  if (type == kKeyAes) return n == 16 || n == 24 || n == 32;
  return n >= 1 && n <= 64;
}

}  // namespace

Reply VirtualCard::Impl::initialize_update(Channel& ch, const apdu::Capdu& cmd) {
  Application* sd_app = selected_sd(ch);
  if (cmd.p2 != 0x00) return sw_only(kSwWrongP1P2);
  if (cmd.data.size() != 8) return sw_only(kSwWrongLength);
  ch.session.reset();
  SecurityDomain& sd = *sd_app->domain;
  StaticKeys keys = key_set(sd, cmd.p1);
  if (keys.enc.empty() || keys.mac.empty() || keys.dek.empty()) return sw_only(kSwRefNotFound);
  std::unique_ptr<CardSession> s;
  uint32_t seq = sd.sequence_counter;
  if (sd.scp == 0x03) {
    if (sd.sequence_counter >= 0xFFFFFF) return sw_only(kSwConditions);
    seq = ++sd.sequence_counter;
    s = make_scp03_session(std::move(keys), config.kdd, sd.scp_i, sd_app->aid);
  } else {
    if (sd.sequence_counter >= 0xFFFF) return sw_only(kSwConditions);
    s = make_scp02_session(std::move(keys), config.kdd, sd.scp_i);
  }
  auto resp = s->initialize_update(cmd.data, seq, *random);
  if (!resp) return sw_only(kSwWrongData);
  ch.session = std::move(s);
  ch.session_sd = sd_app->aid;
  ch.session_scp02 = sd.scp == 0x02;
  return Reply{std::move(*resp), kSwOk};
}

Reply VirtualCard::Impl::external_authenticate(Channel& ch, const apdu::Capdu& cmd) {
  if (!ch.session || ch.session->authenticated()) {
    ch.session.reset();
    return sw_only(kSwConditions);
  }
  if ((cmd.cla & 0x04) == 0 || cmd.p2 != 0x00) {
    ch.session.reset();
    return sw_only(cmd.p2 != 0x00 ? kSwWrongP1P2 : kSwSecurity);
  }
  if (auto r = ch.session->external_authenticate(cmd); !r) {
    ch.session.reset();
    return sw_only(kSwSecurity);
  }
  if (ch.session_scp02) {
    if (Application* a = app(ch.session_sd); a != nullptr && a->domain)
      ++a->domain->sequence_counter;
  }
  return {};
}

Reply VirtualCard::Impl::put_key(Channel& ch, const apdu::Capdu& cmd) {
  if (!ch.session || !ch.session->authenticated()) return sw_only(kSwSecurity);
  SecurityDomain& sd = *selected_sd(ch)->domain;
  const auto old_kvn = static_cast<uint8_t>(cmd.p1 & 0x7F);
  const auto first_kid = static_cast<uint8_t>(cmd.p2 & 0x7F);
  const bool several = (cmd.p2 & 0x80) != 0;
  ByteView d = cmd.data;
  if (d.size() < 2) return sw_only(kSwWrongData);
  const uint8_t new_kvn = d[0];
  if (new_kvn == 0 || new_kvn > 0x7F) return sw_only(kSwWrongData);
  const size_t block = ch.session->key_block();
  std::vector<Key> keys;
  Bytes response{new_kvn};
  size_t pos = 1;
  while (pos < d.size()) {
    const uint8_t type = d[pos++];
    if (type != kKeyDes && type != kKeyAes && type != kKeyPskTls) return sw_only(kSwAlgorithm);
    auto value = read_lv(d, pos);
    auto kcv = value ? read_lv(d, pos) : std::nullopt;
    if (!value || !kcv || value->empty()) return sw_only(kSwWrongData);
    Bytes enc = *value;
    size_t key_len = enc.size();
    if (enc.size() % block == 1 && enc[0] != 0 && enc[0] <= enc.size() - 1) {
      key_len = enc[0];  // GPP / Amd B form: key length, then the encrypted key
      enc.erase(enc.begin());
    } else if (enc.size() % block != 0) {
      return sw_only(kSwWrongData);
    }
    auto plain = ch.session->decrypt_key(enc);
    if (!plain) return sw_only(kSwWrongData);
    plain->resize(key_len);
    if (!key_length_ok(type, key_len)) return sw_only(kSwWrongData);
    auto check = kcv_of(type, *plain);
    if (!check) return sw_only(kSwWrongData);
    if (!kcv->empty()) {
      const size_t n = std::min<size_t>(kcv->size(), check->size());
      if (kcv->size() > 3 || !equal_bytes(ByteView(*kcv).first(n), ByteView(*check).first(n)))
        return sw_only(kSwKcv);
      append(response, ByteView(*check).first(3));
    }
    keys.push_back(Key{new_kvn, static_cast<uint8_t>(first_kid + keys.size()), type,
                       std::move(*plain)});
  }
  if (keys.empty() || (!several && keys.size() != 1) || first_kid == 0 || first_kid + keys.size() > 0x80)
    return sw_only(kSwWrongData);
  auto has_kvn = [&sd](uint8_t kvn) {
    for (const auto& k : sd.keys)
      if (k.kvn == kvn) return true;
    return false;
  };
  if (old_kvn == 0) {
    if (has_kvn(new_kvn)) return sw_only(kSwWrongData);
  } else {
    if (!has_kvn(old_kvn)) return sw_only(kSwRefNotFound);
    if (new_kvn != old_kvn && has_kvn(new_kvn)) return sw_only(kSwWrongData);
  }
  if (sd.keys.size() + keys.size() > 64) return sw_only(kSwNoMemory);
  if (old_kvn != 0) {
    std::erase_if(sd.keys, [&](const Key& k) {
      if (k.kvn != old_kvn) return false;
      for (const auto& n : keys)
        if (n.kid == k.kid) return true;
      return false;
    });
    for (auto& k : sd.keys)
      if (k.kvn == old_kvn) k.kvn = new_kvn;
  }
  for (auto& k : keys) sd.keys.push_back(std::move(k));
  return Reply{std::move(response), kSwOk};
}

namespace {

bool store_sd_objects(SecurityDomain& sd, uint8_t p1, ByteView data) {
  const uint8_t structure = p1 & 0x18;
  if (structure == 0x08) {  // DGI: 2-byte tag, length 1 byte or FF + 2 bytes
    size_t pos = 0;
    while (pos < data.size()) {
      if (data.size() - pos < 3) return false;
      const uint16_t dgi = load_u16(&data[pos]);
      size_t len = data[pos + 2];
      pos += 3;
      if (len == 0xFF) {
        if (data.size() - pos < 2) return false;
        len = load_u16(&data[pos]);
        pos += 2;
      }
      if (data.size() - pos < len) return false;
      sd.dgis[dgi] = Bytes(data.begin() + static_cast<std::ptrdiff_t>(pos),
                           data.begin() + static_cast<std::ptrdiff_t>(pos + len));
      pos += len;
    }
    return true;
  }
  auto all = tlv::decode_all(data, tlv::ReadOptions{true, false});
  if (!all) return false;
  if (sd.data.size() + all->size() > 256) return false;
  for (const auto& t : *all) sd.data[t.tag] = Bytes(t.value.begin(), t.value.end());
  return true;
}

// SGP.22 §5.7.20 GetEUICCData (ES10c) as an ISD-R answers it: STORE DATA P1 b1 set with
// BF3E { 5C tag list }; the answer is BF3E { each listed object the SD holds, e.g. 5A EID }.
std::optional<Bytes> get_euicc_data(const SecurityDomain& sd, uint8_t p1, ByteView buffer) {
  if ((p1 & 0x01) == 0) return std::nullopt;
  auto one = tlv::decode_one(buffer);
  if (!one || one->tag != 0xBF3E) return std::nullopt;
  auto list = tlv::find(one->value, 0x5C);
  if (!list || !*list) return std::nullopt;
  Bytes out;
  tlv::append_constructed(out, 0xBF3E, [&](Bytes& o) {
    for (uint8_t t : (*list)->value)
      if (auto it = sd.data.find(t); it != sd.data.end()) tlv::append(o, t, it->second);
  });
  return out;
}

}  // namespace

Reply VirtualCard::Impl::store_data(Channel& ch, const apdu::Capdu& cmd) {
  const bool last = (cmd.p1 & 0x80) != 0;
  if (cmd.p2 != ch.store_next_block) return sw_only(kSwWrongP1P2);
  if ((cmd.p1 & 0x18) == 0x18) return sw_only(kSwWrongP1P2);
  if (!ch.perso_target.empty()) {
    Application* target = app(ch.perso_target);
    if (target == nullptr) return sw_only(kSwConditions);
    if (target->personalization.size() >= 256) return sw_only(kSwNoMemory);
    target->personalization.push_back(cmd.data);
    ch.store_next_block = last ? 0 : static_cast<uint8_t>(ch.store_next_block + 1);
    if (last) ch.perso_target.clear();
    return {};
  }
  if (ch.store_buffer.size() + cmd.data.size() > 0x10000) {
    ch.store_buffer.clear();
    ch.store_next_block = 0;
    return sw_only(kSwNoMemory);
  }
  append(ch.store_buffer, cmd.data);
  ch.store_next_block = static_cast<uint8_t>(ch.store_next_block + 1);
  if (!last) return {};
  Bytes buffer = std::move(ch.store_buffer);
  ch.store_buffer.clear();
  ch.store_next_block = 0;
  SecurityDomain& sd = *selected_sd(ch)->domain;
  if (auto query = get_euicc_data(sd, cmd.p1, buffer)) return Reply{std::move(*query), kSwOk};
  if (!store_sd_objects(sd, cmd.p1, buffer)) return sw_only(kSwWrongData);
  return {};
}

}  // namespace gpram::card
