#!/usr/bin/env bash
# make demo: gpramd on the embedded default (SQLite), DEMO_CARDS virtual cards registered, a real
# applet installed over the air on every card through PSK-TLS Amendment B sessions, a report.
# Everything runs on 127.0.0.1 and is stopped at the end.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/$build/bin"
cards=${DEMO_CARDS:-1000}
shared=${GPRAM_SHARED:-$root/../shared}
cap=${DEMO_CAP:-$shared/testdata/cap/pysim-test_javacard-hellostk.cap}
applet=${DEMO_APPLET:-D07002CA44900101}
work=$(mktemp -d /tmp/gpram-demo.XXXXXX)
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; fi
}
trap cleanup EXIT
say() { printf '\033[1m%s\033[0m\n' "$*" >&2; }
t0=$(date +%s.%N)

[ -f "$cap" ] || { echo "error: CAP file $cap not found (set DEMO_CAP)" >&2; exit 2; }
say "== gpram demo: $cards virtual cards, applet $applet from $(basename "$cap"), work dir $work"

"$bin/gpramd" --db "sqlite:$work/gpram.db" --card-listen 127.0.0.1:0 --api-listen 127.0.0.1:0 \
  --admin-token-file "$work/admin.token" --master-key-file "$work/master.key" \
  --ready-file "$work/ready.json" --log-format text --log-level warn >"$work/gpramd.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -s "$work/ready.json" ] && break; sleep 0.1; done
[ -s "$work/ready.json" ] || { echo "error: gpramd did not start:" >&2; cat "$work/gpramd.log" >&2; exit 1; }
api=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["api"])' "$work/ready.json")
card=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["card"])' "$work/ready.json")
export GPRAM_SERVER="http://$api" GPRAM_TOKEN
GPRAM_TOKEN=$(cat "$work/admin.token")
say "1. gpramd is up: card endpoint (PSK-TLS) $card, REST API http://$api (SQLite $work/gpram.db)"

python3 - "$cards" >"$work/cards.jsonl" <<'PY'
import json, os, sys
for i in range(int(sys.argv[1])):
    iccid = "8988211%012d" % i
    print(json.dumps({"iccid": iccid, "psk_identity": "demo-%06d" % i, "psk": os.urandom(16).hex().upper()}))
PY
"$bin/gpram" card import "$work/cards.jsonl" >"$work/import.json"
say "2. registered $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["registered"])' "$work/import.json") cards (PSKs sealed at rest under the master key)"

python3 - "$cap" "$applet" >"$work/job.json" <<'PY'
import base64, json, sys
cap = base64.b64encode(open(sys.argv[1], "rb").read()).decode()
print(json.dumps({"operations": [
    {"install": {"cap": cap}},
    {"apdus": ["80F24002024F0000", "00A40400%02X%s" % (len(sys.argv[2]) // 2, sys.argv[2])]}]}))
PY
"$bin/gpram" campaign start --cards "$work/cards.jsonl" <"$work/job.json" >"$work/campaign.json"
campaign=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$work/campaign.json")
say "3. campaign $campaign: the install compiled once (INSTALL [for load], LOAD blocks, INSTALL [for install and make selectable]) plus GET STATUS and SELECT of the new applet, one job per card"

say "4. the cards' admin agents connect (PSK-TLS, HTTP POST, TS 102 226 scripts) ..."
"$bin/gpram-sim" fleet --cards "$work/cards.jsonl" --server "$card" --concurrency 64 --timeout 30 \
  >"$work/fleet.json" 2>"$work/fleet.log" &
fleet=$!
"$bin/gpram" campaign watch "$campaign" --timeout 300 >"$work/campaign-final.json" || true
wait "$fleet" || true

python3 - "$api" "$GPRAM_TOKEN" "$work" "$cards" "$t0" "$campaign" <<'PY'
import json, sys, time, urllib.request
api, token, work, total, t0, campaign = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
def get(path):
    req = urllib.request.Request("http://%s%s" % (api, path), headers={"Authorization": "Bearer " + token})
    return urllib.request.urlopen(req, timeout=5).read().decode()
fleet = json.load(open(work + "/fleet.json"))
states = {}
for line in get("/metrics").splitlines():
    if line.startswith('gpram_jobs{state="'):
        states[line.split('"')[1]] = int(float(line.split()[-1]))
job = json.loads(get("/v1/jobs/j00000001"))
names = {"80E602": "INSTALL [for load]", "80E802": "LOAD", "80E880": "LOAD (last block)",
         "80E60C": "INSTALL [install+make selectable]", "80F240": "GET STATUS (applications)",
         "00A404": "SELECT new applet"}
print()
print("== Report")
print("   sessions: %d, completed: %d, failed: %s" % (fleet["sessions"], fleet["completed"], fleet["failed"] or "none"))
print("   scripts: %d, APDUs: %d, resumes: %d, fleet time %.1f s" % (fleet["scripts"], fleet["apdus"], fleet["resumes"], fleet["seconds"]))
lat = fleet["latency_s"]
print("   session latency p50 %.0f ms, p90 %.0f ms, p99 %.0f ms" % (lat["p50"] * 1e3, lat["p90"] * 1e3, lat["p99"] * 1e3))
camp = json.loads(get("/v1/campaigns/" + campaign))
print("   campaign %s: %s, %d/%d done, %d failed" % (campaign, camp["state"], camp["done"], camp["total"], camp["failed"]))
print()
print("   job j00000001 (card %s): %s" % (job["iccid"], job["state"]))
loads = [r for r in job["results"] if r["capdu"].startswith("80E8")]
shown_load = False
def aids_in(hexstr):
    # AIDs (tag 4F) in a GET STATUS TLV response (E3 records)
    b, out, i = bytes.fromhex(hexstr[:-4]), [], 0
    while i + 2 <= len(b):
        t, l = b[i], b[i + 1]
        if t == 0xE3:
            i += 2
            continue
        if t == 0x4F:
            out.append(b[i + 2:i + 2 + l].hex().upper())
        i += 2 + l
    return out
for r in job["results"]:
    c = r["capdu"]
    if c.startswith("80E8"):
        if shown_load:
            continue
        shown_load = True
        sws = sorted(set(x.get("sw", "") for x in loads))
        print("     %-36s -> SW %s" % ("LOAD x%d blocks" % len(loads), "/".join(sws)))
        continue
    label = names.get(c[:6], c[:10])
    extra = ""
    if c.startswith("80F240"):
        extra = "  applications: " + ", ".join(aids_in(r["rapdu"]))
    print("     %-36s -> SW %s%s" % (label, r.get("sw", r["rapdu"][-4:]), extra))
print()
print("   total demo time %.1f s" % (time.time() - t0))
print("   look further: GPRAM_SERVER=http://%s GPRAM_TOKEN=$(cat %s/admin.token) build/bin/gpram job show j00000001" % (api, work))
print("                 curl http://%s/metrics    (while gpramd runs; this demo stops it now)" % api)
ok = camp["done"] == total
sys.exit(0 if ok else 1)
PY
