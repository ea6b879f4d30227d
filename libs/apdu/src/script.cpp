// Expanded remote application data format, ETSI TS 102 226 §5.2: Command Scripting template
// (§5.2.1, tables 5.2 / 5.2a: AA definite, AE 80 ... 00 00 indefinite; items C-APDU 22
// §5.2.1.1, Immediate Action 81 §5.2.1.2, Error Action 82 §5.2.1.3, Script Chaining 83
// §5.2.1.4) and Response Scripting template (§5.2.2, tables 5.10 / 5.10a: AB definite with the
// number of executed commands 80 first, AF 80 ... 00 00; R-APDU 23, Bad format 90 table 5.12,
// Immediate Action Response 81 table 5.14, Script Chaining Response 83 table 5.16). Tag values
// from TS 101 220 tables 7.18-7.20. Byte-exact examples: osmocom/pysim-derived ExpFork tests and
// FieldLog's live trace (docs/protocols/scripts.md lists the sources).
#include "gpram/apdu/script.hpp"

#include <fmt/format.h>

#include "gpram/tlv/tlv.hpp"

namespace gpram::apdu {
namespace {

// One expanded template: which tags open it and how its items are named in messages.
struct TemplateSpec {
  const char* what;  // "command script" / "response script"
  uint8_t definite;
  uint8_t indefinite;
  uint8_t other_definite;    // the other direction's tags, to say "this is a response script"
  uint8_t other_indefinite;
  const char* other_what;
};

constexpr TemplateSpec kCommandSpec{"command script", kTagCommandScriptDefinite,
                                    kTagCommandScriptIndefinite, kTagResponseScriptDefinite,
                                    kTagResponseScriptIndefinite, "response script"};
constexpr TemplateSpec kResponseSpec{"response script", kTagResponseScriptDefinite,
                                     kTagResponseScriptIndefinite, kTagCommandScriptDefinite,
                                     kTagCommandScriptIndefinite, "command script"};

struct RawItem {
  size_t index;   // 1-based
  size_t offset;  // of the tag byte, in the whole input
  uint8_t tag;
  ByteView value;
};

Errc map_tlv(const Error& e) {
  using T = tlv::Errc;
  if (e.code == T::truncated_length) return Errc::missing_length;
  if (e.code == T::truncated_tag || e.code == T::value_overruns) return Errc::truncated;
  return Errc::bad_encoding;
}

std::string item_label(const TemplateSpec& spec, const RawItem& it) {
  return fmt::format("{}: item {} (tag {:02X} at offset {})", spec.what, it.index, it.tag,
                     it.offset);
}

// Reads the item at pos (inside in[0, limit)). On success advances pos.
Result<RawItem> read_item(const TemplateSpec& spec, ByteView in, size_t limit, size_t& pos,
                          size_t index, std::string_view allowed) {
  const ByteView window = in.first(limit);
  size_t p = pos;
  auto tag = tlv::read_tag(window, p);
  if (!tag)
    return fail(map_tlv(tag.error()), fmt::format("{}: item {} at offset {}: {}", spec.what, index,
                                                  pos, tag.error().message));
  const bool known = *tag <= 0xFF && allowed.find(static_cast<char>(*tag)) != std::string_view::npos;
  if (!known)
    return fail(Errc::unknown_tag,
                fmt::format("{}: item {} at offset {}: unknown tag {:0{}X} (allowed: {})",
                            spec.what, index, pos, *tag, 2 * tlv::tag_size(*tag),
                            [&] {
                              std::string s;
                              for (char c : allowed)
                                s += fmt::format("{}{:02X}", s.empty() ? "" : " ",
                                                 static_cast<uint8_t>(c));
                              return s;
                            }()));
  RawItem it{index, pos, static_cast<uint8_t>(*tag), {}};
  auto len = tlv::read_length(window, p, true, false);
  if (!len)
    return fail(map_tlv(len.error()),
                fmt::format("{}: {}", item_label(spec, it), len.error().message));
  if (!*len)
    return fail(Errc::bad_encoding,
                fmt::format("{}: indefinite length (80) not allowed for an item",
                            item_label(spec, it)));
  const size_t l = **len;
  if (limit - p < l)
    return fail(Errc::truncated,
                fmt::format("{}: length {} but only {} bytes follow{}", item_label(spec, it), l,
                            limit - p, limit < in.size() ? " inside the template" : ""));
  it.value = in.subspan(p, l);
  pos = p + l;
  return it;
}

// Walks the items of an expanded template and calls on_item(RawItem) -> std::optional<Error>.
template <class OnItem>
Result<ScriptForm> walk(const TemplateSpec& spec, ByteView in, std::string_view allowed,
                        OnItem&& on_item) {
  const size_t n = in.size();
  if (n == 0)
    return fail(Errc::truncated, fmt::format("{}: empty input, expected template tag {:02X} or "
                                             "{:02X}",
                                             spec.what, spec.definite, spec.indefinite));
  const uint8_t t = in[0];
  if (t == spec.definite) {
    size_t pos = 1;
    auto len = tlv::read_length(in, pos, true, false);
    if (!len)
      return fail(map_tlv(len.error()), fmt::format("{}: template {:02X}: {}", spec.what, t,
                                                    len.error().message));
    if (!*len)
      return fail(Errc::bad_template,
                  fmt::format("{}: template {:02X} at offset 0 has indefinite length (80); the "
                              "indefinite form is {:02X} 80 ... 00 00",
                              spec.what, t, spec.indefinite));
    const size_t l = **len;
    if (n - pos < l)
      return fail(Errc::truncated,
                  fmt::format("{}: template {:02X} announces {} bytes but {} follow (input "
                              "truncated at offset {})",
                              spec.what, t, l, n - pos, n));
    const size_t end = pos + l;
    if (end < n)
      return fail(Errc::trailing_data,
                  fmt::format("{}: {} unexpected bytes after the template (from offset {})",
                              spec.what, n - end, end));
    for (size_t index = 1; pos < end; ++index) {
      auto it = read_item(spec, in, end, pos, index, allowed);
      if (!it) return fail(std::move(it.error()));
      if (auto err = on_item(*it)) return fail(std::move(*err));
    }
    return ScriptForm::definite;
  }
  if (t == spec.indefinite) {
    if (n < 2)
      return fail(Errc::truncated, fmt::format("{}: template {:02X} without a length byte",
                                               spec.what, t));
    if (in[1] != 0x80)
      return fail(Errc::bad_template,
                  fmt::format("{}: template {:02X} must use indefinite length 80, found {:02X} "
                              "(the definite form is {:02X} L ...)",
                              spec.what, t, in[1], spec.definite));
    size_t pos = 2;
    for (size_t index = 1;; ++index) {
      if (pos >= n)
        return fail(Errc::missing_terminator,
                    fmt::format("{}: input ends at offset {} without the 00 00 end-of-contents "
                                "of template {:02X}",
                                spec.what, n, t));
      if (in[pos] == 0x00) {
        if (pos + 1 >= n)
          return fail(Errc::missing_terminator,
                      fmt::format("{}: input ends after a single 00 at offset {}; the "
                                  "end-of-contents of template {:02X} is 00 00",
                                  spec.what, pos, t));
        if (in[pos + 1] != 0x00)
          return fail(Errc::bad_encoding,
                      fmt::format("{}: end-of-contents at offset {} must be 00 00, found 00 {:02X}",
                                  spec.what, pos, in[pos + 1]));
        if (pos + 2 < n)
          return fail(Errc::trailing_data,
                      fmt::format("{}: {} unexpected bytes after the 00 00 end-of-contents (from "
                                  "offset {})",
                                  spec.what, n - pos - 2, pos + 2));
        return ScriptForm::indefinite;
      }
      auto it = read_item(spec, in, n, pos, index, allowed);
      if (!it) return fail(std::move(it.error()));
      if (auto err = on_item(*it)) return fail(std::move(*err));
    }
  }
  if (t == spec.other_definite || t == spec.other_indefinite)
    return fail(Errc::bad_template,
                fmt::format("{}: found template tag {:02X} at offset 0, which opens a {}; "
                            "expected {:02X} or {:02X}",
                            spec.what, t, spec.other_what, spec.definite, spec.indefinite));
  return fail(Errc::bad_template,
              fmt::format("{}: expected template tag {:02X} or {:02X} at offset 0, found {:02X}",
                          spec.what, spec.definite, spec.indefinite, t));
}

std::optional<Error> one_byte(const TemplateSpec& spec, const RawItem& it, const char* name) {
  if (it.value.size() == 1) return std::nullopt;
  return Error{make_error_code(Errc::bad_item),
               fmt::format("{}: {} must be 1 byte, found {}", item_label(spec, it), name,
                           it.value.size())};
}

template <class Script, class TagOf>
void encode_template(Bytes& out, uint8_t definite_tag, uint8_t indefinite_tag, ScriptForm form,
                     const Script& s, TagOf tag_of) {
  auto fill = [&](Bytes& o) {
    for (const auto& it : s.items) tlv::append(o, tag_of(it.kind), it.value);
  };
  if (form == ScriptForm::definite) {
    tlv::append_constructed(out, definite_tag, fill);
  } else {
    out.push_back(indefinite_tag);
    out.push_back(0x80);
    fill(out);
    out.push_back(0x00);
    out.push_back(0x00);
  }
}

uint8_t command_tag(ScriptItem::Kind k) {
  switch (k) {
    case ScriptItem::Kind::capdu: return kTagCapdu;
    case ScriptItem::Kind::immediate_action: return kTagImmediateAction;
    case ScriptItem::Kind::error_action: return kTagErrorAction;
    case ScriptItem::Kind::chaining: return kTagScriptChaining;
  }
  return kTagCapdu;
}

uint8_t response_tag(ResponseItem::Kind k) {
  switch (k) {
    case ResponseItem::Kind::rapdu: return kTagRapdu;
    case ResponseItem::Kind::executed_count: return kTagExecutedCount;
    case ResponseItem::Kind::bad_format: return kTagBadFormat;
    case ResponseItem::Kind::immediate_action_response: return kTagImmediateAction;
    case ResponseItem::Kind::chaining_response: return kTagScriptChaining;
  }
  return kTagRapdu;
}

size_t encoded_size(size_t payload_items_bytes) {
  return 1 + tlv::length_size(payload_items_bytes) + payload_items_bytes + 2;
}

}  // namespace

// ---- command scripts ----------------------------------------------------------------------

std::vector<Bytes> CommandScript::capdus() const {
  std::vector<Bytes> out;
  for (const auto& it : items)
    if (it.kind == ScriptItem::Kind::capdu) out.push_back(it.value);
  return out;
}

CommandScript command_script(std::span<const Bytes> capdus) {
  CommandScript s;
  s.items.reserve(capdus.size());
  for (const auto& c : capdus) s.items.push_back({ScriptItem::Kind::capdu, c});
  return s;
}

Bytes encode_command_script(const CommandScript& script, ScriptForm form) {
  size_t body = 0;
  for (const auto& it : script.items) body += 1 + tlv::length_size(it.value.size()) + it.value.size();
  Bytes out;
  out.reserve(encoded_size(body));
  encode_template(out, kTagCommandScriptDefinite, kTagCommandScriptIndefinite, form, script,
                  &command_tag);
  return out;
}

Result<CommandScript> decode_command_script(ByteView in) {
  static constexpr char kAllowed[] = {'\x22', '\x81', '\x82', '\x83'};
  CommandScript s;
  auto form = walk(kCommandSpec, in, std::string_view(kAllowed, sizeof kAllowed),
                   [&](const RawItem& it) -> std::optional<Error> {
                     ScriptItem item{ScriptItem::Kind::capdu, {}};
                     switch (it.tag) {
                       case kTagCapdu: {
                         auto c = parse_capdu_view(it.value);
                         if (!c)
                           return Error{make_error_code(Errc::bad_item),
                                        item_label(kCommandSpec, it) + ": " +
                                            c.error().message};
                         break;
                       }
                       case kTagImmediateAction:
                         item.kind = ScriptItem::Kind::immediate_action;
                         break;
                       case kTagErrorAction: item.kind = ScriptItem::Kind::error_action; break;
                       default:
                         item.kind = ScriptItem::Kind::chaining;
                         if (auto e = one_byte(kCommandSpec, it, "script chaining")) return e;
                         break;
                     }
                     item.value.assign(it.value.begin(), it.value.end());
                     s.items.push_back(std::move(item));
                     return std::nullopt;
                   });
  if (!form) return fail(std::move(form.error()));
  return s;
}

// ---- response scripts ---------------------------------------------------------------------

std::optional<uint32_t> ResponseScript::executed() const {
  for (const auto& it : items) {
    if (it.kind != ResponseItem::Kind::executed_count) continue;
    uint32_t v = 0;
    for (uint8_t b : it.value) v = (v << 8) | b;
    return v;
  }
  return std::nullopt;
}

std::vector<Bytes> ResponseScript::rapdus() const {
  std::vector<Bytes> out;
  for (const auto& it : items)
    if (it.kind == ResponseItem::Kind::rapdu) out.push_back(it.value);
  return out;
}

std::optional<uint8_t> ResponseScript::bad_format() const {
  for (const auto& it : items)
    if (it.kind == ResponseItem::Kind::bad_format && !it.value.empty()) return it.value[0];
  return std::nullopt;
}

ResponseScript response_script(std::span<const Bytes> rapdus, std::optional<uint32_t> executed,
                               bool with_count) {
  ResponseScript s;
  s.items.reserve(rapdus.size() + 1);
  if (with_count) {
    const uint32_t n = executed.value_or(static_cast<uint32_t>(rapdus.size()));
    Bytes v;
    // Minimal unsigned integer (ISO/IEC 8825-1), at least one byte.
    bool started = false;
    for (int shift = 24; shift >= 0; shift -= 8) {
      const auto b = static_cast<uint8_t>(n >> shift);
      if (b != 0 || started || shift == 0) {
        v.push_back(b);
        started = true;
      }
    }
    s.items.push_back({ResponseItem::Kind::executed_count, std::move(v)});
  }
  for (const auto& r : rapdus) s.items.push_back({ResponseItem::Kind::rapdu, r});
  return s;
}

Bytes encode_response_script(const ResponseScript& script, ScriptForm form) {
  size_t body = 0;
  for (const auto& it : script.items) body += 1 + tlv::length_size(it.value.size()) + it.value.size();
  Bytes out;
  out.reserve(encoded_size(body));
  encode_template(out, kTagResponseScriptDefinite, kTagResponseScriptIndefinite, form, script,
                  &response_tag);
  return out;
}

Result<ResponseScript> decode_response_script(ByteView in) {
  static constexpr char kAllowed[] = {'\x23', '\x80', '\x90', '\x81', '\x83'};
  ResponseScript s;
  auto form = walk(
      kResponseSpec, in, std::string_view(kAllowed, sizeof kAllowed),
      [&](const RawItem& it) -> std::optional<Error> {
        ResponseItem item{ResponseItem::Kind::rapdu, {}};
        switch (it.tag) {
          case kTagRapdu:
            if (it.value.size() < 2)
              return Error{make_error_code(Errc::bad_item),
                           fmt::format("{}: R-APDU of {} byte(s), the status word needs 2",
                                       item_label(kResponseSpec, it), it.value.size())};
            break;
          case kTagExecutedCount:
            item.kind = ResponseItem::Kind::executed_count;
            if (it.index != 1)
              return Error{make_error_code(Errc::bad_item),
                           fmt::format("{}: the number of executed commands must be the first "
                                       "item (TS 102 226 table 5.10)",
                                       item_label(kResponseSpec, it))};
            if (it.value.empty() || it.value.size() > 4)
              return Error{make_error_code(Errc::bad_item),
                           fmt::format("{}: number of executed commands of {} bytes, expected 1 "
                                       "to 4",
                                       item_label(kResponseSpec, it), it.value.size())};
            break;
          case kTagBadFormat:
            item.kind = ResponseItem::Kind::bad_format;
            if (auto e = one_byte(kResponseSpec, it, "bad format")) return e;
            break;
          case kTagImmediateAction:
            item.kind = ResponseItem::Kind::immediate_action_response;
            if (auto e = one_byte(kResponseSpec, it, "immediate action response")) return e;
            break;
          default:
            item.kind = ResponseItem::Kind::chaining_response;
            if (auto e = one_byte(kResponseSpec, it, "script chaining response")) return e;
            break;
        }
        if (it.index == 1 && it.tag != kTagExecutedCount && in[0] == kTagResponseScriptDefinite)
          return Error{make_error_code(Errc::bad_template),
                       fmt::format("{}: template AB must start with the number of executed "
                                   "commands (tag 80, TS 102 226 table 5.10)",
                                   item_label(kResponseSpec, it))};
        item.value.assign(it.value.begin(), it.value.end());
        s.items.push_back(std::move(item));
        return std::nullopt;
      });
  if (!form) return fail(std::move(form.error()));
  if (*form == ScriptForm::definite && s.items.empty())
    return fail(Errc::bad_template,
                "response script: template AB is empty; it must start with the number of "
                "executed commands (tag 80, TS 102 226 table 5.10)");
  return s;
}

uint8_t bad_format_code(const Error& e) noexcept {
  if (e.code == Errc::unknown_tag || e.code == Errc::bad_template) return 0x01;
  if (e.code == Errc::missing_length) return 0x03;
  return 0x02;
}

// ---- item value names ---------------------------------------------------------------------

std::string_view bad_format_name(uint8_t v) noexcept {
  switch (v) {
    case 0x01: return "unknown tag";
    case 0x02: return "wrong length";
    case 0x03: return "length not found";
    default: return "unknown";
  }
}

std::string_view immediate_action_response_name(uint8_t v) noexcept {
  return v == 0x01 ? "suspension error" : "unknown";
}

std::string_view chaining_response_name(uint8_t v) noexcept {
  switch (v) {
    case 0x01: return "no previous script";
    case 0x02: return "script chaining not supported";
    case 0x03: return "unable to process script chaining";
    default: return "unknown";
  }
}

std::string_view chaining_name(uint8_t v) noexcept {
  switch (v) {
    case 0x01: return "first script, chaining information deleted on reset";
    case 0x11: return "first script, chaining information kept on reset";
    case 0x02: return "subsequent script, more to follow";
    case 0x03: return "last script";
    default: return "unknown";
  }
}

}  // namespace gpram::apdu
