// VirtualCard: APDU entry point, class byte and logical channel handling (ISO 7816-4 §5.4.1,
// GP 2.3 §11.1.4), secure messaging around each command, SELECT (GP 2.3 §11.9) and
// MANAGE CHANNEL (GP 2.3 §11.7 / ISO 7816-4 §7.1.2), the echo applet of installed instances.
#include <fmt/format.h>

#include "card_impl.hpp"
#include "gpram/crypto/crypto.hpp"
#include "gpram/tlv/tlv.hpp"

namespace gpram::card {
namespace {

const char* card_message(int ev) {
  switch (static_cast<Errc>(ev)) {
    case Errc::bad_state: return "card: malformed card state";
    case Errc::bad_config: return "card: inconsistent card configuration";
    case Errc::bad_load_file: return "card: malformed Load File";
  }
  return "card: unknown error";
}

bool is_gp_class(uint8_t cla) { return (cla & 0x80) != 0; }

}  // namespace

const std::error_category& error_category() noexcept {
  static const SimpleCategory category("gpram.card", card_message);
  return category;
}

Unexpected scp_fail(std::string message) { return fail(Errc::bad_state, std::move(message)); }

CardConfig CardConfig::scp02() {
  CardConfig c;
  c.scp = 0x02;
  c.scp_i = 0x15;
  c.kvn = 0x20;
  return c;
}

std::optional<Bytes> read_lv(ByteView in, size_t& pos) {
  if (pos >= in.size()) return std::nullopt;
  const size_t len = in[pos];
  if (in.size() - pos - 1 < len) return std::nullopt;
  Bytes v(in.begin() + static_cast<std::ptrdiff_t>(pos + 1),
          in.begin() + static_cast<std::ptrdiff_t>(pos + 1 + len));
  pos += 1 + len;
  return v;
}

Result<apdu::Capdu> parse_command(ByteView raw) {
  apdu::Capdu c;
  if (raw.size() < 4)
    return fail(apdu::Errc::too_short, fmt::format("APDU: {} bytes, need 4", raw.size()));
  c.cla = raw[0];
  c.ins = raw[1];
  c.p1 = raw[2];
  c.p2 = raw[3];
  const size_t n = raw.size();
  if (n == 4) return c;
  if (n == 5) {
    c.le = raw[4] == 0 ? 256u : raw[4];
    return c;
  }
  if (raw[4] != 0) {
    const size_t lc = raw[4];
    if (n != 5 + lc && n != 6 + lc)
      return fail(apdu::Errc::bad_length,
                  fmt::format("APDU: short Lc {} does not match {} bytes", lc, n));
    c.data.assign(raw.begin() + 5, raw.begin() + static_cast<std::ptrdiff_t>(5 + lc));
    if (n == 6 + lc) c.le = raw[n - 1] == 0 ? 256u : raw[n - 1];
    return c;
  }
  c.extended = true;
  if (n < 7) return fail(apdu::Errc::bad_length, "APDU: extended length field truncated");
  const size_t lc = load_u16(&raw[5]);
  if (n == 7) {  // case 2E: 00 Le1 Le2
    c.le = lc == 0 ? 65536u : static_cast<uint32_t>(lc);
    return c;
  }
  if (lc == 0) return fail(apdu::Errc::bad_length, "APDU: extended Lc of 0 with data bytes");
  if (n != 7 + lc && n != 9 + lc)
    return fail(apdu::Errc::bad_length,
                fmt::format("APDU: extended Lc {} does not match {} bytes", lc, n));
  c.data.assign(raw.begin() + 7, raw.begin() + static_cast<std::ptrdiff_t>(7 + lc));
  if (n == 9 + lc) {
    const uint32_t le = load_u16(&raw[n - 2]);
    c.le = le == 0 ? 65536u : le;
  }
  return c;
}

// ---- construction ------------------------------------------------------------------------

void VirtualCard::Impl::init_from_config() {
  card_life_cycle = config.card_life_cycle;
  Application a;
  a.aid = config.isd_aid;
  a.life_cycle = kSdPersonalized;
  a.privileges = 0x9EFE00;  // SD, card lock/terminate/reset, CVM, management privileges
  SecurityDomain sd;
  sd.scp = config.scp;
  sd.scp_i = config.scp_i;
  sd.sequence_counter = config.sequence_counter;
  const uint8_t type = config.scp == 0x02 ? kKeyDes : kKeyAes;
  sd.keys.push_back(Key{config.kvn, 0x01, type, config.key_enc});
  sd.keys.push_back(Key{config.kvn, 0x02, type, config.key_mac});
  sd.keys.push_back(Key{config.kvn, 0x03, type, config.key_dek});
  a.domain = std::move(sd);
  registry.applications.push_back(std::move(a));
  reset();
}

void VirtualCard::Impl::reset() {
  for (auto& c : channels) c = Channel{};
  channels[0].open = true;
  channels[0].selected = isd().aid;
}

VirtualCard::VirtualCard(CardConfig config)
    : VirtualCard(std::move(config), std::make_unique<crypto::SystemRandom>()) {}
VirtualCard::VirtualCard(CardConfig config, uint64_t seed)
    : VirtualCard(std::move(config), std::make_unique<SeededRandom>(seed)) {}
VirtualCard::VirtualCard(CardConfig config, std::unique_ptr<Random> random)
    : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  impl_->random = random ? std::move(random) : std::make_unique<crypto::SystemRandom>();
  impl_->init_from_config();
}
VirtualCard::VirtualCard(VirtualCard&&) noexcept = default;
VirtualCard& VirtualCard::operator=(VirtualCard&&) noexcept = default;
VirtualCard::~VirtualCard() = default;

Bytes VirtualCard::transmit(ByteView capdu) { return impl_->exchange(capdu).response; }
Exchange VirtualCard::exchange(ByteView capdu) { return impl_->exchange(capdu); }

apdu::Rapdu VirtualCard::transmit(const apdu::Capdu& c) {
  Bytes raw{c.cla, c.ins, c.p1, c.p2};
  const bool ext = c.extended || c.data.size() > 255 || (c.le && *c.le > 256);
  if (!c.data.empty()) {
    if (ext) {
      raw.push_back(0);
      append_u16(raw, static_cast<uint16_t>(c.data.size()));
    } else {
      raw.push_back(static_cast<uint8_t>(c.data.size()));
    }
    append(raw, c.data);
  }
  if (c.le) {
    if (ext) {
      if (c.data.empty()) raw.push_back(0);
      append_u16(raw, static_cast<uint16_t>(*c.le >= 65536 ? 0 : *c.le));
    } else {
      raw.push_back(static_cast<uint8_t>(*c.le >= 256 ? 0 : *c.le));
    }
  }
  Bytes r = transmit(raw);
  apdu::Rapdu out;
  out.sw = load_u16(&r[r.size() - 2]);
  r.resize(r.size() - 2);
  out.data = std::move(r);
  return out;
}

void VirtualCard::reset() { impl_->reset(); }

bool VirtualCard::begin_admin_script(ByteView sd) {
  Impl& s = *impl_;
  const Bytes target = sd.empty() ? s.config.isd_aid : Bytes(sd.begin(), sd.end());
  const Application* a = s.app(target);
  if (a == nullptr || !a->domain) return false;
  Channel& ch = s.channels[0];
  ch.open = true;
  ch.selected = target;
  ch.session.reset();
  s.admin_script = true;
  return true;
}

void VirtualCard::end_admin_script() { impl_->admin_script = false; }
void VirtualCard::set_faults(FaultPlan plan) { impl_->faults = plan; }
uint32_t VirtualCard::apdu_count() const noexcept { return impl_->apdu_count; }
const Registry& VirtualCard::registry() const noexcept { return impl_->registry; }
uint8_t VirtualCard::card_life_cycle() const noexcept { return impl_->card_life_cycle; }
const CardConfig& VirtualCard::config() const noexcept { return impl_->config; }
const Application* VirtualCard::find_application(ByteView aid) const noexcept {
  return impl_->app(aid);
}
const LoadFile* VirtualCard::find_load_file(ByteView aid) const noexcept {
  return impl_->elf(aid);
}

Application* VirtualCard::Impl::app(ByteView aid) {
  for (auto& a : registry.applications)
    if (equal_bytes(a.aid, aid)) return &a;
  return nullptr;
}
LoadFile* VirtualCard::Impl::elf(ByteView aid) {
  for (auto& e : registry.load_files)
    if (equal_bytes(e.aid, aid)) return &e;
  return nullptr;
}
Application* VirtualCard::Impl::selected_sd(Channel& ch) {
  Application* a = app(ch.selected);
  return a != nullptr && a->domain ? a : nullptr;
}

bool VirtualCard::Impl::secured_at_level(const Channel& ch, bool secured) const {
  const uint8_t need = config.min_security_level;
  if (need == 0) return true;
  if (admin_script && &ch == &channels[0]) return true;  // SCP81: PSK-TLS protects the script
  return secured && ch.session && ch.session->authenticated() &&
         (ch.session->level() & need) == need;
}

// ---- APDU entry point --------------------------------------------------------------------

Exchange VirtualCard::Impl::exchange(ByteView raw) {
  ++apdu_count;
  Exchange x;
  x.delay_ms = faults.delay_ms;
  x.drop = faults.drop_after && apdu_count >= *faults.drop_after;
  const bool by_count = faults.sw_on_command && *faults.sw_on_command == apdu_count;
  const bool by_ins = faults.sw_on_ins && raw.size() >= 2 && raw[1] == *faults.sw_on_ins;
  if (by_count || by_ins) {
    append_u16(x.response, faults.sw);
    return x;
  }
  x.response = process(raw);
  return x;
}

Bytes VirtualCard::Impl::process(ByteView raw) {
  Bytes out;
  auto parsed = parse_command(raw);
  if (!parsed) {
    append_u16(out, kSwWrongLength);
    return out;
  }
  apdu::Capdu cmd = std::move(*parsed);
  auto answer = [&out](uint16_t sw) {
    append_u16(out, sw);
    return out;
  };
  const uint8_t cla = cmd.cla;
  if (cla == 0xFF || (cla >= 0x90) || (cla & 0x60) == 0x20) return answer(kSwCla);
  if ((cla & 0xC0) == 0x40) return answer(kSwChannelNotSupported);  // channels 4-19
  if ((cla & 0x10) != 0) return answer(kSwChainingNotSupported);
  if ((cla & 0x08) != 0) return answer(kSwSmNotSupported);
  if ((cmd.ins & 0x01) != 0 && cmd.ins != 0x01) return answer(kSwIns);
  if ((cmd.ins & 0xF0) == 0x60 || (cmd.ins & 0xF0) == 0x90) return answer(kSwIns);
  const auto channel_no = static_cast<uint8_t>(cla & 0x03);
  Channel& ch = channels[channel_no];
  if (!ch.open) return answer(kSwChannelNotSupported);
  if (card_life_cycle == kCardTerminated && cmd.ins != 0xCA && cmd.ins != 0xCB)
    return answer(cmd.ins == 0xA4 ? kSwNotFound : kSwConditions);

  const bool sm = (cla & 0x04) != 0;
  bool secured = false;
  if (sm && cmd.ins != 0x82) {
    if (!ch.session || !ch.session->authenticated()) {
      ch.session.reset();
      return answer(kSwSecurity);
    }
    auto plain = ch.session->unwrap(cmd);
    if (!plain) {
      ch.session.reset();
      return answer(kSwSecurity);
    }
    cmd = std::move(*plain);
    secured = true;
  }
  Reply r = dispatch(ch, channel_no, cmd, secured);
  if (secured && ch.session && ch.session->authenticated()) {
    const bool corrupt = faults.corrupt_next_rmac && (ch.session->level() & kRMac) != 0;
    if (corrupt) faults.corrupt_next_rmac = false;
    r.data = ch.session->wrap(r.data, r.sw, corrupt);
  }
  out = std::move(r.data);
  return answer(r.sw);
}

Reply VirtualCard::Impl::dispatch(Channel& ch, uint8_t channel_no, const apdu::Capdu& cmd,
                                  bool secured) {
  const bool gp = is_gp_class(cmd.cla);
  if (cmd.ins == 0xA4) return gp ? sw_only(kSwCla) : select(ch, cmd);
  if (cmd.ins == 0x70) return gp ? sw_only(kSwCla) : manage_channel(channel_no, cmd);
  Application* selected = app(ch.selected);
  if (selected == nullptr) return sw_only(kSwConditions);
  if (!selected->domain) return applet_command(*selected, cmd);
  if (cmd.ins == 0xCA || cmd.ins == 0xCB) return get_data(ch, cmd);
  if (!gp) return sw_only(kSwCla);
  switch (cmd.ins) {
    case 0x50: return initialize_update(ch, cmd);
    case 0x82: return external_authenticate(ch, cmd);
    case 0xF2: return get_status(ch, cmd);
    default: break;
  }
  const bool privileged = cmd.ins == 0xE6 || cmd.ins == 0xE8 || cmd.ins == 0xE4 ||
                          cmd.ins == 0xD8 || cmd.ins == 0xE2 || cmd.ins == 0xF0;
  if (!privileged) return sw_only(kSwIns);
  if (!secured_at_level(ch, secured)) {
    ch.session.reset();
    return sw_only(kSwSecurity);
  }
  if (card_life_cycle == kCardLocked && cmd.ins != 0xF0) return sw_only(kSwConditions);
  switch (cmd.ins) {
    case 0xE6: return install(ch, cmd);
    case 0xE8: return load(ch, cmd);
    case 0xE4: return delete_(ch, cmd);
    case 0xD8: return put_key(ch, cmd);
    case 0xE2: return store_data(ch, cmd);
    default: return set_status(ch, cmd);
  }
}

namespace {

// FCI of a Security Domain (GP 2.3 §11.9.3.1): 6F { 84 AID, A5 { 73 card recognition data,
// 9F65 max command data length } }.
Bytes sd_fci(ByteView aid, uint8_t scp, uint8_t i) {
  Bytes out;
  tlv::append_constructed(out, 0x6F, [&](Bytes& o) {
    tlv::append(o, 0x84, aid);
    tlv::append_constructed(o, 0xA5, [&](Bytes& a5) {
      tlv::append_constructed(a5, 0x73, [&](Bytes& t) {
        tlv::append(t, 0x06, hex("2A864886FC6B01"));
        tlv::append_constructed(t, 0x64, [&](Bytes& s) {
          Bytes oid = hex("2A864886FC6B04");
          oid.push_back(scp);
          oid.push_back(i);
          tlv::append(s, 0x06, oid);
        });
      });
      tlv::append(a5, 0x9F65, {0xFF});
    });
  });
  return out;
}

bool selectable(const Application& a) {
  return (a.life_cycle & kLockedBit) == 0 && (a.life_cycle & 0x07) == 0x07;
}

}  // namespace

Reply VirtualCard::Impl::select(Channel& ch, const apdu::Capdu& cmd) {
  if (cmd.p1 != 0x04) return sw_only(kSwWrongP1P2);
  if ((cmd.p2 & ~0x0E) != 0 || (cmd.p2 & 0x0C) == 0x04 || (cmd.p2 & 0x0C) == 0x08)
    return sw_only(kSwWrongP1P2);
  if (cmd.data.size() > 16) return sw_only(kSwWrongData);
  const bool next = (cmd.p2 & 0x02) != 0;
  ByteView want = cmd.data.empty() ? ByteView(isd().aid) : ByteView(cmd.data);
  auto& apps = registry.applications;
  size_t start = 0;
  if (next) {
    for (size_t k = 0; k < apps.size(); ++k)
      if (equal_bytes(apps[k].aid, ch.selected) && starts_with(apps[k].aid, want)) start = k + 1;
  }
  for (size_t k = start; k < apps.size(); ++k) {
    Application& a = apps[k];
    if (!starts_with(a.aid, want)) continue;
    const bool is_isd = k == 0;
    if (!is_isd && (!selectable(a) || card_life_cycle == kCardLocked)) continue;
    if (!equal_bytes(ch.selected, a.aid)) {
      Bytes aid = a.aid;
      ch = Channel{};
      ch.open = true;
      ch.selected = std::move(aid);
    }
    Reply r;
    if (a.domain && (cmd.p2 & 0x0C) != 0x0C) r.data = sd_fci(a.aid, a.domain->scp, a.domain->scp_i);
    if (is_isd && card_life_cycle == kCardLocked) r.sw = kSwCardLocked;
    return r;
  }
  return sw_only(kSwNotFound);
}

Reply VirtualCard::Impl::manage_channel(uint8_t channel_no, const apdu::Capdu& cmd) {
  if (!cmd.data.empty()) return sw_only(kSwWrongLength);
  if (cmd.p1 == 0x00) {
    uint8_t n = cmd.p2;
    if (n == 0) {
      for (uint8_t k = 1; k < channels.size() && n == 0; ++k)
        if (!channels[k].open) n = k;
      if (n == 0) return sw_only(kSwFuncNotSupported);
    } else if (n >= channels.size()) {
      return sw_only(kSwChannelNotSupported);
    } else if (channels[n].open) {
      return sw_only(kSwConditions);
    }
    channels[n] = Channel{};
    channels[n].open = true;
    channels[n].selected = channel_no == 0 ? isd().aid : channels[channel_no].selected;
    Reply r;
    if (cmd.p2 == 0) r.data.push_back(n);
    return r;
  }
  if (cmd.p1 == 0x80) {
    const uint8_t n = cmd.p2 == 0 ? channel_no : cmd.p2;
    if (n == 0) return sw_only(kSwWrongP1P2);
    if (n >= channels.size()) return sw_only(kSwChannelNotSupported);
    if (!channels[n].open) return sw_only(kSwChannelNotSupported);
    channels[n] = Channel{};
    return {};
  }
  return sw_only(kSwWrongP1P2);
}

// An installed instance: SELECT answers 9000; CLA 80 INS 01 echoes its data.
Reply VirtualCard::Impl::applet_command(Application&, const apdu::Capdu& cmd) {
  if (cmd.ins != 0x01) return sw_only(kSwIns);
  if ((cmd.cla & 0xFC) != 0x80) return sw_only(kSwCla);
  return Reply{cmd.data, kSwOk};
}

}  // namespace gpram::card
