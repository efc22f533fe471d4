#!/bin/bash
# device-check.sh: the one prepared run for a lent many-core machine (the device tool), in about
# five minutes: the topology, the core-to-core matrix, the jitter of every CPU at once, `tune`'s
# placements, the suite's latency and ring scenarios, and the ring and engine go test
# benchmarks. Everything goes under $OUT (default /tmp/hotpath-device), one file per step; a step
# that fails or times out is noted in steps.txt and the others still run.
#
# The lent machine may have no Go toolchain and reaches no network, so build here and carry the
# binaries (x86-64 Linux, statically linked):
#
#   echo /.dev/ >> .git/info/exclude
#   bash bench/scripts/device-check.sh prepare .dev     # hotpath, ring.test, engine.test
#   # then, on the device, with carry [".dev"]:
#   BIN=.dev bash bench/scripts/device-check.sh
#
# Without BIN it builds and tests with the local toolchain. QUICK=1 makes every step short (a
# smoke run of the script itself).
set -u
if [ "${1:-}" = prepare ]; then
	dir=${2:?usage: device-check.sh prepare DIR}
	mkdir -p "$dir"
	export CGO_ENABLED=0 GOOS=linux GOARCH=amd64
	go build -o "$dir/hotpath" ./bench/cmd/hotpath &&
		go test -c -o "$dir/ring.test" ./ring &&
		go test -c -o "$dir/engine.test" ./engine &&
		ls -l "$dir"
	exit
fi

out=${OUT:-/tmp/hotpath-device}
mkdir -p "$out"
dur=3s tunedur=2s bt=300ms count=3
if [ "${QUICK:-0}" = 1 ]; then dur=300ms tunedur=200ms bt=20ms count=1; fi

step() { # step NAME TIMEOUT CMD...: runs CMD with its stdout in $out/NAME and notes the outcome
	local name=$1 limit=$2
	shift 2
	local t0=$SECONDS
	timeout "$limit" "$@" >"$out/$name" 2>"$out/$name.err"
	local rc=$?
	printf '%-20s rc=%-3d %4ds  %s\n' "$name" "$rc" "$((SECONDS - t0))" "$*" | tee -a "$out/steps.txt"
}

: >"$out/steps.txt"
{ date -u; uname -a; nproc; git rev-parse HEAD 2>/dev/null; } >"$out/machine.txt"
if [ -n "${BIN:-}" ]; then
	hp=$BIN/hotpath ringtest=$BIN/ring.test enginetest=$BIN/engine.test
else
	hp=$out/hotpath ringtest=$out/ring.test enginetest=$out/engine.test
	go build -o "$hp" ./bench/cmd/hotpath && go test -c -o "$ringtest" ./ring && go test -c -o "$enginetest" ./engine ||
		{ echo "build failed" | tee -a "$out/steps.txt"; exit 1; }
fi

step topology.txt 30 "$hp" topology
step topology.json 30 "$hp" topology -json
step c2c.txt 240 "$hp" c2c
step c2c.json 240 "$hp" c2c -json
step c2c-svg.log 240 "$hp" c2c -method two-line -out "$out/c2c-two-line.svg"
step jitter.txt 60 "$hp" jitter -together -duration 2s
step tune.txt 300 "$hp" tune -duration "$tunedur"
step suite.txt 400 "$hp" -duration "$dur" -scenario spsc,spsc-batch64,mpmc-2p2c,multicast-1p2c,route-e2e,route-e2e-1m,trading-flow -out "$out/suite"
step ring.txt 400 "$ringtest" -test.run '^$' -test.bench 'BenchmarkSPSC$|BenchmarkSPSCBatch$|BenchmarkMPMC$|BenchmarkMulticast$|BenchmarkSPSCSize' -test.benchmem -test.benchtime "$bt" -test.count "$count"
step engine.txt 300 "$enginetest" -test.run '^$' -test.bench 'BenchmarkDispatch|BenchmarkPublish|BenchmarkLatency' -test.benchmem -test.benchtime "$bt" -test.count "$count"
echo "done: $out" | tee -a "$out/steps.txt"
