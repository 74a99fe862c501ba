#!/bin/sh
# Instructions of the median call of bench/hook-path.cjs under callgrind: each measured call is
# counted on its own (a dump at the os.loadavg() after it), as in the end-to-end instruction bench.
#   bench/instructions.sh [workload] [calls] [warm-up]   (NODE=path/to/node, default Node 24)
set -eu
cd "$(dirname "$0")/.."
workload=${1:-chat}
calls=${2:-150}
warmup=${3:-300}
node=${NODE:-.node/24.21.0/bin/node}
dumps=$(mktemp -d)
trap 'rm -rf "$dumps"' EXIT
HOOK_PATH_WARMUP=$warmup valgrind --tool=callgrind --callgrind-out-file="$dumps/hook.%p" \
  --dump-after='node::os::GetLoadAvg*' --dump-after='v8::internal::GCExtension::GC*' \
  "$node" --predictable --predictable-gc-schedule --no-incremental-marking --expose-gc \
  bench/hook-path.cjs "$workload" "$calls" > /dev/null 2>&1
echo "$workload (warm-up $warmup):"
"$node" bench/instructions/per-call-summary.ts "$dumps/hook"
