#pragma once

// A table stored as one HDF5 dataset per column plus a dimension-scale dataset (the row index)
// attached to every column, so h5py, xarray (engine="h5netcdf") and R hdf5r read it as a table.
// Record-agnostic: callers declare typed columns and push values.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "results/hdf5_file.hpp"

namespace genops::results {

inline constexpr std::uint64_t kDefaultChunkRows = 65536;

// One code of a categorical column and its label (no spaces: labels are joined by spaces into
// the CF `flag_meanings` attribute).
template <Hdf5Numeric T>
struct Category {
  T code{};
  std::string label;
};

class ColumnTableWriter;

namespace detail {

// One column's state inside a ColumnTableWriter: its dataset and a one-chunk byte buffer.
class ColumnSink {
 public:
  ColumnSink(Dataset dataset, ElementType type, std::uint64_t chunk_rows, ColumnTableWriter& owner);
  ColumnSink(const ColumnSink&) = delete;
  ColumnSink& operator=(const ColumnSink&) = delete;

  template <Hdf5Numeric T>
  void push(T value) {
    std::memcpy(cursor_, &value, sizeof(T));
    cursor_ += sizeof(T);
    if (cursor_ == end_) [[unlikely]] {
      hand_over_chunk();
    }
  }
  // Rows pushed so far, written, queued or buffered.
  std::uint64_t rows() const {
    return queued_rows_ + static_cast<std::uint64_t>(cursor_ - buffer_.data()) / element_bytes_;
  }
  std::uint64_t buffered_rows() const {
    return static_cast<std::uint64_t>(cursor_ - buffer_.data()) / element_bytes_;
  }
  Dataset& dataset() { return dataset_; }
  ElementType type() const { return type_; }
  std::size_t element_bytes() const { return element_bytes_; }
  // Gives the buffer (zero-padded to a whole chunk) to the owner's queue and starts a new one.
  void hand_over_chunk();

 private:
  Dataset dataset_;
  ElementType type_;
  std::size_t element_bytes_;
  ColumnTableWriter* owner_;
  std::vector<std::byte> buffer_;
  std::byte* cursor_ = nullptr;
  std::byte* end_ = nullptr;
  std::uint64_t queued_rows_ = 0;
};

}  // namespace detail

// Appends values to one column. A cheap non-owning handle: valid while its ColumnTableWriter
// lives; pushing after finish() is a bug.
template <Hdf5Numeric T>
class Column {
 public:
  void push(T value) { sink_->push(value); }
  void push(std::span<const T> values) {
    for (const T value : values) {
      sink_->push(value);
    }
  }
  std::uint64_t rows() const { return sink_->rows(); }

 private:
  friend class ColumnTableWriter;
  explicit Column(detail::ColumnSink* sink) : sink_(sink) {}
  detail::ColumnSink* sink_;
};

// Writes a table as group `<parent>/<name>`: one appendable, chunked, compressed dataset per
// column and a u64 dimension-scale dataset named after the dimension (row index 0..n-1).
// Each column buffers one chunk; full chunks are queued until every column has one, then
// compressed in parallel on oneTBB workers and written in order, so memory stays bounded
// (about two chunks per column) whatever the table length, and the file does not depend on
// the number of threads. Call finish() once every row is pushed; every column must then hold the
// same number of rows. Destroying an unfinished writer outside of exception unwinding is a bug
// (asserted).
class ColumnTableWriter {
 public:
  ColumnTableWriter(Group& parent, std::string_view name, std::string_view dimension_name,
                    std::uint64_t chunk_rows = kDefaultChunkRows, unsigned gzip_level = 1,
                    bool shuffle = true);
  ~ColumnTableWriter();
  ColumnTableWriter(const ColumnTableWriter&) = delete;
  ColumnTableWriter& operator=(const ColumnTableWriter&) = delete;

  // A numeric column with a `units` attribute (and `long_name` unless empty).
  template <Hdf5Numeric T>
  Column<T> add_column(std::string_view name, std::string_view units,
                       std::string_view long_name = {}) {
    return Column<T>(&add_sink(name, element_type_of<T>(), units, long_name));
  }

  // A categorical column of integer codes with CF attributes `flag_values` (array of T) and
  // `flag_meanings` (labels joined by spaces), and units "1".
  template <Hdf5Numeric T>
  Column<T> add_categorical_column(std::string_view name, std::span<const Category<T>> categories,
                                   std::string_view long_name = {}) {
    Column<T> column = add_column<T>(name, "1", long_name);
    std::vector<T> codes;
    std::vector<std::string_view> labels;
    for (const Category<T>& category : categories) {
      codes.push_back(category.code);
      labels.push_back(category.label);
    }
    columns_.back()->dataset().write_attribute("flag_values", std::span<const T>(codes));
    columns_.back()->dataset().write_attribute("flag_meanings", join_flag_meanings(labels));
    return column;
  }
  // Codes 0..labels.size()-1 in the order given.
  template <Hdf5Numeric T>
  Column<T> add_categorical_column(std::string_view name, std::span<const std::string> labels,
                                   std::string_view long_name = {}) {
    return add_categorical_column<T>(name, number_labels<T>(labels), long_name);
  }
  template <Hdf5Numeric T>
  Column<T> add_categorical_column(std::string_view name, std::initializer_list<std::string> labels,
                                   std::string_view long_name = {}) {
    return add_categorical_column<T>(
        name, std::span<const std::string>(labels.begin(), labels.size()), long_name);
  }

  // The table's group, e.g. for table-level attributes.
  Group& group() { return group_; }
  // Rows pushed into the first column (0 without columns).
  std::uint64_t rows() const;
  // Flushes every column, checks equal lengths, writes the dimension scale and closes the
  // datasets. Idempotent.
  void finish();
  bool finished() const { return finished_; }

 private:
  friend class detail::ColumnSink;
  struct PendingChunk {
    detail::ColumnSink* sink;
    std::uint64_t first_row;
    std::uint64_t rows;
    std::vector<std::byte> raw;
  };

  detail::ColumnSink& add_sink(std::string_view name, ElementType type, std::string_view units,
                               std::string_view long_name);
  // Takes a column's chunk; compresses and writes the queue once it holds a chunk per column.
  void queue_chunk(PendingChunk chunk);
  // Compresses the queued chunks in parallel (oneTBB) and writes them in queue order.
  void write_queued_chunks();
  std::vector<std::byte> spare_buffer();
  static std::string join_flag_meanings(std::span<const std::string_view> labels);
  template <Hdf5Numeric T>
  static std::vector<Category<T>> number_labels(std::span<const std::string> labels) {
    std::vector<Category<T>> categories;
    for (std::size_t index = 0; index < labels.size(); ++index) {
      categories.push_back(Category<T>{static_cast<T>(index), labels[index]});
    }
    return categories;
  }

  Group group_;
  Dataset scale_;
  std::string dimension_name_;
  std::uint64_t chunk_rows_;
  ChunkOptions options_;
  std::vector<std::unique_ptr<detail::ColumnSink>> columns_;
  std::vector<PendingChunk> queue_;
  std::vector<std::vector<std::byte>> spare_buffers_;
  int uncaught_at_construction_;
  bool finished_ = false;
};

// Reads a table written by ColumnTableWriter (or any group of equal-length 1-D datasets).
class ColumnTableReader {
 public:
  // Opens `<parent>/<name>`; Hdf5Error when it does not exist.
  ColumnTableReader(const Group& parent, std::string_view name);
  explicit ColumnTableReader(Group table);

  const Group& group() const { return group_; }
  // Name of the dimension-scale dataset ("" when the group has none).
  const std::string& dimension_name() const { return dimension_name_; }
  // Number of rows (length of the dimension scale, else of the first column).
  std::uint64_t rows() const;
  // Data columns in creation order, without the dimension scale.
  const std::vector<std::string>& column_names() const { return column_names_; }
  bool has_column(std::string_view name) const;
  Dataset column(std::string_view name) const;
  ElementType column_type(std::string_view name) const;

  // Reads a whole column; conversions as is_readable_as allows (any numeric type as double).
  template <Hdf5Numeric T>
  std::vector<T> read(std::string_view name) const {
    return column(name).read<T>();
  }
  std::vector<double> read_as_double(std::string_view name) const { return read<double>(name); }
  // The `units` attribute ("" when absent).
  std::string units(std::string_view name) const;
  // Codes and labels from `flag_values` / `flag_meanings` (empty when not categorical).
  std::vector<Category<std::int64_t>> categories(std::string_view name) const;

 private:
  Group group_;
  std::string dimension_name_;
  std::vector<std::string> column_names_;
};

// Writes `<parent>/lookup/<name>`: a `code` dataset (the dimension scale, type T) and a `label`
// dataset of vlen UTF-8 strings attached to it, so xarray indexes labels by code.
template <Hdf5Numeric T>
void write_lookup_table(Group& parent, std::string_view name,
                        std::span<const Category<T>> categories) {
  std::vector<T> codes;
  std::vector<std::string> labels;
  for (const Category<T>& category : categories) {
    codes.push_back(category.code);
    labels.push_back(category.label);
  }
  Group table = parent.require_group("lookup").create_group(name);
  Dataset code = table.write_dataset("code", std::span<const T>(codes));
  Dataset label = table.write_string_dataset("label", labels);
  code.write_attribute("units", "1");
  code.make_dimension_scale("code");
  label.attach_dimension_scale(code);
}
// Codes 0..labels.size()-1.
template <Hdf5Numeric T>
void write_lookup_table(Group& parent, std::string_view name, std::span<const std::string> labels) {
  std::vector<Category<T>> categories;
  for (std::size_t index = 0; index < labels.size(); ++index) {
    categories.push_back(Category<T>{static_cast<T>(index), labels[index]});
  }
  write_lookup_table<T>(parent, name, std::span<const Category<T>>(categories));
}
// Reads `<parent>/lookup/<name>`.
std::vector<Category<std::int64_t>> read_lookup_table(const Group& parent, std::string_view name);

}  // namespace genops::results
