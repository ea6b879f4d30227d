// CAP archive reading (JCVM 2.2.2 §6.1 / 3.0.5 §6.1: one `<Name>.cap` entry per component in
// the package's `javacard/` directory) with libzip from memory, and the GP Load File
// (GP 2.3 §C.1; component order of JCVM §6.2 as used by GlobalPlatformPro CAPFile and pySim).
#include <algorithm>
#include <fstream>
#include <iterator>
#include <memory>

#include <fmt/format.h>
#include <zip.h>

#include "gpram/crypto/crypto.hpp"
#include "gpram/gp/cap.hpp"
#include "gpram/tlv/tlv.hpp"

namespace gpram::gp {

const std::array<const char*, 11>& load_order() {
  static const std::array<const char*, 11> kOrder{
      "Header",       "Directory",   "Import",      "Applet",       "Class",     "Method",
      "StaticField", "Export",      "ConstantPool", "RefLocation", "Descriptor"};
  return kOrder;
}

namespace {

struct KnownComponent {
  const char* name;
  uint8_t tag;
  bool required;
};
constexpr std::array<KnownComponent, 12> kComponents{{
    {"Header", 1, true},
    {"Directory", 2, true},
    {"Applet", 3, false},
    {"Import", 4, true},
    {"ConstantPool", 5, true},
    {"Class", 6, true},
    {"Method", 7, true},
    {"StaticField", 8, true},
    {"RefLocation", 9, true},
    {"Export", 10, false},
    {"Descriptor", 11, false},
    {"Debug", 12, false},
}};

const KnownComponent* known(std::string_view name) {
  for (const auto& k : kComponents)
    if (name == k.name) return &k;
  return nullptr;
}

struct ZipDeleter {
  void operator()(zip_t* z) const noexcept { zip_discard(z); }
};
struct ZipFileCloser {
  void operator()(zip_file_t* f) const noexcept { zip_fclose(f); }
};

struct Entry {
  std::string name;
  std::string dir;
  std::string path;
  Bytes data;
};

/// Splits "a/b/javacard/Header.cap" into dir "a/b/javacard/" and component "Header"; returns
/// false for entries outside a javacard/ directory or not ending in .cap.
bool component_path(std::string_view path, std::string& dir, std::string& name) {
  constexpr std::string_view kExt = ".cap";
  constexpr std::string_view kDir = "javacard/";
  if (path.size() <= kExt.size() || path.substr(path.size() - kExt.size()) != kExt) return false;
  const size_t slash = path.rfind('/');
  const size_t base = slash == std::string_view::npos ? 0 : slash + 1;
  const std::string_view d = path.substr(0, base);
  if (d.size() < kDir.size() || d.substr(d.size() - kDir.size()) != kDir) return false;
  if (d.size() > kDir.size() && d[d.size() - kDir.size() - 1] != '/') return false;
  dir.assign(d);
  name.assign(path.substr(base, path.size() - base - kExt.size()));
  return true;
}

Result<std::vector<Entry>> read_components(ByteView zip_bytes, const CapLimits& limits) {
  if (zip_bytes.size() > limits.max_archive)
    return fail(Errc::too_large, fmt::format("CAP: archive of {} bytes exceeds the limit of {}",
                                             zip_bytes.size(), limits.max_archive));
  if (zip_bytes.size() < 22)
    return fail(Errc::not_a_zip,
                fmt::format("CAP: not a ZIP archive ({} bytes, shorter than an end-of-central-"
                            "directory record)",
                            zip_bytes.size()));
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(zip_bytes.data(), zip_bytes.size(), 0, &err);
  if (!src) {
    std::string m = zip_error_strerror(&err);
    zip_error_fini(&err);
    return fail(Errc::not_a_zip, "CAP: cannot read the archive: " + m);
  }
  std::unique_ptr<zip_t, ZipDeleter> za(zip_open_from_source(src, ZIP_RDONLY, &err));
  if (!za) {
    zip_source_free(src);
    std::string m = zip_error_strerror(&err);
    zip_error_fini(&err);
    return fail(Errc::not_a_zip, "CAP: not a ZIP archive: " + m);
  }
  zip_error_fini(&err);
  const zip_int64_t n = zip_get_num_entries(za.get(), 0);
  if (n < 0 || static_cast<uint64_t>(n) > limits.max_entries)
    return fail(Errc::too_large,
                fmt::format("CAP: archive has {} entries (limit {})", n, limits.max_entries));
  std::vector<Entry> out;
  for (zip_uint64_t i = 0; i < static_cast<zip_uint64_t>(n); ++i) {
    const char* raw_name = zip_get_name(za.get(), i, ZIP_FL_ENC_RAW);
    if (!raw_name) continue;
    Entry e;
    e.path = raw_name;
    if (!component_path(e.path, e.dir, e.name)) continue;
    if (!known(e.name)) continue;  // e.g. a stray Foo.cap: not a component
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(za.get(), i, 0, &st) != 0 || (st.valid & ZIP_STAT_SIZE) == 0)
      return fail(Errc::zip_error, fmt::format("CAP: cannot stat entry {}", e.path));
    constexpr zip_uint64_t kMaxComponent = 3 + 0xFFFF;
    if (st.size > kMaxComponent)
      return fail(Errc::too_large,
                  fmt::format("CAP: entry {} is {} bytes; a component is at most {}", e.path,
                              st.size, kMaxComponent));
    std::unique_ptr<zip_file_t, ZipFileCloser> f(zip_fopen_index(za.get(), i, 0));
    if (!f)
      return fail(Errc::zip_error, fmt::format("CAP: cannot open entry {}: {}", e.path,
                                               zip_strerror(za.get())));
    e.data.resize(static_cast<size_t>(st.size) + 1);
    size_t got = 0;
    while (got < e.data.size()) {
      const zip_int64_t r = zip_fread(f.get(), e.data.data() + got, e.data.size() - got);
      if (r < 0)
        return fail(Errc::zip_error, fmt::format("CAP: cannot read entry {}: {}", e.path,
                                                 zip_file_strerror(f.get())));
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    if (got != st.size)
      return fail(Errc::zip_error,
                  fmt::format("CAP: entry {} holds {} bytes but its directory record says {}",
                              e.path, got, st.size));
    e.data.resize(got);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

Result<CapFile> CapFile::parse(ByteView zip_bytes, const CapLimits& limits) {
  auto entries = read_components(zip_bytes, limits);
  if (!entries) return fail(entries.error());
  // Duplicates and the package directory.
  for (size_t i = 0; i < entries->size(); ++i)
    for (size_t j = i + 1; j < entries->size(); ++j)
      if ((*entries)[i].name == (*entries)[j].name)
        return fail(Errc::duplicate_component,
                    fmt::format("CAP: duplicate {} component ({} and {})", (*entries)[i].name,
                                (*entries)[i].path, (*entries)[j].path));
  const auto find = [&](std::string_view name) -> const Entry* {
    for (const auto& e : *entries)
      if (e.name == name) return &e;
    return nullptr;
  };
  for (const auto& k : kComponents)
    if (k.required && !find(k.name))
      return fail(Errc::missing_component,
                  fmt::format("CAP: missing {} component (no <package>/javacard/{}.cap entry)",
                              k.name, k.name));
  CapFile cap;
  const Entry* header = find("Header");
  cap.dir_ = header->dir;
  for (const auto& e : *entries) {
    if (e.dir != cap.dir_)
      return fail(Errc::bad_component,
                  fmt::format("CAP: component {} is outside the Header's directory {}", e.path,
                              cap.dir_));
    const KnownComponent* k = known(e.name);
    if (e.data.size() < 3 || e.data[0] != k->tag || load_u16(&e.data[1]) != e.data.size() - 3)
      return fail(Errc::bad_component,
                  fmt::format("CAP: {} component ({} bytes) does not start with tag {} and a size "
                              "matching its length",
                              e.name, e.data.size(), k->tag));
  }
  auto h = parse_header_component(header->data);
  if (!h) return fail(h.error());
  cap.header_ = std::move(*h);
  if (const Entry* a = find("Applet")) {
    auto applets = parse_applet_component(a->data);
    if (!applets) return fail(applets.error());
    cap.applets_ = std::move(*applets);
  } else if (cap.header_.flags & 0x04) {
    return fail(Errc::missing_component,
                "CAP: missing Applet component (the Header flags announce applets)");
  }
  if (!find("Export") && (cap.header_.flags & 0x02))
    return fail(Errc::missing_component,
                "CAP: missing Export component (the Header flags announce exports)");
  auto imports = parse_import_component(find("Import")->data);
  if (!imports) return fail(imports.error());
  cap.imports_ = std::move(*imports);
  for (const char* name : load_order()) {
    const Entry* e = find(name);
    if (e) cap.components_.push_back({name, e->data});
  }
  return cap;
}

Result<CapFile> CapFile::load(const std::string& path, const CapLimits& limits) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Errc::not_a_zip, fmt::format("CAP: cannot open {}", path));
  Bytes data;
  char buf[65536];
  while (in) {
    in.read(buf, sizeof buf);
    const auto got = static_cast<size_t>(in.gcount());
    data.insert(data.end(), reinterpret_cast<const uint8_t*>(buf),
                reinterpret_cast<const uint8_t*>(buf) + got);
    if (data.size() > limits.max_archive)
      return fail(Errc::too_large, fmt::format("CAP: {} exceeds the limit of {} bytes", path,
                                               limits.max_archive));
  }
  if (in.bad()) return fail(Errc::not_a_zip, fmt::format("CAP: cannot read {}", path));
  return parse(data, limits);
}

const CapFile::Component* CapFile::component(std::string_view name) const noexcept {
  for (const auto& c : components_)
    if (c.name == name) return &c;
  return nullptr;
}

Bytes CapFile::load_file(bool include_descriptor) const {
  Bytes out;
  for (const auto& c : components_) {
    if (c.name == "Descriptor" && !include_descriptor) continue;
    append(out, c.data);
  }
  return out;
}

Bytes CapFile::load_file_data_block(bool include_descriptor) const {
  const Bytes lf = load_file(include_descriptor);
  return tlv::encode(0xC4, lf);
}

Bytes CapFile::load_file_hash(HashAlg alg, bool include_descriptor) const {
  switch (alg) {
    case HashAlg::none: return {};
    case HashAlg::sha1: return crypto::sha1(load_file(include_descriptor));
    case HashAlg::sha256: return crypto::sha256(load_file(include_descriptor));
  }
  return {};
}

}  // namespace gpram::gp
