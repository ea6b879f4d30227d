#include "gpram/jobs/compile.hpp"

#include <fmt/format.h>

#include "gpram/apdu/apdu.hpp"
#include "gpram/crypto/base64.hpp"
#include "gpram/gp/cap.hpp"
#include "gpram/gp/commands.hpp"
#include "gpram/gp/install.hpp"
#include "gpram/tlv/tlv.hpp"

namespace gpram::jobs {
namespace {

using nlohmann::json;

const char* jobs_message(int ev) {
  switch (static_cast<Errc>(ev)) {
    case Errc::invalid_operation: return "jobs: invalid operation";
    case Errc::unsupported: return "jobs: unsupported operation";
  }
  return "jobs: unknown error";
}

struct Ctx {
  const CompileOptions& opts;
  std::string where;  // "operations[2].install"
};

Unexpected bad(const Ctx& c, std::string_view field, std::string_view what) {
  return fail(Errc::invalid_operation,
              field.empty() ? fmt::format("{}: {}", c.where, what)
                            : fmt::format("{}.{}: {}", c.where, field, what));
}

Result<void> only(const Ctx& c, const json& j, std::initializer_list<const char*> allowed) {
  if (!j.is_object()) return bad(c, "", "must be an object");
  for (const auto& [k, v] : j.items()) {
    bool known = false;
    for (const char* a : allowed) known = known || k == a;
    if (!known) return bad(c, "", fmt::format("unknown field \"{}\"", k));
  }
  return {};
}

Result<Bytes> hex_of(const Ctx& c, const json& j, const char* key, bool required, size_t min = 0,
                     size_t max = 65535) {
  if (!j.contains(key) || j[key].is_null()) {
    if (required) return bad(c, key, "missing");
    return Bytes{};
  }
  if (!j[key].is_string()) return bad(c, key, "must be a hex string");
  auto b = from_hex(j[key].get<std::string>());
  if (!b) return bad(c, key, b.error().message);
  if (b->size() < min || b->size() > max)
    return bad(c, key, fmt::format("{} bytes, expected {}..{}", b->size(), min, max));
  return b;
}

Result<void> add(std::vector<Bytes>& out, const Ctx& c, Result<apdu::Capdu> capdu) {
  if (!capdu) return bad(c, "", capdu.error().message);
  auto enc = apdu::encode_checked(*capdu);
  if (!enc) return bad(c, "", enc.error().message);
  out.push_back(std::move(*enc));
  return {};
}

Result<void> op_apdus(std::vector<Bytes>& out, const Ctx& c, const json& v) {
  if (!v.is_array() || v.empty()) return bad(c, "", "must be a non-empty array of hex C-APDUs");
  for (size_t i = 0; i < v.size(); ++i) {
    Ctx ci{c.opts, fmt::format("{}[{}]", c.where, i)};
    if (!v[i].is_string()) return bad(ci, "", "must be a hex string");
    auto b = from_hex(v[i].get<std::string>());
    if (!b) return bad(ci, "", b.error().message);
    auto parsed = apdu::parse_capdu(*b);
    if (!parsed) return bad(ci, "", parsed.error().message);
    if (b->size() > c.opts.max_capdu_size)
      return bad(ci, "", fmt::format("C-APDU of {} bytes exceeds the card's maximum of {}",
                                     b->size(), c.opts.max_capdu_size));
    out.push_back(std::move(*b));
  }
  return {};
}

Result<void> op_install(std::vector<Bytes>& out, const Ctx& c, const json& v) {
  if (auto r = only(c, v, {"cap", "applets", "include_descriptor", "hash", "block_size"}); !r) return r;
  if (!v.contains("cap") || !v["cap"].is_string()) return bad(c, "cap", "missing (base64 of the .cap file)");
  auto zip = crypto::base64_decode(v["cap"].get<std::string>());
  if (!zip) return bad(c, "cap", zip.error().message);
  auto cap = gp::CapFile::parse(*zip);
  if (!cap) return bad(c, "cap", cap.error().message);
  gp::InstallOptions io;
  io.sd_aid = c.opts.sd_aid;
  io.limits.max_capdu = c.opts.max_capdu_size;
  io.limits.max_script_command = c.opts.max_script_bytes;
  if (v.contains("include_descriptor")) {
    if (!v["include_descriptor"].is_boolean()) return bad(c, "include_descriptor", "must be true or false");
    io.include_descriptor = v["include_descriptor"].get<bool>();
  }
  if (v.contains("hash")) {
    const std::string h = v["hash"].is_string() ? v["hash"].get<std::string>() : "";
    if (h == "sha1") io.hash = gp::HashAlg::sha1;
    else if (h == "sha256") io.hash = gp::HashAlg::sha256;
    else if (h == "none") io.hash = gp::HashAlg::none;
    else return bad(c, "hash", "must be \"none\", \"sha1\" or \"sha256\"");
  }
  if (v.contains("block_size")) {
    if (!v["block_size"].is_number_unsigned() || v["block_size"].get<size_t>() < 16 ||
        v["block_size"].get<size_t>() > 255)
      return bad(c, "block_size", "must be an integer 16..255");
    io.block_size = v["block_size"].get<size_t>();
  }
  if (v.contains("applets")) {
    if (!v["applets"].is_array()) return bad(c, "applets", "must be an array");
    for (size_t i = 0; i < v["applets"].size(); ++i) {
      Ctx ca{c.opts, fmt::format("{}.applets[{}]", c.where, i)};
      const json& a = v["applets"][i];
      if (auto r = only(ca, a, {"class_aid", "instance_aid", "privileges", "params"}); !r) return r;
      gp::AppletInstall ai;
      auto cls = hex_of(ca, a, "class_aid", true, 5, 16);
      if (!cls) return fail(cls.error());
      ai.class_aid = *cls;
      auto inst = hex_of(ca, a, "instance_aid", false, 5, 16);
      if (!inst) return fail(inst.error());
      ai.instance_aid = *inst;
      auto priv = hex_of(ca, a, "privileges", false, 1, 3);
      if (!priv) return fail(priv.error());
      if (!priv->empty()) ai.privileges = *priv;
      auto params = hex_of(ca, a, "params", false, 0, 200);
      if (!params) return fail(params.error());
      if (!params->empty()) ai.params = *params;
      io.applets.push_back(std::move(ai));
    }
  }
  auto cmds = gp::compile_install(*cap, io);
  if (!cmds) return bad(c, "", cmds.error().message);
  for (auto& cmd : *cmds)
    if (auto r = add(out, c, std::move(cmd)); !r) return r;
  return {};
}

Result<void> op_delete(std::vector<Bytes>& out, const Ctx& c, const json& v) {
  if (auto r = only(c, v, {"aid", "related"}); !r) return r;
  auto aid = hex_of(c, v, "aid", true, 5, 16);
  if (!aid) return fail(aid.error());
  bool related = false;
  if (v.contains("related")) {
    if (!v["related"].is_boolean()) return bad(c, "related", "must be true or false");
    related = v["related"].get<bool>();
  }
  return add(out, c, gp::delete_object(*aid, related));
}

Result<void> op_store_data(std::vector<Bytes>& out, const Ctx& c, const json& v) {
  if (auto r = only(c, v, {"aid", "data"}); !r) return r;
  auto aid = hex_of(c, v, "aid", true, 5, 16);
  if (!aid) return fail(aid.error());
  if (!v.contains("data") || !v["data"].is_array() || v["data"].empty())
    return bad(c, "data", "must be a non-empty array of hex blocks");
  if (auto r = add(out, c, gp::install_for_personalization(*aid)); !r) return r;
  const size_t n = v["data"].size();
  for (size_t i = 0; i < n; ++i) {
    Ctx ci{c.opts, fmt::format("{}.data[{}]", c.where, i)};
    if (!v["data"][i].is_string()) return bad(ci, "", "must be a hex string");
    auto d = from_hex(v["data"][i].get<std::string>());
    if (!d) return bad(ci, "", d.error().message);
    if (d->empty() || d->size() > 255) return bad(ci, "", fmt::format("{} bytes, expected 1..255", d->size()));
    if (i > 255) return bad(ci, "", "more than 256 STORE DATA blocks");
    auto cmd = gp::store_data(*d, static_cast<uint8_t>(i), i + 1 == n, {});
    if (auto r = add(out, c, cmd); !r) return r;
  }
  return {};
}

}  // namespace

const std::error_category& error_category() noexcept {
  static const SimpleCategory category("gpram.jobs", jobs_message);
  return category;
}

std::vector<store::Step> split_into_steps(std::vector<Bytes> capdus, const CompileOptions& opts) {
  std::vector<store::Step> steps;
  store::Step cur;
  size_t bytes = 0;
  for (auto& c : capdus) {
    const size_t item = 1 + tlv::length_size(c.size()) + c.size();
    if (!cur.capdus.empty() &&
        (cur.capdus.size() >= opts.max_commands_per_script || bytes + item > opts.max_script_bytes)) {
      steps.push_back(std::move(cur));
      cur = {};
      bytes = 0;
    }
    bytes += item;
    cur.capdus.push_back(std::move(c));
  }
  if (!cur.capdus.empty()) steps.push_back(std::move(cur));
  return steps;
}

Result<std::vector<store::Step>> compile_operations(const json& operations, const CompileOptions& opts) {
  if (!operations.is_array() || operations.empty())
    return fail(Errc::invalid_operation, "operations: must be a non-empty array");
  std::vector<Bytes> capdus;
  for (size_t i = 0; i < operations.size(); ++i) {
    const json& op = operations[i];
    if (!op.is_object() || op.size() != 1)
      return fail(Errc::invalid_operation,
                  fmt::format("operations[{}]: must be an object with exactly one key", i));
    const auto it = op.begin();
    const std::string name = it.key();
    const json& value = it.value();
    Ctx c{opts, fmt::format("operations[{}].{}", i, name)};
    Result<void> r;
    if (name == "apdus") r = op_apdus(capdus, c, value);
    else if (name == "install") r = op_install(capdus, c, value);
    else if (name == "delete") r = op_delete(capdus, c, value);
    else if (name == "store_data") r = op_store_data(capdus, c, value);
    else if (name == "put_key" || name == "set_status" || name == "create_sd")
      return fail(Errc::unsupported,
                  fmt::format("operations[{}]: \"{}\" is not supported by this server yet", i, name));
    else
      return fail(Errc::invalid_operation,
                  fmt::format("operations[{}]: unknown operation \"{}\" (apdus, install, delete, "
                              "store_data, put_key, set_status, create_sd)",
                              i, name));
    if (!r) return fail(r.error());
  }
  auto steps = split_into_steps(std::move(capdus), opts);
  if (!opts.sd_aid.empty())
    for (auto& s : steps) s.target_aid = opts.sd_aid;
  return steps;
}

}  // namespace gpram::jobs
