// What each packed column holds, for a VM and for a host, raw and rolled up.
// Integers throughout: CPU in thousandths of a core, memory in MiB, disk and
// network rates in KiB per second (bytes would cost a fifth more space for a
// precision no TopN or rollup needs), IOPS in thousandths of a request per
// second. Constants.
#pragma once

#include <cstddef>

namespace xc {

// A VM's values; a host's first kVmColumns columns are the sums of its VMs'.
enum VmColumn : size_t {
  kCpuMilli,        // CPU used, 1/1000 core
  kVcpus,           // vCPUs allocated
  kMemoryUsedMiB,   // memory the guest uses
  kMemoryMiB,       // memory allocated
  kDiskReadKiBps,   // KiB read per second
  kDiskWriteKiBps,  // KiB written per second
  kReadIopsMilli,   // read requests per second, x1000
  kWriteIopsMilli,  // write requests per second, x1000
  kNetRxKiBps,      // KiB received per second
  kNetTxKiBps,      // KiB sent per second
  kVmColumns
};

// A host's own values, after the VM columns.
enum HostColumn : size_t {
  kHostCpus = kVmColumns,
  kHostMemoryMiB,
  kHostMemoryFreeMiB,
  kPoolCapacityBytes,
  kPoolAllocationBytes,
  kPoolAvailableBytes,
  kHostColumns
};

// A rollup has, for raw column c, the hour's average at 2c and its maximum at
// 2c + 1, then how many raw samples the hour had.
constexpr size_t rollup_avg(size_t column) {
  return 2 * column;
}
constexpr size_t rollup_max(size_t column) {
  return 2 * column + 1;
}
constexpr size_t rollup_count(size_t raw_columns) {
  return 2 * raw_columns;
}

}  // namespace xc
