// DRAM read bandwidth (the decode limit): sums a 1 GiB buffer with AVX2 loads on 1 and 2 threads,
// the best of 7 passes (the limit is what the memory system can give) and their median. The
// buffer asks for transparent huge pages, as the weights decode streams do (TLB misses would
// otherwise be part of the figure). Prints one JSON line per thread count.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "read_bandwidth.hpp"

int main() {
  const size_t n = size_t(1) << 28;
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    std::vector<double> gbs = bench::read_passes_gbs(n, 7);
    std::sort(gbs.begin(), gbs.end());
    std::printf("{\"threads\": %d, \"read_gb_per_s\": %.2f, \"median_gb_per_s\": %.2f}\n", threads, gbs.back(), gbs[3]);
  }
}
