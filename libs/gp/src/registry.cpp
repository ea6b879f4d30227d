// GET STATUS response parsing (GP 2.3 §11.4.3: legacy Tables 11-37/11-38, TLV Table 11-36),
// GET STATUS paging (§11.4.2.2: 6310 then P2|01), and Key Information Templates (GET DATA 00E0,
// GP 2.3 §11.3.3.1 Tables 11-28/11-29). Every offset in an error is relative to the data field.
#include <fmt/format.h>

#include "gpram/gp/registry.hpp"
#include "gpram/tlv/tlv.hpp"

namespace gpram::gp {
namespace {

Bytes copy(ByteView v) { return Bytes(v.begin(), v.end()); }

Result<std::vector<RegistryEntry>> parse_legacy(ByteView d, StatusKind kind) {
  std::vector<RegistryEntry> out;
  size_t pos = 0;
  while (pos < d.size()) {
    const size_t start = pos;
    const size_t aid_len = d[pos++];
    if (aid_len == 0 || aid_len > 16)
      return fail(Errc::malformed,
                  fmt::format("GP: GET STATUS legacy entry at offset {} has AID length {} "
                              "(expected 1..16)",
                              start, aid_len));
    if (d.size() - pos < aid_len + 2)
      return fail(Errc::truncated,
                  fmt::format("GP: GET STATUS legacy entry at offset {} needs {} bytes, {} left",
                              start, aid_len + 3, d.size() - start));
    RegistryEntry e;
    e.aid = copy(d.subspan(pos, aid_len));
    pos += aid_len;
    e.lifecycle = d[pos++];
    e.privileges = Bytes{d[pos++]};
    if (kind == StatusKind::load_files_and_modules) {
      if (pos >= d.size())
        return fail(Errc::truncated,
                    fmt::format("GP: GET STATUS load file entry at offset {} lacks its module "
                                "count",
                                start));
      const size_t count = d[pos++];
      for (size_t i = 0; i < count; ++i) {
        if (pos >= d.size())
          return fail(Errc::truncated,
                      fmt::format("GP: GET STATUS load file entry at offset {}: module {} of {} "
                                  "missing",
                                  start, i + 1, count));
        const size_t ml = d[pos++];
        if (d.size() - pos < ml)
          return fail(Errc::truncated,
                      fmt::format("GP: GET STATUS module AID at offset {} of {} bytes runs past "
                                  "the end",
                                  pos - 1, ml));
        e.modules.push_back(copy(d.subspan(pos, ml)));
        pos += ml;
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

Result<RegistryEntry> parse_e3(const tlv::Tlv& e3) {
  RegistryEntry e;
  bool have_aid = false;
  bool have_lcs = false;
  tlv::Reader r(e3.value, e3.offset + e3.header_size);
  while (!r.done()) {
    auto t = r.next();
    if (!t) return fail(with_context(t.error(), "GP: GET STATUS record: "));
    switch (t->tag) {
      case 0x4F:
        e.aid = copy(t->value);
        have_aid = true;
        break;
      case 0x9F70:
        if (t->value.empty())
          return fail(Errc::malformed,
                      fmt::format("GP: GET STATUS record at offset {}: empty life cycle (9F70)",
                                  e3.offset));
        e.lifecycle = t->value[0];
        have_lcs = true;
        break;
      case 0xC5:
        if (t->value.size() > 3)
          return fail(Errc::malformed,
                      fmt::format("GP: GET STATUS record at offset {}: privileges (C5) of {} bytes "
                                  "(expected 0..3)",
                                  e3.offset, t->value.size()));
        e.privileges = copy(t->value);
        break;
      case 0xC4: e.elf_aid = copy(t->value); break;
      case 0xCE: e.elf_version = copy(t->value); break;
      case 0x84: e.modules.push_back(copy(t->value)); break;
      case 0xCC: e.sd_aid = copy(t->value); break;
      case 0xCF: e.implicit_selection.push_back(copy(t->value)); break;
      default: break;  // EA, 8C and proprietary tags are skipped
    }
  }
  if (!have_aid)
    return fail(Errc::malformed,
                fmt::format("GP: GET STATUS record at offset {} has no AID (4F)", e3.offset));
  if (!have_lcs)
    return fail(Errc::malformed,
                fmt::format("GP: GET STATUS record at offset {} has no life cycle (9F70)",
                            e3.offset));
  return e;
}

Result<std::vector<RegistryEntry>> parse_tlv(ByteView d) {
  std::vector<RegistryEntry> out;
  tlv::Reader r(d);
  while (!r.done()) {
    auto t = r.next();
    if (!t) return fail(with_context(t.error(), "GP: GET STATUS response: "));
    if (t->tag != 0xE3)
      return fail(Errc::malformed,
                  fmt::format("GP: GET STATUS response: tag {:X} at offset {} where E3 is "
                              "expected",
                              t->tag, t->offset));
    auto e = parse_e3(*t);
    if (!e) return fail(e.error());
    out.push_back(std::move(*e));
  }
  return out;
}

}  // namespace

Result<std::vector<RegistryEntry>> parse_get_status(ByteView data, StatusKind kind,
                                                    StatusFormat format) {
  if (format == StatusFormat::legacy) return parse_legacy(data, kind);
  return parse_tlv(data);
}

Result<apdu::Capdu> GetStatusPager::first_command() const {
  return get_status(kind_, format_, false, filter_);
}

Result<apdu::Capdu> GetStatusPager::next_command() const {
  return get_status(kind_, format_, true, filter_);
}

Result<bool> GetStatusPager::feed(const apdu::Rapdu& response) {
  if (done_)
    return fail(Errc::invalid_argument, "GP: GET STATUS response fed after the last page");
  if (response.sw == 0x6A88) {  // referenced data not found: nothing matches the filter
    done_ = true;
    return false;
  }
  if (response.sw != 0x9000 && response.sw != 0x6310)
    return fail(Errc::card_status,
                fmt::format("GP: GET STATUS page {} answered SW {:04X}", pages_ + 1, response.sw));
  auto page = parse_get_status(response.data, kind_, format_);
  if (!page) return fail(with_context(page.error(), fmt::format("page {}: ", pages_ + 1)));
  for (auto& e : *page) entries_.push_back(std::move(e));
  ++pages_;
  if (response.sw == 0x9000) {
    done_ = true;
    return false;
  }
  if (pages_ >= max_pages_)
    return fail(Errc::too_many_pages,
                fmt::format("GP: GET STATUS still answers 6310 after {} pages", pages_));
  return true;
}

// ---- key information ----------------------------------------------------------------------

namespace {

Result<KeyInfo> parse_c0(const tlv::Tlv& t) {
  const ByteView v = t.value;
  if (v.size() < 2)
    return fail(Errc::truncated,
                fmt::format("GP: key information (C0) at offset {} of {} bytes lacks KID/KVN",
                            t.offset, v.size()));
  KeyInfo k;
  k.kid = v[0];
  k.kvn = v[1];
  size_t pos = 2;
  if (pos < v.size() && v[pos] == 0xFF) {
    k.extended = true;
    while (pos < v.size() && v[pos] >= 0x80) {
      KeyComponentInfo c;
      const size_t tsize = v[pos] == 0xFF ? 2 : 1;
      if (v.size() - pos < tsize + 2)
        return fail(Errc::truncated,
                    fmt::format("GP: extended key information (C0) at offset {}: key component "
                                "at value offset {} is cut off",
                                t.offset, pos));
      c.type = tsize == 2 ? load_u16(&v[pos]) : v[pos];
      pos += tsize;
      c.length = load_u16(&v[pos]);
      pos += 2;
      k.components.push_back(c);
    }
    for (int i = 0; i < 2 && pos < v.size(); ++i) {
      const size_t l = v[pos++];
      if (v.size() - pos < l)
        return fail(Errc::truncated,
                    fmt::format("GP: extended key information (C0) at offset {}: key {} of {} "
                                "bytes runs past the end",
                                t.offset, i == 0 ? "usage" : "access", l));
      (i == 0 ? k.usage : k.access) = copy(v.subspan(pos, l));
      pos += l;
    }
    if (pos != v.size())
      return fail(Errc::malformed,
                  fmt::format("GP: extended key information (C0) at offset {}: {} bytes left "
                              "after usage and access",
                              t.offset, v.size() - pos));
    return k;
  }
  if ((v.size() - 2) % 2 != 0)
    return fail(Errc::malformed,
                fmt::format("GP: key information (C0) at offset {}: {} bytes after KID/KVN are "
                            "not type/length pairs",
                            t.offset, v.size() - 2));
  for (; pos < v.size(); pos += 2) k.components.push_back({v[pos], v[pos + 1]});
  return k;
}

}  // namespace

Result<std::vector<KeyInfo>> parse_key_information(ByteView data) {
  ByteView body = data;
  size_t base = 0;
  if (!data.empty() && data[0] == 0xE0) {
    auto e0 = tlv::decode_one(data);
    if (!e0) return fail(with_context(e0.error(), "GP: key information template: "));
    body = e0->value;
    base = e0->header_size;
  }
  std::vector<KeyInfo> out;
  tlv::Reader r(body, base);
  while (!r.done()) {
    auto t = r.next();
    if (!t) return fail(with_context(t.error(), "GP: key information: "));
    if (t->tag != 0xC0)
      return fail(Errc::malformed,
                  fmt::format("GP: key information: tag {:X} at offset {} where C0 is expected",
                              t->tag, t->offset));
    auto k = parse_c0(*t);
    if (!k) return fail(k.error());
    out.push_back(std::move(*k));
  }
  return out;
}

Bytes encode_key_information(const KeyInfo& info) {
  Bytes v{info.kid, info.kvn};
  for (const auto& c : info.components) {
    if (info.extended) {
      if (c.type > 0xFF)
        append_u16(v, c.type);
      else
        v.push_back(static_cast<uint8_t>(c.type));
      append_u16(v, c.length);
    } else {
      v.push_back(static_cast<uint8_t>(c.type));
      v.push_back(static_cast<uint8_t>(c.length));
    }
  }
  if (info.extended) {
    if (info.usage || info.access) {
      const Bytes usage = info.usage.value_or(Bytes{});
      v.push_back(static_cast<uint8_t>(usage.size()));
      append(v, usage);
    }
    if (info.access) {
      v.push_back(static_cast<uint8_t>(info.access->size()));
      append(v, *info.access);
    }
  }
  return tlv::encode(0xC0, v);
}

}  // namespace gpram::gp
