#include "results/hdf5_file.hpp"

#include <hdf5.h>
#include <hdf5_hl.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <utility>

namespace genops::results {

static_assert(std::is_same_v<hid_t, std::int64_t>, "the wrapper stores hid_t as std::int64_t");

namespace {

using detail::Handle;
using detail::HandleKind;

// Debian's libhdf5 is built thread-safe, which makes the error stack and its auto-print
// setting per thread: silence it on every thread that reaches this layer.
// HDF5 must not install its atexit handler: after a failed close (a full disk) that handler
// retried the flush at exit and crashed in H5F__close_cb. H5dont_atexit() only works before the
// library initialises, and any H5P_* / H5T_* macro initialises it, so it runs at static
// initialisation, before main. Every file this layer writes is closed explicitly; one left open
// at exit is a partial that is removed anyway.
const bool kHdf5WithoutAtexit = [] {
  H5dont_atexit();
  return true;
}();

void silence_error_printing() {
  (void)kHdf5WithoutAtexit;
  thread_local bool silenced = false;
  if (!silenced) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    silenced = true;
  }
}

herr_t keep_innermost(unsigned position, const H5E_error2_t* error, void* data) {
  auto& message = *static_cast<std::string*>(data);
  if (position == 0 && error->desc != nullptr) {
    message = error->desc;
  }
  return 0;
}

// The most specific message on the error stack (e.g. "file signature not found"); clears it.
std::string take_error_stack() {
  std::string message;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, keep_innermost, &message);
  H5Eclear2(H5E_DEFAULT);
  return message.empty() ? std::string("HDF5 gave no reason") : message;
}

std::string file_name_of(hid_t location) {
  if (location < 0) {
    return {};
  }
  const ssize_t length = H5Fget_name(location, nullptr, 0);
  if (length <= 0) {
    H5Eclear2(H5E_DEFAULT);
    return {};
  }
  std::string name(static_cast<std::size_t>(length), '\0');
  H5Fget_name(location, name.data(), name.size() + 1);
  return name;
}

// Where a call happens, for error messages: an id inside the file (to find the file name) or
// the file name itself, and the object path.
struct Site {
  hid_t location = -1;
  std::string path;
  std::string file = {};
};

[[noreturn]] void fail(const char* call, const Site& site, std::string reason = {}) {
  if (reason.empty()) {
    reason = take_error_stack();
  } else {
    H5Eclear2(H5E_DEFAULT);
  }
  std::string file = site.file.empty() ? file_name_of(site.location) : site.file;
  throw Hdf5Error(call, site.path, std::move(file), reason);
}

// Runs one HDF5 call; a negative result (error for herr_t, hid_t and htri_t alike) throws.
template <typename Function>
auto checked(const char* call, const Site& site, Function&& function) {
  silence_error_printing();
  const auto result = function();
  if (result < 0) {
    fail(call, site);
  }
  return result;
}

Handle make_handle(const char* call, const Site& site, HandleKind kind, auto&& function) {
  return Handle(checked(call, site, function), kind);
}

bool is_numeric(ElementType type) {
  return type != ElementType::String && type != ElementType::Other;
}
bool is_integer(ElementType type) {
  return is_numeric(type) && type != ElementType::F32 && type != ElementType::F64;
}
bool is_signed_integer(ElementType type) {
  return type == ElementType::I8 || type == ElementType::I16 || type == ElementType::I32 ||
         type == ElementType::I64;
}
int integer_bits(ElementType type) {
  switch (type) {
    case ElementType::I8:
    case ElementType::U8:
      return 8;
    case ElementType::I16:
    case ElementType::U16:
      return 16;
    case ElementType::I32:
    case ElementType::U32:
      return 32;
    default:
      return 64;
  }
}

hid_t memory_type(ElementType type) {
  switch (type) {
    case ElementType::I8:
      return H5T_NATIVE_INT8;
    case ElementType::I16:
      return H5T_NATIVE_INT16;
    case ElementType::I32:
      return H5T_NATIVE_INT32;
    case ElementType::I64:
      return H5T_NATIVE_INT64;
    case ElementType::U8:
      return H5T_NATIVE_UINT8;
    case ElementType::U16:
      return H5T_NATIVE_UINT16;
    case ElementType::U32:
      return H5T_NATIVE_UINT32;
    case ElementType::U64:
      return H5T_NATIVE_UINT64;
    case ElementType::F32:
      return H5T_NATIVE_FLOAT;
    case ElementType::F64:
      return H5T_NATIVE_DOUBLE;
    default:
      return -1;
  }
}

// Stored types are explicit little-endian types, whatever the writing machine.
hid_t file_type(ElementType type) {
  switch (type) {
    case ElementType::I8:
      return H5T_STD_I8LE;
    case ElementType::I16:
      return H5T_STD_I16LE;
    case ElementType::I32:
      return H5T_STD_I32LE;
    case ElementType::I64:
      return H5T_STD_I64LE;
    case ElementType::U8:
      return H5T_STD_U8LE;
    case ElementType::U16:
      return H5T_STD_U16LE;
    case ElementType::U32:
      return H5T_STD_U32LE;
    case ElementType::U64:
      return H5T_STD_U64LE;
    case ElementType::F32:
      return H5T_IEEE_F32LE;
    case ElementType::F64:
      return H5T_IEEE_F64LE;
    default:
      return -1;
  }
}

ElementType classify(hid_t type) {
  const H5T_class_t type_class = H5Tget_class(type);
  const std::size_t size = H5Tget_size(type);
  if (type_class == H5T_STRING) {
    return ElementType::String;
  }
  if (type_class == H5T_FLOAT) {
    if (size == sizeof(float)) {
      return ElementType::F32;
    }
    return size == sizeof(double) ? ElementType::F64 : ElementType::Other;
  }
  if (type_class != H5T_INTEGER) {
    return ElementType::Other;
  }
  const bool is_signed = H5Tget_sign(type) == H5T_SGN_2;
  switch (size) {
    case 1:
      return is_signed ? ElementType::I8 : ElementType::U8;
    case 2:
      return is_signed ? ElementType::I16 : ElementType::U16;
    case 4:
      return is_signed ? ElementType::I32 : ElementType::U32;
    case 8:
      return is_signed ? ElementType::I64 : ElementType::U64;
    default:
      return ElementType::Other;
  }
}

// A fixed-length, NUL-padded UTF-8 string type of `bytes` bytes (at least 1: HDF5 refuses 0).
Handle fixed_string_type(const Site& site, std::size_t bytes) {
  Handle type =
      make_handle("H5Tcopy", site, HandleKind::Datatype, [] { return H5Tcopy(H5T_C_S1); });
  checked("H5Tset_size", site,
          [&] { return H5Tset_size(type.id(), std::max<std::size_t>(1, bytes)); });
  checked("H5Tset_strpad", site, [&] { return H5Tset_strpad(type.id(), H5T_STR_NULLPAD); });
  checked("H5Tset_cset", site, [&] { return H5Tset_cset(type.id(), H5T_CSET_UTF8); });
  return type;
}

// Removes the padding of a fixed-length string read as `type` (NULs, or spaces for SPACEPAD).
void trim_padding(std::string& value, hid_t type) {
  const bool spaces = H5Tget_strpad(type) == H5T_STR_SPACEPAD;
  const std::size_t end = value.find_last_not_of(spaces ? ' ' : '\0');
  value.resize(end == std::string::npos ? 0 : end + 1);
  if (!spaces) {
    value.resize(std::min(value.size(), value.find('\0')));  // NULTERM and NULLPAD alike
  }
}

Handle utf8_string_type(const Site& site) {
  Handle type =
      make_handle("H5Tcopy", site, HandleKind::Datatype, [] { return H5Tcopy(H5T_C_S1); });
  checked("H5Tset_size", site, [&] { return H5Tset_size(type.id(), H5T_VARIABLE); });
  checked("H5Tset_cset", site, [&] { return H5Tset_cset(type.id(), H5T_CSET_UTF8); });
  return type;
}

Handle property_list(const Site& site, hid_t property_class) {
  return make_handle("H5Pcreate", site, HandleKind::PropertyList,
                     [&] { return H5Pcreate(property_class); });
}

constexpr unsigned kCreationOrder = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;

Handle file_access_list(const Site& site) {
  Handle access = property_list(site, H5P_FILE_ACCESS);
  // The 1.10 file format: superblock, object headers, B-trees and heaps carry checksums that
  // HDF5 verifies when it reads them, so a flipped byte is an error, not a wild pointer.
  // Readable by HDF5 1.10 and later (h5py on Debian 12 included).
  checked("H5Pset_libver_bounds", site,
          [&] { return H5Pset_libver_bounds(access.id(), H5F_LIBVER_V110, H5F_LIBVER_V110); });
  checked("H5Pset_fclose_degree", site,
          [&] { return H5Pset_fclose_degree(access.id(), H5F_CLOSE_STRONG); });
  return access;
}

Handle group_creation_list(const Site& site) {
  Handle creation = property_list(site, H5P_GROUP_CREATE);
  checked("H5Pset_link_creation_order", site,
          [&] { return H5Pset_link_creation_order(creation.id(), kCreationOrder); });
  checked("H5Pset_attr_creation_order", site,
          [&] { return H5Pset_attr_creation_order(creation.id(), kCreationOrder); });
  return creation;
}

// Creation properties of a fixed-size 1-D dataset of `rows` rows: chunked with the Fletcher-32
// filter (so HDF5 verifies its data on every read) unless it is empty.
Handle checksummed_creation_list(const Site& site, hsize_t rows) {
  Handle creation = property_list(site, H5P_DATASET_CREATE);
  checked("H5Pset_attr_creation_order", site,
          [&] { return H5Pset_attr_creation_order(creation.id(), kCreationOrder); });
  if (rows > 0) {
    constexpr hsize_t kMaxChunkRows = 65536;
    const hsize_t chunk = std::min(rows, kMaxChunkRows);
    checked("H5Pset_chunk", site, [&] { return H5Pset_chunk(creation.id(), 1, &chunk); });
    checked("H5Pset_fletcher32", site, [&] { return H5Pset_fletcher32(creation.id()); });
  }
  return creation;
}

// The dataspace extent of a 1-D (or scalar, or null) dataset or attribute.
std::uint64_t extent_of(hid_t space, const Site& site) {
  const int rank = checked("H5Sget_simple_extent_ndims", site,
                           [&] { return H5Sget_simple_extent_ndims(space); });
  if (rank > 1) {
    fail("H5Sget_simple_extent_ndims", site,
         "expected a 1-D object, found " + std::to_string(rank) + " dimensions");
  }
  const hssize_t points = checked("H5Sget_simple_extent_npoints", site,
                                  [&] { return H5Sget_simple_extent_npoints(space); });
  return static_cast<std::uint64_t>(points);
}

// Splits "a/b/c" (or "/a/b") into the prefixes "a", "a/b", "a/b/c".
std::vector<std::string> path_prefixes(std::string_view path) {
  std::vector<std::string> prefixes;
  std::size_t position = path.starts_with('/') ? 1 : 0;
  while (position < path.size()) {
    std::size_t end = path.find('/', position);
    if (end == std::string_view::npos) {
      end = path.size();
    }
    if (end > position) {
      prefixes.emplace_back(path.substr(0, end));
    }
    position = end + 1;
  }
  return prefixes;
}

struct NameCollector {
  std::vector<std::string> names;
  int wanted_type = -1;  // H5O_type_t, or -1 for links (attributes)
};

herr_t collect_link(hid_t group, const char* name, const H5L_info_t* /*info*/, void* data) {
  auto& collector = *static_cast<NameCollector*>(data);
  H5O_info_t info;
  if (H5Oget_info_by_name2(group, name, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) {
    return -1;
  }
  if (static_cast<int>(info.type) == collector.wanted_type) {
    collector.names.emplace_back(name);
  }
  return 0;
}

herr_t collect_attribute(hid_t /*location*/, const char* name, const H5A_info_t* /*info*/,
                         void* data) {
  static_cast<NameCollector*>(data)->names.emplace_back(name);
  return 0;
}

std::string attribute_site_path(const std::string& object_path, std::string_view name) {
  std::string path = object_path;
  path += '@';
  path += name;
  return path;
}

}  // namespace

Hdf5Error::Hdf5Error(std::string call, std::string object_path, std::string file,
                     const std::string& reason)
    : std::runtime_error(call + " failed on '" + object_path + "'" +
                         (file.empty() ? std::string() : " in '" + file + "'") + ": " + reason),
      call_(std::move(call)),
      object_path_(std::move(object_path)),
      file_(std::move(file)),
      reason_(reason) {}

std::string_view to_string(ElementType type) {
  switch (type) {
    case ElementType::I8:
      return "i8";
    case ElementType::I16:
      return "i16";
    case ElementType::I32:
      return "i32";
    case ElementType::I64:
      return "i64";
    case ElementType::U8:
      return "u8";
    case ElementType::U16:
      return "u16";
    case ElementType::U32:
      return "u32";
    case ElementType::U64:
      return "u64";
    case ElementType::F32:
      return "f32";
    case ElementType::F64:
      return "f64";
    case ElementType::String:
      return "string";
    case ElementType::Other:
      break;
  }
  return "other";
}

bool is_readable_as(ElementType stored, ElementType requested) {
  if (!is_numeric(stored) || !is_numeric(requested)) {
    return false;
  }
  if (stored == requested || requested == ElementType::F64) {
    return true;
  }
  if (!is_integer(stored)) {
    return false;  // f32 reads only as f32 or f64
  }
  if (requested == ElementType::F32) {
    return integer_bits(stored) <= 16;  // exact in a 24-bit significand
  }
  if (!is_integer(requested) || integer_bits(stored) >= integer_bits(requested)) {
    return false;
  }
  // Same signedness widens; unsigned also widens into a larger signed type.
  return is_signed_integer(stored) == is_signed_integer(requested) || !is_signed_integer(stored);
}

std::size_t element_size(ElementType type) {
  return is_integer(type) ? static_cast<std::size_t>(integer_bits(type) / 8)
                          : (type == ElementType::F32 ? sizeof(float) : sizeof(double));
}

std::uint32_t fletcher32(std::span<const std::byte> bytes) {
  // HDF5's H5_checksum_fletcher32: 16-bit big-endian words, sums folded every 360 words.
  const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
  std::size_t words = bytes.size() / 2;
  std::uint32_t sum1 = 0;
  std::uint32_t sum2 = 0;
  while (words > 0) {
    std::size_t block = std::min<std::size_t>(words, 360);
    words -= block;
    do {
      sum1 += static_cast<std::uint32_t>((data[0] << 8) | data[1]);
      data += 2;
      sum2 += sum1;
    } while (--block > 0);
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  }
  if (bytes.size() % 2 != 0) {
    sum1 += static_cast<std::uint32_t>(data[0] << 8);
    sum2 += sum1;
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  }
  sum1 = (sum1 & 0xffff) + (sum1 >> 16);
  sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  return (sum2 << 16) | sum1;
}

std::vector<std::byte> encode_chunk(std::span<const std::byte> raw, std::size_t element_bytes,
                                    const ChunkOptions& options) {
  std::vector<std::byte> shuffled;
  std::span<const std::byte> input = raw;
  if (options.shuffle && element_bytes > 1) {
    // HDF5's shuffle filter: byte k of every element, then byte k+1, ...
    const std::size_t elements = raw.size() / element_bytes;
    shuffled.resize(raw.size());
    for (std::size_t byte = 0; byte < element_bytes; ++byte) {
      std::byte* out = shuffled.data() + byte * elements;
      for (std::size_t element = 0; element < elements; ++element) {
        out[element] = raw[element * element_bytes + byte];
      }
    }
    input = shuffled;
  }
  std::vector<std::byte> encoded;
  if (options.gzip_level == 0) {
    encoded.assign(input.begin(), input.end());
  } else {
    // HDF5's deflate filter stores a zlib stream made by compress2.
    uLongf encoded_size = compressBound(static_cast<uLong>(input.size()));
    encoded.resize(encoded_size + 4);
    const int status =
        compress2(reinterpret_cast<Bytef*>(encoded.data()), &encoded_size,
                  reinterpret_cast<const Bytef*>(input.data()), static_cast<uLong>(input.size()),
                  static_cast<int>(options.gzip_level));
    if (status != Z_OK) {
      throw Hdf5Error("compress2", "(chunk)", "", "zlib error " + std::to_string(status));
    }
    encoded.resize(encoded_size);
  }
  if (options.fletcher32) {
    // HDF5's Fletcher-32 filter, last in the pipeline: the checksum of the filtered bytes,
    // appended little-endian.
    const std::uint32_t checksum = fletcher32(encoded);
    for (int shift = 0; shift < 32; shift += 8) {
      encoded.push_back(static_cast<std::byte>((checksum >> shift) & 0xff));
    }
  }
  return encoded;
}

// ---- Handle ----

namespace detail {

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    reset();
    kind_ = other.kind_;
    id_ = other.release();
  }
  return *this;
}

namespace {
herr_t close_id(hid_t id, HandleKind kind) {
  switch (kind) {
    case HandleKind::File:
      return H5Fclose(id);
    case HandleKind::Group:
      return H5Gclose(id);
    case HandleKind::Dataset:
      return H5Dclose(id);
    case HandleKind::Attribute:
      return H5Aclose(id);
    case HandleKind::Dataspace:
      return H5Sclose(id);
    case HandleKind::Datatype:
      return H5Tclose(id);
    case HandleKind::PropertyList:
      return H5Pclose(id);
  }
  return -1;
}
}  // namespace

void Handle::reset() noexcept {
  if (id_ < 0) {
    return;
  }
  silence_error_printing();
  // An id already closed by a strong file close fails here, harmlessly.
  if (close_id(release(), kind_) < 0) {
    H5Eclear2(H5E_DEFAULT);
  }
}

void Handle::close(const std::string& object_path) {
  if (id_ < 0) {
    return;
  }
  const Site site{id_, object_path, file_name_of(id_)};
  const HandleKind kind = kind_;
  const hid_t id = release();
  checked(kind == HandleKind::File ? "H5Fclose" : "H5Oclose", site,
          [&] { return close_id(id, kind); });
}

}  // namespace detail

// ---- Object ----

std::string Object::file_name() const {
  silence_error_printing();
  return file_name_of(id());
}

std::string Object::child_path(std::string_view name) const {
  if (name.starts_with('/')) {
    return std::string(name);
  }
  std::string path = path_;
  if (!path.ends_with('/')) {
    path += '/';
  }
  path += name;
  return path;
}

void Object::write_attribute(std::string_view name, std::string_view value) {
  const std::string attribute(name);
  const std::string text(value);
  const Site site{id(), attribute_site_path(path_, name)};
  if (has_attribute(name)) {
    checked("H5Adelete", site, [&] { return H5Adelete(id(), attribute.c_str()); });
  }
  // Fixed-length: stored in the (checksummed) object header, never in the global heap.
  const Handle type = fixed_string_type(site, text.size());
  const Handle space =
      make_handle("H5Screate", site, HandleKind::Dataspace, [] { return H5Screate(H5S_SCALAR); });
  Handle handle = make_handle("H5Acreate2", site, HandleKind::Attribute, [&] {
    return H5Acreate2(id(), attribute.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT);
  });
  std::string padded = text;
  padded.resize(std::max<std::size_t>(1, text.size()), '\0');
  checked("H5Awrite", site, [&] { return H5Awrite(handle.id(), type.id(), padded.data()); });
  handle.close(site.path);
}

void Object::write_numeric_attribute(std::string_view name, ElementType type, const void* data,
                                     std::size_t count, bool scalar) {
  const std::string attribute(name);
  const Site site{id(), attribute_site_path(path_, name)};
  if (has_attribute(name)) {
    checked("H5Adelete", site, [&] { return H5Adelete(id(), attribute.c_str()); });
  }
  const hsize_t dimension = count;
  const Handle space = make_handle("H5Screate", site, HandleKind::Dataspace, [&] {
    if (scalar) {
      return H5Screate(H5S_SCALAR);
    }
    return count == 0 ? H5Screate(H5S_NULL) : H5Screate_simple(1, &dimension, nullptr);
  });
  Handle handle = make_handle("H5Acreate2", site, HandleKind::Attribute, [&] {
    return H5Acreate2(id(), attribute.c_str(), file_type(type), space.id(), H5P_DEFAULT,
                      H5P_DEFAULT);
  });
  if (count > 0) {
    checked("H5Awrite", site, [&] { return H5Awrite(handle.id(), memory_type(type), data); });
  }
  handle.close(site.path);
}

bool Object::has_attribute(std::string_view name) const {
  const std::string attribute(name);
  return checked("H5Aexists", Site{id(), attribute_site_path(path_, name)},
                 [&] { return H5Aexists(id(), attribute.c_str()); }) > 0;
}

std::vector<std::string> Object::attribute_names() const {
  const Site site{id(), path_};
  silence_error_printing();
  NameCollector collector;
  hsize_t position = 0;
  if (H5Aiterate2(id(), H5_INDEX_CRT_ORDER, H5_ITER_INC, &position, collect_attribute, &collector) <
      0) {
    // Creation order is not tracked (a file from another writer): fall back to name order.
    H5Eclear2(H5E_DEFAULT);
    collector.names.clear();
    position = 0;
    checked("H5Aiterate2", site, [&] {
      return H5Aiterate2(id(), H5_INDEX_NAME, H5_ITER_INC, &position, collect_attribute,
                         &collector);
    });
  }
  return collector.names;
}

ElementType Object::attribute_type(std::string_view name) const {
  const std::string attribute(name);
  const Site site{id(), attribute_site_path(path_, name)};
  const Handle handle = make_handle("H5Aopen", site, HandleKind::Attribute,
                                    [&] { return H5Aopen(id(), attribute.c_str(), H5P_DEFAULT); });
  const Handle type = make_handle("H5Aget_type", site, HandleKind::Datatype,
                                  [&] { return H5Aget_type(handle.id()); });
  return classify(type.id());
}

std::uint64_t Object::attribute_size(std::string_view name) const {
  const std::string attribute(name);
  const Site site{id(), attribute_site_path(path_, name)};
  const Handle handle = make_handle("H5Aopen", site, HandleKind::Attribute,
                                    [&] { return H5Aopen(id(), attribute.c_str(), H5P_DEFAULT); });
  const Handle space = make_handle("H5Aget_space", site, HandleKind::Dataspace,
                                   [&] { return H5Aget_space(handle.id()); });
  return extent_of(space.id(), site);
}

bool Object::attribute_is_variable_string(std::string_view name) const {
  const std::string attribute(name);
  const Site site{id(), attribute_site_path(path_, name)};
  const Handle handle = make_handle("H5Aopen", site, HandleKind::Attribute,
                                    [&] { return H5Aopen(id(), attribute.c_str(), H5P_DEFAULT); });
  const Handle type = make_handle("H5Aget_type", site, HandleKind::Datatype,
                                  [&] { return H5Aget_type(handle.id()); });
  return checked("H5Tis_variable_str", site, [&] { return H5Tis_variable_str(type.id()); }) > 0;
}

std::string Object::read_string_attribute(std::string_view name) const {
  const std::string attribute(name);
  const Site site{id(), attribute_site_path(path_, name)};
  const Handle handle = make_handle("H5Aopen", site, HandleKind::Attribute,
                                    [&] { return H5Aopen(id(), attribute.c_str(), H5P_DEFAULT); });
  const Handle type = make_handle("H5Aget_type", site, HandleKind::Datatype,
                                  [&] { return H5Aget_type(handle.id()); });
  const Handle space = make_handle("H5Aget_space", site, HandleKind::Dataspace,
                                   [&] { return H5Aget_space(handle.id()); });
  if (classify(type.id()) != ElementType::String || extent_of(space.id(), site) != 1) {
    fail("H5Aread", site, "expected a scalar string attribute");
  }
  if (checked("H5Tis_variable_str", site, [&] { return H5Tis_variable_str(type.id()); }) > 0) {
    const Handle memory = utf8_string_type(site);
    char* pointer = nullptr;
    checked("H5Aread", site, [&] { return H5Aread(handle.id(), memory.id(), &pointer); });
    std::string value = pointer == nullptr ? std::string() : std::string(pointer);
    H5free_memory(pointer);
    return value;
  }
  const std::size_t size = H5Tget_size(type.id());
  std::string value(size, '\0');
  checked("H5Aread", site, [&] { return H5Aread(handle.id(), type.id(), value.data()); });
  trim_padding(value, type.id());
  return value;
}

void Object::read_numeric_attribute(std::string_view name, ElementType type, void* data,
                                    std::size_t count) const {
  const std::string attribute(name);
  const Site site{id(), attribute_site_path(path_, name)};
  const Handle handle = make_handle("H5Aopen", site, HandleKind::Attribute,
                                    [&] { return H5Aopen(id(), attribute.c_str(), H5P_DEFAULT); });
  const Handle stored = make_handle("H5Aget_type", site, HandleKind::Datatype,
                                    [&] { return H5Aget_type(handle.id()); });
  const ElementType stored_type = classify(stored.id());
  if (!is_readable_as(stored_type, type)) {
    fail("H5Aread", site,
         "stored type " + std::string(to_string(stored_type)) + " cannot be read as " +
             std::string(to_string(type)));
  }
  const Handle space = make_handle("H5Aget_space", site, HandleKind::Dataspace,
                                   [&] { return H5Aget_space(handle.id()); });
  const std::uint64_t size = extent_of(space.id(), site);
  if (size != count) {
    fail("H5Aread", site,
         "expected " + std::to_string(count) + " element(s), found " + std::to_string(size));
  }
  if (count > 0) {
    checked("H5Aread", site, [&] { return H5Aread(handle.id(), memory_type(type), data); });
  }
}

// ---- Verification before trusting a file ----

namespace {

// Deflate cannot expand data more than about 1032x; a declared extent beyond that is forged.
constexpr std::uint64_t kMaxExpansion = 1100;

void check_dataset_storage(hid_t dataset, const std::string& path) {
  const Site site{dataset, path};
  const Handle creation = make_handle("H5Dget_create_plist", site, HandleKind::PropertyList,
                                      [&] { return H5Dget_create_plist(dataset); });
  if (checked("H5Pget_external_count", site,
              [&] { return H5Pget_external_count(creation.id()); }) != 0) {
    fail("H5Pget_external_count", site,
         "its data is stored in external files; expected data inside this file");
  }
  const H5D_layout_t layout = H5Pget_layout(creation.id());
  if (layout != H5D_CHUNKED && layout != H5D_CONTIGUOUS && layout != H5D_COMPACT) {
    fail("H5Pget_layout", site, "unsupported storage layout (virtual?); expected plain data");
  }
  const Handle space = make_handle("H5Dget_space", site, HandleKind::Dataspace,
                                   [&] { return H5Dget_space(dataset); });
  const std::uint64_t rows = extent_of(space.id(), site);
  if (rows == 0) {
    return;
  }
  const Handle type =
      make_handle("H5Dget_type", site, HandleKind::Datatype, [&] { return H5Dget_type(dataset); });
  const std::uint64_t element = H5Tget_size(type.id());
  const std::uint64_t stored = H5Dget_storage_size(dataset);
  const std::uint64_t bytes = rows * element;
  if (element == 0 || bytes / element != rows) {
    fail("H5Dget_storage_size", site, "an extent of " + std::to_string(rows) + " rows overflows");
  }
  if (layout == H5D_CHUNKED) {
    hsize_t chunk = 0;
    if (H5Pget_chunk(creation.id(), 1, &chunk) != 1 || chunk == 0) {
      fail("H5Pget_chunk", site, "expected 1-D chunks");
    }
    const std::uint64_t expected = (rows + chunk - 1) / chunk;
    hsize_t allocated = 0;
    checked("H5Dget_num_chunks", site,
            [&] { return H5Dget_num_chunks(dataset, space.id(), &allocated); });
    if (allocated != expected) {
      fail("H5Dget_num_chunks", site,
           std::to_string(rows) + " rows need " + std::to_string(expected) + " chunks, " +
               std::to_string(allocated) + " are stored");
    }
    if (bytes > stored * kMaxExpansion + chunk * element) {
      fail("H5Dget_storage_size", site,
           std::to_string(rows) + " rows cannot come from " + std::to_string(stored) +
               " stored bytes");
    }
  } else if (stored < bytes) {
    fail("H5Dget_storage_size", site,
         std::to_string(rows) + " rows of " + std::to_string(element) + " bytes, " +
             std::to_string(stored) + " bytes stored");
  }
}

// Attributes HDF5's dimension-scale API writes itself (never read by the readers of our files).
bool is_dimension_scale_attribute(std::string_view name) {
  return name == "DIMENSION_LIST" || name == "REFERENCE_LIST" || name == "CLASS" || name == "NAME";
}

// Our files hold integers, floats and fixed-length strings only.
bool is_plain_type(hid_t type) {
  const H5T_class_t type_class = H5Tget_class(type);
  if (type_class == H5T_INTEGER || type_class == H5T_FLOAT) {
    return true;
  }
  return type_class == H5T_STRING && H5Tis_variable_str(type) == 0;
}

struct StructureCheck {
  std::string problem;
  std::string object;
};

herr_t check_attribute(hid_t location, const char* name, const H5A_info_t*, void* data) {
  auto& check = *static_cast<StructureCheck*>(data);
  if (is_dimension_scale_attribute(name)) {
    return 0;
  }
  const hid_t attribute = H5Aopen(location, name, H5P_DEFAULT);
  if (attribute < 0) {
    check.problem = "attribute '" + std::string(name) + "' cannot be opened";
    return 1;
  }
  const hid_t type = H5Aget_type(attribute);
  const bool plain = type >= 0 && is_plain_type(type);
  if (type >= 0) {
    H5Tclose(type);
  }
  H5Aclose(attribute);
  if (!plain) {
    check.problem =
        "attribute '" + std::string(name) + "' is not an integer, float or fixed-length string";
    return 1;
  }
  return 0;
}

herr_t check_attributes(hid_t object, StructureCheck& check) {
  hsize_t index = 0;
  const herr_t status =
      H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_NATIVE, &index, check_attribute, &check);
  if (status < 0 && check.problem.empty()) {
    check.problem = "its attributes cannot be read";
  }
  return check.problem.empty() ? 0 : 1;
}

herr_t check_link(hid_t group, const char* name, const H5L_info_t* info, void* data) {
  auto& check = *static_cast<StructureCheck*>(data);
  check.object = "/" + std::string(name);
  if (info->type != H5L_TYPE_HARD) {
    check.problem = info->type == H5L_TYPE_EXTERNAL ? "is an external link to another file"
                                                    : "is a soft or user-defined link";
    return 1;
  }
  const hid_t object = H5Oopen(group, name, H5P_DEFAULT);
  if (object < 0) {
    check.problem = "cannot be opened";
    return 1;
  }
  const H5I_type_t kind = H5Iget_type(object);
  if (kind == H5I_DATASET) {
    const hid_t type = H5Dget_type(object);
    const bool plain = type >= 0 && is_plain_type(type);
    if (type >= 0) {
      H5Tclose(type);
    }
    if (!plain) {
      check.problem = "is not a dataset of integers, floats or fixed-length strings";
    } else {
      try {
        check_dataset_storage(object, check.object);
      } catch (const Hdf5Error& error) {
        check.problem = error.reason();
      }
    }
  } else if (kind != H5I_GROUP) {
    check.problem = "is neither a group nor a dataset";
  }
  if (check.problem.empty()) {
    check_attributes(object, check);
  }
  H5Oclose(object);
  return check.problem.empty() ? 0 : 1;
}

}  // namespace

// ---- Dataset ----

std::uint64_t Dataset::size() const {
  const Site site{id(), path_};
  const Handle space =
      make_handle("H5Dget_space", site, HandleKind::Dataspace, [&] { return H5Dget_space(id()); });
  return extent_of(space.id(), site);
}

ElementType Dataset::element_type() const {
  const Handle type = make_handle("H5Dget_type", Site{id(), path_}, HandleKind::Datatype,
                                  [&] { return H5Dget_type(id()); });
  return classify(type.id());
}

void Dataset::append_raw(ElementType type, const void* data, std::size_t count) {
  if (count == 0) {
    return;
  }
  const Site site{id(), path_};
  const ElementType stored = element_type();
  if (stored != type) {
    fail("H5Dwrite", site,
         "cannot append " + std::string(to_string(type)) + " values to a " +
             std::string(to_string(stored)) + " dataset");
  }
  const hsize_t start = size();
  const hsize_t rows = count;
  const hsize_t new_size = start + rows;
  checked("H5Dset_extent", site, [&] { return H5Dset_extent(id(), &new_size); });
  const Handle file_space =
      make_handle("H5Dget_space", site, HandleKind::Dataspace, [&] { return H5Dget_space(id()); });
  checked("H5Sselect_hyperslab", site, [&] {
    return H5Sselect_hyperslab(file_space.id(), H5S_SELECT_SET, &start, nullptr, &rows, nullptr);
  });
  const Handle memory_space = make_handle("H5Screate_simple", site, HandleKind::Dataspace,
                                          [&] { return H5Screate_simple(1, &rows, nullptr); });
  checked("H5Dwrite", site, [&] {
    return H5Dwrite(id(), memory_type(type), memory_space.id(), file_space.id(), H5P_DEFAULT, data);
  });
}

void Dataset::write_encoded_chunk(std::uint64_t first_row, std::uint64_t rows,
                                  std::span<const std::byte> encoded) {
  const Site site{id(), path_};
  const hsize_t offset = first_row;
  const hsize_t end = first_row + rows;
  if (size() < end) {
    checked("H5Dset_extent", site, [&] { return H5Dset_extent(id(), &end); });
  }
  checked("H5Dwrite_chunk", site, [&] {
    return H5Dwrite_chunk(id(), H5P_DEFAULT, 0, &offset, encoded.size(), encoded.data());
  });
}

void Dataset::read_raw(ElementType type, void* data, std::size_t count) const {
  const Site site{id(), path_};
  const ElementType stored = element_type();
  if (!is_readable_as(stored, type)) {
    fail("H5Dread", site,
         "stored type " + std::string(to_string(stored)) + " cannot be read as " +
             std::string(to_string(type)));
  }
  if (count == 0) {
    return;
  }
  check_storage();
  checked("H5Dread", site,
          [&] { return H5Dread(id(), memory_type(type), H5S_ALL, H5S_ALL, H5P_DEFAULT, data); });
}

void Dataset::check_storage() const {
  silence_error_printing();
  check_dataset_storage(id(), path_);
}

std::vector<std::string> Dataset::read_strings() const {
  const Site site{id(), path_};
  const Handle type =
      make_handle("H5Dget_type", site, HandleKind::Datatype, [&] { return H5Dget_type(id()); });
  if (classify(type.id()) != ElementType::String) {
    fail("H5Dread", site, "expected a string dataset");
  }
  const Handle space =
      make_handle("H5Dget_space", site, HandleKind::Dataspace, [&] { return H5Dget_space(id()); });
  const std::size_t count = extent_of(space.id(), site);
  check_storage();
  std::vector<std::string> values;
  values.reserve(count);
  if (count == 0) {
    return values;
  }
  if (checked("H5Tis_variable_str", site, [&] { return H5Tis_variable_str(type.id()); }) > 0) {
    const Handle memory = utf8_string_type(site);
    std::vector<char*> pointers(count, nullptr);
    checked("H5Dread", site, [&] {
      return H5Dread(id(), memory.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data());
    });
    for (const char* pointer : pointers) {
      values.emplace_back(pointer == nullptr ? "" : pointer);
    }
    H5Dvlen_reclaim(memory.id(), space.id(), H5P_DEFAULT, pointers.data());
    return values;
  }
  const std::size_t width = H5Tget_size(type.id());
  std::string buffer(width * count, '\0');
  checked("H5Dread", site,
          [&] { return H5Dread(id(), type.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()); });
  for (std::size_t row = 0; row < count; ++row) {
    std::string value = buffer.substr(row * width, width);
    trim_padding(value, type.id());
    values.push_back(std::move(value));
  }
  return values;
}

void Dataset::make_dimension_scale(std::string_view dimension_name) {
  const std::string name(dimension_name);
  checked("H5DSset_scale", Site{id(), path_}, [&] { return H5DSset_scale(id(), name.c_str()); });
}

void Dataset::attach_dimension_scale(const Dataset& scale, unsigned dimension) {
  checked("H5DSattach_scale", Site{id(), path_},
          [&] { return H5DSattach_scale(id(), scale.id(), dimension); });
}

bool Dataset::is_dimension_scale() const {
  return checked("H5DSis_scale", Site{id(), path_}, [&] { return H5DSis_scale(id()); }) > 0;
}

bool Dataset::is_attached(const Dataset& scale, unsigned dimension) const {
  return checked("H5DSis_attached", Site{id(), path_},
                 [&] { return H5DSis_attached(id(), scale.id(), dimension); }) > 0;
}

// ---- Group ----

Group Group::create_group(std::string_view name) {
  const std::string path = child_path(name);
  const Site site{id(), path};
  const Handle creation = group_creation_list(site);
  const std::vector<std::string> prefixes = path_prefixes(name);
  if (prefixes.empty()) {
    fail("H5Gcreate2", site, "empty group name");
  }
  for (std::size_t level = 0; level + 1 < prefixes.size(); ++level) {
    const std::string& prefix = prefixes[level];
    if (checked("H5Lexists", site, [&] { return H5Lexists(id(), prefix.c_str(), H5P_DEFAULT); }) >
        0) {
      continue;
    }
    make_handle("H5Gcreate2", Site{id(), child_path(prefix)}, HandleKind::Group, [&] {
      return H5Gcreate2(id(), prefix.c_str(), H5P_DEFAULT, creation.id(), H5P_DEFAULT);
    });
  }
  const std::string& relative = prefixes.back();
  return Group(make_handle("H5Gcreate2", site, HandleKind::Group,
                           [&] {
                             return H5Gcreate2(id(), relative.c_str(), H5P_DEFAULT, creation.id(),
                                               H5P_DEFAULT);
                           }),
               path);
}

Group Group::open_group(std::string_view name) const {
  const std::string path = child_path(name);
  const std::string relative(name);
  return Group(make_handle("H5Gopen2", Site{id(), path}, HandleKind::Group,
                           [&] { return H5Gopen2(id(), relative.c_str(), H5P_DEFAULT); }),
               path);
}

Group Group::require_group(std::string_view name) {
  return has_group(name) ? open_group(name) : create_group(name);
}

bool Group::has_child(std::string_view name, bool group) const {
  const Site site{id(), child_path(name)};
  const std::vector<std::string> prefixes = path_prefixes(name);
  if (prefixes.empty()) {
    return group;  // "" or "/" name this group or the root
  }
  for (const std::string& prefix : prefixes) {
    if (checked("H5Lexists", site, [&] { return H5Lexists(id(), prefix.c_str(), H5P_DEFAULT); }) <=
        0) {
      return false;
    }
  }
  const std::string relative(name);
  H5O_info_t info;
  checked("H5Oget_info_by_name2", site, [&] {
    return H5Oget_info_by_name2(id(), relative.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT);
  });
  return info.type == (group ? H5O_TYPE_GROUP : H5O_TYPE_DATASET);
}

bool Group::has_group(std::string_view name) const {
  return has_child(name, true);
}
bool Group::has_dataset(std::string_view name) const {
  return has_child(name, false);
}

std::vector<std::string> Group::child_names(bool groups) const {
  const Site site{id(), path_};
  silence_error_printing();
  NameCollector collector;
  collector.wanted_type = groups ? H5O_TYPE_GROUP : H5O_TYPE_DATASET;
  hsize_t position = 0;
  if (H5Literate(id(), H5_INDEX_CRT_ORDER, H5_ITER_INC, &position, collect_link, &collector) < 0) {
    // Creation order is not tracked (a file from another writer): fall back to name order.
    H5Eclear2(H5E_DEFAULT);
    collector.names.clear();
    position = 0;
    checked("H5Literate", site, [&] {
      return H5Literate(id(), H5_INDEX_NAME, H5_ITER_INC, &position, collect_link, &collector);
    });
  }
  return collector.names;
}

std::vector<std::string> Group::group_names() const {
  return child_names(true);
}
std::vector<std::string> Group::dataset_names() const {
  return child_names(false);
}

Dataset Group::open_dataset(std::string_view name) const {
  const std::string path = child_path(name);
  const std::string relative(name);
  return Dataset(make_handle("H5Dopen2", Site{id(), path}, HandleKind::Dataset,
                             [&] { return H5Dopen2(id(), relative.c_str(), H5P_DEFAULT); }),
                 path);
}

Dataset Group::create_dataset(std::string_view name, ElementType type,
                              const ChunkOptions& options) {
  const std::string path = child_path(name);
  const std::string relative(name);
  const Site site{id(), path};
  if (!is_numeric(type)) {
    fail("H5Dcreate2", site, "appendable datasets hold numeric types only");
  }
  const hsize_t initial = 0;
  const hsize_t maximum = H5S_UNLIMITED;
  const hsize_t chunk = options.chunk_rows;
  const Handle space = make_handle("H5Screate_simple", site, HandleKind::Dataspace,
                                   [&] { return H5Screate_simple(1, &initial, &maximum); });
  const Handle creation = property_list(site, H5P_DATASET_CREATE);
  checked("H5Pset_chunk", site, [&] { return H5Pset_chunk(creation.id(), 1, &chunk); });
  if (options.shuffle) {
    checked("H5Pset_shuffle", site, [&] { return H5Pset_shuffle(creation.id()); });
  }
  if (options.gzip_level > 0) {
    checked("H5Pset_deflate", site,
            [&] { return H5Pset_deflate(creation.id(), options.gzip_level); });
  }
  if (options.fletcher32) {
    checked("H5Pset_fletcher32", site, [&] { return H5Pset_fletcher32(creation.id()); });
  }
  checked("H5Pset_attr_creation_order", site,
          [&] { return H5Pset_attr_creation_order(creation.id(), kCreationOrder); });
  // Appends always write whole chunks (the last one excepted), so bypass the chunk cache: each
  // chunk is compressed and written once, straight from the caller's buffer.
  const Handle access = property_list(site, H5P_DATASET_ACCESS);
  checked("H5Pset_chunk_cache", site, [&] {
    return H5Pset_chunk_cache(access.id(), H5D_CHUNK_CACHE_NSLOTS_DEFAULT, 0,
                              H5D_CHUNK_CACHE_W0_DEFAULT);
  });
  return Dataset(make_handle("H5Dcreate2", site, HandleKind::Dataset,
                             [&] {
                               return H5Dcreate2(id(), relative.c_str(), file_type(type),
                                                 space.id(), H5P_DEFAULT, creation.id(),
                                                 access.id());
                             }),
                 path);
}

Dataset Group::write_fixed_dataset(std::string_view name, ElementType type, const void* data,
                                   std::size_t count) {
  const std::string path = child_path(name);
  const std::string relative(name);
  const Site site{id(), path};
  const hsize_t dimension = count;
  const Handle space = make_handle("H5Screate_simple", site, HandleKind::Dataspace,
                                   [&] { return H5Screate_simple(1, &dimension, nullptr); });
  const Handle creation = checksummed_creation_list(site, dimension);
  Dataset dataset(make_handle("H5Dcreate2", site, HandleKind::Dataset,
                              [&] {
                                return H5Dcreate2(id(), relative.c_str(), file_type(type),
                                                  space.id(), H5P_DEFAULT, creation.id(),
                                                  H5P_DEFAULT);
                              }),
                  path);
  if (count > 0) {
    checked("H5Dwrite", site, [&] {
      return H5Dwrite(dataset.id(), memory_type(type), H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
    });
  }
  return dataset;
}

Dataset Group::create_string_dataset(std::string_view name, std::uint64_t rows, std::size_t width) {
  const std::string path = child_path(name);
  const std::string relative(name);
  const Site site{id(), path};
  const hsize_t dimension = rows;
  // Fixed-length, as wide as the longest value: no global heap, whose records carry no checksum.
  const Handle type = fixed_string_type(site, std::max<std::size_t>(1, width));
  const Handle space = make_handle("H5Screate_simple", site, HandleKind::Dataspace,
                                   [&] { return H5Screate_simple(1, &dimension, nullptr); });
  const Handle creation = checksummed_creation_list(site, dimension);
  return Dataset(make_handle("H5Dcreate2", site, HandleKind::Dataset,
                             [&] {
                               return H5Dcreate2(id(), relative.c_str(), type.id(), space.id(),
                                                 H5P_DEFAULT, creation.id(), H5P_DEFAULT);
                             }),
                 path);
}

void Dataset::write_fixed_strings(std::uint64_t first_row, std::uint64_t rows,
                                  std::string_view text) {
  if (rows == 0) {
    return;
  }
  const Site site{id(), path_};
  const Handle type =
      make_handle("H5Dget_type", site, HandleKind::Datatype, [&] { return H5Dget_type(id()); });
  const std::size_t width = H5Tget_size(type.id());
  if (width == 0 || text.size() != width * rows) {
    fail("H5Dwrite", site,
         "expected " + std::to_string(rows) + " strings of " + std::to_string(width) + " bytes");
  }
  const hsize_t start = first_row;
  const hsize_t count = rows;
  const Handle file_space =
      make_handle("H5Dget_space", site, HandleKind::Dataspace, [&] { return H5Dget_space(id()); });
  checked("H5Sselect_hyperslab", site, [&] {
    return H5Sselect_hyperslab(file_space.id(), H5S_SELECT_SET, &start, nullptr, &count, nullptr);
  });
  const Handle memory_space = make_handle("H5Screate_simple", site, HandleKind::Dataspace,
                                          [&] { return H5Screate_simple(1, &count, nullptr); });
  checked("H5Dwrite", site, [&] {
    return H5Dwrite(id(), type.id(), memory_space.id(), file_space.id(), H5P_DEFAULT, text.data());
  });
}

Dataset Group::write_string_dataset(std::string_view name, std::span<const std::string> values) {
  std::size_t width = 1;
  for (const std::string& value : values) {
    width = std::max(width, value.size());
  }
  Dataset dataset = create_string_dataset(name, values.size(), width);
  if (!values.empty()) {
    std::string buffer(width * values.size(), '\0');
    for (std::size_t row = 0; row < values.size(); ++row) {
      values[row].copy(buffer.data() + row * width, values[row].size());
    }
    dataset.write_fixed_strings(0, values.size(), buffer);
  }
  return dataset;
}

// ---- File ----

File File::create(const std::filesystem::path& path) {
  const Site site{-1, "/", path.string()};
  const Handle access = file_access_list(site);
  const Handle creation = property_list(site, H5P_FILE_CREATE);
  checked("H5Pset_link_creation_order", site,
          [&] { return H5Pset_link_creation_order(creation.id(), kCreationOrder); });
  checked("H5Pset_attr_creation_order", site,
          [&] { return H5Pset_attr_creation_order(creation.id(), kCreationOrder); });
  const std::string name = path.string();
  return File(
      make_handle(
          "H5Fcreate", site, HandleKind::File,
          [&] { return H5Fcreate(name.c_str(), H5F_ACC_TRUNC, creation.id(), access.id()); }),
      path);
}

File File::open(const std::filesystem::path& path, FileMode mode) {
  const Site site{-1, "/", path.string()};
  const Handle access = file_access_list(site);
  const std::string name = path.string();
  const unsigned flags = mode == FileMode::ReadWrite ? H5F_ACC_RDWR : H5F_ACC_RDONLY;
  return File(make_handle("H5Fopen", site, HandleKind::File,
                          [&] { return H5Fopen(name.c_str(), flags, access.id()); }),
              path);
}

bool File::is_hdf5(const std::filesystem::path& path) {
  silence_error_printing();
  const std::string name = path.string();
  const htri_t result = H5Fis_hdf5(name.c_str());
  if (result < 0) {
    H5Eclear2(H5E_DEFAULT);
  }
  return result > 0;
}

void File::flush() {
  checked("H5Fflush", Site{id(), path_}, [&] { return H5Fflush(id(), H5F_SCOPE_GLOBAL); });
}

void File::check_plain_structure() const {
  silence_error_printing();
  StructureCheck check;
  check.object = "/";
  check_attributes(id(), check);
  if (check.problem.empty()) {
    const herr_t status = H5Lvisit(id(), H5_INDEX_NAME, H5_ITER_NATIVE, check_link, &check);
    if (status < 0 && check.problem.empty()) {
      check.problem = "its links cannot be read";
    }
  }
  if (!check.problem.empty()) {
    fail("H5Lvisit", Site{id(), check.object}, check.problem);
  }
}

void File::close() {
  handle_.close(path_);
}

std::uint64_t File::open_dataset_count() const {
  return static_cast<std::uint64_t>(checked("H5Fget_obj_count", Site{id(), path_}, [&] {
    return H5Fget_obj_count(id(), H5F_OBJ_DATASET);
  }));
}

}  // namespace genops::results
