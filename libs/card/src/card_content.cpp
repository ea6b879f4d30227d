// Card content management: INSTALL (GP 2.3 §11.5), LOAD (§11.6, Load File structure §C.2 and
// Annex C), DELETE (§11.2). The Load File Data Block is the concatenation of CAP components
// (Java Card VM spec §6: each component is tag u1, size u2, info); only the Header (tag 1,
// package AID and version) and Applet (tag 3, applet class AIDs) components are interpreted.
#include <fmt/format.h>

#include "card_impl.hpp"
#include "gpram/crypto/crypto.hpp"
#include "gpram/tlv/tlv.hpp"

namespace gpram::card {
namespace {

struct ParsedLoadFile {
  Bytes package;
  Bytes version;  // major, minor
  std::vector<Bytes> applets;
};

Result<ParsedLoadFile> parse_load_file(ByteView lfdb) {
  ParsedLoadFile out;
  bool header = false;
  size_t pos = 0;
  while (pos < lfdb.size()) {
    if (lfdb.size() - pos < 3)
      return fail(Errc::bad_load_file, fmt::format("Load File: component header truncated at "
                                                   "offset {}", pos));
    const uint8_t tag = lfdb[pos];
    const size_t size = load_u16(&lfdb[pos + 1]);
    if (tag == 0 || tag > 16)
      return fail(Errc::bad_load_file,
                  fmt::format("Load File: unknown component tag {} at offset {}", tag, pos));
    if (lfdb.size() - pos - 3 < size)
      return fail(Errc::bad_load_file,
                  fmt::format("Load File: component {} at offset {} claims {} bytes, {} left", tag,
                              pos, size, lfdb.size() - pos - 3));
    ByteView info = lfdb.subspan(pos + 3, size);
    pos += 3 + size;
    if (tag == 1) {  // Header: magic, minor, major, flags, package minor, major, AID
      if (info.size() < 10 || load_u32(info.data()) != 0xDECAFFEDu)
        return fail(Errc::bad_load_file, "Load File: Header component without magic DECAFFED");
      const size_t aid_len = info[9];
      if (aid_len < 5 || aid_len > 16 || info.size() < 10 + aid_len)
        return fail(Errc::bad_load_file,
                    fmt::format("Load File: package AID length {} invalid", aid_len));
      out.version = Bytes{info[8], info[7]};
      out.package.assign(info.begin() + 10, info.begin() + static_cast<std::ptrdiff_t>(10 + aid_len));
      header = true;
    } else if (tag == 3) {  // Applet: count, { AID length, AID, install method offset u2 }
      if (info.empty()) return fail(Errc::bad_load_file, "Load File: empty Applet component");
      size_t p = 1;
      for (size_t k = 0; k < info[0]; ++k) {
        if (p >= info.size() || info[p] < 5 || info[p] > 16 || info.size() - p < 3u + info[p])
          return fail(Errc::bad_load_file,
                      fmt::format("Load File: applet {} truncated in the Applet component", k));
        out.applets.emplace_back(info.begin() + static_cast<std::ptrdiff_t>(p + 1),
                                 info.begin() + static_cast<std::ptrdiff_t>(p + 1 + info[p]));
        p += 3u + info[p];
      }
    }
  }
  if (!header) return fail(Errc::bad_load_file, "Load File: no Header component");
  return out;
}

// INSTALL data: a sequence of length-prefixed fields (GP 2.3 Table 11-44 ...).
std::optional<std::vector<Bytes>> read_fields(ByteView data) {
  std::vector<Bytes> f;
  size_t pos = 0;
  while (pos < data.size()) {
    auto v = read_lv(data, pos);
    if (!v) return std::nullopt;
    f.push_back(std::move(*v));
  }
  return f;
}

bool has_c9(ByteView params) {
  auto all = tlv::decode_all(params);
  if (!all) return false;
  for (const auto& t : *all)
    if (t.tag == 0xC9) return true;
  return false;
}

uint32_t privileges_of(ByteView p) {
  uint32_t v = uint32_t{p[0]} << 16;
  if (p.size() == 3) v |= (uint32_t{p[1]} << 8) | p[2];
  return v;
}

const Bytes kDone{0x00};

}  // namespace

Reply VirtualCard::Impl::install(Channel& ch, const apdu::Capdu& cmd) {
  if (cmd.p2 != 0x00) return sw_only(kSwWrongP1P2);
  auto fields = read_fields(cmd.data);
  if (!fields || fields->size() < 3) return sw_only(kSwWrongData);
  auto& f = *fields;
  Application& current = *selected_sd(ch);
  const uint8_t kind = cmd.p1 & 0x7F;
  if (kind == 0x02) {  // [for load]: ELF AID, SD AID, hash, load parameters, token
    if (f.size() != 5 || f[0].size() < 5 || f[0].size() > 16) return sw_only(kSwWrongData);
    if (!f[2].empty() && f[2].size() != 20 && f[2].size() != 32) return sw_only(kSwWrongData);
    if (!f[1].empty()) {
      Application* sd = app(f[1]);
      if (sd == nullptr || !sd->domain) return sw_only(kSwRefNotFound);
    }
    if (elf(f[0]) != nullptr || app(f[0]) != nullptr) return sw_only(kSwConditions);
    ch.loading = true;
    ch.next_block = 0;
    ch.load_elf = f[0];
    ch.load_sd = f[1].empty() ? current.aid : f[1];
    ch.load_hash = f[2];
    ch.load_buffer.clear();
    return Reply{kDone, kSwOk};
  }
  if (kind == 0x04 || kind == 0x0C || kind == 0x08) {
    // ELF AID, module AID, application AID, privileges, parameters, token
    if (f.size() != 6) return sw_only(kSwWrongData);
    if (f[3].size() != 1 && f[3].size() != 3) return sw_only(kSwWrongData);
    if (kind == 0x08) {
      Application* a = app(f[2]);
      if (a == nullptr) return sw_only(kSwRefNotFound);
      if (a->life_cycle != kAppInstalled) return sw_only(kSwConditions);
      a->life_cycle = kAppSelectable;
      return Reply{kDone, kSwOk};
    }
    LoadFile* e = elf(f[0]);
    if (e == nullptr) return sw_only(kSwRefNotFound);
    bool module_found = false;
    for (const auto& m : e->modules) module_found = module_found || equal_bytes(m, f[1]);
    if (!module_found) return sw_only(kSwRefNotFound);
    Bytes aid = f[2].empty() ? f[1] : f[2];
    if (aid.size() < 5 || aid.size() > 16) return sw_only(kSwWrongData);
    if (app(aid) != nullptr || elf(aid) != nullptr) return sw_only(kSwConditions);
    if (!has_c9(f[4])) return sw_only(kSwWrongData);
    if (registry.applications.size() >= 256) return sw_only(kSwNoMemory);
    Application a;
    a.aid = std::move(aid);
    a.elf = e->aid;
    a.module = f[1];
    a.privileges = privileges_of(f[3]);
    a.sd = current.aid;
    a.install_params = f[4];
    a.life_cycle = kind == 0x0C ? kAppSelectable : kAppInstalled;
    if ((a.privileges & 0x800000) != 0) {
      SecurityDomain sd;
      sd.scp = isd().domain->scp;
      sd.scp_i = isd().domain->scp_i;
      a.domain = std::move(sd);
    }
    registry.applications.push_back(std::move(a));
    return Reply{kDone, kSwOk};
  }
  if (kind == 0x20) {  // [for personalization]: 00 00 L AID 00 00 00
    Application* a = app(f[2]);
    if (a == nullptr) return sw_only(kSwRefNotFound);
    if (!equal_bytes(a->sd, current.aid) || a->domain) return sw_only(kSwConditions);
    ch.perso_target = a->aid;
    ch.store_next_block = 0;
    return Reply{kDone, kSwOk};
  }
  if (kind == 0x10 || kind == 0x40) {  // [for extradition] / [for registry update]
    Application* target = f[0].empty() ? nullptr : app(f[0]);
    if (!f[0].empty() && (target == nullptr || !target->domain)) return sw_only(kSwRefNotFound);
    Application* a = app(f[2]);
    LoadFile* e = a == nullptr ? elf(f[2]) : nullptr;
    if (a == nullptr && e == nullptr) return sw_only(kSwRefNotFound);
    if (a != nullptr && a == &isd()) return sw_only(kSwConditions);
    if (target != nullptr) {
      if (a != nullptr && equal_bytes(target->aid, a->aid)) return sw_only(kSwConditions);
      (a != nullptr ? a->sd : e->sd) = target->aid;
    }
    if (kind == 0x40 && f.size() > 3 && a != nullptr &&
        (f[3].size() == 1 || f[3].size() == 3))
      a->privileges = privileges_of(f[3]);
    return Reply{kDone, kSwOk};
  }
  return sw_only(kSwWrongP1P2);
}

Reply VirtualCard::Impl::load(Channel& ch, const apdu::Capdu& cmd) {
  if (!ch.loading) return sw_only(kSwConditions);
  if ((cmd.p1 & 0x7F) != 0 || cmd.p2 != ch.next_block) return sw_only(kSwWrongP1P2);
  size_t used = 0;
  for (const auto& e : registry.load_files) used += e.size;
  if (used + ch.load_buffer.size() + cmd.data.size() > config.nvm_size) {
    ch.loading = false;
    ch.load_buffer.clear();
    return sw_only(kSwNoMemory);
  }
  append(ch.load_buffer, cmd.data);
  ch.next_block = static_cast<uint8_t>(ch.next_block + 1);
  if ((cmd.p1 & 0x80) == 0) return {};
  ch.loading = false;
  Bytes buffer = std::move(ch.load_buffer);
  ch.load_buffer.clear();
  // [E2 { 4F SD AID, C3 DAP }]* C4 <LFDB>
  tlv::Reader reader(buffer);
  std::optional<ByteView> lfdb;
  while (!reader.done()) {
    auto t = reader.next();
    if (!t) return sw_only(kSwWrongData);
    if (t->tag == 0xC4 && !lfdb) {
      lfdb = t->value;
    } else if (t->tag != 0xE2 || lfdb) {
      return sw_only(kSwWrongData);
    }
  }
  if (!lfdb) return sw_only(kSwWrongData);
  if (!ch.load_hash.empty()) {
    const Bytes h = ch.load_hash.size() == 20 ? crypto::sha1(*lfdb) : crypto::sha256(*lfdb);
    if (!equal_bytes(h, ch.load_hash)) return sw_only(kSwWrongData);
  }
  auto parsed = parse_load_file(*lfdb);
  if (!parsed || !equal_bytes(parsed->package, ch.load_elf)) return sw_only(kSwWrongData);
  LoadFile e;
  e.aid = ch.load_elf;
  e.version = parsed->version;
  e.modules = std::move(parsed->applets);
  e.sd = ch.load_sd;
  e.size = lfdb->size();
  registry.load_files.push_back(std::move(e));
  return Reply{kDone, kSwOk};
}

Reply VirtualCard::Impl::delete_(Channel& ch, const apdu::Capdu& cmd) {
  if (cmd.p1 != 0x00 || (cmd.p2 & 0x7F) != 0) return sw_only(kSwWrongP1P2);
  const bool related = cmd.p2 == 0x80;
  auto all = tlv::decode_all(cmd.data);
  if (!all || all->empty()) return sw_only(kSwWrongData);
  std::optional<Bytes> aid;
  std::optional<uint8_t> kid, kvn;
  for (const auto& t : *all) {
    if (t.tag == 0x4F && t.value.size() >= 5 && t.value.size() <= 16 && !aid) {
      aid = Bytes(t.value.begin(), t.value.end());
    } else if (t.tag == 0xD0 && t.value.size() == 1) {
      kid = t.value[0];
    } else if (t.tag == 0xD2 && t.value.size() == 1) {
      kvn = t.value[0];
    } else {
      return sw_only(kSwWrongData);
    }
  }
  if (aid && (kid || kvn)) return sw_only(kSwWrongData);
  if (!aid) {
    SecurityDomain& sd = *selected_sd(ch)->domain;
    const size_t removed = std::erase_if(sd.keys, [&](const Key& k) {
      return (!kid || k.kid == *kid) && (!kvn || k.kvn == *kvn);
    });
    return removed == 0 ? sw_only(kSwRefNotFound) : Reply{kDone, kSwOk};
  }
  auto& apps = registry.applications;
  auto drop_apps = [&](auto pred) {
    std::erase_if(apps, [&](const Application& a) { return &a != &apps.front() && pred(a); });
  };
  if (Application* a = app(*aid); a != nullptr) {
    if (a == &isd()) return sw_only(kSwConditions);
    if (a->domain) {
      bool has_children = false;
      for (const auto& o : apps) has_children = has_children || equal_bytes(o.sd, *aid);
      for (const auto& e : registry.load_files) has_children = has_children || equal_bytes(e.sd, *aid);
      if (has_children && !related) return sw_only(kSwConditions);
      if (related) {
        for (auto& e : registry.load_files)
          if (equal_bytes(e.sd, *aid)) e.sd = isd().aid;
        for (auto& o : apps)
          if (equal_bytes(o.sd, *aid)) o.sd = isd().aid;  // extradited to the ISD
      }
    }
    const Bytes victim = *aid;
    drop_apps([&](const Application& o) { return equal_bytes(o.aid, victim); });
  } else if (LoadFile* e = elf(*aid); e != nullptr) {
    bool has_instances = false;
    for (const auto& o : apps) has_instances = has_instances || equal_bytes(o.elf, *aid);
    if (has_instances && !related) return sw_only(kSwConditions);
    const Bytes victim = *aid;
    drop_apps([&](const Application& o) { return equal_bytes(o.elf, victim); });
    std::erase_if(registry.load_files, [&](const LoadFile& l) { return equal_bytes(l.aid, victim); });
  } else {
    return sw_only(kSwRefNotFound);
  }
  for (auto& c : channels)
    if (c.open && app(c.selected) == nullptr) {
      c = Channel{};
      c.open = true;
      c.selected = isd().aid;
    }
  return Reply{kDone, kSwOk};
}

}  // namespace gpram::card
