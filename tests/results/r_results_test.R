# Reads a results file written by the real CLI (`genops-sim run ... --out`) with R's hdf5r,
# as the README's R recipe does, and checks it against the file's own summary tables.
#
# usage: Rscript r_results_test.R <genops-sim executable> <source directory> <work directory>
# Exit 0 on success, 1 on failure, 77 (CTest SKIP_RETURN_CODE) when hdf5r is not installed.
args <- commandArgs(trailingOnly = TRUE)
if (!requireNamespace("hdf5r", quietly = TRUE)) {
  cat("SKIP: the R reader needs hdf5r; install r-cran-hdf5r (scripts/install-deps.sh does)\n")
  quit(status = 77)
}
suppressPackageStartupMessages(library(hdf5r))
executable <- args[1]
source_dir <- args[2]
work <- args[3]
unlink(work, recursive = TRUE)
dir.create(work, recursive = TRUE)
path <- file.path(work, "quick.h5")
status <- system2(executable, c("run", file.path(source_dir, "scenarios", "quick.toml"),
                                "--replications", "2", "--quiet", "--out", path),
                  stdout = FALSE)
stopifnot(status == 0)

# --- the README's recipe ---
f <- H5File$new(path, mode = "r")
stopifnot(h5attr(f, "status") == "complete")
deployments <- function(run) {
  g <- f[[paste0(run, "/deployments")]]
  outcome <- g[["outcome"]]
  labels <- strsplit(h5attr(outcome, "flag_meanings"), " ")[[1]]
  codes <- h5attr(outcome, "flag_values")
  data.frame(cycle_time_min = g[["cycle_time_min"]]$read(),
             outcome = factor(outcome$read(), levels = codes, labels = labels))
}
# --- end of recipe ---

for (strategy in c("baseline", "genops")) {
  for (rep in 0:1) {
    run <- sprintf("runs/%s/rep%d", strategy, rep)
    d <- deployments(run)
    summary <- f[[paste0(run, "/summary")]]
    stopifnot(nrow(d) == summary[["deployments"]]$read())
    stopifnot(sum(d$outcome == "succeeded") == summary[["succeeded"]]$read())
    stopifnot(abs(median(d$cycle_time_min) - summary[["median_cycle_time_min"]]$read()) < 1e-9)
  }
}
f$close_all()
cat("R reader: both strategies, both replications agree with the summary tables\n")
