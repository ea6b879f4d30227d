// CAP component parsers: Header (JCVM 2.2.2 §6.3), Applet (§6.5), Import (§6.6). Each takes the
// raw component bytes (u1 tag, u2 size, info[size]) and checks every length against the bytes
// present; errors name the component and the offset inside it.
#include <fmt/format.h>

#include "gpram/gp/cap.hpp"

namespace gpram::gp {

std::string Version::str() const { return fmt::format("{}.{}", major, minor); }

namespace {

constexpr uint32_t kMagic = 0xDECAFFED;

/// A bounds-checked cursor over one component.
class Cursor {
 public:
  Cursor(ByteView raw, const char* component) : raw_(raw), name_(component) {}

  Result<void> need(size_t n, const char* what) const {
    if (raw_.size() - pos_ < n)
      return fail(Errc::truncated,
                  fmt::format("CAP: {} component truncated: {} needs {} bytes at offset {}, {} "
                              "left",
                              name_, what, n, pos_, raw_.size() - pos_));
    return {};
  }
  uint8_t u1() { return raw_[pos_++]; }
  uint16_t u2() {
    const uint16_t v = load_u16(&raw_[pos_]);
    pos_ += 2;
    return v;
  }
  uint32_t u4() {
    const uint32_t v = load_u32(&raw_[pos_]);
    pos_ += 4;
    return v;
  }
  ByteView take(size_t n) {
    const auto v = raw_.subspan(pos_, n);
    pos_ += n;
    return v;
  }
  [[nodiscard]] size_t pos() const noexcept { return pos_; }
  [[nodiscard]] bool at_end() const noexcept { return pos_ == raw_.size(); }
  [[nodiscard]] const char* name() const noexcept { return name_; }

 private:
  ByteView raw_;
  size_t pos_ = 0;
  const char* name_;
};

/// Checks the tag and the u2 size against the bytes present.
Result<void> open_component(Cursor& c, uint8_t tag) {
  if (auto ok = c.need(3, "tag and size"); !ok) return ok;
  const uint8_t got = c.u1();
  if (got != tag)
    return fail(Errc::bad_component,
                fmt::format("CAP: {} component has tag {} at offset 0, expected {}", c.name(), got,
                            tag));
  const size_t size = c.u2();
  if (auto ok = c.need(size, "the declared size"); !ok) return ok;
  return {};
}

Result<Bytes> read_aid(Cursor& c, const char* what) {
  if (auto ok = c.need(1, what); !ok) return fail(ok.error());
  const size_t at = c.pos();
  const size_t len = c.u1();
  if (len < 5 || len > 16)
    return fail(Errc::bad_component,
                fmt::format("CAP: {} component: {} length {} at offset {} (expected 5..16)",
                            c.name(), what, len, at));
  if (auto ok = c.need(len, what); !ok) return fail(ok.error());
  const auto v = c.take(len);
  return Bytes(v.begin(), v.end());
}

Result<void> close_component(const Cursor& c, size_t declared_end) {
  if (c.pos() != declared_end)
    return fail(Errc::bad_component,
                fmt::format("CAP: {} component: content ends at offset {} but the size field says "
                            "{}",
                            c.name(), c.pos(), declared_end));
  return {};
}

}  // namespace

Result<HeaderComponent> parse_header_component(ByteView raw) {
  Cursor c(raw, "Header");
  if (auto ok = open_component(c, 1); !ok) return fail(ok.error());
  const size_t end = 3 + load_u16(&raw[1]);
  if (auto ok = c.need(4, "magic"); !ok) return fail(ok.error());
  const uint32_t magic = c.u4();
  if (magic != kMagic)
    return fail(Errc::bad_magic,
                fmt::format("CAP: bad magic {:08X} at offset 3 of the Header component (expected "
                            "DECAFFED)",
                            magic));
  HeaderComponent h;
  if (auto ok = c.need(5, "versions and flags"); !ok) return fail(ok.error());
  h.cap_version.minor = c.u1();
  h.cap_version.major = c.u1();
  if (h.cap_version.major != 2)
    return fail(Errc::bad_component,
                fmt::format("CAP: unsupported CAP format version {} in the Header component "
                            "(expected 2.x)",
                            h.cap_version.str()));
  h.flags = c.u1();
  h.package_version.minor = c.u1();
  h.package_version.major = c.u1();
  auto aid = read_aid(c, "package AID");
  if (!aid) return fail(aid.error());
  h.package_aid = std::move(*aid);
  // package_name_info exists from CAP format 2.2 on (JCVM 2.2 §6.3); optional before that.
  if (c.pos() < end) {
    if (auto ok = c.need(1, "package name length"); !ok) return fail(ok.error());
    const size_t n = c.u1();
    if (auto ok = c.need(n, "package name"); !ok) return fail(ok.error());
    const auto name = c.take(n);
    h.package_name.assign(as_chars(name));
  }
  if (auto ok = close_component(c, end); !ok) return fail(ok.error());
  return h;
}

Result<std::vector<AppletEntry>> parse_applet_component(ByteView raw) {
  Cursor c(raw, "Applet");
  if (auto ok = open_component(c, 3); !ok) return fail(ok.error());
  const size_t end = 3 + load_u16(&raw[1]);
  if (auto ok = c.need(1, "applet count"); !ok) return fail(ok.error());
  const size_t count = c.u1();
  if (count == 0)
    return fail(Errc::bad_component, "CAP: Applet component declares 0 applets");
  std::vector<AppletEntry> out;
  for (size_t i = 0; i < count; ++i) {
    AppletEntry a;
    auto aid = read_aid(c, "applet AID");
    if (!aid) return fail(aid.error());
    a.aid = std::move(*aid);
    if (auto ok = c.need(2, "install method offset"); !ok) return fail(ok.error());
    a.install_method_offset = c.u2();
    out.push_back(std::move(a));
  }
  if (auto ok = close_component(c, end); !ok) return fail(ok.error());
  return out;
}

Result<std::vector<ImportEntry>> parse_import_component(ByteView raw) {
  Cursor c(raw, "Import");
  if (auto ok = open_component(c, 4); !ok) return fail(ok.error());
  const size_t end = 3 + load_u16(&raw[1]);
  if (auto ok = c.need(1, "package count"); !ok) return fail(ok.error());
  const size_t count = c.u1();
  std::vector<ImportEntry> out;
  for (size_t i = 0; i < count; ++i) {
    ImportEntry e;
    if (auto ok = c.need(2, "package version"); !ok) return fail(ok.error());
    e.version.minor = c.u1();
    e.version.major = c.u1();
    auto aid = read_aid(c, "imported package AID");
    if (!aid) return fail(aid.error());
    e.aid = std::move(*aid);
    out.push_back(std::move(e));
  }
  if (auto ok = close_component(c, end); !ok) return fail(ok.error());
  return out;
}

}  // namespace gpram::gp
