#pragma once

// Thin RAII wrapper over the HDF5 C API (serial libhdf5 1.10). Every HDF5 call goes through
// this layer: a failing call throws Hdf5Error naming the call, the object path and the file,
// and HDF5's automatic error-stack printing is switched off on every thread that uses it.
// No HDF5 header leaks out of here: ids are stored as std::int64_t (hid_t in 1.10).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace genops::results {

// A failed HDF5 C call (or a type or shape this layer refuses). what() is one line:
// "<call> failed on '<object>' in '<file>': <reason>"; attributes appear as "<object>@<name>".
class Hdf5Error : public std::runtime_error {
 public:
  Hdf5Error(std::string call, std::string object_path, std::string file, const std::string& reason);
  const std::string& call() const { return call_; }
  const std::string& object_path() const { return object_path_; }
  const std::string& file() const { return file_; }
  // HDF5's most specific message (or this layer's), without call, path and file.
  const std::string& reason() const { return reason_; }

 private:
  std::string call_;
  std::string object_path_;
  std::string file_;
  std::string reason_;
};

// Element types of 1-D datasets and attributes. Other = anything this layer does not map.
enum class ElementType : std::uint8_t {
  I8,
  I16,
  I32,
  I64,
  U8,
  U16,
  U32,
  U64,
  F32,
  F64,
  String,
  Other
};
std::string_view to_string(ElementType type);

// The numeric C++ types that map one-to-one onto an ElementType.
template <typename T>
concept Hdf5Numeric = std::is_same_v<T, std::int8_t> || std::is_same_v<T, std::int16_t> ||
    std::is_same_v<T, std::int32_t> || std::is_same_v<T, std::int64_t> ||
    std::is_same_v<T, std::uint8_t> || std::is_same_v<T, std::uint16_t> ||
    std::is_same_v<T, std::uint32_t> || std::is_same_v<T, std::uint64_t> ||
    std::is_same_v<T, float> || std::is_same_v<T, double>;

template <Hdf5Numeric T>
constexpr ElementType element_type_of() {
  if constexpr (std::is_same_v<T, std::int8_t>)
    return ElementType::I8;
  if constexpr (std::is_same_v<T, std::int16_t>)
    return ElementType::I16;
  if constexpr (std::is_same_v<T, std::int32_t>)
    return ElementType::I32;
  if constexpr (std::is_same_v<T, std::int64_t>)
    return ElementType::I64;
  if constexpr (std::is_same_v<T, std::uint8_t>)
    return ElementType::U8;
  if constexpr (std::is_same_v<T, std::uint16_t>)
    return ElementType::U16;
  if constexpr (std::is_same_v<T, std::uint32_t>)
    return ElementType::U32;
  if constexpr (std::is_same_v<T, std::uint64_t>)
    return ElementType::U64;
  if constexpr (std::is_same_v<T, float>)
    return ElementType::F32;
  if constexpr (std::is_same_v<T, double>)
    return ElementType::F64;
}

// Whether values stored as `stored` may be read as `requested`: the same type, a lossless
// widening (u8 -> u32, f32 -> f64, u16 -> i32, ...), or any numeric type read as f64.
bool is_readable_as(ElementType stored, ElementType requested);

// Layout of an appendable 1-D dataset: unlimited length, chunked, gzip + shuffle by default.
struct ChunkOptions {
  std::uint64_t chunk_rows = 65536;
  unsigned gzip_level = 1;  // 0 = no deflate filter
  bool shuffle = true;
  bool fletcher32 = true;  // HDF5 verifies every chunk's checksum when it reads it
};

// HDF5's Fletcher-32 checksum of `bytes` (what its fletcher32 filter appends to a chunk).
std::uint32_t fletcher32(std::span<const std::byte> bytes);

// Size in bytes of one element of a numeric type.
std::size_t element_size(ElementType type);

// Encodes one chunk exactly as a dataset created with `options` filters it (shuffle, then
// zlib deflate, then the Fletcher-32 checksum), so chunks can be compressed on worker threads and
// stored with Dataset::write_encoded_chunk. `raw` holds whole elements of `element_bytes` bytes
// each.
std::vector<std::byte> encode_chunk(std::span<const std::byte> raw, std::size_t element_bytes,
                                    const ChunkOptions& options);

namespace detail {

enum class HandleKind : std::uint8_t {
  File,
  Group,
  Dataset,
  Attribute,
  Dataspace,
  Datatype,
  PropertyList
};

// Owns one HDF5 id and closes it with the matching H5*close. Move-only.
class Handle {
 public:
  Handle() = default;
  Handle(std::int64_t id, HandleKind kind) : id_(id), kind_(kind) {}
  Handle(Handle&& other) noexcept : id_(other.release()), kind_(other.kind_) {}
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }

  std::int64_t id() const { return id_; }
  HandleKind kind() const { return kind_; }
  bool valid() const { return id_ >= 0; }
  std::int64_t release() {
    const std::int64_t id = id_;
    id_ = -1;
    return id;
  }
  // Closes the id, ignoring failures (destructors must not throw).
  void reset() noexcept;
  // Closes the id and throws Hdf5Error if HDF5 reports a failure (e.g. flushing on close).
  void close(const std::string& object_path);

 private:
  std::int64_t id_ = -1;
  HandleKind kind_ = HandleKind::PropertyList;
};

}  // namespace detail

class Dataset;

// Anything that carries attributes: the file's root group, a group or a dataset.
class Object {
 public:
  std::int64_t id() const { return handle_.id(); }
  bool valid() const { return handle_.valid(); }
  // Absolute path of the object inside its file ("/" for the root group).
  const std::string& path() const { return path_; }
  // Name of the file the object lives in (for error messages).
  std::string file_name() const;

  // Scalar fixed-length UTF-8 string attribute; replaces an existing attribute of that name.
  void write_attribute(std::string_view name, std::string_view value);
  void write_attribute(std::string_view name, const char* value) {
    write_attribute(name, std::string_view(value));
  }
  template <Hdf5Numeric T>
  void write_attribute(std::string_view name, T value) {
    write_numeric_attribute(name, element_type_of<T>(), &value, 1, true);
  }
  // 1-D array attribute (e.g. flag_values).
  template <Hdf5Numeric T>
  void write_attribute(std::string_view name, std::span<const T> values) {
    write_numeric_attribute(name, element_type_of<T>(), values.data(), values.size(), false);
  }
  template <Hdf5Numeric T>
  void write_attribute(std::string_view name, const std::vector<T>& values) {
    write_attribute(name, std::span<const T>(values));
  }

  bool has_attribute(std::string_view name) const;
  // Attribute names in creation order when tracked, else in name order.
  std::vector<std::string> attribute_names() const;
  ElementType attribute_type(std::string_view name) const;
  // Number of elements (1 for a scalar).
  std::uint64_t attribute_size(std::string_view name) const;
  // Whether a string attribute is variable-length (stored in the global heap), without reading it.
  bool attribute_is_variable_string(std::string_view name) const;
  // Reads a vlen or fixed-length string attribute.
  std::string read_string_attribute(std::string_view name) const;
  // Reads a one-element numeric attribute, converting as is_readable_as allows.
  template <Hdf5Numeric T>
  T read_attribute(std::string_view name) const {
    T value{};
    read_numeric_attribute(name, element_type_of<T>(), &value, 1);
    return value;
  }
  template <Hdf5Numeric T>
  std::vector<T> read_array_attribute(std::string_view name) const {
    std::vector<T> values(attribute_size(name));
    read_numeric_attribute(name, element_type_of<T>(), values.data(), values.size());
    return values;
  }

 protected:
  Object() = default;
  Object(detail::Handle handle, std::string path)
      : handle_(std::move(handle)), path_(std::move(path)) {}
  std::string child_path(std::string_view name) const;

  detail::Handle handle_;
  std::string path_;

 private:
  void write_numeric_attribute(std::string_view name, ElementType type, const void* data,
                               std::size_t count, bool scalar);
  void read_numeric_attribute(std::string_view name, ElementType type, void* data,
                              std::size_t count) const;
};

// A 1-D dataset: a table column, a dimension scale or a lookup column.
class Dataset : public Object {
 public:
  Dataset() = default;

  // Number of elements (length of dimension 0).
  std::uint64_t size() const;
  ElementType element_type() const;

  // Extends the dataset by values.size() elements and writes them at the end.
  template <Hdf5Numeric T>
  void append(std::span<const T> values) {
    append_raw(element_type_of<T>(), values.data(), values.size());
  }
  // Reads the whole dataset, converting as is_readable_as allows.
  template <Hdf5Numeric T>
  std::vector<T> read() const {
    std::vector<T> values(size());
    read_raw(element_type_of<T>(), values.data(), values.size());
    return values;
  }
  std::vector<double> read_as_double() const { return read<double>(); }
  // Stores one chunk already encoded by encode_chunk (from the chunk's full, zero-padded
  // contents) at row `first_row`, a multiple of the chunk size, and extends the dataset to at
  // least first_row + rows (H5Dwrite_chunk: no conversion, no filter pipeline).
  void write_encoded_chunk(std::uint64_t first_row, std::uint64_t rows,
                           std::span<const std::byte> encoded);
  std::vector<std::string> read_strings() const;
  // Writes rows [first_row, first_row + rows) of a fixed-length string dataset (made by
  // Group::create_string_dataset) from `text`: rows x the type's width bytes, NUL-padded.
  void write_fixed_strings(std::uint64_t first_row, std::uint64_t rows, std::string_view text);
  // Checks, before any read (read() and read_strings() call it), that the dataset holds plain
  // data of this file: no external storage, no virtual layout, every chunk of its extent
  // stored, and an extent its stored bytes can hold (deflate expands at most about 1032x).
  // Hdf5Error naming the dataset otherwise: a forged extent never becomes an allocation.
  void check_storage() const;

  // Dimension scales (HDF5 high-level library), as netCDF-4 / xarray / R expect them.
  void make_dimension_scale(std::string_view dimension_name);
  void attach_dimension_scale(const Dataset& scale, unsigned dimension = 0);
  bool is_dimension_scale() const;
  bool is_attached(const Dataset& scale, unsigned dimension = 0) const;

  void close() { handle_.close(path_); }

 private:
  friend class Group;
  Dataset(detail::Handle handle, std::string path) : Object(std::move(handle), std::move(path)) {}
  void append_raw(ElementType type, const void* data, std::size_t count);
  void read_raw(ElementType type, void* data, std::size_t count) const;
};

class Group : public Object {
 public:
  Group() = default;

  // Creates a group; `name` may be a relative path ("runs/baseline/rep0"), missing
  // intermediate groups are created. Links and attributes keep their creation order.
  Group create_group(std::string_view name);
  Group open_group(std::string_view name) const;
  // Opens the group, creating it (and intermediates) when missing.
  Group require_group(std::string_view name);

  // Whether a link of this (relative or absolute) path exists and is a group / dataset.
  bool has_group(std::string_view name) const;
  bool has_dataset(std::string_view name) const;
  // Direct children, in creation order when tracked, else in name order.
  std::vector<std::string> group_names() const;
  std::vector<std::string> dataset_names() const;

  Dataset open_dataset(std::string_view name) const;
  // An empty appendable 1-D dataset of unlimited length.
  Dataset create_dataset(std::string_view name, ElementType type, const ChunkOptions& options);
  // A fixed-size 1-D dataset holding `values` (uncompressed, contiguous).
  template <Hdf5Numeric T>
  Dataset write_dataset(std::string_view name, std::span<const T> values) {
    return write_fixed_dataset(name, element_type_of<T>(), values.data(), values.size());
  }
  // A fixed-size 1-D dataset of fixed-length UTF-8 strings (as wide as the longest value).
  Dataset write_string_dataset(std::string_view name, std::span<const std::string> values);
  // The dataset write_string_dataset() makes for `rows` values whose longest is `width` bytes,
  // left unwritten: fill it a slice at a time with Dataset::write_fixed_strings().
  Dataset create_string_dataset(std::string_view name, std::uint64_t rows, std::size_t width);

 protected:
  Group(detail::Handle handle, std::string path) : Object(std::move(handle), std::move(path)) {}

 private:
  Dataset write_fixed_dataset(std::string_view name, ElementType type, const void* data,
                              std::size_t count);
  std::vector<std::string> child_names(bool groups) const;
  bool has_child(std::string_view name, bool group) const;
};

enum class FileMode : std::uint8_t { ReadOnly, ReadWrite };

// An HDF5 file; as a Group it is the root group "/". Files are created in the 1.10 file format
// (library-version bounds v110, v110: checksummed metadata), without SWMR. Closing the file closes
// every object still open in it (H5F_CLOSE_STRONG).
class File : public Group {
 public:
  File() = default;
  // Creates (truncating) a file.
  static File create(const std::filesystem::path& path);
  static File open(const std::filesystem::path& path, FileMode mode = FileMode::ReadOnly);
  // Whether the file starts with an HDF5 signature; false for missing or unreadable files.
  static bool is_hdf5(const std::filesystem::path& path);

  const std::filesystem::path& file_path() const { return file_path_; }
  // Before trusting a file: every link is a hard link inside the file, every object a group or
  // a dataset, every dataset and attribute an integer, float or fixed-length string (nothing in
  // the global heap, which carries no checksum), every dataset's storage as check_storage()
  // requires. Hdf5Error naming the first offending object. The dimension-scale API's own
  // attributes (DIMENSION_LIST, REFERENCE_LIST, CLASS, NAME) are allowed and never read.
  void check_plain_structure() const;
  void flush();
  // Closes the file (throws Hdf5Error on failure); a no-op when already closed.
  void close();
  // Number of datasets still open in this file (tables not yet finished, for instance).
  std::uint64_t open_dataset_count() const;

 private:
  File(detail::Handle handle, std::filesystem::path path)
      : Group(std::move(handle), "/"), file_path_(std::move(path)) {}
  std::filesystem::path file_path_;
};

}  // namespace genops::results
