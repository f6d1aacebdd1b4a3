#pragma once

// Static sharding, shared by `run` (replications) and `sweep run`/`status` (points): task I of
// N takes items I, I+N, I+2N, ... of a list. The task comes from --task-index/--task-count or,
// without them, from the array index of Slurm (SLURM_ARRAY_TASK_ID minus SLURM_ARRAY_TASK_MIN,
// SLURM_ARRAY_TASK_COUNT), a Kubernetes Indexed Job (JOB_COMPLETION_INDEX; the count from
// --task-count) or Open MPI (OMPI_COMM_WORLD_RANK, OMPI_COMM_WORLD_SIZE).

#include <cstddef>
#include <string>
#include <vector>

namespace boost::program_options {
class options_description;
class variables_map;
}  // namespace boost::program_options

namespace genops::scenarios {

struct TaskShard {
  std::size_t index = 0;
  std::size_t count = 1;
  std::string source;  // what set it: "--task-index", "SLURM_ARRAY_TASK_ID", ...; "" for {0, 1}
};

// --task-index and --task-count; `items` says what is shared out ("replications", "points").
void add_task_options(boost::program_options::options_description& options, const char* items);

// The task of this process; engine::InputError for an index outside [0, count), a count < 1,
// an index without a count, or an environment value that is not a non-negative integer.
TaskShard task_shard(const boost::program_options::variables_map& values);

// The items of `task`: the k-th item goes to task k mod count.
std::vector<std::size_t> shard(const std::vector<std::size_t>& items, const TaskShard& task);

}  // namespace genops::scenarios
