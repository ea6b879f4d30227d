// gpram script encode|decode: ETSI TS 102 226 remote APDU scripts (expanded and compact).
// See docs/protocols/scripts.md for the JSON shapes and how decode picks the format.
#include <fmt/format.h>

#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "cli.hpp"
#include "gpram/apdu/apdu.hpp"
#include "gpram/apdu/script.hpp"

namespace gpram::cli {
namespace {

using nlohmann::json;
namespace ap = gpram::apdu;

std::string hex2(unsigned v) { return fmt::format("{:02X}", v); }
std::string hex4(unsigned v) { return fmt::format("{:04X}", v); }

std::vector<Bytes> hex_list(const json& j, const char* key) {
  std::vector<Bytes> out;
  const json& arr = j[key];
  if (!arr.is_array()) throw UsageError(fmt::format("field \"{}\" must be an array of hex strings", key));
  for (size_t i = 0; i < arr.size(); ++i) {
    if (!arr[i].is_string())
      throw UsageError(fmt::format("{}[{}] must be a hex string", key, i));
    auto b = from_hex(arr[i].get<std::string>());
    if (!b) throw UsageError(fmt::format("{}[{}]: {}", key, i, b.error().message));
    out.push_back(std::move(*b));
  }
  return out;
}

json capdu_json(ByteView raw) {
  json item = {{"type", "capdu"}, {"hex", to_hex(raw)}};
  auto c = ap::parse_capdu_view(raw);
  if (!c) return item;  // decoders only hand out parseable C-APDUs
  item["cla"] = hex2(c->cla);
  item["ins"] = hex2(c->ins);
  item["p1"] = hex2(c->p1);
  item["p2"] = hex2(c->p2);
  const auto name = ap::ins_name(c->cla, c->ins);
  if (!name.empty()) item["name"] = std::string(name);
  item["case"] = c->data.empty() ? (c->le ? 2 : 1) : (c->le ? 4 : 3);
  item["extended"] = c->extended;
  item["channel"] = ap::cla_channel(c->cla);
  if (!c->data.empty()) {
    item["lc"] = c->data.size();
    item["data"] = to_hex(c->data);
  }
  if (c->le) item["le"] = *c->le;
  return item;
}

json rapdu_json(ByteView raw) {
  json item = {{"type", "rapdu"}, {"hex", to_hex(raw)}};
  auto r = ap::parse_rapdu(raw);
  if (!r) return item;
  item["data"] = to_hex(r->data);
  item["sw"] = hex4(r->sw);
  item["sw_name"] = std::string(ap::sw_name(r->sw));
  return item;
}

json byte_item(const char* type, ByteView v, std::string_view meaning) {
  json item = {{"type", type}, {"hex", to_hex(v)}};
  if (v.size() == 1) {
    item["value"] = hex2(v[0]);
    item["meaning"] = std::string(meaning);
  }
  return item;
}

json decode_command(ByteView in) {
  auto s = ap::decode_command_script(in);
  if (!s) throw UsageError(s.error().message);
  json items = json::array();
  for (const auto& it : s->items) {
    switch (it.kind) {
      case ap::ScriptItem::Kind::capdu: items.push_back(capdu_json(it.value)); break;
      case ap::ScriptItem::Kind::immediate_action:
        items.push_back({{"type", "immediate_action"}, {"hex", to_hex(it.value)}});
        break;
      case ap::ScriptItem::Kind::error_action:
        items.push_back({{"type", "error_action"}, {"hex", to_hex(it.value)}});
        break;
      case ap::ScriptItem::Kind::chaining:
        items.push_back(byte_item("chaining", it.value, ap::chaining_name(it.value[0])));
        break;
    }
  }
  return {{"kind", "command"},
          {"format", in[0] == ap::kTagCommandScriptDefinite ? "expanded-definite"
                                                             : "expanded-indefinite"},
          {"count", s->capdus().size()},
          {"items", items}};
}

json decode_response(ByteView in) {
  auto s = ap::decode_response_script(in);
  if (!s) throw UsageError(s.error().message);
  json items = json::array();
  json out = {{"kind", "response"},
              {"format", in[0] == ap::kTagResponseScriptDefinite ? "expanded-definite"
                                                                  : "expanded-indefinite"}};
  for (const auto& it : s->items) {
    switch (it.kind) {
      case ap::ResponseItem::Kind::rapdu: items.push_back(rapdu_json(it.value)); break;
      case ap::ResponseItem::Kind::executed_count:
        items.push_back({{"type", "executed_count"}, {"hex", to_hex(it.value)},
                         {"value", *s->executed()}});
        break;
      case ap::ResponseItem::Kind::bad_format:
        items.push_back(byte_item("bad_format", it.value, ap::bad_format_name(it.value[0])));
        break;
      case ap::ResponseItem::Kind::immediate_action_response:
        items.push_back(byte_item("immediate_action_response", it.value,
                                  ap::immediate_action_response_name(it.value[0])));
        break;
      case ap::ResponseItem::Kind::chaining_response:
        items.push_back(byte_item("chaining_response", it.value,
                                  ap::chaining_response_name(it.value[0])));
        break;
    }
  }
  if (auto n = s->executed()) out["executed"] = *n;
  if (auto b = s->bad_format()) {
    out["bad_format"] = {{"value", hex2(*b)}, {"meaning", std::string(ap::bad_format_name(*b))}};
  }
  out["items"] = items;
  return out;
}

json decode_compact_command(ByteView in) {
  auto cs = ap::decode_compact_command(in);
  if (!cs) throw UsageError(cs.error().message);
  json items = json::array();
  for (const auto& c : *cs) items.push_back(capdu_json(ap::encode(c)));
  return {{"kind", "command"}, {"format", "compact"}, {"count", cs->size()}, {"items", items}};
}

json decode_compact_response(ByteView in) {
  auto r = ap::decode_compact_response(in);
  if (!r) throw UsageError(r.error().message);
  const Bytes last = ap::encode(ap::Rapdu{r->last_data, r->last_sw});
  json out = {{"kind", "response"},
              {"format", "compact"},
              {"executed", r->executed},
              {"last_sw", hex4(r->last_sw)},
              {"last_sw_name", std::string(ap::sw_name(r->last_sw))},
              {"last_data", to_hex(r->last_data)}};
  out["items"] = json::array({rapdu_json(last)});
  return out;
}

struct EncodeOpts {
  bool compact = false;
  bool indefinite = false;
};

void run_encode(const EncodeOpts& o) {
  if (o.compact && o.indefinite)
    throw UsageError("--compact and --indefinite exclude each other (the compact format has no "
                     "templates)");
  const json in = read_stdin_json();
  if (!in.is_object()) throw UsageError("stdin must be a JSON object");
  const bool has_cmd = in.contains("commands");
  const bool has_rsp = in.contains("responses");
  if (has_cmd == has_rsp)
    throw UsageError("stdin needs exactly one of \"commands\" (C-APDUs) or \"responses\" "
                     "(R-APDUs)");
  const auto form = o.indefinite ? ap::ScriptForm::indefinite : ap::ScriptForm::definite;
  Bytes script;
  if (has_cmd) {
    const auto cmds = hex_list(in, "commands");
    for (size_t i = 0; i < cmds.size(); ++i) {
      auto c = ap::parse_capdu_view(cmds[i]);
      if (!c) throw UsageError(fmt::format("commands[{}]: {}", i, c.error().message));
      if (o.compact && c->extended)
        throw UsageError(fmt::format("commands[{}]: extended-length C-APDU in a compact (SMS) "
                                     "script",
                                     i));
    }
    if (o.compact && cmds.empty()) throw UsageError("a compact script needs at least one command");
    script = o.compact ? ap::encode_compact_command(cmds)
                       : ap::encode_command_script(ap::command_script(cmds), form);
  } else {
    const auto rsps = hex_list(in, "responses");
    for (size_t i = 0; i < rsps.size(); ++i)
      if (rsps[i].size() < 2)
        throw UsageError(fmt::format("responses[{}]: R-APDU of {} byte(s), the status word "
                                     "needs 2",
                                     i, rsps[i].size()));
    std::optional<uint32_t> executed;
    if (in.contains("executed")) {
      if (!in["executed"].is_number_unsigned() || in["executed"].get<uint64_t>() > 0xFFFFFFFFu)
        throw UsageError("field \"executed\" must be an unsigned 32-bit number");
      executed = in["executed"].get<uint32_t>();
    }
    if (o.compact) {
      if (rsps.empty()) throw UsageError("a compact response needs at least one R-APDU");
      const uint32_t n = executed.value_or(static_cast<uint32_t>(rsps.size()));
      if (n > 255) throw UsageError("compact response: executed count above 255");
      auto last = ap::parse_rapdu(rsps.back());
      script = ap::encode_compact_response({static_cast<uint8_t>(n), last->sw, last->data});
    } else {
      // AB carries the count first (table 5.10); AF only when "executed" is given (5.10a).
      const bool with_count = !o.indefinite || executed.has_value();
      script = ap::encode_response_script(ap::response_script(rsps, executed, with_count), form);
    }
  }
  print_json({{"script", to_hex(script)}});
}

struct DecodeOpts {
  std::string hex;
  bool compact_command = false;
  bool compact_response = false;
};

void run_decode(const DecodeOpts& o) {
  if (o.compact_command && o.compact_response)
    throw UsageError("--compact-command and --compact-response exclude each other");
  const Bytes in = hex_arg(o.hex, "script");
  if (o.compact_command) return print_json(decode_compact_command(in));
  if (o.compact_response) return print_json(decode_compact_response(in));
  if (in.empty()) throw UsageError("script: empty input");
  switch (in[0]) {
    case ap::kTagCommandScriptDefinite:
    case ap::kTagCommandScriptIndefinite: return print_json(decode_command(in));
    case ap::kTagResponseScriptDefinite:
    case ap::kTagResponseScriptIndefinite: return print_json(decode_response(in));
    default:
      throw UsageError(fmt::format("script: first byte {:02X} opens no expanded template (AA/AE "
                                   "command, AB/AF response); for the compact (SMS) format "
                                   "pass --compact-command or --compact-response",
                                   in[0]));
  }
}

}  // namespace

void register_script(CLI::App& app) {
  auto* script = app.add_subcommand(
      "script", "ETSI TS 102 226 remote APDU scripts: expanded (AA/AE, AB/AF) and compact");
  script->require_subcommand(1);

  auto eo = std::make_shared<EncodeOpts>();
  auto* enc = script->add_subcommand(
      "encode",
      "Encode a script from JSON on stdin: {\"commands\":[\"HEX\",...]} (command script) or "
      "{\"responses\":[\"HEX\",...],\"executed\":N?} (response script); prints "
      "{\"script\":\"HEX\"}");
  enc->add_flag("--compact", eo->compact, "compact (SMS) format: concatenated C-APDUs / count || "
                                          "last SW || last data");
  enc->add_flag("--indefinite", eo->indefinite, "indefinite length template AE 80 ... 00 00 / "
                                                "AF 80 ... 00 00 (default: definite AA / AB)");
  enc->callback([eo] { run_encode(*eo); });

  auto dop = std::make_shared<DecodeOpts>();
  auto* dec = script->add_subcommand(
      "decode",
      "Decode a script given as hex; the outer tag picks command (AA/AE) or response (AB/AF); "
      "compact scripts need --compact-command or --compact-response");
  dec->add_option("HEX", dop->hex, "the script, hex")->required();
  dec->add_flag("--compact-command", dop->compact_command,
                "decode as a compact command script (concatenated C-APDUs)");
  dec->add_flag("--compact-response", dop->compact_response,
                "decode as a compact response (count, last SW, last data)");
  dec->callback([dop] { run_decode(*dop); });
}

}  // namespace gpram::cli
