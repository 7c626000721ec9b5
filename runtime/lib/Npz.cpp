//===- Npz.cpp - NumPy .npz archives of named arrays ----------------------===//
//
// A ZIP reader for what Python's zipfile writes for numpy.savez(_compressed):
// the central directory is the authority on names, sizes and offsets (local
// headers written with force_zip64 carry 0xFFFFFFFF sizes), members are
// stored or deflated, and every member's CRC-32 is checked so a damaged file
// is refused rather than loaded as wrong weights.
//
//===----------------------------------------------------------------------===//

#include "kiln/runtime/Npz.h"

#include "kiln/runtime/File.h"

#ifndef KILN_NO_ZLIB
#include <zlib.h>
#endif

#include <array>
#include <cstring>
#include <limits>
#include <sstream>

namespace kiln {
namespace rt {

namespace {

constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr uint32_t kCentralHeader = 0x02014b50;
constexpr uint32_t kEndOfCentralDirectory = 0x06054b50;
constexpr uint32_t kZip64EndLocator = 0x07064b50;
constexpr uint32_t kZip64End = 0x06064b50;
constexpr uint16_t kZip64ExtraId = 0x0001;
constexpr uint16_t kMethodStored = 0, kMethodDeflated = 8;

/// CRC-32 (ZIP's polynomial), here rather than zlib's so that the arm-64
/// runtime, built without zlib, checks stored members too.
uint32_t crc32Of(const uint8_t *data, size_t size) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k)
        c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < size; ++i)
    crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

/// Little-endian reads within a bounds-checked byte range.
class Reader {
public:
  Reader(const std::vector<uint8_t> &bytes) : bytes(bytes) {}
  bool has(uint64_t at, uint64_t size) const {
    return at <= bytes.size() && size <= bytes.size() - at;
  }
  uint16_t u16(uint64_t at) const {
    return uint16_t(bytes[at] | bytes[at + 1] << 8);
  }
  uint32_t u32(uint64_t at) const {
    return uint32_t(u16(at)) | uint32_t(u16(at + 2)) << 16;
  }
  uint64_t u64(uint64_t at) const {
    return uint64_t(u32(at)) | uint64_t(u32(at + 4)) << 32;
  }
  const uint8_t *at(uint64_t offset) const { return bytes.data() + offset; }

private:
  const std::vector<uint8_t> &bytes;
};

/// One member as the central directory describes it.
struct Member {
  std::string name;
  uint16_t flags = 0, method = 0;
  uint32_t crc = 0;
  uint64_t compressedSize = 0, size = 0, localOffset = 0;
};

/// Finds the central directory: its offset and number of entries (from the
/// ZIP64 end record when the classic one overflows).
Status findCentralDirectory(const std::string &path, const Reader &r,
                            uint64_t fileSize, uint64_t &offset,
                            uint64_t &entries) {
  // The end record is the last 22 bytes plus a comment of up to 64 KiB.
  if (fileSize < 22)
    return Status::fileError(path, "is truncated (no ZIP end record)");
  uint64_t lowest = fileSize > 22 + 0xFFFF ? fileSize - 22 - 0xFFFF : 0;
  uint64_t end = fileSize - 22;
  for (;; --end) {
    if (r.u32(end) == kEndOfCentralDirectory &&
        end + 22 + r.u16(end + 20) == fileSize)
      break;
    if (end == lowest)
      return Status::fileError(path, "is truncated or not a ZIP archive (no "
                                     "end of central directory record)");
  }
  entries = r.u16(end + 10);
  offset = r.u32(end + 16);
  if (entries != 0xFFFF && offset != 0xFFFFFFFF)
    return Status::ok();
  if (end < 20 || r.u32(end - 20) != kZip64EndLocator)
    return Status::fileError(path, "has a ZIP64 archive without its ZIP64 "
                                   "end record locator");
  uint64_t zip64End = r.u64(end - 20 + 8);
  if (!r.has(zip64End, 56) || r.u32(zip64End) != kZip64End)
    return Status::fileError(path, "has a damaged ZIP64 end record");
  entries = r.u64(zip64End + 32);
  offset = r.u64(zip64End + 48);
  return Status::ok();
}

/// Reads the central directory's entries.
Status readMembers(const std::string &path, const Reader &r, uint64_t fileSize,
                   std::vector<Member> &members) {
  uint64_t at = 0, entries = 0;
  if (Status s = findCentralDirectory(path, r, fileSize, at, entries); !s)
    return s;
  members.clear();
  for (uint64_t i = 0; i < entries; ++i) {
    if (!r.has(at, 46) || r.u32(at) != kCentralHeader)
      return Status::fileError(path, "has a damaged ZIP central directory "
                                     "(entry " +
                                         std::to_string(i + 1) + " of " +
                                         std::to_string(entries) + ")");
    Member m;
    m.flags = r.u16(at + 8);
    m.method = r.u16(at + 10);
    m.crc = r.u32(at + 16);
    m.compressedSize = r.u32(at + 20);
    m.size = r.u32(at + 24);
    uint16_t nameLength = r.u16(at + 28), extraLength = r.u16(at + 30),
             commentLength = r.u16(at + 32);
    m.localOffset = r.u32(at + 42);
    if (!r.has(at + 46, uint64_t(nameLength) + extraLength + commentLength))
      return Status::fileError(path, "has a truncated ZIP central directory");
    m.name.assign(reinterpret_cast<const char *>(r.at(at + 46)), nameLength);
    // The ZIP64 extra field holds, in this order, those of the three fields
    // that overflowed.
    for (uint64_t e = at + 46 + nameLength,
                  eEnd = at + 46 + nameLength + extraLength;
         e + 4 <= eEnd;) {
      uint16_t id = r.u16(e), length = r.u16(e + 2);
      if (e + 4 + length > eEnd)
        break;
      if (id == kZip64ExtraId) {
        uint64_t field = e + 4, fieldEnd = e + 4 + length;
        for (uint64_t *value : {&m.size, &m.compressedSize, &m.localOffset}) {
          if (*value != 0xFFFFFFFF)
            continue;
          if (field + 8 > fieldEnd)
            return Status::fileError(path, "member '" + m.name +
                                               "' has a short ZIP64 field");
          *value = r.u64(field);
          field += 8;
        }
      }
      e += 4 + length;
    }
    members.push_back(std::move(m));
    at += 46 + uint64_t(nameLength) + extraLength + commentLength;
  }
  return Status::ok();
}

#ifndef KILN_NO_ZLIB
/// Inflates a raw deflate stream (ZIP method 8) of known output size.
Status inflateRaw(const std::string &path, const std::string &member,
                  const uint8_t *in, uint64_t inSize, uint64_t outSize,
                  std::vector<uint8_t> &out) {
  out.assign(outSize, 0);
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK)
    return Status::fileError(path, "cannot start inflating '" + member + "'");
  z.next_in = const_cast<uint8_t *>(in);
  z.avail_in = uInt(inSize);
  z.next_out = out.data();
  z.avail_out = uInt(outSize);
  int rc = inflate(&z, Z_FINISH);
  uint64_t produced = z.total_out;
  inflateEnd(&z);
  if (rc != Z_STREAM_END || produced != outSize)
    return Status::fileError(path, "member '" + member +
                                       "' is corrupt (its deflate stream "
                                       "does not inflate to " +
                                       std::to_string(outSize) + " bytes)");
  return Status::ok();
}
#endif

/// The value text of `key` in a .npy header dictionary, up to the next
/// top-level comma or closing brace (a tuple's commas are inside parens).
bool headerValue(const std::string &header, const std::string &key,
                 std::string &value) {
  size_t at = header.find("'" + key + "'");
  if (at == std::string::npos)
    return false;
  at = header.find(':', at);
  if (at == std::string::npos)
    return false;
  size_t end = ++at;
  int depth = 0;
  for (; end < header.size(); ++end) {
    char c = header[end];
    if (c == '(')
      ++depth;
    else if (c == ')')
      --depth;
    else if ((c == ',' || c == '}') && depth == 0)
      break;
  }
  value = header.substr(at, end - at);
  size_t first = value.find_first_not_of(" \t\n");
  size_t last = value.find_last_not_of(" \t\n");
  value =
      first == std::string::npos ? "" : value.substr(first, last - first + 1);
  return true;
}

/// Parses the .npy array `data` of member `name` into `out`.
Status parseNpy(const std::string &path, const std::string &name,
                const std::vector<uint8_t> &data, NamedTensor &out) {
  auto bad = [&](const std::string &what) {
    return Status::fileError(path, "array '" + name + "' " + what);
  };
  static const char kMagic[] = "\x93NUMPY";
  if (data.size() < 10 || std::memcmp(data.data(), kMagic, 6) != 0)
    return bad("is not a .npy array (bad magic)");
  uint8_t major = data[6];
  uint64_t headerLength = 0, start = 0;
  if (major == 1) {
    headerLength = data[8] | data[9] << 8;
    start = 10;
  } else if (major == 2 || major == 3) {
    if (data.size() < 12)
      return bad("is truncated");
    headerLength = uint64_t(data[8]) | uint64_t(data[9]) << 8 |
                   uint64_t(data[10]) << 16 | uint64_t(data[11]) << 24;
    start = 12;
  } else {
    return bad("has .npy format version " + std::to_string(major) +
               " (1 to 3 are read)");
  }
  if (headerLength > data.size() - start)
    return bad("is truncated (its header runs past the end)");
  std::string header(reinterpret_cast<const char *>(data.data() + start),
                     headerLength);
  std::string descr, fortran, shapeText;
  if (!headerValue(header, "descr", descr) ||
      !headerValue(header, "fortran_order", fortran) ||
      !headerValue(header, "shape", shapeText))
    return bad("has a header without descr, fortran_order or shape: " + header);
  size_t itemSize = 0;
  if (descr == "'<f4'")
    itemSize = 4;
  else if (descr == "'<f8'")
    itemSize = 8;
  else
    return bad("has dtype " + descr +
               "; weights must be little-endian float32 or float64 "
               "(numpy: array.astype('float32'))");
  if (fortran != "False")
    return bad("is in Fortran order; save np.ascontiguousarray(array)");
  if (shapeText.size() < 2 || shapeText.front() != '(' ||
      shapeText.back() != ')')
    return bad("has a malformed shape " + shapeText);
  out.name = name;
  out.shape.clear();
  std::istringstream dims(shapeText.substr(1, shapeText.size() - 2));
  std::string dim;
  uint64_t count = 1;
  while (std::getline(dims, dim, ',')) {
    size_t first = dim.find_first_not_of(' ');
    if (first == std::string::npos)
      continue; // the empty element after "(3,"
    dim = dim.substr(first, dim.find_last_not_of(' ') - first + 1);
    char *end = nullptr;
    long long extent = std::strtoll(dim.c_str(), &end, 10);
    if (dim.empty() || *end || extent < 0 || extent > (1ll << 40))
      return bad("has a malformed shape " + shapeText);
    out.shape.push_back(extent);
    count *= uint64_t(extent);
    if (count > (uint64_t(1) << 40))
      return bad("is too large (" + shapeText + ")");
  }
  uint64_t begin = start + headerLength;
  if (data.size() - begin != count * itemSize)
    return bad("holds " + std::to_string(data.size() - begin) +
               " bytes of data; its shape " + shapeText + " and dtype " +
               descr + " need " + std::to_string(count * itemSize));
  out.data.resize(count);
  const uint8_t *p = data.data() + begin;
  if (itemSize == 4) {
    std::memcpy(out.data.data(), p, count * 4);
  } else {
    for (uint64_t i = 0; i < count; ++i) {
      double v;
      std::memcpy(&v, p + 8 * i, 8);
      out.data[i] = float(v);
    }
  }
  return Status::ok();
}

void put16(std::string &s, uint16_t v) {
  s.push_back(char(v & 0xFF));
  s.push_back(char(v >> 8));
}

void put32(std::string &s, uint32_t v) {
  put16(s, uint16_t(v & 0xFFFF));
  put16(s, uint16_t(v >> 16));
}

} // namespace

bool looksLikeZip(const std::vector<uint8_t> &bytes) {
  return bytes.size() >= 4 && Reader(bytes).u32(0) == kLocalHeader;
}

Status parseNpz(const std::string &path, const std::vector<uint8_t> &bytes,
                std::vector<NamedTensor> &out) {
  Reader r(bytes);
  std::vector<Member> members;
  if (Status s = readMembers(path, r, bytes.size(), members); !s)
    return s;
  out.clear();
  std::vector<uint8_t> data;
  for (const Member &m : members) {
    if (m.name.empty() || m.name.back() == '/')
      continue; // a directory entry
    if (m.flags & 1)
      return Status::fileError(path, "member '" + m.name + "' is encrypted");
    if (!r.has(m.localOffset, 30) || r.u32(m.localOffset) != kLocalHeader)
      return Status::fileError(path, "member '" + m.name +
                                         "' has no local header where the "
                                         "central directory puts it");
    uint64_t begin = m.localOffset + 30 + r.u16(m.localOffset + 26) +
                     r.u16(m.localOffset + 28);
    if (!r.has(begin, m.compressedSize))
      return Status::fileError(path, "is truncated (member '" + m.name +
                                         "' runs past the end)");
    if (m.size > std::numeric_limits<uint32_t>::max())
      return Status::fileError(path,
                               "member '" + m.name + "' is larger than 4 GiB");
    if (m.method == kMethodStored) {
      if (m.compressedSize != m.size)
        return Status::fileError(path, "stored member '" + m.name +
                                           "' has two different sizes");
      data.assign(r.at(begin), r.at(begin) + m.size);
    } else if (m.method == kMethodDeflated) {
#ifdef KILN_NO_ZLIB
      return Status::fileError(
          path, "member '" + m.name +
                    "' is compressed, but this build of the Kiln runtime has "
                    "no zlib (it was built without zlib for this "
                    "architecture); save it with numpy.savez, not "
                    "savez_compressed");
#else
      if (Status s = inflateRaw(path, m.name, r.at(begin), m.compressedSize,
                                m.size, data);
          !s)
        return s;
#endif
    } else {
      return Status::fileError(path, "member '" + m.name +
                                         "' uses ZIP compression method " +
                                         std::to_string(m.method) +
                                         " (stored and deflate are read)");
    }
    if (crc32Of(data.data(), data.size()) != m.crc)
      return Status::fileError(path, "member '" + m.name +
                                         "' is corrupt (CRC-32 mismatch)");
    std::string name = m.name;
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0)
      name.resize(name.size() - 4);
    for (const NamedTensor &t : out)
      if (t.name == name)
        return Status::fileError(path, "holds two arrays named '" + name + "'");
    NamedTensor tensor;
    if (Status s = parseNpy(path, name, data, tensor); !s)
      return s;
    out.push_back(std::move(tensor));
  }
  return Status::ok();
}

Status writeNpz(const std::string &path,
                const std::vector<NamedTensor> &tensors) {
  if (tensors.size() >= 0xFFFF)
    return Status::fileError(path, "has too many tensors for a ZIP archive "
                                   "without ZIP64");
  std::string zip, central;
  // 1980-01-01 00:00, the earliest DOS date.
  constexpr uint16_t kDosTime = 0, kDosDate = (1 << 5) | 1;
  for (const NamedTensor &t : tensors) {
    std::string shape = "(";
    for (size_t i = 0; i < t.shape.size(); ++i)
      shape += (i ? ", " : "") + std::to_string(t.shape[i]);
    shape += t.shape.size() == 1 ? ",)" : ")";
    std::string dict =
        "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
    // As numpy pads it: magic, version and length, then the dictionary and
    // spaces up to a newline that ends on a multiple of 64 bytes.
    size_t total = 10 + dict.size() + 1;
    dict.append((64 - total % 64) % 64, ' ');
    dict.push_back('\n');
    std::string npy("\x93NUMPY\x01\x00", 8);
    put16(npy, uint16_t(dict.size()));
    npy += dict;
    npy.append(reinterpret_cast<const char *>(t.data.data()),
               t.data.size() * sizeof(float));
    std::string name = t.name + ".npy";
    uint32_t crc =
        crc32Of(reinterpret_cast<const uint8_t *>(npy.data()), npy.size());
    if (zip.size() + npy.size() + name.size() + 30 >
            std::numeric_limits<uint32_t>::max() ||
        name.size() > 0xFFFF)
      return Status::fileError(path, "the weights are too large for a "
                                     "ZIP archive without ZIP64");
    uint32_t offset = uint32_t(zip.size());
    auto header = [&](std::string &s, bool centralEntry) {
      put32(s, centralEntry ? kCentralHeader : kLocalHeader);
      if (centralEntry)
        put16(s, 20); // made by: ZIP 2.0
      put16(s, 20);   // needed: ZIP 2.0
      put16(s, 0);    // flags
      put16(s, kMethodStored);
      put16(s, kDosTime);
      put16(s, kDosDate);
      put32(s, crc);
      put32(s, uint32_t(npy.size()));
      put32(s, uint32_t(npy.size()));
      put16(s, uint16_t(name.size()));
      put16(s, 0); // extra
      if (centralEntry) {
        put16(s, 0); // comment
        put16(s, 0); // disk
        put16(s, 0); // internal attributes
        put32(s, 0); // external attributes
        put32(s, offset);
      }
      s += name;
    };
    header(zip, false);
    zip += npy;
    header(central, true);
  }
  uint32_t centralOffset = uint32_t(zip.size());
  zip += central;
  put32(zip, kEndOfCentralDirectory);
  put16(zip, 0);
  put16(zip, 0);
  put16(zip, uint16_t(tensors.size()));
  put16(zip, uint16_t(tensors.size()));
  put32(zip, uint32_t(central.size()));
  put32(zip, centralOffset);
  put16(zip, 0);
  return writeFileAtomically(path, "weights", zip);
}

} // namespace rt
} // namespace kiln
