#!/usr/bin/env bash
# make bench: every Google Benchmark program and the loopback load programs; the figures land in
# BUILD/bench/results.json as a list of {"name","value","unit","baseline"?,"ratio"?,"target"?}.
set -euo pipefail
build=${1:-build}
out="$build/bench"
mkdir -p "$out"
: >"$out/lines.jsonl"
for b in "$build"/bin/*_bench; do
  name=$(basename "$b")
  echo "bench: $name" >&2
  "$b" --benchmark_format=json --benchmark_min_time=0.2 >"$out/$name.json" 2>/dev/null || { echo "bench: $name failed" >&2; continue; }
  python3 - "$out/$name.json" "$name" >>"$out/lines.jsonl" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
for b in doc.get("benchmarks", []):
    if b.get("run_type") == "aggregate":
        continue
    unit = b.get("time_unit", "ns")
    print(json.dumps({"name": "%s/%s" % (sys.argv[2], b["name"]), "value": b["cpu_time"], "unit": unit + "/op"}))
PY
done
echo "bench: gpram-bench session" >&2
"$build/bin/gpram-bench" session --seconds "${BENCH_SECONDS:-20}" --concurrency "${BENCH_CONCURRENCY:-16}" \
  --idle "${BENCH_IDLE:-5000}" >>"$out/lines.jsonl"
python3 - "$out/lines.jsonl" "$out/results.json" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
json.dump(rows, open(sys.argv[2], "w"), indent=1)
for r in rows:
    extra = ""
    if "ratio" in r:
        extra = "  (baseline %.1f, ratio %.2f, target %.1f)" % (r["baseline"], r["ratio"], r.get("target", 0))
    elif "target" in r:
        extra = "  (target %.1f)" % r["target"]
    print("%-70s %12.1f %s%s" % (r["name"], r["value"], r["unit"], extra))
print("wrote " + sys.argv[2])
PY
