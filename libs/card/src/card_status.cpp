// Registry and card data queries: GET STATUS (GP 2.3 §11.4, Tables 11-33..11-39: P1 scope,
// P2 response format and next occurrence, 6310 paging), GET DATA (§11.3; card recognition data
// §H.2, key information template §11.3.3.1, Amd B parameters 85 / A5, FF21 extended card
// resources of Amd C §4.6) and SET STATUS (§11.10, life cycle transitions §5.1).
#include <fmt/format.h>

#include "card_impl.hpp"
#include "gpram/tlv/tlv.hpp"

namespace gpram::card {
namespace {

Bytes status_entry(const Application* a, const LoadFile* e, uint8_t p1, bool tlv_format) {
  Bytes out;
  const Bytes& aid = a != nullptr ? a->aid : e->aid;
  const uint8_t lcs = a != nullptr ? a->life_cycle : e->life_cycle;
  if (!tlv_format) {
    out.push_back(static_cast<uint8_t>(aid.size()));
    append(out, aid);
    out.push_back(lcs);
    out.push_back(a != nullptr ? static_cast<uint8_t>(a->privileges >> 16) : 0x00);
    if (p1 == 0x10) {
      out.push_back(static_cast<uint8_t>(e->modules.size()));
      for (const auto& m : e->modules) {
        out.push_back(static_cast<uint8_t>(m.size()));
        append(out, m);
      }
    }
    return out;
  }
  tlv::append_constructed(out, 0xE3, [&](Bytes& o) {
    tlv::append(o, 0x4F, aid);
    tlv::append(o, 0x9F70, {lcs});
    if (a != nullptr) {
      Bytes priv;
      append_u24(priv, a->privileges);
      tlv::append(o, 0xC5, priv);
      if (!a->elf.empty()) tlv::append(o, 0xC4, a->elf);
      if (!a->sd.empty()) tlv::append(o, 0xCC, a->sd);
    } else {
      if (!e->version.empty()) tlv::append(o, 0xCE, e->version);
      if (!e->sd.empty()) tlv::append(o, 0xCC, e->sd);
      if (p1 == 0x10)
        for (const auto& m : e->modules) tlv::append(o, 0x84, m);
    }
  });
  return out;
}

bool valid_card_transition(uint8_t from, uint8_t to) {
  if (to == kCardTerminated) return from != kCardTerminated;
  switch (from) {
    case kCardOpReady: return to == kCardInitialized || to == kCardSecured;
    case kCardInitialized: return to == kCardSecured;
    case kCardSecured: return to == kCardLocked;
    case kCardLocked: return to == kCardSecured;
    default: return false;
  }
}

}  // namespace

Reply VirtualCard::Impl::get_status(Channel& ch, const apdu::Capdu& cmd) {
  const uint8_t p1 = cmd.p1;
  if (p1 != 0x80 && p1 != 0x40 && p1 != 0x20 && p1 != 0x10) return sw_only(kSwWrongP1P2);
  if ((cmd.p2 & ~0x03) != 0) return sw_only(kSwWrongP1P2);
  const bool tlv_format = (cmd.p2 & 0x02) != 0;
  const bool next = (cmd.p2 & 0x01) != 0;
  auto all = tlv::decode_all(cmd.data);
  if (!all) return sw_only(kSwWrongData);
  std::optional<ByteView> prefix;
  for (const auto& t : *all) {
    if (t.tag == 0x4F && !prefix) {
      prefix = t.value;
    } else if (t.tag != 0x5C) {
      return sw_only(kSwWrongData);
    }
  }
  if (!prefix) return sw_only(kSwWrongData);
  std::vector<Bytes> entries;
  const auto& apps = registry.applications;
  if (p1 == 0x80 || p1 == 0x40) {
    for (size_t k = p1 == 0x80 ? 0 : 1; k < (p1 == 0x80 ? 1 : apps.size()); ++k)
      if (starts_with(apps[k].aid, *prefix))
        entries.push_back(status_entry(&apps[k], nullptr, p1, tlv_format));
  } else {
    for (const auto& e : registry.load_files)
      if (starts_with(e.aid, *prefix)) entries.push_back(status_entry(nullptr, &e, p1, tlv_format));
  }
  Bytes key{p1, static_cast<uint8_t>(cmd.p2 & 0x02)};
  append(key, cmd.data);
  size_t start = 0;
  if (next) {
    if (ch.status_key != key) return sw_only(kSwConditions);
    start = ch.status_next;
  }
  ch.status_key.clear();
  if (entries.empty() || start >= entries.size()) return sw_only(kSwRefNotFound);
  Reply r;
  size_t k = start;
  for (; k < entries.size(); ++k) {
    if (k > start && r.data.size() + entries[k].size() > config.max_response) break;
    append(r.data, entries[k]);
  }
  if (k < entries.size()) {
    ch.status_key = std::move(key);
    ch.status_next = k;
    r.sw = kSwMore;
  }
  return r;
}

Reply VirtualCard::Impl::get_data(Channel& ch, const apdu::Capdu& cmd) {
  const auto tag = static_cast<uint16_t>((cmd.p1 << 8) | cmd.p2);
  const Application& sd_app = *selected_sd(ch);
  const SecurityDomain& sd = *sd_app.domain;
  Reply r;
  switch (tag) {
    case 0x0066: {
      tlv::append_constructed(r.data, 0x66, [&](Bytes& o) {
        tlv::append_constructed(o, 0x73, [&](Bytes& t) {
          tlv::append(t, 0x06, hex("2A864886FC6B01"));
          tlv::append_constructed(t, 0x60, [](Bytes& s) {
            tlv::append(s, 0x06, hex("2A864886FC6B02020301"));
          });
          tlv::append_constructed(t, 0x63, [](Bytes& s) {
            tlv::append(s, 0x06, hex("2A864886FC6B03"));
          });
          tlv::append_constructed(t, 0x64, [&](Bytes& s) {
            Bytes oid = hex("2A864886FC6B04");
            oid.push_back(sd.scp);
            oid.push_back(sd.scp_i);
            tlv::append(s, 0x06, oid);
          });
        });
      });
      return r;
    }
    case 0x00E0:
      tlv::append_constructed(r.data, 0xE0, [&](Bytes& o) {
        for (const auto& k : sd.keys)
          tlv::append(o, 0xC0, {k.kid, k.kvn, k.type, static_cast<uint8_t>(k.value.size())});
      });
      return r;
    case 0x00CF: tlv::append(r.data, 0xCF, config.kdd); return r;
    case 0x00C1: {
      Bytes c;
      if (sd.scp == 0x03) append_u24(c, sd.sequence_counter);
      else append_u16(c, static_cast<uint16_t>(sd.sequence_counter));
      tlv::append(r.data, 0xC1, c);
      return r;
    }
    case 0xFF21: {
      size_t used = 0;
      for (const auto& e : registry.load_files) used += e.size;
      const uint32_t free_nvm = config.nvm_size > used ? static_cast<uint32_t>(config.nvm_size - used) : 0;
      tlv::append_constructed(r.data, 0xFF21, [&](Bytes& o) {
        Bytes n, m;
        append_u16(n, static_cast<uint16_t>(registry.applications.size()));
        append_u32(m, free_nvm);
        tlv::append(o, 0x81, n);
        tlv::append(o, 0x82, m);
        tlv::append(o, 0x83, {0x10, 0x00});
      });
      return r;
    }
    default: break;
  }
  if (auto it = sd.data.find(tag); it != sd.data.end()) {
    tlv::append(r.data, tag, it->second);
    return r;
  }
  if (tag == 0x0042 || tag == 0x0045) {
    tlv::append(r.data, tag, tag == 0x0042 ? config.iin : config.cin);
    return r;
  }
  return sw_only(kSwRefNotFound);
}

Reply VirtualCard::Impl::set_status(Channel&, const apdu::Capdu& cmd) {
  if (cmd.p1 == 0x80) {
    if (!cmd.data.empty() && !equal_bytes(cmd.data, isd().aid)) return sw_only(kSwRefNotFound);
    const uint8_t to = cmd.p2;
    if (to != kCardInitialized && to != kCardSecured && to != kCardLocked && to != kCardTerminated)
      return sw_only(kSwWrongData);
    if (!valid_card_transition(card_life_cycle, to)) return sw_only(kSwConditions);
    card_life_cycle = to;
    return {};
  }
  if (cmd.p1 != 0x40 && cmd.p1 != 0x60 && cmd.p1 != 0xC0) return sw_only(kSwWrongP1P2);
  Application* a = app(cmd.data);
  if (a == nullptr) return sw_only(kSwRefNotFound);
  if (a == &isd()) return sw_only(kSwConditions);
  auto apply = [&](Application& x) -> uint16_t {
    if (cmd.p2 == 0x80) {
      x.life_cycle = static_cast<uint8_t>(x.life_cycle | kLockedBit);
    } else if (cmd.p2 == 0x00) {
      if ((x.life_cycle & kLockedBit) == 0) return kSwConditions;
      x.life_cycle = static_cast<uint8_t>(x.life_cycle & ~kLockedBit);
    } else if ((cmd.p2 & 0x87) == 0x07) {
      if ((x.life_cycle & kLockedBit) != 0 || (x.life_cycle & 0x07) != 0x07) return kSwConditions;
      x.life_cycle = cmd.p2;
    } else {
      return kSwWrongData;
    }
    return kSwOk;
  };
  if (cmd.p1 != 0x40 && (!a->domain || (cmd.p2 != 0x80 && cmd.p2 != 0x00)))
    return sw_only(kSwWrongData);
  const uint16_t sw = apply(*a);
  if (sw != kSwOk) return sw_only(sw);
  if (cmd.p1 != 0x40) {
    const Bytes sd_aid = a->aid;
    for (auto& o : registry.applications)
      if (equal_bytes(o.sd, sd_aid) && &o != a) {
        if (cmd.p2 == 0x80) o.life_cycle = static_cast<uint8_t>(o.life_cycle | kLockedBit);
        else o.life_cycle = static_cast<uint8_t>(o.life_cycle & ~kLockedBit);
      }
  }
  return {};
}

}  // namespace gpram::card
