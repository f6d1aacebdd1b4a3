#include "results/column_table.hpp"

#include <algorithm>
#include <exception>
#include <numeric>

#include <tbb/parallel_for.h>

#include "engine/error.hpp"

namespace genops::results {

namespace {

// Codes as i64: every integer type but u64 widens losslessly; u64 codes are cast (codes are small).
std::vector<std::int64_t> read_codes(const Dataset& dataset) {
  if (dataset.element_type() == ElementType::U64) {
    const std::vector<std::uint64_t> codes = dataset.read<std::uint64_t>();
    return {codes.begin(), codes.end()};
  }
  return dataset.read<std::int64_t>();
}

std::vector<std::int64_t> read_code_attribute(const Object& object, std::string_view name) {
  if (object.attribute_type(name) == ElementType::U64) {
    const std::vector<std::uint64_t> codes = object.read_array_attribute<std::uint64_t>(name);
    return {codes.begin(), codes.end()};
  }
  return object.read_array_attribute<std::int64_t>(name);
}

std::vector<std::string> split_on_spaces(std::string_view text) {
  std::vector<std::string> words;
  std::size_t position = 0;
  while (position < text.size()) {
    const std::size_t start = text.find_first_not_of(' ', position);
    if (start == std::string_view::npos) {
      break;
    }
    std::size_t end = text.find(' ', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    words.emplace_back(text.substr(start, end - start));
    position = end;
  }
  return words;
}

}  // namespace

// ---- ColumnSink ----

namespace detail {

ColumnSink::ColumnSink(Dataset dataset, ElementType type, std::uint64_t chunk_rows,
                       ColumnTableWriter& owner)
    : dataset_(std::move(dataset)),
      type_(type),
      element_bytes_(element_size(type)),
      owner_(&owner),
      buffer_(static_cast<std::size_t>(chunk_rows) * element_bytes_),
      cursor_(buffer_.data()),
      end_(buffer_.data() + buffer_.size()) {}

void ColumnSink::hand_over_chunk() {
  const std::uint64_t rows = buffered_rows();
  if (rows == 0) {
    return;
  }
  // The last chunk of a column is stored whole, as HDF5 stores edge chunks; zero the tail.
  std::fill(cursor_, end_, std::byte{0});
  std::vector<std::byte> next = owner_->spare_buffer();
  next.resize(buffer_.size());
  std::swap(buffer_, next);
  cursor_ = buffer_.data();
  end_ = buffer_.data() + buffer_.size();
  const std::uint64_t first_row = queued_rows_;
  queued_rows_ += rows;
  owner_->queue_chunk({this, first_row, rows, std::move(next)});
}

}  // namespace detail

// ---- ColumnTableWriter ----

ColumnTableWriter::ColumnTableWriter(Group& parent, std::string_view name,
                                     std::string_view dimension_name, std::uint64_t chunk_rows,
                                     unsigned gzip_level, bool shuffle)
    : group_(parent.create_group(name)),
      dimension_name_(dimension_name),
      chunk_rows_(chunk_rows),
      options_{chunk_rows, gzip_level, shuffle},
      uncaught_at_construction_(std::uncaught_exceptions()) {
  GENOPS_ASSERT(chunk_rows > 0, "a table needs at least one row per chunk");
  scale_ = group_.create_dataset(dimension_name, ElementType::U64, options_);
  scale_.make_dimension_scale(dimension_name);
  scale_.write_attribute("units", "1");
  scale_.write_attribute("long_name", "row index");
}

ColumnTableWriter::~ColumnTableWriter() {
  // While an exception unwinds, the file is abandoned (it stays *.partial), so no finish().
  GENOPS_ASSERT(finished_ || std::uncaught_exceptions() > uncaught_at_construction_,
                "ColumnTableWriter for '" + group_.path() + "' destroyed without finish()");
}

detail::ColumnSink& ColumnTableWriter::add_sink(std::string_view name, ElementType type,
                                                std::string_view units,
                                                std::string_view long_name) {
  GENOPS_ASSERT(!finished_, "column added to a finished table");
  Dataset dataset = group_.create_dataset(name, type, options_);
  dataset.write_attribute("units", units);
  if (!long_name.empty()) {
    dataset.write_attribute("long_name", long_name);
  }
  dataset.attach_dimension_scale(scale_);
  columns_.push_back(
      std::make_unique<detail::ColumnSink>(std::move(dataset), type, chunk_rows_, *this));
  return *columns_.back();
}

std::vector<std::byte> ColumnTableWriter::spare_buffer() {
  if (spare_buffers_.empty()) {
    return {};
  }
  std::vector<std::byte> buffer = std::move(spare_buffers_.back());
  spare_buffers_.pop_back();
  return buffer;
}

void ColumnTableWriter::queue_chunk(PendingChunk chunk) {
  GENOPS_ASSERT(!finished_, "rows pushed into finished table '" + group_.path() + "'");
  queue_.push_back(std::move(chunk));
  if (queue_.size() >= columns_.size()) {
    write_queued_chunks();
  }
}

void ColumnTableWriter::write_queued_chunks() {
  std::vector<std::vector<std::byte>> encoded(queue_.size());
  // Compression is the cost of writing; chunks are independent, so spread them over workers.
  // HDF5 calls stay on this thread.
  tbb::parallel_for(std::size_t{0}, queue_.size(), [&](std::size_t index) {
    const PendingChunk& chunk = queue_[index];
    encoded[index] = encode_chunk(chunk.raw, chunk.sink->element_bytes(), options_);
  });
  for (std::size_t index = 0; index < queue_.size(); ++index) {
    PendingChunk& chunk = queue_[index];
    chunk.sink->dataset().write_encoded_chunk(chunk.first_row, chunk.rows, encoded[index]);
    spare_buffers_.push_back(std::move(chunk.raw));
  }
  queue_.clear();
}

std::string ColumnTableWriter::join_flag_meanings(std::span<const std::string_view> labels) {
  std::string meanings;
  for (const std::string_view label : labels) {
    GENOPS_ASSERT(!label.empty() && label.find(' ') == std::string_view::npos,
                  "category label '" + std::string(label) + "' must be one non-empty word");
    if (!meanings.empty()) {
      meanings += ' ';
    }
    meanings += label;
  }
  return meanings;
}

std::uint64_t ColumnTableWriter::rows() const {
  return columns_.empty() ? 0 : columns_.front()->rows();
}

void ColumnTableWriter::finish() {
  if (finished_) {
    return;
  }
  const std::uint64_t row_count = rows();
  for (const auto& column : columns_) {
    GENOPS_ASSERT(column->rows() == row_count, "column '" + column->dataset().path() + "' has " +
                                                   std::to_string(column->rows()) +
                                                   " rows, the table has " +
                                                   std::to_string(row_count));
  }
  for (const auto& column : columns_) {
    column->hand_over_chunk();
  }
  // The row index, written in chunk-sized pieces like every other column.
  std::vector<std::uint64_t> index(static_cast<std::size_t>(std::min(row_count, chunk_rows_)));
  for (std::uint64_t start = 0; start < row_count; start += chunk_rows_) {
    index.resize(static_cast<std::size_t>(std::min(chunk_rows_, row_count - start)));
    std::iota(index.begin(), index.end(), start);
    scale_.append(std::span<const std::uint64_t>(index));
  }
  write_queued_chunks();
  for (const auto& column : columns_) {
    column->dataset().close();
  }
  scale_.close();
  spare_buffers_.clear();
  finished_ = true;
}

// ---- ColumnTableReader ----

ColumnTableReader::ColumnTableReader(const Group& parent, std::string_view name)
    : ColumnTableReader(parent.open_group(name)) {}

ColumnTableReader::ColumnTableReader(Group table) : group_(std::move(table)) {
  for (std::string& name : group_.dataset_names()) {
    if (dimension_name_.empty() && group_.open_dataset(name).is_dimension_scale()) {
      dimension_name_ = std::move(name);
    } else {
      column_names_.push_back(std::move(name));
    }
  }
}

std::uint64_t ColumnTableReader::rows() const {
  if (!dimension_name_.empty()) {
    return group_.open_dataset(dimension_name_).size();
  }
  return column_names_.empty() ? 0 : group_.open_dataset(column_names_.front()).size();
}

bool ColumnTableReader::has_column(std::string_view name) const {
  return std::find(column_names_.begin(), column_names_.end(), name) != column_names_.end();
}

Dataset ColumnTableReader::column(std::string_view name) const {
  if (!has_column(name)) {
    throw Hdf5Error("H5Dopen2", group_.path() + "/" + std::string(name), group_.file_name(),
                    "the table has no column of that name");
  }
  return group_.open_dataset(name);
}

ElementType ColumnTableReader::column_type(std::string_view name) const {
  return column(name).element_type();
}

std::string ColumnTableReader::units(std::string_view name) const {
  const Dataset dataset = column(name);
  return dataset.has_attribute("units") ? dataset.read_string_attribute("units") : std::string();
}

std::vector<Category<std::int64_t>> ColumnTableReader::categories(std::string_view name) const {
  const Dataset dataset = column(name);
  std::vector<Category<std::int64_t>> categories;
  if (!dataset.has_attribute("flag_values") || !dataset.has_attribute("flag_meanings")) {
    return categories;
  }
  const std::vector<std::int64_t> codes = read_code_attribute(dataset, "flag_values");
  const std::vector<std::string> labels =
      split_on_spaces(dataset.read_string_attribute("flag_meanings"));
  if (codes.size() != labels.size()) {
    throw Hdf5Error("H5Aread", dataset.path() + "@flag_meanings", dataset.file_name(),
                    std::to_string(codes.size()) + " flag_values but " +
                        std::to_string(labels.size()) + " flag_meanings");
  }
  for (std::size_t index = 0; index < codes.size(); ++index) {
    categories.push_back(Category<std::int64_t>{codes[index], labels[index]});
  }
  return categories;
}

std::vector<Category<std::int64_t>> read_lookup_table(const Group& parent, std::string_view name) {
  const Group table = parent.open_group("lookup/" + std::string(name));
  const std::vector<std::int64_t> codes = read_codes(table.open_dataset("code"));
  std::vector<std::string> labels = table.open_dataset("label").read_strings();
  if (codes.size() != labels.size()) {
    throw Hdf5Error(
        "H5Dread", table.path(), table.file_name(),
        std::to_string(codes.size()) + " codes but " + std::to_string(labels.size()) + " labels");
  }
  std::vector<Category<std::int64_t>> categories;
  for (std::size_t index = 0; index < codes.size(); ++index) {
    categories.push_back(Category<std::int64_t>{codes[index], std::move(labels[index])});
  }
  return categories;
}

}  // namespace genops::results
