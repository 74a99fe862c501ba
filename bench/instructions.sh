#!/bin/sh
# Instructions per call of bench/hook-path.cjs under callgrind: (I(N2) - I(N1)) / (N2 - N1).
#   bench/instructions.sh [workload] [N1] [N2] [warm-up]   (NODE=path/to/node, default Node 24)
set -eu
cd "$(dirname "$0")/.."
workload=${1:-chat}
n1=${2:-100}
n2=${3:-300}
warmup=${4:-200}
node=${NODE:-.node/24.21.0/bin/node}
count() {
  HOOK_PATH_WARMUP=$warmup valgrind --tool=callgrind --callgrind-out-file=/dev/null \
    "$node" --predictable --expose-gc bench/hook-path.cjs "$workload" "$1" 2>&1 |
    sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
}
i1=$(count "$n1")
i2=$(count "$n2")
echo "$workload: $(( (i2 - i1) / (n2 - n1) )) instructions per call (I($n1)=$i1, I($n2)=$i2, warm-up $warmup)"
