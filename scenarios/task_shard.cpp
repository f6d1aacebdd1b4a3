#include "scenarios/task_shard.hpp"

#include <cstdlib>
#include <optional>

#include <boost/program_options.hpp>

#include "engine/error.hpp"

namespace genops::scenarios {

namespace po = boost::program_options;

namespace {

std::optional<long> environment_number(const char* name) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0')
    return std::nullopt;
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (*end != '\0' || value < 0)
    throw engine::InputError(std::string("environment ") + name +
                             ": expected a non-negative integer, got '" + text + "'");
  return value;
}

}  // namespace

void add_task_options(po::options_description& options, const char* items) {
  options.add_options()("task-index", po::value<long>(),
                        (std::string("this task's share of the ") + items +
                         ", 0-based (default: SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or "
                         "OMPI_COMM_WORLD_RANK)")
                            .c_str())(
      "task-count", po::value<long>(),
      "number of tasks (default: SLURM_ARRAY_TASK_COUNT or OMPI_COMM_WORLD_SIZE)");
}

TaskShard task_shard(const po::variables_map& values) {
  std::optional<long> index;
  std::optional<long> count;
  std::string from = "--task-index";
  if (values.count("task-index") != 0)
    index = values["task-index"].as<long>();
  if (values.count("task-count") != 0)
    count = values["task-count"].as<long>();
  if (!index) {
    if (const auto slurm = environment_number("SLURM_ARRAY_TASK_ID")) {
      // Arrays may start anywhere (--array=1-4); the task is the offset from the minimum.
      index = *slurm - environment_number("SLURM_ARRAY_TASK_MIN").value_or(0);
      from = "SLURM_ARRAY_TASK_ID";
      if (!count)
        count = environment_number("SLURM_ARRAY_TASK_COUNT");
    } else if (const auto kubernetes = environment_number("JOB_COMPLETION_INDEX")) {
      index = kubernetes;
      from = "JOB_COMPLETION_INDEX";
    } else if (const auto rank = environment_number("OMPI_COMM_WORLD_RANK")) {
      index = rank;
      from = "OMPI_COMM_WORLD_RANK";
      if (!count)
        count = environment_number("OMPI_COMM_WORLD_SIZE");
    }
  }
  if (!index && !count)
    return {};
  if (!index || !count || *count < 1 || *index < 0 || *index >= *count) {
    throw engine::InputError(
        from +
        ": expected a task index in [0, task count) and a task count >= 1 (--task-count, "
        "SLURM_ARRAY_TASK_COUNT or OMPI_COMM_WORLD_SIZE), got index " +
        (index ? std::to_string(*index) : "none") + " and count " +
        (count ? std::to_string(*count) : "none"));
  }
  return {static_cast<std::size_t>(*index), static_cast<std::size_t>(*count), from};
}

std::vector<std::size_t> shard(const std::vector<std::size_t>& items, const TaskShard& task) {
  std::vector<std::size_t> out;
  for (std::size_t k = 0; k < items.size(); ++k) {
    if (k % task.count == task.index)
      out.push_back(items[k]);
  }
  return out;
}

}  // namespace genops::scenarios
